"""Review-due reminders, and the periodic task that runs every sweep."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.exceptions import SoftTimeLimitExceeded
from django.core import mail
from django.utils import timezone

from mentorship import reminders, tasks
from mentorship.models import Mentorship
from mentorship.reminders import review_due_dates, send_review_due_reminders
from tests.mentorship.checkin_helpers import sign_terms
from tests.mentorship.reminder_helpers import checkin_in, html_of, recipients


@pytest.mark.parametrize(
    ("cadence", "started_on", "ends_on", "expected"),
    [
        (
            "monthly",
            date(2027, 1, 31),
            date(2027, 5, 1),
            [date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30)],
        ),
        (
            "quarterly",
            date(2027, 11, 30),
            date(2028, 12, 31),
            [
                date(2028, 2, 29),
                date(2028, 5, 30),
                date(2028, 8, 30),
                date(2028, 11, 30),
            ],
        ),
        ("semiannual", date(2027, 1, 15), date(2027, 7, 15), [date(2027, 7, 15)]),
        ("semiannual", date(2027, 1, 15), date(2027, 7, 14), []),
        ("", date(2027, 1, 15), date(2028, 1, 15), []),
    ],
)
def test_reviews_fall_due_every_cadence_from_the_start_within_the_cohort(
    cadence, started_on, ends_on, expected
):
    assert (
        review_due_dates(started_on=started_on, review_cadence=cadence, ends_on=ends_on)
        == expected
    )


@pytest.fixture
def reviewed(mentorship, cohort, mentee):
    """Quarterly reviews from 1 March 2027; the mentee in Paris."""
    cohort.starts_on, cohort.ends_on = date(2027, 3, 1), date(2028, 3, 1)
    cohort.save(update_fields=["starts_on", "ends_on"])
    Mentorship.objects.filter(pk=mentorship.pk).update(
        review_cadence="quarterly", started_on=date(2027, 3, 1)
    )
    mentee.time_zone = "Europe/Paris"
    mentee.save(update_fields=["time_zone"])
    mentorship.refresh_from_db()
    return mentorship


# The first review: 1 June 2027, 09:00 in Paris (07:00 UTC, summer time).
FIRST_DUE = datetime.combine(date(2027, 6, 1), time(9), tzinfo=ZoneInfo("Europe/Paris"))


def _sweep_at(moment: datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return send_review_due_reminders()


def test_both_are_reminded_the_warning_days_before_a_review(
    settings, reviewed, mentor, mentee
):
    settings.REVIEW_DUE_WARNING_DAYS = 3
    warned_at = FIRST_DUE - timedelta(days=3)

    assert _sweep_at(warned_at - timedelta(seconds=1)) == 0
    assert _sweep_at(warned_at) == 2
    assert _sweep_at(warned_at + timedelta(days=1)) == 0
    assert recipients() == sorted([mentor.email, mentee.email])
    message = next(m for m in mail.outbox if m.to == [mentor.email])
    assert message.subject == "Progress review due on Tuesday 1 June 2027"
    assert "with Eli Mentee is due on Tuesday 1 June 2027" in message.body
    link = f"http://testserver{reviewed.get_absolute_url()}"
    assert link in message.body
    assert f'href="{link}"' in html_of(message)


def test_each_review_of_the_cohort_is_reminded_in_turn(settings, reviewed):
    settings.REVIEW_DUE_WARNING_DAYS = 3
    assert _sweep_at(FIRST_DUE - timedelta(days=1)) == 2
    assert _sweep_at(FIRST_DUE + timedelta(minutes=1)) == 0  # the next is 3 months off
    second = FIRST_DUE.replace(month=9)
    assert _sweep_at(second - timedelta(days=2)) == 2
    last = datetime.combine(date(2028, 3, 1), time(9), tzinfo=ZoneInfo("Europe/Paris"))
    assert _sweep_at(last - timedelta(days=2)) == 2  # the cohort's last day counts
    assert len(mail.outbox) == 6


@pytest.mark.parametrize("change", [{"review_cadence": ""}, {"status": "ended"}])
def test_no_review_reminder_without_a_cadence_or_after_the_end(reviewed, change):
    Mentorship.objects.filter(pk=reviewed.pk).update(**change)
    assert _sweep_at(FIRST_DUE - timedelta(days=1)) == 0


def test_the_task_counts_drift_before_sending_the_nudges(mentorship, mentor, mentee):
    checkin_in(mentorship, minutes=-5 * 24 * 60)  # never recorded: a miss
    assert mentorship.missed_in_row == 0

    result = tasks.send_reminders()

    assert result == {"assess_drift": 1, "checkin": 0, "drift": 2, "review_due": 0}
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
