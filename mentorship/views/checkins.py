"""The running mentorship: its page, check-ins, closing, and the coordinator's view."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, F, OuterRef, Q
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from mentorship import access, checkin_forms, checkins, services
from mentorship import notes as note_reads
from mentorship.lib.forms import add_service_error
from mentorship.lib.http import AuthenticatedRequest
from mentorship.lib.queries import count_of
from mentorship.models import CheckIn, Mentorship, Note, RevisitPrompt


@require_GET
def mentorship_detail(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """The pair's page; a coordinator sees the same mentorship as counts only."""
    mentorship = access.get_mentorship_for(request.user, public_id)
    role = mentorship.role_of(request.user)
    context: dict[str, Any] = {
        "mentorship": mentorship,
        "cohort": mentorship.cohort,
        "role": role,
    }
    if mentorship.is_pair_member(request.user):
        now = timezone.now()
        context |= {
            "partner": mentorship.partner_of(request.user),
            "upcoming": list(mentorship.checkins.upcoming(now)[:6]),
            "past": list(
                mentorship.checkins.filter(scheduled_at__lt=now).order_by(
                    "-scheduled_at"
                )[:10]
            ),
            # A closed mentorship has nothing left to revisit.
            "revisits": list(
                mentorship.revisit_prompts.filter(outcome="").order_by("due_on")
            )
            if mentorship.is_active
            else [],
            "notes": note_reads.notes_for_page(request.user, mentorship),
        }
    else:
        context["counts"] = _counts(mentorship)
    return render(request, "mentorship/mentorship_detail.html", context)


def checkin_counts(now: datetime) -> dict[str, Count]:
    """Aggregates of check-ins by state, for pages that show counts only."""
    scheduled = Q(status=CheckIn.Status.SCHEDULED)
    return {
        "held": Count("pk", filter=Q(status=CheckIn.Status.HELD)),
        "missed": Count("pk", filter=Q(status=CheckIn.Status.MISSED)),
        "cancelled": Count("pk", filter=Q(status=CheckIn.Status.CANCELLED)),
        "unrecorded": Count("pk", filter=scheduled & Q(scheduled_at__lt=now)),
        "upcoming": Count("pk", filter=scheduled & Q(scheduled_at__gte=now)),
    }


def _counts(mentorship: Mentorship) -> dict[str, Any]:
    """What a coordinator may see of a mentorship: counts, never content."""
    checkins_qs = CheckIn.objects.filter(mentorship=mentorship)
    counts = checkins_qs.aggregate(**checkin_counts(timezone.now()))
    counts["notes"] = note_reads.note_counts([mentorship.pk])[mentorship.pk]
    return counts


