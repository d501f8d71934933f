"""A deactivated account gets no reminder of any kind; the others still do."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.utils import timezone

from agreements import services as agreements
from agreements.reminders import send_notice_ending_reminders
from mentorship import checkins, reminders
from mentorship.models import RevisitPrompt
from tests import factories
from tests.mentorship.reminder_helpers import checkin_in, recipients

DAY = 24 * 60


def _deactivate(user) -> None:
    user.is_active = False
    user.save(update_fields=["is_active"])


def _nudge() -> int:
    checkins.assess_drift()
    return reminders.send_drift_nudges()


def test_a_deactivated_person_gets_no_checkin_reminder(mentorship, mentor, mentee):
    checkin_in(mentorship, minutes=30)
    _deactivate(mentee)
    assert reminders.send_checkin_reminders() == 1
    assert recipients() == [mentor.email]


def test_a_deactivated_person_gets_no_drift_nudge(mentorship, mentor, mentee):
    checkin_in(mentorship, minutes=-3 * DAY)
    _deactivate(mentor)
    assert _nudge() == 1
    assert recipients() == [mentee.email]


def test_a_deactivated_coordinator_is_not_told_of_drift(
    program, mentorship, mentor, mentee, coordinator
):
    second = factories.UserFactory(full_name="Cy Coordinator")
    program.coordinators.add(second)
    checkin_in(mentorship, minutes=-10 * DAY)
    checkin_in(mentorship, minutes=-3 * DAY)
    _deactivate(coordinator)
    assert _nudge() == 3
    assert recipients() == sorted([mentor.email, mentee.email, second.email])


def test_no_coordinator_nudge_when_every_coordinator_is_deactivated(
    mentorship, coordinator
):
    checkin_in(mentorship, minutes=-10 * DAY)
    checkin_in(mentorship, minutes=-3 * DAY)
    _deactivate(coordinator)
    checkins.assess_drift()
    now = timezone.now()
    assert list(reminders.drift_coordinator_batches(now=now)) == []


def test_a_deactivated_person_gets_no_revisit_reminder(mentorship, mentor, mentee):
    RevisitPrompt.objects.create(
        mentorship=mentorship, reason="midpoint", due_on=timezone.localdate()
    )
    _deactivate(mentee)
    assert reminders.send_drift_nudges() == 1
    assert recipients() == [mentor.email]


def test_a_deactivated_party_gets_no_notice_ending_reminder(
    settings, mentorship, mentor, mentee
):
    in_force = factories.effective_agreement(mentorship)
    amendment = agreements.propose_amendment(
        agreement=in_force.agreement, actor=mentee, rationale="Weekly."
    )
    draft = factories.complete_draft(cadence="weekly")
    agreements.update_draft(version=amendment, editor=mentee, draft=draft)
    amendment = agreements.propose(version=amendment, actor=mentee)
    factories.sign_as(amendment, mentor)
    factories.sign_as(amendment, mentee)
    amendment.refresh_from_db()
    settings.NOTICE_ENDING_WARNING_DAYS = 2
    _deactivate(mentee)
    with time_machine.travel(amendment.earliest_effective_at - timedelta(days=1)):
        assert send_notice_ending_reminders() == 1
    assert recipients() == [mentor.email]
