"""No reminder of any kind carries what the pair wrote, and neither does the log."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core import mail
from django.utils import timezone

from agreements import services as agreements
from agreements import tasks as agreement_tasks
from mentorship import tasks
from mentorship.models import FeedbackItem, Note, Reminder, RevisitPrompt
from reviews import tasks as review_tasks
from reviews.models import ProgressReview
from tests import factories
from tests.mentorship.reminder_helpers import CANARY, checkin_in, full_text
from tests.reviews.helpers import grant

CONTENT = {
    "alignment": CANARY,
    "progress": CANARY,
    "next_steps": CANARY,
    "change_reason": CANARY,
}


def _amendment_full_of_canaries(mentorship) -> None:
    in_force = factories.effective_agreement(mentorship)
    amendment = agreements.propose_amendment(
        agreement=in_force.agreement, actor=mentorship.mentee, rationale=CANARY
    )
    draft = factories.complete_draft(purpose=CANARY)
    agreements.update_draft(version=amendment, editor=mentorship.mentee, draft=draft)
    amendment = agreements.propose(version=amendment, actor=mentorship.mentee)
    factories.sign_as(amendment, mentorship.mentor)
    factories.sign_as(amendment, mentorship.mentee)


def _misses_full_of_canaries(mentorship) -> None:
    now = timezone.now()
    for days in (10, 3):
        missed = checkin_in(
            mentorship,
            minutes=-days * 24 * 60,
            status="missed",
            recorded_at=now,
            **CONTENT,
        )
        FeedbackItem.objects.create(
            checkin=missed,
            given_by=mentorship.mentor,
            situation=CANARY,
            observation=CANARY,
            impact=CANARY,
            suggestion=CANARY,
        )
        Note.objects.create(
            mentorship=mentorship,
            author=mentorship.mentor,
            checkin=missed,
            visibility="shared",
            body=CANARY,
        )


def test_no_reminder_or_log_line_carries_confidential_text(
    settings, caplog, mentorship, coordinator
):
    settings.NOTICE_ENDING_WARNING_DAYS = 30
    _amendment_full_of_canaries(mentorship)
    _misses_full_of_canaries(mentorship)
    checkin_in(mentorship, minutes=30, **CONTENT)
    RevisitPrompt.objects.create(
        mentorship=mentorship,
        reason=RevisitPrompt.Reason.MIDPOINT,
        due_on=timezone.localdate(),
        outcome_note=CANARY,
    )
    # A review falls due in two days; the consent, with its summary, ends in three.
    ProgressReview.objects.create(
        mentorship=mentorship, due_on=timezone.localdate() + timedelta(days=2)
    )
    grant(mentorship, summary=CANARY, days=3)
    mail.outbox.clear()
    caplog.clear()
    caplog.set_level(logging.DEBUG)

    tasks.send_reminders()
    agreement_tasks.send_notice_ending_reminders()
    review_tasks.send_review_reminders()

    assert set(Reminder.objects.values_list("kind", flat=True)) == set(
        Reminder.Kind.values
    ) - {Reminder.Kind.NOTE_EXPIRY}
    assert len(mail.outbox) == Reminder.objects.count() == 12
    for message in mail.outbox:
        assert CANARY not in full_text(message)
    assert CANARY not in caplog.text
