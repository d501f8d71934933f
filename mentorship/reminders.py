"""Send each reminder exactly once, claimed by a database row.

deliver() inserts the Reminder row, sends the email and stamps sent_at in one
transaction. The unique key (kind, subject, recipient, due time) makes the claim
exclusive: a second sender (a task run twice, a second beat) blocks on the uncommitted
row and then finds it taken; a sender killed before its commit leaves no row behind,
so the next sweep sends the reminder. The one window left is a kill between the mail
server's acceptance and the commit; the Message-ID is derived from the claim's key, so
a second copy carries the same id and mail systems can fold them together.

The sweeps below find what is due in batches (keyset pagination on the primary key,
one SELECT per batch that joins everything the emails need and leaves out reminders
already claimed), then deliver each reminder. A sweep can stop anywhere: the next one
picks up what is left. Emails say what is due and link to it, never its content.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import operator
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
)
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from mentorship import checkins
from mentorship.lib import emails
from mentorship.models import (
    CheckIn,
    Mentorship,
    Program,
    Reminder,
    ReminderLead,
    RevisitPrompt,
    User,
)

log = logging.getLogger(__name__)

BATCH_SIZE = 500
FAILURES_BEFORE_STOPPING = 5
PAIR = ("mentor", "mentee")

ModelT = TypeVar("ModelT", bound=models.Model)


@dataclass(frozen=True)
class Due:
    """A reminder that is due: to whom, about what, and the email that says so.

    The context must hold no confidential content: say that something is due and
    link to it.
    """

    kind: str
    subject: UUID
    due_at: datetime
    recipient: User
    template: str
    subject_line: str
    mentorship: Mentorship | None = None
    context: dict[str, Any] = field(default_factory=dict)

    def message_id(self) -> str:
        key = (
            f"{self.kind}:{self.subject}:{self.recipient.pk}:{self.due_at.isoformat()}"
        )
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        domain = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":")[0]
        return f"<reminder.{digest}@{domain or 'localhost'}>"


def deliver(due: Due) -> bool:
    """Claim the reminder and send it; return False if it was already claimed."""
    try:
        with transaction.atomic():
            reminder = Reminder.objects.create(
                kind=due.kind,
                subject=due.subject,
                due_at=due.due_at,
                recipient=due.recipient,
                mentorship=due.mentorship,
            )
            emails.send(
                due.template,
                to=due.recipient.email,
                subject=due.subject_line,
                context={"recipient": due.recipient, **due.context},
                headers={"Message-ID": due.message_id()},
            )
            reminder.sent_at = timezone.now()
            reminder.save(update_fields=["sent_at"])
    except IntegrityError:
        return False
    log.info("Reminder %s sent to user %s", due.kind, due.recipient.pk)
    return True


def deliver_all(dues: Iterable[Due]) -> int:
    """Deliver each reminder; return how many were sent.

    One that fails (an address the mail server refuses, say) stays unclaimed for the
    next sweep while the others still go out. Several failures in a row mean the mail
    server is down: the last one is raised and the sweep stops.
    """
    sent = failures = 0
    for due in dues:
        try:
            sent += deliver(due)
        except SoftTimeLimitExceeded:
            raise
        except Exception:
            failures += 1
            log.warning(
                "Reminder %s to user %s not sent; the next sweep tries again",
                due.kind,
                due.recipient.pk,
                exc_info=True,
            )
            if failures >= FAILURES_BEFORE_STOPPING:
                raise
        else:
            failures = 0
    return sent


# --- Building blocks of the sweeps ----------------------------------------------------


def batches(queryset: QuerySet[ModelT], batch_size: int) -> Iterator[list[ModelT]]:
    """Yield the queryset's rows in primary-key order, one query per batch.

    Keyset pagination: each batch starts after the last key seen, so rows that leave
    the queryset meanwhile (their reminders now claimed) never shift a page.
    """
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk")[:batch_size])
        if rows:
            yield rows
        if len(rows) < batch_size:
            return
        last = rows[-1].pk


def unclaimed(kind: str, *, recipient: str, subject: str | OuterRef, **due: Any) -> Q:
    """A filter true while the reminder of that kind to `recipient` is not claimed.

    recipient and subject name fields of the outer row (an OuterRef reaches one query
    further out); `due` filters due_at, e.g. due_at=OuterRef("scheduled_at"). This is
    a NOT EXISTS on the claim's unique index.
    """
    claims = Reminder.objects.filter(
        kind=kind, recipient_id=OuterRef(recipient), subject=OuterRef(subject), **due
    )
    return ~Q(Exists(claims))


def flag(condition: Q) -> ExpressionWrapper:
    """Select a filter condition as a boolean column."""
    return ExpressionWrapper(condition, output_field=BooleanField())


def pending_for_pair(
    queryset: QuerySet[Any], condition: Callable[[str], Q], *, pair: str
) -> QuerySet[Any]:
    """Annotate remind_mentor / remind_mentee and keep rows where one of them holds.

    condition(role) builds the filter for one of the pair ("mentor" or "mentee");
    pair is the field path from the row to the mentorship ("mentorship__", say, or ""
    for a mentorship itself). A deactivated person is never reminded.
    """

    def remind(role: str) -> ExpressionWrapper:
        return flag(condition(role) & Q(**{f"{pair}{role}__is_active": True}))

    queryset = queryset.annotate(
        remind_mentor=remind("mentor"), remind_mentee=remind("mentee")
    )
    return queryset.filter(Q(remind_mentor=True) | Q(remind_mentee=True))


def people_to_remind(row: Any, mentorship: Mentorship) -> list[User]:
    """The members of the pair whose remind_<role> flag the batch query set."""
    return [
        getattr(mentorship, role) for role in PAIR if getattr(row, f"remind_{role}")
    ]


def local_time(at: datetime, user: User) -> str:
    """Format an instant as the user reads it: in their own time zone."""
    return formats.date_format(at.astimezone(user.zone), "l j F Y, H:i")


# --- Check-in reminders ---------------------------------------------------------------


def _lead_reached(role: str, now: datetime) -> Q:
    """The person wants check-in reminders and it is now their lead time before it.

    One term per lead the preference offers (ReminderLead): plain comparisons of the
    check-in time with constants, the same on every database.
    """
    lead = f"mentorship__{role}__checkin_reminder_minutes"
    return functools.reduce(
        operator.or_,
        (
            Q(**{lead: minutes}, scheduled_at__lte=now + timedelta(minutes=minutes))
            for minutes in ReminderLead.values
            if minutes > 0
        ),
    )


def checkin_reminder_batches(
    *, now: datetime, batch_size: int = BATCH_SIZE
) -> Iterator[list[Due]]:
    """Yield the check-in reminders due now, one query per batch of check-ins."""
    horizon = now + timedelta(minutes=max(ReminderLead.values))
    upcoming = CheckIn.objects.filter(
        status=CheckIn.Status.SCHEDULED,
        mentorship__status=Mentorship.Status.ACTIVE,
        scheduled_at__gt=now,
        scheduled_at__lte=horizon,
    ).select_related("mentorship__mentor", "mentorship__mentee")
    rows = pending_for_pair(
        upcoming,
        lambda role: (
            _lead_reached(role, now)
            & unclaimed(
                Reminder.Kind.CHECKIN,
                recipient=f"mentorship__{role}_id",
                subject="public_id",
                due_at=OuterRef("scheduled_at"),
            )
        ),
        pair="mentorship__",
    )
    for batch in batches(rows, batch_size):
        yield [
            _checkin_due(checkin, person)
            for checkin in batch
            for person in people_to_remind(checkin, checkin.mentorship)
        ]


def _checkin_due(checkin: CheckIn, person: User) -> Due:
    partner = checkin.mentorship.partner_of(person)
    when = local_time(checkin.scheduled_at, person)
    return Due(
        kind=Reminder.Kind.CHECKIN,
        subject=checkin.public_id,
        due_at=checkin.scheduled_at,
        recipient=person,
        mentorship=checkin.mentorship,
        template="reminder_checkin",
        subject_line=_("Check-in with %(partner)s on %(when)s")
        % {"partner": partner.full_name, "when": when},
        context={
            "partner_name": partner.full_name,
            "when": when,
            "zone": person.time_zone,
            "minutes": checkin.duration_minutes,
            "url": emails.absolute_url(checkin.get_absolute_url()),
        },
    )


def send_checkin_reminders(
    *, now: datetime | None = None, batch_size: int = BATCH_SIZE
) -> int:
    """Remind each member of the pair of a check-in, their chosen time before it."""
    now = now or timezone.now()
    return sum(
        deliver_all(batch)
        for batch in checkin_reminder_batches(now=now, batch_size=batch_size)
    )


# --- Drift nudges and revisit prompts -------------------------------------------------


def _missed(now: datetime) -> Q:
    """A check-in marked missed, or still unrecorded past the grace period."""
    cutoff = now - timedelta(hours=settings.CHECKIN_RECORDING_GRACE_HOURS)
    return Q(status=CheckIn.Status.MISSED) | Q(
        status=CheckIn.Status.SCHEDULED, scheduled_at__lt=cutoff
    )


def latest_misses(*, now: datetime, at_least: int) -> QuerySet[CheckIn]:
    """The latest missed check-in of each active mentorship that missed `at_least` in
    a row (as assess_drift last counted); the subject of the drift nudges."""
    later_miss = CheckIn.objects.filter(
        _missed(now),
        mentorship=OuterRef("mentorship"),
        scheduled_at__gt=OuterRef("scheduled_at"),
        scheduled_at__lte=now,
    )
    return CheckIn.objects.filter(
        _missed(now),
        ~Exists(later_miss),
        scheduled_at__lte=now,
        mentorship__status=Mentorship.Status.ACTIVE,
        mentorship__missed_in_row__gte=at_least,
    )


def drift_pair_batches(
    *, now: datetime, batch_size: int = BATCH_SIZE
) -> Iterator[list[Due]]:
    """Yield the nudges to pairs who missed their latest check-in."""
    rows = pending_for_pair(
        latest_misses(now=now, at_least=1).select_related(
            "mentorship__mentor", "mentorship__mentee"
        ),
        lambda role: unclaimed(
            Reminder.Kind.DRIFT_PAIR,
            recipient=f"mentorship__{role}_id",
            subject="public_id",
            due_at=OuterRef("scheduled_at"),
        ),
        pair="mentorship__",
    )
    for batch in batches(rows, batch_size):
        yield [
            _drift_pair_due(checkin, person)
            for checkin in batch
            for person in people_to_remind(checkin, checkin.mentorship)
        ]


def _drift_pair_due(checkin: CheckIn, person: User) -> Due:
    mentorship = checkin.mentorship
    partner = mentorship.partner_of(person)
    return Due(
        kind=Reminder.Kind.DRIFT_PAIR,
        subject=checkin.public_id,
        due_at=checkin.scheduled_at,
        recipient=person,
        mentorship=mentorship,
        template="reminder_drift_pair",
        subject_line=_("Your check-in with %(partner)s was missed")
        % {"partner": partner.full_name},
        context={
            "partner_name": partner.full_name,
            "when": local_time(checkin.scheduled_at, person),
            "misses": mentorship.missed_in_row,
            "url": emails.absolute_url(checkin.get_absolute_url()),
        },
    )


def drift_coordinator_batches(
    *, now: datetime, batch_size: int = BATCH_SIZE
) -> Iterator[list[Due]]:
    """Yield the nudges to coordinators of mentorships that kept missing check-ins.

    Three queries per batch: the check-ins (with an EXISTS for a coordinator not yet
    told), the programs' coordinators, and the claims already made for the batch.
    """
    coordinators = Program.coordinators.through.objects.filter(
        program_id=OuterRef("mentorship__cohort__program_id"), user__is_active=True
    ).filter(
        unclaimed(
            Reminder.Kind.DRIFT_COORDINATOR,
            recipient="user_id",
            subject=OuterRef("public_id"),
            due_at=OuterRef(OuterRef("scheduled_at")),
        )
    )
    rows = (
        latest_misses(now=now, at_least=settings.DRIFT_COORDINATOR_AFTER_MISSES)
        .filter(Exists(coordinators))
        .select_related(
            "mentorship__mentor", "mentorship__mentee", "mentorship__cohort__program"
        )
        .prefetch_related("mentorship__cohort__program__coordinators")
    )
    for batch in batches(rows, batch_size):
        claimed = set(
            Reminder.objects.filter(
                kind=Reminder.Kind.DRIFT_COORDINATOR,
                subject__in=[checkin.public_id for checkin in batch],
            ).values_list("subject", "recipient_id", "due_at")
        )
        yield [
            _drift_coordinator_due(checkin, coordinator)
            for checkin in batch
            for coordinator in checkin.mentorship.cohort.program.coordinators.all()
            if coordinator.is_active
            and (checkin.public_id, coordinator.pk, checkin.scheduled_at) not in claimed
        ]


def _drift_coordinator_due(checkin: CheckIn, coordinator: User) -> Due:
    mentorship = checkin.mentorship
    cohort = mentorship.cohort
    return Due(
        kind=Reminder.Kind.DRIFT_COORDINATOR,
        subject=checkin.public_id,
        due_at=checkin.scheduled_at,
        recipient=coordinator,
        mentorship=mentorship,
        template="reminder_drift_coordinator",
        subject_line=_("A mentorship in %(cohort)s is drifting")
        % {"cohort": cohort.name},
        context={
            "mentor_name": mentorship.mentor.full_name,
            "mentee_name": mentorship.mentee.full_name,
            "cohort_name": cohort.name,
            "misses": mentorship.missed_in_row,
            "url": emails.absolute_url(
                reverse("mentorship:cohort_activity", args=[cohort.public_id])
            ),
        },
    )


def revisit_batches(
    *, now: datetime, batch_size: int = BATCH_SIZE
) -> Iterator[list[Due]]:
    """Yield the reminders of open revisit prompts to both members of the pair."""
    prompts = RevisitPrompt.objects.filter(
        outcome="", mentorship__status=Mentorship.Status.ACTIVE
    ).select_related("mentorship__mentor", "mentorship__mentee")
    rows = pending_for_pair(
        prompts,
        lambda role: unclaimed(
            Reminder.Kind.REVISIT,
            recipient=f"mentorship__{role}_id",
            subject="public_id",
            due_at=OuterRef("created_at"),
        ),
        pair="mentorship__",
    )
    for batch in batches(rows, batch_size):
        yield [
            _revisit_due(prompt, person)
            for prompt in batch
            for person in people_to_remind(prompt, prompt.mentorship)
        ]


def _revisit_due(prompt: RevisitPrompt, person: User) -> Due:
    partner = prompt.mentorship.partner_of(person)
    return Due(
        kind=Reminder.Kind.REVISIT,
        subject=prompt.public_id,
        # The prompt's opening time: fixed, unlike its day read in someone's zone.
        due_at=prompt.created_at,
        recipient=person,
        mentorship=prompt.mentorship,
        template="reminder_revisit",
        subject_line=_("Time to revisit your mentoring agreement"),
        context={
            "partner_name": partner.full_name,
            "reason": prompt.get_reason_display(),
            "url": emails.absolute_url(
                reverse("agreements:revisit", args=[prompt.public_id])
            ),
        },
    )


def send_drift_nudges(
    *, now: datetime | None = None, batch_size: int = BATCH_SIZE
) -> int:
    """Nudge pairs that missed a check-in, their coordinators after further misses,
    and pairs with an open prompt to revisit their agreement."""
    now = now or timezone.now()
    sweeps = (drift_pair_batches, drift_coordinator_batches, revisit_batches)
    return sum(
        deliver_all(batch)
        for sweep in sweeps
        for batch in sweep(now=now, batch_size=batch_size)
    )


# --- All of it, every few minutes -----------------------------------------------------

SWEEPS: dict[str, Callable[..., int]] = {
    "checkin": send_checkin_reminders,
    "drift": send_drift_nudges,
}


def send_all(*, now: datetime | None = None) -> dict[str, int]:
    """Count drift afresh, then run each sweep; return how many each sent.

    Each step is isolated: one that fails is logged (-1 in the result) and the others
    still run. A task's soft time limit stops everything; the next run picks up.
    """
    now = now or timezone.now()
    steps: dict[str, Callable[..., int]] = {"assess_drift": checkins.assess_drift}
    steps |= SWEEPS
    result = {}
    for name, step in steps.items():
        try:
            result[name] = step(now=now)
        except SoftTimeLimitExceeded:
            raise
        except Exception:
            log.exception("Reminder step %s failed", name)
            result[name] = -1
    return result
