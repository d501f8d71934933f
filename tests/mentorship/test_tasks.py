"""Background tasks, run directly: each is safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core import mail
from django.utils import timezone

from mentorship import tasks
from mentorship.models import Invitation
from tests import factories


def test_invitation_email_goes_out_once(cohort):
    invitation = factories.InvitationFactory(cohort=cohort)
    assert tasks.send_invitation_email(invitation_id=invitation.pk) is True
    assert tasks.send_invitation_email(invitation_id=invitation.pk) is False
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert invitation.get_accept_url() in body
    assert body.count("http://") == 1  # one link, absolute, to this site


def test_invitation_email_is_not_sent_for_unusable_invitations(cohort):
    gone = [
        factories.InvitationFactory(cohort=cohort, revoked_at=timezone.now()),
        factories.InvitationFactory(
            cohort=cohort, expires_at=timezone.now() - timedelta(minutes=1)
        ),
    ]
    for invitation in gone:
        assert tasks.send_invitation_email(invitation_id=invitation.pk) is False
    assert tasks.send_invitation_email(invitation_id=987654) is False
    assert mail.outbox == []


def test_stale_invitations_are_purged_and_nothing_else(cohort):
    now = timezone.now()
    stale = factories.InvitationFactory(
        cohort=cohort, expires_at=now - timedelta(days=91)
    )
    recent = factories.InvitationFactory(
        cohort=cohort, expires_at=now - timedelta(days=89)
    )
    accepted = factories.InvitationFactory(
        cohort=cohort, expires_at=now - timedelta(days=200), accepted_at=now
    )
    assert tasks.purge_stale_invitations() == 1
    assert tasks.purge_stale_invitations() == 0
    remaining = set(Invitation.objects.values_list("pk", flat=True))
    assert remaining == {recent.pk, accepted.pk}
    assert stale.pk not in remaining


def test_expired_sessions_are_cleared(db):
    live, dead = SessionStore(), SessionStore()
    live.create()
    dead.create()
    Session.objects.filter(session_key=dead.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert tasks.clear_expired_sessions() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [
        live.session_key
    ]
