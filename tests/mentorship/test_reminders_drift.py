"""Drift nudges: the pair after a miss, coordinators after a further one; revisits."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from mentorship import checkins, reminders
from mentorship.models import Mentorship, Reminder, RevisitPrompt
from tests import factories
from tests.mentorship.reminder_helpers import checkin_in, html_of, recipients

DAY = 24 * 60


def _missed(mentorship, *, days_ago: float):
    """A check-in left unrecorded well past the grace period."""
    return checkin_in(mentorship, minutes=-days_ago * DAY)


def _nudge(**kwargs) -> int:
    checkins.assess_drift(**kwargs)
    return reminders.send_drift_nudges(**kwargs)


def _of_kind(kind: str) -> set[tuple[str, str]]:
    return set(
        Reminder.objects.filter(kind=kind).values_list("recipient__email", "subject")
    )


def test_a_missed_checkin_nudges_the_pair_and_not_the_coordinator(
    mentorship, mentor, mentee, coordinator
):
    missed = _missed(mentorship, days_ago=3)

    assert _nudge() == 2
    assert recipients() == sorted([mentor.email, mentee.email])
    assert _of_kind(Reminder.Kind.DRIFT_PAIR) == {
        (mentor.email, missed.public_id),
        (mentee.email, missed.public_id),
    }
    message = next(m for m in mail.outbox if m.to == [mentee.email])
    assert message.subject == "Your check-in with Maya Mentor was missed"
    assert "That is 1 check-in missed in a row." in message.body
    link = f"http://testserver{missed.get_absolute_url()}"
    assert link in message.body
    assert f'href="{link}"' in html_of(message)


def test_a_further_miss_tells_each_coordinator_of_the_program(
    program, cohort, mentorship, mentor, mentee, coordinator, other_coordinator
):
    second = factories.UserFactory(full_name="Cy Coordinator")
    program.coordinators.add(second)
    _missed(mentorship, days_ago=10)
    latest = _missed(mentorship, days_ago=3)

    assert _nudge() == 4
    assert recipients() == sorted(
        [mentor.email, mentee.email, coordinator.email, second.email]
    )
    assert _of_kind(Reminder.Kind.DRIFT_COORDINATOR) == {
        (coordinator.email, latest.public_id),
        (second.email, latest.public_id),
    }
    message = next(m for m in mail.outbox if m.to == [coordinator.email])
    assert message.subject == f"A mentorship in {cohort.name} is drifting"
    assert (
        f"Maya Mentor and Eli Mentee ({cohort.name}) have missed 2 check-ins in a row."
        in message.body
    )
    link = "http://testserver" + reverse(
        "mentorship:cohort_activity", args=[cohort.public_id]
    )
    assert link in message.body
    assert f'href="{link}"' in html_of(message)


def test_each_miss_is_nudged_once(mentorship, mentor, mentee, coordinator):
    _missed(mentorship, days_ago=10)
    assert _nudge() == 2
    assert _nudge() == 0

    _missed(mentorship, days_ago=3)
    assert _nudge() == 3  # the pair again, and now the coordinator
    assert _nudge() == 0
    assert len(mail.outbox) == 5


def test_an_unrecorded_checkin_is_a_miss_only_after_the_grace_period(
    settings, mentorship
):
    settings.CHECKIN_RECORDING_GRACE_HOURS = 48
    at = checkin_in(mentorship, minutes=-60).scheduled_at

    with time_machine.travel(at + timedelta(hours=48), tick=False):
        assert _nudge() == 0
    with time_machine.travel(at + timedelta(hours=48, seconds=1), tick=False):
        assert _nudge() == 2


def test_a_checkin_recorded_as_missed_counts_at_once(mentorship):
    checkin_in(mentorship, minutes=-60, status="missed", recorded_at=timezone.now())
    assert _nudge() == 2


def test_a_held_checkin_after_the_misses_ends_the_nudges(mentorship):
    _missed(mentorship, days_ago=10)
    _missed(mentorship, days_ago=9)
    checkin_in(
        mentorship,
        minutes=-2 * DAY,
        status="held",
        format="video",
        recorded_at=timezone.now(),
    )
    assert _nudge() == 0
    assert mail.outbox == []


def test_an_ended_mentorship_is_not_nudged(mentorship):
    _missed(mentorship, days_ago=10)
    _missed(mentorship, days_ago=3)
    checkins.assess_drift()
    Mentorship.objects.filter(pk=mentorship.pk).update(status="ended")
    assert reminders.send_drift_nudges() == 0


def _prompt(mentorship, **fields) -> RevisitPrompt:
    return RevisitPrompt.objects.create(
        mentorship=mentorship,
        reason=RevisitPrompt.Reason.MIDPOINT,
        due_on=timezone.localdate(),
        **fields,
    )


def test_an_open_revisit_prompt_reminds_both_once(mentorship, mentor, mentee):
    prompt = _prompt(mentorship)

    assert reminders.send_drift_nudges() == 2
    assert reminders.send_drift_nudges() == 0
    assert recipients() == sorted([mentor.email, mentee.email])
    message = mail.outbox[0]
    assert message.subject == "Time to revisit your mentoring agreement"
    assert "Why now: The cohort's midpoint." in message.body
    link = "http://testserver" + reverse("agreements:revisit", args=[prompt.public_id])
    assert link in message.body
    assert f'href="{link}"' in html_of(message)


@pytest.mark.parametrize("ended", [False, True])
def test_no_revisit_reminder_once_decided_or_ended(mentorship, mentor, ended):
    if ended:
        _prompt(mentorship)
        Mentorship.objects.filter(pk=mentorship.pk).update(status="ended")
    else:
        _prompt(
            mentorship, outcome="kept", decided_by=mentor, decided_at=timezone.now()
        )
    assert reminders.send_drift_nudges() == 0


@pytest.mark.parametrize("pairs", [1, 4])
def test_the_drift_sweeps_select_in_constant_queries(
    pairs, cohort, mentorship, django_assert_num_queries
):
    others = [factories.mentorship_in(cohort) for _ in range(pairs - 1)]
    for pair in [mentorship, *others]:
        _missed(pair, days_ago=10)
        _missed(pair, days_ago=3)
        _prompt(pair)
    checkins.assess_drift()
    now = timezone.now()

    # pair nudges: 1 SELECT; coordinators: the check-ins, their programs'
    # coordinators (prefetch), the claims already made; revisits: 1 SELECT.
    with django_assert_num_queries(5):
        dues = [
            due
            for sweep in (
                reminders.drift_pair_batches,
                reminders.drift_coordinator_batches,
                reminders.revisit_batches,
            )
            for batch in sweep(now=now)
            for due in batch
        ]
    assert len(dues) == pairs * (2 + 1 + 2)
