"""Progress reviews and the scorecard trend: the pair's pages."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agreements.models import SuccessCriterion
from mentorship.lib.forms import add_service_error
from mentorship.lib.http import AuthenticatedRequest
from mentorship.models import Role
from reviews import access, forms, services, trends
from reviews.models import CriterionAssessment, ProgressReview


@require_GET
def review_list(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """The pair's reviews, due and done, and the scorecard trend of every dimension."""
    mentorship = access.get_pair_mentorship_for(request.user, public_id)
    return render(
        request,
        "reviews/review_list.html",
        {
            "mentorship": mentorship,
            "reviews": list(mentorship.progress_reviews.order_by("due_on")),
            "trends": trends.trends_for(mentorship),
            "axis": trends.AXIS,
        },
    )


def _criteria(review: ProgressReview) -> tuple[int | None, list[SuccessCriterion]]:
    """The version a review measures and its criteria: its own once opened, before
    that the version in force (the one it will bind to)."""
    version = review.version or services.version_in_force(review.mentorship)
    if version is None:
        return None, []
    return version.pk, list(version.criteria.all())


def _render(
    request: AuthenticatedRequest,
    review: ProgressReview,
    *,
    assess_form: forms.AssessmentForm | None = None,
    complete_form: forms.CompletionForm | None = None,
) -> HttpResponse:
    role = str(review.mentorship.role_of(request.user))
    version_id, criteria = _criteria(review)
    assessments = list(
        CriterionAssessment.objects.filter(review=review).select_related("criterion")
    )
    by_role: dict[str, dict[int, CriterionAssessment]] = {
        r: {a.criterion_id: a for a in assessments if a.role == r}
        for r in (Role.MENTEE, Role.MENTOR)
    }
    mine = by_role.get(role, {})
    context: dict[str, Any] = {
        "review": review,
        "mentorship": review.mentorship,
        "role": role,
        "criteria": criteria,
        "table": [
            (c, *(by_role[r].get(c.pk) for r in (Role.MENTEE, Role.MENTOR)))
            for c in criteria
        ],
        "ratings": list(review.ratings.all()) if review.is_completed else [],
    }
    workable = review.mentorship.is_active and not review.is_completed and criteria
    if workable:
        context["assess_form"] = assess_form or forms.AssessmentForm(
            criteria=criteria,
            initial={"version_id": version_id}
            | {f"status_{pk}": a.status for pk, a in mine.items()}
            | {f"evidence_{pk}": a.evidence for pk, a in mine.items()}
            | {f"rating_{pk}": a.rating for pk, a in mine.items()},
        )
        waiting = services.missing_parties(review)
        context["waiting"] = waiting
        if not waiting:
            context["complete_form"] = complete_form or forms.CompletionForm(
                dimensions=list(review.mentorship.scorecard_dimensions),
                criteria=criteria,
            )
    return render(request, "reviews/detail.html", context)


@require_GET
def detail(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    review = access.get_review_for(request.user, public_id)
    return _render(request, review)


@require_POST
def assess(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    review = access.get_review_for(request.user, public_id)
    _version_id, criteria = _criteria(review)
    form = forms.AssessmentForm(request.POST, criteria=criteria)
    if form.is_valid():
        try:
            services.save_assessments(
                review=review,
                actor=request.user,
                assessments=form.assessments(),
                seen_version_id=form.cleaned_data["version_id"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Your assessment is saved."))
            return redirect(review)
    return _render(request, review, assess_form=form)


@require_POST
def complete(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    review = access.get_review_for(request.user, public_id)
    _version_id, criteria = _criteria(review)
    form = forms.CompletionForm(
        request.POST,
        dimensions=list(review.mentorship.scorecard_dimensions),
        criteria=criteria,
    )
    if form.is_valid():
        try:
            review = services.complete_review(
                review=review, actor=request.user, completion=form.completion()
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            if review.amendment is not None:
                messages.success(
                    request,
                    _("Review complete. An amendment draft is open for the criteria."),
                )
                return redirect("agreements:edit", review.amendment.public_id)
            messages.success(request, _("Review complete."))
            return redirect(review)
    return _render(request, review, complete_form=form)
