"""The periodic task that runs every reminder sweep."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core import mail
from django.utils import timezone

from mentorship import reminders, tasks
from tests.mentorship.checkin_helpers import sign_terms
from tests.mentorship.reminder_helpers import checkin_in, recipients


def test_the_task_counts_drift_before_sending_the_nudges(mentorship, mentor, mentee):
    checkin_in(mentorship, minutes=-5 * 24 * 60)  # never recorded: a miss
    assert mentorship.missed_in_row == 0

    result = tasks.send_reminders()

    assert result == {"assess_drift": 1, "checkin": 0, "drift": 2}
    assert recipients() == sorted([mentor.email, mentee.email])


def test_one_failing_sweep_does_not_stop_the_others(monkeypatch, caplog, mentorship):
    def broken(**kwargs):
        raise RuntimeError("the drift sweep broke")

    monkeypatch.setitem(reminders.SWEEPS, "drift", broken)
    checkin_in(mentorship, minutes=30)

    result = reminders.send_all()

    assert result["drift"] == -1
    assert result["checkin"] == 2
    assert len(mail.outbox) == 2
    assert "Reminder step drift failed" in caplog.text


def test_the_time_limit_stops_the_whole_run(monkeypatch, mentorship):
    def out_of_time(**kwargs):
        raise SoftTimeLimitExceeded

    monkeypatch.setitem(reminders.SWEEPS, "checkin", out_of_time)
    with pytest.raises(SoftTimeLimitExceeded):
        reminders.send_all()


def test_the_hourly_task_opens_revisit_prompts_that_the_sweep_then_sends(
    cohort, mentorship
):
    sign_terms(mentorship)
    today = timezone.localdate()
    cohort.starts_on, cohort.ends_on = today - timedelta(days=10), today + timedelta(10)
    cohort.save(update_fields=["starts_on", "ends_on"])

    assert tasks.open_revisit_prompts() == 2  # the midpoint, and the end is near
    assert tasks.open_revisit_prompts() == 0
    assert reminders.send_drift_nudges() == 4
