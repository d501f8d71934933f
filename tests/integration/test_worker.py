"""Tasks sent through Redis and run by a real Celery worker on the test database."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from mentorship import services, tasks
from mentorship.models import Invitation
from tests import factories

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

INVITE_TASK = "mentorship.tasks.send_invitation_email"


def _invite(cohort, coordinator) -> Invitation:
    # The service is atomic: its on_commit hook queues the email when it returns.
    return services.invite_person(
        cohort=cohort,
        request=services.InvitationRequest(
            email="nia.newcomer@example.org", full_name="Nia Newcomer", role="mentee"
        ),
        invited_by=coordinator,
    )


def _messages(log: str) -> list[str]:
    """The log lines without their "[time: LEVEL/process] " prefix."""
    return [line.split("] ", 1)[-1] for line in log.splitlines()]


def test_worker_emails_the_invitation_with_its_accept_link(
    celery_worker_process, cohort, coordinator
):
    invitation = _invite(cohort, coordinator)

    [line] = celery_worker_process.wait_for_finished(INVITE_TASK)
    assert line.endswith(": True")
    # It went through Redis: the worker logged receiving it from its queue.
    assert any(
        entry.startswith(f"Task {INVITE_TASK}[") and entry.endswith("] received")
        for entry in _messages(celery_worker_process.log())
    )
    [message] = celery_worker_process.emails()
    assert message["To"] == "nia.newcomer@example.org"
    assert cohort.program.name in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    link = re.search(rf"{re.escape(settings.SITE_URL)}/join/([^/\s]+)/", text)
    assert link is not None, text
    assert Invitation.public_id_from_token(link[1]) == invitation.public_id
    invitation.refresh_from_db()
    assert invitation.sent_at is not None


def test_running_the_invitation_task_again_sends_no_second_email(
    celery_worker_process, cohort, coordinator
):
    invitation = _invite(cohort, coordinator)
    celery_worker_process.wait_for_finished(INVITE_TASK)
    invitation.refresh_from_db()
    first_sent_at = invitation.sent_at
    assert first_sent_at is not None

    second = tasks.send_invitation_email.delay(invitation_id=invitation.pk)

    [line] = celery_worker_process.wait_for_finished(f"{INVITE_TASK}[{second.id}]")
    assert line.endswith(": False")  # it saw sent_at and sent nothing
    assert len(celery_worker_process.emails()) == 1
    invitation.refresh_from_db()
    assert invitation.sent_at == first_sent_at


def test_purge_stale_invitations_deletes_only_long_expired_unaccepted_ones(
    celery_worker_process, cohort
):
    now = timezone.now()
    stale = factories.InvitationFactory(
        cohort=cohort, expires_at=now - timedelta(days=91)
    )
    stale_revoked = factories.InvitationFactory(
        cohort=cohort, expires_at=now - timedelta(days=200), revoked_at=now
    )
    recently_expired = factories.InvitationFactory(
        cohort=cohort, expires_at=now - timedelta(days=89)
    )
    pending = factories.InvitationFactory(cohort=cohort)
    accepted_long_ago = factories.InvitationFactory(
        cohort=cohort,
        expires_at=now - timedelta(days=300),
        accepted_at=now - timedelta(days=310),
    )

    result = tasks.purge_stale_invitations.delay()

    celery_worker_process.wait(
        lambda: not Invitation.objects.filter(pk=stale.pk).exists(),
        what="the stale invitation to be deleted",
    )
    [line] = celery_worker_process.wait_for_finished(
        f"mentorship.tasks.purge_stale_invitations[{result.id}]"
    )
    assert line.endswith(": 2")
    assert set(Invitation.objects.values_list("pk", flat=True)) == {
        recently_expired.pk,
        pending.pk,
        accepted_long_ago.pk,
    }
    assert not Invitation.objects.filter(pk=stale_revoked.pk).exists()


def _session(expire_date) -> str:
    store = SessionStore()
    store["who"] = "someone"
    store.create()
    key = store.session_key
    assert key is not None
    Session.objects.filter(pk=key).update(expire_date=expire_date)
    return key


def test_clear_expired_sessions_deletes_only_expired_sessions(celery_worker_process):
    now = timezone.now()
    expired = _session(now - timedelta(minutes=1))
    long_expired = _session(now - timedelta(days=30))
    live = _session(now + timedelta(hours=1))

    result = tasks.clear_expired_sessions.delay()

    celery_worker_process.wait(
        lambda: not Session.objects.filter(pk__in=[expired, long_expired]).exists(),
        what="the expired sessions to be deleted",
    )
    [line] = celery_worker_process.wait_for_finished(
        f"mentorship.tasks.clear_expired_sessions[{result.id}]"
    )
    assert line.endswith(": 2")
    assert list(Session.objects.values_list("pk", flat=True)) == [live]
