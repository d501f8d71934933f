"""Check-ins: planned from the agreed cadence, moved, cancelled, recorded; drift.

Times are planned in the mentee's time zone at the mentorship's regular meeting time,
so a weekly 10:00 stays 10:00 across daylight-saving changes; each participant sees
them in their own zone.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mentorship.models import (
    Cadence,
    CheckIn,
    FeedbackItem,
    Mentorship,
    RevisitPrompt,
    ScorecardRating,
    User,
)

CADENCE_DAYS: dict[str, int] = {Cadence.WEEKLY: 7, Cadence.BIWEEKLY: 14}


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _nth_date(anchor: date, cadence: str, cadence_days: int | None, n: int) -> date:
    if cadence == Cadence.MONTHLY:
        return _add_months(anchor, n)
    step = CADENCE_DAYS.get(cadence) or cadence_days or 0
    if step < 1:
        raise ValueError(f"No interval for cadence {cadence!r}")
    return anchor + timedelta(days=step * n)


def _exists(wall: datetime, zone: Any) -> bool:
    aware = wall.replace(tzinfo=zone)
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall


def local_instant(day: date, at: time, zone: Any) -> datetime:
    """Return the aware instant of a wall-clock time on a day in a zone."""
    wall = datetime.combine(day, at)
    # A time the clocks skip that day (spring forward) becomes the first valid local
    # minute after it, the moment they jumped: 02:30 in a 02:00-03:00 gap is 03:00.
    # A repeated time (fall back) is its first occurrence.
    for _minute in range(2 * 24 * 60):
        if _exists(wall, zone):
            break
        wall = wall.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return wall.replace(tzinfo=zone)


def series_times(*, mentorship: Mentorship, after: datetime) -> list[datetime]:
    """Return the series check-in times after `after`, up to the cohort's last day.

    The rhythm is counted from the day the current terms took effect (no earlier than
    the cohort's start), in the mentee's time zone.
    """
    if not mentorship.has_signed_terms or not mentorship.cadence:
        return []
    zone = mentorship.mentee.zone
    effective = mentorship.terms_effective_at or after
    anchor = max(effective.astimezone(zone).date(), mentorship.cohort.starts_on)
    last_day = mentorship.cohort.ends_on
    times = []
    for n in range(1, 1000):
        day = _nth_date(anchor, mentorship.cadence, mentorship.cadence_days, n)
        if day > last_day:
            break
        at = local_instant(day, mentorship.meeting_time, zone)
        if at > after:
            times.append(at)
    return times


def _open_series_ahead(mentorship: Mentorship, after: datetime) -> Any:
    return mentorship.checkins.filter(
        origin=CheckIn.Origin.SERIES,
        status=CheckIn.Status.SCHEDULED,
        rescheduled_from=None,
        scheduled_at__gt=after,
    )


def replan_series(*, mentorship: Mentorship, after: datetime) -> list[CheckIn]:
    """Re-plan the series check-ins after `after` from the terms in force.

    Past check-ins, extra ones and ones a person moved stay as they are; a planned
    time already taken by one of those is skipped.
    """
    if not mentorship.is_active:
        return []
    _open_series_ahead(mentorship, after).delete()
    taken = set(
        mentorship.checkins.exclude(status=CheckIn.Status.CANCELLED)
        .filter(scheduled_at__gt=after)
        .values_list("scheduled_at", flat=True)
    )
    planned = [
        CheckIn(mentorship=mentorship, scheduled_at=at, origin=CheckIn.Origin.SERIES)
        for at in series_times(mentorship=mentorship, after=after)
        if at not in taken
    ]
    return CheckIn.objects.bulk_create(planned)


def cancel_ahead(
    *, mentorship: Mentorship, actor: User | None, after: datetime, reason: str
) -> int:
    """Cancel every check-in still planned after `after` (the mentorship closed)."""
    return mentorship.checkins.filter(
        status=CheckIn.Status.SCHEDULED, scheduled_at__gt=after
    ).update(
        status=CheckIn.Status.CANCELLED,
        change_reason=reason or _("The mentorship closed."),
        changed_by=actor,
        updated_at=timezone.now(),
    )


# --- Changes by the pair --------------------------------------------------------------


def _check_pair_member(mentorship: Mentorship, actor: User) -> None:
    if not mentorship.is_pair_member(actor):
        raise PermissionDenied
    if not mentorship.is_active:
        raise ValidationError(_("This mentorship has closed."))


def _check_time(mentorship: Mentorship, at: datetime, *, exclude: int | None) -> None:
    if at <= timezone.now():
        raise ValidationError({"scheduled_at": _("Choose a time in the future.")})
    clash = mentorship.checkins.exclude(status=CheckIn.Status.CANCELLED).filter(
        scheduled_at=at
    )
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise ValidationError(
            {"scheduled_at": _("There is already a check-in at that time.")}
        )


def _save_at_free_time(checkin: CheckIn, **save: Any) -> None:
    """Save, turning a lost race for the same time into the user's message."""
    try:
        with transaction.atomic():
            checkin.save(**save)
    except IntegrityError:
        raise ValidationError(
            {"scheduled_at": _("There is already a check-in at that time.")}
        ) from None


def _locked(checkin: CheckIn) -> CheckIn:
    locked = CheckIn.objects.select_for_update(of=("self",)).get(pk=checkin.pk)
    locked.mentorship = checkin.mentorship
    return locked


@transaction.atomic
def add_extra(
    *, mentorship: Mentorship, actor: User, scheduled_at: datetime, duration: int
) -> CheckIn:
    """Add a check-in outside the agreed cadence."""
    # Locked, and read afresh: a close committing meanwhile cancels what is ahead
    # and would miss this one.
    mentorship = (
        Mentorship.objects.select_for_update(of=("self",))
        .with_people()
        .get(pk=mentorship.pk)
    )
    _check_pair_member(mentorship, actor)
    _check_time(mentorship, scheduled_at, exclude=None)
    checkin = CheckIn(
        mentorship=mentorship,
        scheduled_at=scheduled_at,
        duration_minutes=duration,
        origin=CheckIn.Origin.EXTRA,
        created_by=actor,
    )
    _save_at_free_time(checkin)
    return checkin


@transaction.atomic
def reschedule(
    *, checkin: CheckIn, actor: User, scheduled_at: datetime, reason: str
) -> CheckIn:
    """Move a planned check-in to another time, saying why."""
    _check_pair_member(checkin.mentorship, actor)
    checkin = _locked(checkin)
    if not checkin.is_open:
        raise ValidationError(_("Only a planned check-in can be moved."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the check-in moves.")})
    _check_time(checkin.mentorship, scheduled_at, exclude=checkin.pk)
    checkin.rescheduled_from = checkin.rescheduled_from or checkin.scheduled_at
    checkin.scheduled_at = scheduled_at
    checkin.change_reason = reason.strip()
    checkin.changed_by = actor
    _save_at_free_time(
        checkin,
        update_fields=[
            "rescheduled_from",
            "scheduled_at",
            "change_reason",
            "changed_by",
            "updated_at",
        ],
    )
    return checkin


@transaction.atomic
def cancel(*, checkin: CheckIn, actor: User, reason: str) -> CheckIn:
    """Cancel a planned check-in, saying why."""
    _check_pair_member(checkin.mentorship, actor)
    checkin = _locked(checkin)
    if not checkin.is_open:
        raise ValidationError(_("Only a planned check-in can be cancelled."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the check-in is cancelled.")})
    checkin.status = CheckIn.Status.CANCELLED
    checkin.change_reason = reason.strip()
    checkin.changed_by = actor
    checkin.save(update_fields=["status", "change_reason", "changed_by", "updated_at"])
    return checkin


@transaction.atomic
def set_meeting_time(*, mentorship: Mentorship, actor: User, at: time) -> int:
    """Change the regular meeting time; planned series check-ins ahead move with it."""
    _check_pair_member(mentorship, actor)
    mentorship = (
        Mentorship.objects.select_for_update(of=("self",))
        .with_people()
        .get(pk=mentorship.pk)
    )
    mentorship.meeting_time = at
    mentorship.save(update_fields=["meeting_time", "updated_at"])
    zone = mentorship.mentee.zone
    now = timezone.now()
    moved = []
    taken = set(
        mentorship.checkins.exclude(status=CheckIn.Status.CANCELLED)
        .exclude(origin=CheckIn.Origin.SERIES, rescheduled_from=None)
        .values_list("scheduled_at", flat=True)
    )
    for checkin in _open_series_ahead(mentorship, now):
        new_at = local_instant(checkin.scheduled_at.astimezone(zone).date(), at, zone)
        if new_at > now and new_at not in taken:
            checkin.scheduled_at = new_at
            # The calendar feed's LAST-MODIFIED and DTSTAMP: calendars see the move.
            checkin.updated_at = now
            moved.append(checkin)
    CheckIn.objects.bulk_update(moved, ["scheduled_at", "updated_at"])
    return len(moved)


# --- Recording ------------------------------------------------------------------------

RECORD_FIELDS = ("status", "format", "alignment", "progress", "next_steps")


def dimensions_of(mentorship: Mentorship) -> list[str]:
    """The scorecard dimensions in force: the agreement's, else the program's."""
    return list(
        mentorship.scorecard_dimensions
        or mentorship.cohort.program.scorecard_dimensions
    )


def check_can_record(mentorship: Mentorship) -> None:
    """Refuse recording while the program requires signed terms and there are none."""
    program = mentorship.cohort.program
    if program.requires_effective_agreement and not mentorship.has_signed_terms:
        raise ValidationError(
            _(
                "Check-ins can be recorded once your mentoring agreement is signed "
                "by both of you and in effect. Finish the agreement first."
            )
        )


@transaction.atomic
def record(
    *,
    checkin: CheckIn,
    actor: User,
    fields: dict[str, Any],
    feedback: Sequence[dict[str, str]],
    ratings: dict[str, int],
) -> CheckIn:
    """Record what happened at a check-in: its outcome, notes of substance, feedback
    in situation-observation-impact-suggestion form, and scorecard ratings."""
    mentorship = checkin.mentorship
    _check_pair_member(mentorship, actor)
    check_can_record(mentorship)
    checkin = _locked(checkin)
    if checkin.status == CheckIn.Status.CANCELLED:
        raise ValidationError(_("A cancelled check-in cannot be recorded."))
    if checkin.scheduled_at > timezone.now():
        raise ValidationError(_("This check-in has not happened yet."))
    status = fields["status"]
    if status not in (CheckIn.Status.HELD, CheckIn.Status.MISSED):
        raise ValidationError({"status": _("Say whether it was held or missed.")})
    if status == CheckIn.Status.HELD and not fields.get("format"):
        raise ValidationError({"format": _("Say how you met.")})
    if len(feedback) > FeedbackItem.LIMIT:
        raise ValidationError(
            _("Give at most %(limit)d feedback items.") % {"limit": FeedbackItem.LIMIT}
        )
    unknown = set(ratings) - set(dimensions_of(mentorship))
    if unknown:
        raise ValidationError(_("Rate only the dimensions of your scorecard."))
    for name in RECORD_FIELDS:
        setattr(checkin, name, fields.get(name, "") or "")
    checkin.recorded_at = timezone.now()
    checkin.recorded_by = actor
    checkin.save(
        update_fields=[*RECORD_FIELDS, "recorded_at", "recorded_by", "updated_at"]
    )
    checkin.feedback_items.filter(given_by=actor).delete()
    FeedbackItem.objects.bulk_create(
        FeedbackItem(checkin=checkin, given_by=actor, **item) for item in feedback
    )
    checkin.ratings.all().delete()
    ScorecardRating.objects.bulk_create(
        ScorecardRating(checkin=checkin, dimension=name, rating=value)
        for name, value in ratings.items()
    )
    assess_drift(mentorships=[mentorship])
    return checkin


# --- Drift and revisit prompts --------------------------------------------------------


def _misses_in_row(rows: Iterable[tuple[str, datetime]], cutoff: datetime) -> int:
    """Count misses back from the latest check-in to the last one held.

    rows are (status, time) of past check-ins, latest first. One still unrecorded past
    the grace period counts as missed; one within it is not judged yet.
    """
    misses = 0
    for status, at in rows:
        if status == CheckIn.Status.HELD:
            break
        if status == CheckIn.Status.MISSED or at < cutoff:
            misses += 1
    return misses


def _drift_candidates(now: datetime) -> Any:
    """Active mentorships with a miss to count, or a drift mark to clear."""
    cutoff = now - timedelta(hours=settings.CHECKIN_RECORDING_GRACE_HOURS)
    missed = CheckIn.objects.filter(mentorship=OuterRef("pk")).filter(
        Q(status=CheckIn.Status.MISSED)
        | Q(status=CheckIn.Status.SCHEDULED, scheduled_at__lt=cutoff)
    )
    return Mentorship.objects.active().filter(
        Exists(missed) | Q(drifting_since__isnull=False) | Q(missed_in_row__gt=0)
    )


def assess_drift(
    *, mentorships: Iterable[Mentorship] | None = None, now: datetime | None = None
) -> int:
    """Update each mentorship's run of missed check-ins and its drifting mark; prompt
    a revisit after repeated misses. Return how many mentorships are drifting."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.CHECKIN_RECORDING_GRACE_HOURS)
    targets = list(mentorships) if mentorships is not None else None
    ids = (
        [m.pk for m in targets]
        if targets is not None
        else list(_drift_candidates(now).values_list("pk", flat=True))
    )
    drifting = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
        past = (
            CheckIn.objects.filter(mentorship_id__in=chunk, scheduled_at__lte=now)
            .exclude(status=CheckIn.Status.CANCELLED)
            .order_by("mentorship_id", "-scheduled_at")
            .values_list("mentorship_id", "status", "scheduled_at")
        )
        for mentorship_id, status, at in past:
            rows[mentorship_id].append((status, at))
        for mentorship in Mentorship.objects.filter(pk__in=chunk).select_related(
            "mentee"
        ):
            misses = _misses_in_row(rows[mentorship.pk], cutoff)
            drifting += misses > 0
            _mark_drift(mentorship, misses, now, rows[mentorship.pk])
    return drifting


def _mark_drift(
    mentorship: Mentorship, misses: int, now: datetime, rows: list[tuple[str, datetime]]
) -> None:
    since = (mentorship.drifting_since or now) if misses else None
    if (mentorship.missed_in_row, mentorship.drifting_since) != (misses, since):
        Mentorship.objects.filter(pk=mentorship.pk).update(
            missed_in_row=misses, drifting_since=since
        )
        mentorship.missed_in_row, mentorship.drifting_since = misses, since
    if misses >= settings.REVISIT_AFTER_MISSES and mentorship.has_signed_terms:
        latest_miss = rows[0][1].astimezone(mentorship.mentee.zone).date()
        has_open = mentorship.revisit_prompts.filter(
            reason=RevisitPrompt.Reason.MISSES, outcome=""
        ).exists()
        if not has_open:
            RevisitPrompt.objects.get_or_create(
                mentorship=mentorship,
                reason=RevisitPrompt.Reason.MISSES,
                due_on=latest_miss,
            )


def prompt_calendar_revisits(*, today: date | None = None) -> int:
    """Open the midpoint and before-the-end revisit prompts that have come due."""
    today = today or timezone.localdate()
    created = 0
    mentorships = Mentorship.objects.active().filter(
        has_signed_terms=True, cohort__starts_on__lte=today, cohort__ends_on__gte=today
    )
    for mentorship in mentorships.select_related("cohort").iterator(chunk_size=500):
        cohort = mentorship.cohort
        midpoint = cohort.starts_on + (cohort.ends_on - cohort.starts_on) / 2
        before_end = cohort.ends_on - timedelta(days=settings.REVISIT_BEFORE_END_DAYS)
        for reason, day in (
            (RevisitPrompt.Reason.MIDPOINT, midpoint),
            (RevisitPrompt.Reason.BEFORE_END, before_end),
        ):
            if day <= today:
                _, made = RevisitPrompt.objects.get_or_create(
                    mentorship=mentorship, reason=reason, due_on=day
                )
                created += made
    return created


@transaction.atomic
def decide_revisit(
    *, prompt: RevisitPrompt, actor: User, outcome: str, note: str = ""
) -> RevisitPrompt:
    """Record what the pair decided when revisiting their agreement."""
    prompt = RevisitPrompt.objects.select_for_update().get(pk=prompt.pk)
    if not prompt.is_open:
        raise ValidationError(_("This revisit has already been decided."))
    if outcome not in RevisitPrompt.Outcome.values:
        raise ValidationError({"outcome": _("Choose what you decided.")})
    prompt.outcome = outcome
    prompt.outcome_note = note.strip()
    prompt.decided_by = actor
    prompt.decided_at = timezone.now()
    prompt.save(
        update_fields=[
            "outcome",
            "outcome_note",
            "decided_by",
            "decided_at",
            "updated_at",
        ]
    )
    return prompt
