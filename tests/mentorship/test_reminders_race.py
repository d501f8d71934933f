"""Two sweeps at the same instant (a task run twice, two beats) send each reminder once."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core import mail

from mentorship import checkins, reminders
from mentorship.models import Reminder, RevisitPrompt
from tests import factories
from tests.integration.races import race
from tests.mentorship.reminder_helpers import checkin_in

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DAY = 24 * 60


def _message_ids() -> Counter[str]:
    return Counter(message.extra_headers["Message-ID"] for message in mail.outbox)


def test_two_checkin_sweeps_at_once_send_each_reminder_once(cohort, mentorship):
    pairs = [mentorship, *(factories.mentorship_in(cohort) for _ in range(4))]
    for pair in pairs:
        for minutes in (10, 20, 30, 40):
            checkin_in(pair, minutes=minutes)

    outcomes = race(
        [reminders.send_checkin_reminders, reminders.send_checkin_reminders]
    )

    assert all(isinstance(sent, int) for sent in outcomes), outcomes
    assert sum(outcomes) == 40  # type: ignore[arg-type]
    assert len(mail.outbox) == 40
    assert set(_message_ids().values()) == {1}
    assert Reminder.objects.filter(sent_at__isnull=False).count() == 40


def test_two_full_runs_at_once_send_every_kind_once(cohort, mentorship, coordinator):
    pairs = [mentorship, *(factories.mentorship_in(cohort) for _ in range(2))]
    for pair in pairs:
        checkin_in(pair, minutes=30)
        checkin_in(pair, minutes=-10 * DAY)
        checkin_in(pair, minutes=-3 * DAY)
        RevisitPrompt.objects.create(
            mentorship=pair, reason="midpoint", due_on=cohort.starts_on
        )
    checkins.assess_drift()

    outcomes = race([reminders.send_all, reminders.send_all])

    # Per pair: check-in 2, missed 2, coordinator 1, revisit 2.
    assert all(isinstance(result, dict) for result in outcomes), outcomes
    assert len(mail.outbox) == 3 * 7
    assert set(_message_ids().values()) == {1}
    assert Counter(Reminder.objects.values_list("kind", flat=True)) == {
        "checkin": 6,
        "drift_pair": 6,
        "drift_coord": 3,
        "revisit": 6,
    }
