"""Tell both parties when the notice period of an amendment they signed ends.

Sent through mentorship.reminders, so each reminder is claimed once (see there).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.models import AgreementVersion, Signature
from mentorship import reminders
from mentorship.lib import emails
from mentorship.models import Mentorship, Reminder, Role, User


def _signed_by(role: str) -> Exists:
    """The version carries this party's signature of its current round."""
    return Exists(
        Signature.objects.filter(
            version=OuterRef("pk"), round=OuterRef("round"), role=role
        )
    )


def notice_ending_batches(
    *, now: datetime, batch_size: int = reminders.BATCH_SIZE
) -> Iterator[list[reminders.Due]]:
    """Yield the reminders of signed amendments whose notice ends within
    NOTICE_ENDING_WARNING_DAYS, one query per batch of versions."""
    horizon = now + timedelta(days=settings.NOTICE_ENDING_WARNING_DAYS)
    versions = (
        AgreementVersion.objects.filter(
            _signed_by(Role.MENTOR),
            _signed_by(Role.MENTEE),
            status=AgreementVersion.Status.PROPOSED,
            earliest_effective_at__gt=now,
            earliest_effective_at__lte=horizon,
            agreement__mentorship__status=Mentorship.Status.ACTIVE,
        )
        .exclude(Q(mentor_waived_notice=True) & Q(mentee_waived_notice=True))
        .select_related(
            "agreement__mentorship__mentor", "agreement__mentorship__mentee"
        )
    )
    rows = reminders.pending_for_pair(
        versions,
        lambda role: reminders.unclaimed(
            Reminder.Kind.NOTICE_ENDING,
            recipient=f"agreement__mentorship__{role}_id",
            subject="public_id",
            due_at=OuterRef("earliest_effective_at"),
        ),
        pair="agreement__mentorship__",
    )
    for batch in reminders.batches(rows, batch_size):
        yield [
            _notice_ending_due(version, person)
            for version in batch
            for person in reminders.people_to_remind(
                version, version.agreement.mentorship
            )
        ]


def _notice_ending_due(version: AgreementVersion, person: User) -> reminders.Due:
    mentorship = version.agreement.mentorship
    assert version.earliest_effective_at is not None  # the query asked for one
    when = reminders.local_time(version.earliest_effective_at, person)
    return reminders.Due(
        kind=Reminder.Kind.NOTICE_ENDING,
        subject=version.public_id,
        due_at=version.earliest_effective_at,
        recipient=person,
        mentorship=mentorship,
        template="reminder_notice_ending",
        subject_line=_("Your agreement's amendment takes effect on %(when)s")
        % {"when": when},
        context={
            "partner_name": mentorship.partner_of(person).full_name,
            "number": version.number,
            "when": when,
            "zone": person.time_zone,
            "url": emails.absolute_url(version.agreement.get_absolute_url()),
        },
    )


def send_notice_ending_reminders(
    *, now: datetime | None = None, batch_size: int = reminders.BATCH_SIZE
) -> int:
    """Tell both parties, a few days ahead, that a signed amendment takes effect."""
    now = now or timezone.now()
    return sum(
        reminders.deliver_all(batch)
        for batch in notice_ending_batches(now=now, batch_size=batch_size)
    )
