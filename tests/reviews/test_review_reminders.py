"""Review-due reminders: read from the planned reviews, claimed once per person."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from mentorship.models import Mentorship
from reviews import tasks
from reviews.reminders import send_review_due_reminders
from tests.mentorship.checkin_helpers import sign_terms
from tests.mentorship.reminder_helpers import html_of, recipients
from tests.reviews.helpers import completed_review, in_force

PARIS = ZoneInfo("Europe/Paris")
# The first review: 1 June 2027, 09:00 in Paris (07:00 UTC, summer time).
FIRST_DUE = datetime.combine(date(2027, 6, 1), time(9), tzinfo=PARIS)


@pytest.fixture
def reviewed(settings, mentorship, cohort, mentee):
    """Quarterly reviews from 1 March 2027; the mentee in Paris."""
    settings.REVIEW_DUE_WARNING_DAYS = 3
    cohort.starts_on, cohort.ends_on = date(2027, 3, 1), date(2028, 3, 1)
    cohort.save(update_fields=["starts_on", "ends_on"])
    Mentorship.objects.filter(pk=mentorship.pk).update(started_on=date(2027, 3, 1))
    mentee.time_zone = "Europe/Paris"
    mentee.save(update_fields=["time_zone"])
    mentorship.refresh_from_db()
    with time_machine.travel(datetime(2027, 2, 15, tzinfo=PARIS), tick=False):
        sign_terms(mentorship)
    return mentorship


def _sweep_at(moment: datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return send_review_due_reminders()


def test_reviews_are_planned_when_terms_take_effect(reviewed):
    assert list(reviewed.progress_reviews.values_list("due_on", flat=True)) == [
        date(2027, 6, 1),
        date(2027, 9, 1),
        date(2027, 12, 1),
        date(2028, 3, 1),
    ]


def test_both_are_reminded_the_warning_days_before_a_review(reviewed, mentor, mentee):
    warned_at = FIRST_DUE - timedelta(days=3)

    assert _sweep_at(warned_at - timedelta(seconds=1)) == 0
    assert _sweep_at(warned_at) == 2
    assert _sweep_at(warned_at + timedelta(days=1)) == 0
    assert recipients() == sorted([mentor.email, mentee.email])
    message = next(m for m in mail.outbox if m.to == [mentor.email])
    assert message.subject == "Progress review due on Tuesday 1 June 2027"
    assert "with Eli Mentee is due on Tuesday 1 June 2027" in message.body
    review = reviewed.progress_reviews.get(due_on=date(2027, 6, 1))
    link = f"http://testserver{review.get_absolute_url()}"
    assert link in message.body
    assert f'href="{link}"' in html_of(message)


def test_each_review_of_the_cohort_is_reminded_in_turn(reviewed):
    assert _sweep_at(FIRST_DUE - timedelta(days=1)) == 2
    assert _sweep_at(FIRST_DUE + timedelta(minutes=1)) == 0  # the next is 3 months off
    second = FIRST_DUE.replace(month=9)
    assert _sweep_at(second - timedelta(days=2)) == 2
    last = datetime.combine(date(2028, 3, 1), time(9), tzinfo=PARIS)
    assert _sweep_at(last - timedelta(days=2)) == 2  # the cohort's last day counts
    assert len(mail.outbox) == 6


def test_a_closed_mentorship_is_not_reminded(reviewed):
    Mentorship.objects.filter(pk=reviewed.pk).update(status="ended")
    assert _sweep_at(FIRST_DUE - timedelta(days=1)) == 0


def test_a_deactivated_person_gets_no_review_due_reminder(reviewed, mentor, mentee):
    mentor.is_active = False
    mentor.save(update_fields=["is_active"])
    assert _sweep_at(FIRST_DUE - timedelta(days=1)) == 1
    assert recipients() == [mentee.email]


def test_the_task_sends_each_reminder_once(reviewed):
    with time_machine.travel(FIRST_DUE - timedelta(days=1), tick=False):
        assert tasks.send_review_reminders() == {"review_due": 2, "consent_expiry": 0}
        assert tasks.send_review_reminders() == {"review_due": 0, "consent_expiry": 0}


def test_a_review_done_early_is_not_reminded(mentorship, settings):
    in_force(mentorship)
    review = completed_review(mentorship)
    settings.REVIEW_DUE_WARNING_DAYS = 3
    due = datetime.combine(review.due_on, time(9), tzinfo=ZoneInfo("UTC"))
    assert _sweep_at(due - timedelta(days=1)) == 0
