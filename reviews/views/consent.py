"""Consent to the supervisor's summary: the mentee's page, and the supervisor's.

The supervisor's page, its download and the mentee's preview render one template from
one builder (summary.build_summary), so the preview is what the supervisor sees.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mentorship.lib.forms import add_service_error
from mentorship.lib.http import AuthenticatedRequest, client_ip
from mentorship.lib.spreadsheets import csv_response
from reviews import access, forms, services, summary, trends
from reviews.models import SummaryView, SupervisorConsent

VIEW_LOG_LIMIT = 100


@require_http_methods(["GET", "POST"])
def consent(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """The mentee's consent: grant or change it, withdraw it, and see its history."""
    mentorship = access.get_consent_mentorship_for(request.user, public_id)
    text = services.consent_text(mentorship=mentorship)
    form = forms.ConsentForm(
        request.POST or None,
        mentee=request.user,
        initial={"seen_digest": services.text_digest(text)},
    )
    if request.method == "POST" and form.is_valid():
        grant = services.Grant(
            scope=form.cleaned_data["scope"],
            summary=form.cleaned_data["summary"],
            expires_at=form.expires_at(),
            seen_digest=form.cleaned_data["seen_digest"],
            ip_address=client_ip(request) or None,
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        try:
            services.grant_consent(
                mentorship=mentorship, mentee=request.user, grant=grant
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, _("Your consent is recorded; a receipt is on its way to you.")
            )
            return redirect("reviews:consent", mentorship.public_id)
    history = list(mentorship.consents.select_related("supervisor", "ended_by"))
    current = next((c for c in history if c.is_active()), None)
    return render(
        request,
        "reviews/consent.html",
        {
            "mentorship": mentorship,
            "form": form,
            "text": text,
            "current": current,
            "history": history,
            "sharing_allowed": services.sharing_allowed(mentorship),
            "views": list(
                SummaryView.objects.filter(consent__mentorship=mentorship)
                .select_related("consent")
                .order_by("-viewed_at")[:VIEW_LOG_LIMIT]
            ),
        },
    )


@require_POST
def withdraw(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    mentorship = access.get_consent_mentorship_for(request.user, public_id)
    try:
        services.withdraw_consent(mentorship=mentorship, mentee=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Your consent is withdrawn: your supervisor can no longer see anything."),
        )
    return redirect("reviews:consent", mentorship.public_id)


def _render_summary(
    request: AuthenticatedRequest, consent: SupervisorConsent, *, preview: bool
) -> HttpResponse:
    return render(
        request,
        "reviews/summary.html",
        {
            "summary": summary.build_summary(consent),
            "mentee": consent.mentorship.mentee,
            "preview": preview,
            "axis": trends.AXIS,
        },
    )


@require_GET
def preview(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """The mentee sees the supervisor's page exactly, without it being logged."""
    mentorship = access.get_consent_mentorship_for(request.user, public_id)
    current = (
        SupervisorConsent.objects.active()
        .filter(mentorship=mentorship)
        .select_related("supervisor")
        .first()
    )
    if current is None or not services.sharing_allowed(mentorship):
        messages.info(request, _("Nothing is shared with your supervisor at present."))
        return redirect("reviews:consent", mentorship.public_id)
    current.mentorship = mentorship
    return _render_summary(request, current, preview=True)


@require_GET
def supervision(request: AuthenticatedRequest) -> HttpResponse:
    """The supervisor's list: the mentees whose consent is active right now."""
    consents = (
        SupervisorConsent.objects.active()
        .filter(supervisor=request.user, mentorship__supervisor=request.user)
        .select_related("mentorship__mentee", "mentorship__cohort__program")
        .order_by("mentorship__mentee__full_name")
    )
    return render(request, "reviews/supervision.html", {"consents": list(consents)})


@require_GET
def summary_page(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    consent = access.get_summary_consent_for(request.user, public_id)
    SummaryView.objects.create(
        consent=consent, viewer=request.user, kind=SummaryView.Kind.PAGE
    )
    return _render_summary(request, consent, preview=False)


@require_GET
def summary_export(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    consent = access.get_summary_consent_for(request.user, public_id)
    SummaryView.objects.create(
        consent=consent, viewer=request.user, kind=SummaryView.Kind.EXPORT
    )
    rows = summary.summary_rows(summary.build_summary(consent))
    return csv_response("progress-summary.csv", rows)
