"""Work done later on a consent re-checks it then: a withdrawal in between wins."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.core import mail

from reviews import notifications, services, tasks
from reviews.reminders import send_consent_expiry_reminders
from tests.reviews.helpers import grant


def test_the_supervisor_is_told_only_if_consent_still_holds_when_the_task_runs(
    mentorship, supervisor
):
    consent = grant(mentorship)  # its tasks are queued on commit, not run here
    services.withdraw_consent(mentorship=mentorship, mentee=mentorship.mentee)
    assert notifications.tell_supervisor(consent_id=consent.pk) is False
    assert mail.outbox == []


def test_the_supervisor_is_told_once(mentorship, supervisor):
    consent = grant(mentorship)
    assert tasks.tell_supervisor(consent_id=consent.pk) is True
    assert tasks.tell_supervisor(consent_id=consent.pk) is False
    [message] = mail.outbox
    assert message.to == [supervisor.email]


def test_a_supervisor_replaced_meanwhile_is_not_told(mentorship, outsider):
    consent = grant(mentorship)
    type(mentorship).objects.filter(pk=mentorship.pk).update(supervisor=outsider)
    assert notifications.tell_supervisor(consent_id=consent.pk) is False


def test_receipts_go_once_each(mentorship, mentee):
    consent = grant(mentorship)
    assert notifications.send_consent_receipt(consent_id=consent.pk) is True
    assert notifications.send_consent_receipt(consent_id=consent.pk) is False
    # No end receipt for a consent that has not ended.
    assert (
        notifications.send_consent_receipt(consent_id=consent.pk, ended=True) is False
    )
    assert len(mail.outbox) == 1


def test_the_mentee_is_told_before_the_consent_ends(settings, mentorship, mentee):
    settings.CONSENT_EXPIRY_WARNING_DAYS = 7
    consent = grant(mentorship, days=10)
    with time_machine.travel(consent.expires_at - timedelta(days=7, seconds=1)):
        assert send_consent_expiry_reminders() == 0
    with time_machine.travel(consent.expires_at - timedelta(days=6)):
        assert send_consent_expiry_reminders() == 1
        assert send_consent_expiry_reminders() == 0
    [message] = mail.outbox
    assert message.to == [mentee.email]
    assert "Your consent to share your progress ends on" in message.subject
    assert "I lead the design reviews now." not in message.body
    with time_machine.travel(consent.expires_at + timedelta(seconds=1)):
        assert send_consent_expiry_reminders() == 0


def test_a_withdrawn_or_open_ended_consent_is_not_reminded(settings, mentorship):
    settings.CONSENT_EXPIRY_WARNING_DAYS = 7
    grant(mentorship)  # no end date
    assert send_consent_expiry_reminders() == 0
    grant(mentorship, days=3)
    services.withdraw_consent(mentorship=mentorship, mentee=mentorship.mentee)
    assert send_consent_expiry_reminders() == 0