# --- Check-ins --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def checkin_add(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """Add a check-in outside the agreed cadence."""
    mentorship = access.get_pair_mentorship_for(request.user, public_id)
    form = checkin_forms.ExtraCheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            checkin = checkins.add_extra(
                mentorship=mentorship,
                actor=request.user,
                scheduled_at=form.cleaned_data["scheduled_at"],
                duration=form.cleaned_data["duration"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The check-in was added."))
            return redirect(checkin)
    return render(
        request,
        "mentorship/checkin_form.html",
        {
            "mentorship": mentorship,
            "form": form,
            "title": _("Add a check-in"),
            "submit": _("Add check-in"),
            "cancel_url": mentorship.get_absolute_url(),
        },
    )


@require_GET
def checkin_detail(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    checkin = access.get_checkin_for(request.user, public_id)
    mentorship = checkin.mentorship
    return render(
        request,
        "mentorship/checkin_detail.html",
        {
            "checkin": checkin,
            "mentorship": mentorship,
            "partner": mentorship.partner_of(request.user),
            "feedback": checkin.feedback_items.select_related("given_by"),
            "ratings": checkin.ratings.all(),
            "notes": note_reads.notes_for_page(
                request.user, mentorship, checkin=checkin
            ),
            "can_change": checkin.is_open
            and mentorship.is_active
            and checkin.scheduled_at > timezone.now(),
            "can_record": mentorship.is_active
            and checkin.status != CheckIn.Status.CANCELLED
            and checkin.scheduled_at <= timezone.now(),
            "reschedule_form": checkin_forms.RescheduleForm(),
            "cancel_form": checkin_forms.CancelForm(),
        },
    )


@require_http_methods(["GET", "POST"])
def checkin_record(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """Record a check-in: outcome, substance, feedback and scorecard ratings."""
    checkin = access.get_checkin_for(request.user, public_id)
    mentorship = checkin.mentorship
    refusal = None
    try:
        checkins.check_can_record(mentorship)
    except ValidationError as error:
        refusal = error.messages[0]
    data = request.POST if request.method == "POST" else None
    form = checkin_forms.RecordForm(
        data, instance=checkin, dimensions=checkins.dimensions_of(mentorship)
    )
    mine = checkin.feedback_items.filter(given_by=request.user)
    formset = checkin_forms.FeedbackFormSet(
        data,
        prefix="feedback",
        initial=[{f: getattr(i, f) for f in i.FIELDS} for i in mine] or None,
    )
    if data is not None and refusal is None and form.is_valid() and formset.is_valid():
        try:
            checkins.record(
                checkin=checkin,
                actor=request.user,
                fields=form.cleaned_data,
                feedback=checkin_forms.feedback_items(formset),
                ratings=form.ratings(),
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The check-in was recorded."))
            return redirect(checkin)
    return render(
        request,
        "mentorship/checkin_record.html",
        {
            "checkin": checkin,
            "mentorship": mentorship,
            "form": form,
            "formset": formset,
            "refusal": refusal,
        },
        status=200,
    )


def _change(
    request: AuthenticatedRequest, public_id: UUID, form_class: type[Form], action: Any
) -> HttpResponse:
    checkin = access.get_checkin_for(request.user, public_id)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            action(checkin, form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return redirect(checkin)
    return render(
        request,
        "mentorship/checkin_change.html",
        {"checkin": checkin, "mentorship": checkin.mentorship, "form": form},
    )


@require_http_methods(["GET", "POST"])
def checkin_reschedule(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    def move(checkin: CheckIn, data: dict[str, Any]) -> None:
        checkins.reschedule(
            checkin=checkin,
            actor=request.user,
            scheduled_at=data["scheduled_at"],
            reason=data["reason"],
        )
        messages.success(request, _("The check-in was moved."))

    return _change(request, public_id, checkin_forms.RescheduleForm, move)


@require_http_methods(["GET", "POST"])
def checkin_cancel(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    def cancel(checkin: CheckIn, data: dict[str, Any]) -> None:
        checkins.cancel(checkin=checkin, actor=request.user, reason=data["reason"])
        messages.success(request, _("The check-in was cancelled."))

    return _change(request, public_id, checkin_forms.CancelForm, cancel)


@require_http_methods(["GET", "POST"])
def meeting_time(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    mentorship = access.get_pair_mentorship_for(request.user, public_id)
    form = checkin_forms.MeetingTimeForm(
        request.POST or None, initial={"meeting_time": mentorship.meeting_time}
    )
    if request.method == "POST" and form.is_valid():
        try:
            moved = checkins.set_meeting_time(
                mentorship=mentorship,
                actor=request.user,
                at=form.cleaned_data["meeting_time"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("The meeting time changed; %(count)d planned check-ins moved.")
                % {"count": moved},
            )
            return redirect(mentorship)
    return render(
        request,
        "mentorship/checkin_form.html",
        {
            "mentorship": mentorship,
            "form": form,
            "title": _("Regular meeting time"),
            "submit": _("Save"),
            "cancel_url": mentorship.get_absolute_url(),
        },
    )


@require_http_methods(["GET", "POST"])
def mentorship_close(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """Close the mentorship: either party or a coordinator of the program."""
    mentorship = access.get_mentorship_for(request.user, public_id)
    form = checkin_forms.CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.end_mentorship(
                mentorship=mentorship,
                ended_by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The mentorship is closed."))
            return redirect(mentorship)
    return render(
        request,
        "mentorship/checkin_form.html",
        {
            "mentorship": mentorship,
            "form": form,
            "title": _("Close the mentorship"),
            "submit": _("Close mentorship"),
            "cancel_url": mentorship.get_absolute_url(),
        },
    )


# --- The coordinator's view -----------------------------------------------------------


@require_GET
def cohort_activity(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """Per mentorship: check-ins by state, notes, drift and revisits; no content."""
    cohort = access.get_cohort_for(request.user, public_id, manage=True)
    now = timezone.now()
    own = {"mentorship": _outer()}
    by = "mentorship"
    rows = (
        cohort.mentorships.with_people()
        .annotate(
            held=count_of(CheckIn.objects.filter(**own, status="held"), by=by),
            missed=count_of(CheckIn.objects.filter(**own, status="missed"), by=by),
            unrecorded=count_of(
                CheckIn.objects.filter(**own, status="scheduled", scheduled_at__lt=now),
                by=by,
            ),
            upcoming=count_of(
                CheckIn.objects.filter(
                    **own, status="scheduled", scheduled_at__gte=now
                ),
                by=by,
            ),
            notes_kept=count_of(Note.objects.filter(**own), by=by),
            open_revisits=count_of(
                RevisitPrompt.objects.filter(**own, outcome=""), by=by
            ),
        )
        # Drifting pairs first, on every database (PostgreSQL puts NULLs first).
        .order_by(F("drifting_since").desc(nulls_last=True), "mentor__full_name", "pk")
    )
    return render(
        request,
        "mentorship/cohort_activity.html",
        {"cohort": cohort, "program": cohort.program, "rows": rows},
    )


def _outer() -> OuterRef:
    return OuterRef("pk")
