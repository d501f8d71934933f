"""Tell both parties a progress review is due, and a mentee that their consent ends.

Sent through mentorship.reminders: each is claimed once per subject and person.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from mentorship import reminders
from mentorship.lib import emails
from mentorship.models import Mentorship, Reminder, User
from reviews.models import ProgressReview, SupervisorConsent

REVIEW_REMINDER_TIME = time(9, 0)


def due_at(review: ProgressReview) -> datetime:
    """A review is due at 09:00 on its day, in the mentee's time zone."""
    zone = review.mentorship.mentee.zone
    return datetime.combine(review.due_on, REVIEW_REMINDER_TIME, tzinfo=zone)


def review_due_batches(
    *, now: datetime, batch_size: int = reminders.BATCH_SIZE
) -> Iterator[list[reminders.Due]]:
    """Yield the reminders of reviews due within REVIEW_DUE_WARNING_DAYS.

    The query takes a day's margin either side for time zones; the exact moment, 09:00
    on the day in the mentee's zone, is compared in Python.
    """
    warning = timedelta(days=settings.REVIEW_DUE_WARNING_DAYS)
    reviews = (
        ProgressReview.objects.open()
        .filter(
            mentorship__status=Mentorship.Status.ACTIVE,
            due_on__gte=(now - timedelta(days=1)).date(),
            due_on__lte=(now + warning + timedelta(days=1)).date(),
        )
        .select_related("mentorship__mentor", "mentorship__mentee")
    )
    rows = reminders.pending_for_pair(
        reviews,
        lambda role: reminders.unclaimed(
            Reminder.Kind.REVIEW_DUE,
            recipient=f"mentorship__{role}_id",
            subject="public_id",
        ),
        pair="mentorship__",
    )
    for batch in reminders.batches(rows, batch_size):
        yield [
            _review_due(review, person)
            for review in batch
            if due_at(review) - warning <= now < due_at(review)
            for person in reminders.people_to_remind(review, review.mentorship)
        ]


def _review_due(review: ProgressReview, person: User) -> reminders.Due:
    mentorship = review.mentorship
    day = formats.date_format(review.due_on, "l j F Y")
    return reminders.Due(
        kind=Reminder.Kind.REVIEW_DUE,
        subject=review.public_id,
        due_at=due_at(review),
        recipient=person,
        mentorship=mentorship,
        template="reminder_review_due",
        subject_line=_("Progress review due on %(day)s") % {"day": day},
        context={
            "partner_name": mentorship.partner_of(person).full_name,
            "day": day,
            "url": emails.absolute_url(review.get_absolute_url()),
        },
    )


def send_review_due_reminders(
    *, now: datetime | None = None, batch_size: int = reminders.BATCH_SIZE
) -> int:
    """Tell both members of the pair a progress review is due in a few days."""
    now = now or timezone.now()
    return sum(
        reminders.deliver_all(batch)
        for batch in review_due_batches(now=now, batch_size=batch_size)
    )


# --- Consent ending -------------------------------------------------------------------


def consent_expiry_batches(
    *, now: datetime, batch_size: int = reminders.BATCH_SIZE
) -> Iterator[list[reminders.Due]]:
    """Yield the reminders to mentees whose consent ends within
    CONSENT_EXPIRY_WARNING_DAYS, one query per batch of consents."""
    horizon = now + timedelta(days=settings.CONSENT_EXPIRY_WARNING_DAYS)
    consents = (
        SupervisorConsent.objects.active(now)
        .filter(expires_at__lte=horizon, mentee__is_active=True)
        .filter(
            reminders.unclaimed(
                Reminder.Kind.CONSENT_EXPIRY,
                recipient="mentee_id",
                subject="public_id",
            )
        )
        .select_related("mentee", "supervisor", "mentorship")
    )
    for batch in reminders.batches(consents, batch_size):
        yield [_consent_expiry_due(consent) for consent in batch]


def _consent_expiry_due(consent: SupervisorConsent) -> reminders.Due:
    assert consent.expires_at is not None  # the query asked for one
    when = reminders.local_time(consent.expires_at, consent.mentee)
    return reminders.Due(
        kind=Reminder.Kind.CONSENT_EXPIRY,
        subject=consent.public_id,
        due_at=consent.expires_at,
        recipient=consent.mentee,
        mentorship=consent.mentorship,
        template="reminder_consent_expiry",
        subject_line=_("Your consent to share your progress ends on %(when)s")
        % {"when": when},
        context={
            "supervisor_name": consent.supervisor.full_name,
            "when": when,
            "zone": consent.mentee.time_zone,
            "url": emails.absolute_url(
                reverse("reviews:consent", args=[consent.mentorship.public_id])
            ),
        },
    )


def send_consent_expiry_reminders(
    *, now: datetime | None = None, batch_size: int = reminders.BATCH_SIZE
) -> int:
    """Tell each mentee, a few days ahead, that their consent is about to end."""
    now = now or timezone.now()
    return sum(
        reminders.deliver_all(batch)
        for batch in consent_expiry_batches(now=now, batch_size=batch_size)
    )
