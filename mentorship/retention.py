"""Note retention: when each note expires, under the terms in force."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from mentorship.models import Mentorship, Note, RetentionAnchor


def retention_rule(mentorship: Mentorship) -> tuple[int, str]:
    """Return (days, anchor) in force: the signed terms, else the program's default."""
    if mentorship.has_signed_terms and mentorship.retention_days:
        return mentorship.retention_days, mentorship.retention_anchor
    return mentorship.cohort.program.default_retention_days, RetentionAnchor.WRITTEN


def expiry_for(
    *, mentorship: Mentorship, created_at: datetime, days: int, anchor: str
) -> datetime | None:
    """Return when a note written at created_at expires; None while the mentorship
    that its retention is counted from has not closed."""
    if anchor == RetentionAnchor.CLOSED:
        if mentorship.ended_at is None:
            return None
        return mentorship.ended_at + timedelta(days=days)
    return created_at + timedelta(days=days)


def expiry_of_new_note(mentorship: Mentorship, created_at: datetime) -> datetime | None:
    days, anchor = retention_rule(mentorship)
    return expiry_for(
        mentorship=mentorship, created_at=created_at, days=days, anchor=anchor
    )


def recompute_expiries(*, mentorship: Mentorship, now: datetime | None = None) -> int:
    """Re-compute the expiry of the mentorship's notes under the rule now in force.

    Called when new terms take effect and when the mentorship closes. A note whose new
    expiry would come sooner than the warning period is given that period, so its
    author is always told before it goes. Return the number of notes changed.
    """
    now = now or timezone.now()
    days, anchor = retention_rule(mentorship)
    floor = now + timedelta(days=settings.NOTE_EXPIRY_WARNING_DAYS)
    changed: list[Note] = []
    notes: QuerySet[Note] = mentorship.notes.only("pk", "created_at", "expires_at")
    for note in notes.iterator(chunk_size=2000):
        expires = expiry_for(
            mentorship=mentorship, created_at=note.created_at, days=days, anchor=anchor
        )
        if expires is not None and expires < floor:
            # Sooner than the warning allows: wait for the warning, unless the note
            # was already due to go before that under the old rule.
            expires = max(expires, min(note.expires_at or floor, floor))
        if expires != note.expires_at:
            note.expires_at = expires
            changed.append(note)
    Note.objects.bulk_update(changed, ["expires_at"], batch_size=2000)
    return len(changed)
