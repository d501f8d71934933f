"""Consent's background work on a real Celery worker, through Redis.

A grant queues the mentee's receipt and the supervisor's notice after commit; the
worker re-checks the consent when it runs, so a withdrawal that lands first wins.
"""

from __future__ import annotations

import signal

import pytest

from reviews import services
from reviews.models import SupervisorConsent
from tests.reviews.helpers import grant

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

RECEIPT = "reviews.notifications.send_consent_receipt"
TOLD = "reviews.notifications.tell_supervisor"


def test_a_grant_sends_the_receipt_and_tells_the_supervisor(
    celery_worker_process, mentorship, mentee, supervisor
):
    consent = grant(mentorship)

    celery_worker_process.wait_for_finished(RECEIPT)
    celery_worker_process.wait_for_finished(TOLD)
    recipients = sorted(m["To"] for m in celery_worker_process.emails())
    assert recipients == sorted([mentee.email, supervisor.email])
    consent.refresh_from_db()
    assert consent.receipt_sent_at and consent.supervisor_told_at


def test_a_withdrawal_before_the_worker_runs_stops_the_supervisors_notice(
    celery_worker_process, mentorship, mentee, supervisor
):
    celery_worker_process.process.send_signal(signal.SIGSTOP)  # the worker pauses
    try:
        consent = grant(mentorship)
        services.withdraw_consent(mentorship=mentorship, mentee=mentee)
    finally:
        celery_worker_process.process.send_signal(signal.SIGCONT)

    [told] = celery_worker_process.wait_for_finished(TOLD)
    assert "False" in told
    celery_worker_process.wait_for_finished(RECEIPT, count=2)
    assert [m["To"] for m in celery_worker_process.emails()] == [mentee.email] * 2
    assert SupervisorConsent.objects.get(pk=consent.pk).supervisor_told_at is None
