"""Notice-ending reminders: both parties hear when a signed amendment takes effect."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core import mail

from agreements import services as agreements
from agreements import tasks
from agreements.models import AgreementVersion
from agreements.reminders import notice_ending_batches, send_notice_ending_reminders
from mentorship.models import Mentorship, Reminder
from tests import factories
from tests.mentorship.reminder_helpers import html_of, recipients


def _proposed_amendment(mentorship) -> AgreementVersion:
    in_force = factories.effective_agreement(mentorship)
    amendment = agreements.propose_amendment(
        agreement=in_force.agreement, actor=mentorship.mentee, rationale="Weekly."
    )
    draft = factories.complete_draft(cadence="weekly")
    agreements.update_draft(version=amendment, editor=mentorship.mentee, draft=draft)
    return agreements.propose(version=amendment, actor=mentorship.mentee)


@pytest.fixture
def amendment(mentorship, mentor, mentee):
    """Signed by both; takes effect when its 14 days of notice end."""
    version = _proposed_amendment(mentorship)
    factories.sign_as(version, mentor)
    factories.sign_as(version, mentee)
    version.refresh_from_db()
    assert version.status == AgreementVersion.Status.PROPOSED
    return version


def _sweep_at(moment: datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return send_notice_ending_reminders()


def test_both_parties_hear_the_warning_days_before_the_notice_ends(
    settings, amendment, mentor, mentee
):
    settings.NOTICE_ENDING_WARNING_DAYS = 2
    ends = amendment.earliest_effective_at

    assert _sweep_at(ends - timedelta(days=2, seconds=1)) == 0
    assert _sweep_at(ends - timedelta(days=2)) == 2
    assert _sweep_at(ends - timedelta(days=1)) == 0
    assert recipients() == sorted([mentor.email, mentee.email])
    assert set(
        Reminder.objects.filter(kind=Reminder.Kind.NOTICE_ENDING).values_list(
            "subject", "due_at"
        )
    ) == {(amendment.public_id, ends)}
    message = next(m for m in mail.outbox if m.to == [mentor.email])
    assert "version 2 of your mentoring agreement" in message.body
    assert "(UTC)" in message.body
    link = f"http://testserver{amendment.agreement.get_absolute_url()}"
    assert link in message.body
    assert f'href="{link}"' in html_of(message)


def test_no_reminder_once_the_notice_has_ended(amendment):
    assert _sweep_at(amendment.earliest_effective_at) == 0


def test_no_reminder_before_both_have_signed(settings, mentorship, mentor):
    settings.NOTICE_ENDING_WARNING_DAYS = 30
    version = _proposed_amendment(mentorship)
    factories.sign_as(version, mentor)
    assert send_notice_ending_reminders() == 0


def test_signatures_of_an_earlier_round_do_not_count(settings, amendment, mentee):
    settings.NOTICE_ENDING_WARNING_DAYS = 30
    # A new round, as an edit of a proposed version and proposing it again would open.
    AgreementVersion.objects.filter(pk=amendment.pk).update(round=amendment.round + 1)
    assert send_notice_ending_reminders() == 0


def test_one_partys_waiver_still_leaves_the_notice_running(settings, amendment, mentee):
    settings.NOTICE_ENDING_WARNING_DAYS = 30
    agreements.waive_notice(version=amendment, party=mentee)
    assert send_notice_ending_reminders() == 2


def test_no_reminder_when_both_waived_the_notice(settings, amendment, mentor, mentee):
    settings.NOTICE_ENDING_WARNING_DAYS = 30
    agreements.waive_notice(version=amendment, party=mentee)
    agreements.waive_notice(version=amendment, party=mentor)
    assert send_notice_ending_reminders() == 0


def test_no_reminder_for_an_ended_mentorship(settings, amendment, mentorship):
    settings.NOTICE_ENDING_WARNING_DAYS = 30
    Mentorship.objects.filter(pk=mentorship.pk).update(status="ended")
    assert send_notice_ending_reminders() == 0


def test_the_task_sends_each_reminder_once(settings, amendment):
    settings.NOTICE_ENDING_WARNING_DAYS = 30
    assert tasks.send_notice_ending_reminders() == 2
    assert tasks.send_notice_ending_reminders() == 0
    assert len(mail.outbox) == 2


def test_the_notice_sweep_selects_in_one_query(
    settings, amendment, django_assert_num_queries
):
    settings.NOTICE_ENDING_WARNING_DAYS = 30
    # the versions, with both signatures, the claims test and the pair joined in
    with django_assert_num_queries(1):
        [batch] = list(
            notice_ending_batches(now=amendment.earliest_effective_at - timedelta(1))
        )
    assert len(batch) == 2
