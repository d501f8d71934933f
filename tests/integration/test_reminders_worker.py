"""The reminder sweep on a real Celery worker: queued twice, and killed half-way."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from email.message import EmailMessage

import pytest
from django.utils import timezone

from mentorship import tasks
from mentorship.models import CheckIn, Reminder
from tests import factories
from tests.integration.conftest import (
    _stop,
    forget_unacked,
    launch_worker,
)

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

TASK = "mentorship.tasks.send_reminders"


def _due_checkins(cohort, *, pairs: int, each: int) -> int:
    """Plan `each` check-ins for each of `pairs` new pairs, all within the default
    reminder lead; return how many reminders are due (one per person)."""
    start = timezone.now() + timedelta(minutes=10)
    mentorships = [factories.mentorship_in(cohort) for _ in range(pairs)]
    CheckIn.objects.bulk_create(
        CheckIn(mentorship=mentorship, scheduled_at=start + timedelta(minutes=n))
        for mentorship in mentorships
        for n in range(each)
    )
    return 2 * pairs * each


def _ids(messages: list[EmailMessage]) -> Counter[str]:
    return Counter(str(message["Message-ID"]) for message in messages)


def test_the_sweep_queued_twice_sends_each_reminder_once(celery_worker_process, cohort):
    due = _due_checkins(cohort, pairs=3, each=4)

    tasks.send_reminders.delay()
    tasks.send_reminders.delay()

    first, second = celery_worker_process.wait_for_finished(TASK, count=2)
    assert "'checkin': 24" in first
    assert "'checkin': 0" in second
    messages = celery_worker_process.emails()
    assert len(messages) == due == 24
    assert set(_ids(messages).values()) == {1}
    assert Reminder.objects.filter(sent_at__isnull=False).count() == due


def test_a_worker_killed_mid_sweep_loses_no_reminder(
    celery_worker_process, cohort, tmp_path, record_property
):
    first = celery_worker_process
    due = _due_checkins(cohort, pairs=10, each=30)  # 600 reminders

    tasks.send_reminders.delay()
    first.wait(lambda: len(first.emails()) >= 100, what="the sweep to be half-way")
    first.process.kill()  # SIGKILL: no cleanup, no rollback by the worker
    first.process.wait()
    committed = Reminder.objects.count()
    assert 100 <= committed < due, "the kill should land in the middle of the sweep"

    second = launch_worker(first.queue, tmp_path / "second")
    second.wait_ready()
    try:
        tasks.send_reminders.delay()
        second.wait_for_finished(TASK, timeout=120)
    finally:
        _stop(second.process)
        forget_unacked(first.queue)

    sent = _ids(first.emails() + second.emails())
    twice = [message_id for message_id, count in sent.items() if count > 1]
    record_property("committed_before_kill", committed)
    record_property("sent_twice", len(twice))
    print(f"killed after {committed} claims; sent twice: {len(twice)}")
    assert len(sent) == due  # none lost
    # Only the one in flight can go twice: written to the outbox (the mail server
    # accepted it) but killed before its claim committed.
    assert len(twice) <= 1
    assert max(sent.values()) <= 2
    assert Reminder.objects.filter(sent_at__isnull=False).count() == due
