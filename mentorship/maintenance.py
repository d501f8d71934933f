"""Housekeeping run on a schedule: keep no personal data longer than it is useful."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.sessions.models import Session
from django.utils import timezone

from mentorship.models import Invitation

STALE_INVITATION_DAYS = 90


def purge_stale_invitations(*, older_than_days: int = STALE_INVITATION_DAYS) -> int:
    """Delete never-accepted invitations whose expiry is long past; return how many.

    They hold the name and email of someone who never joined: keep them only as long
    as a coordinator may need to see that the invitation lapsed.
    """
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _per_model = Invitation.objects.filter(
        accepted_at=None, expires_at__lt=cutoff
    ).delete()
    return deleted


def clear_expired_sessions() -> int:
    """Delete sessions past their expiry; return how many."""
    deleted, _per_model = Session.objects.filter(
        expire_date__lt=timezone.now()
    ).delete()
    return deleted
