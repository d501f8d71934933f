"""Check-in reminders: each person's own lead time, their own time zone, sent once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from smtplib import SMTPRecipientsRefused, SMTPServerDisconnected

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mentorship import checkins, reminders
from mentorship.models import CheckIn, Mentorship, Reminder
from mentorship.reminders import (
    checkin_reminder_batches,
    deliver_all,
    send_checkin_reminders,
)
from tests import factories
from tests.mentorship.reminder_helpers import (
    checkin_at,
    checkin_in,
    html_of,
    recipients,
)


def _leads(mentor, mentee, *, mentor_minutes: int, mentee_minutes: int) -> None:
    for user, minutes in ((mentor, mentor_minutes), (mentee, mentee_minutes)):
        user.checkin_reminder_minutes = minutes
        user.save(update_fields=["checkin_reminder_minutes"])


def _sweep_at(moment: datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return send_checkin_reminders()


def test_each_person_is_reminded_their_own_lead_time_before(mentorship, mentor, mentee):
    _leads(mentor, mentee, mentor_minutes=60, mentee_minutes=1440)
    at = checkin_in(mentorship, minutes=3 * 60).scheduled_at

    assert _sweep_at(at - timedelta(hours=24, seconds=1)) == 0
    assert _sweep_at(at - timedelta(hours=24)) == 1
    assert recipients() == [mentee.email]
    assert _sweep_at(at - timedelta(minutes=61)) == 0
    assert _sweep_at(at - timedelta(minutes=60)) == 1
    assert recipients() == sorted([mentee.email, mentor.email])
    assert _sweep_at(at - timedelta(minutes=1)) == 0
    assert len(mail.outbox) == 2


def test_no_reminder_for_someone_who_turned_them_off(mentorship, mentor, mentee):
    _leads(mentor, mentee, mentor_minutes=0, mentee_minutes=180)
    at = checkin_in(mentorship, minutes=30).scheduled_at

    assert _sweep_at(at - timedelta(minutes=1)) == 1
    assert recipients() == [mentee.email]


def test_no_reminder_once_the_checkin_has_begun(mentorship):
    at = checkin_in(mentorship, minutes=30).scheduled_at
    assert _sweep_at(at) == 0
    assert _sweep_at(at + timedelta(minutes=5)) == 0
    assert mail.outbox == []


def test_a_checkin_beyond_the_longest_lead_is_not_read_yet(mentorship, mentor, mentee):
    _leads(mentor, mentee, mentor_minutes=2880, mentee_minutes=2880)
    checkin_in(mentorship, minutes=2880 + 1)
    assert send_checkin_reminders() == 0


def test_no_reminder_for_an_ended_mentorship(mentorship):
    checkin_in(mentorship, minutes=30)
    Mentorship.objects.filter(pk=mentorship.pk).update(status="ended")
    assert send_checkin_reminders() == 0
    assert mail.outbox == []


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "cancelled"},
        {"status": "held", "format": "video", "recorded_at": timezone.now()},
        {"status": "missed", "recorded_at": timezone.now()},
    ],
)
def test_only_planned_checkins_are_reminded(mentorship, fields):
    checkin_in(mentorship, minutes=30, **fields)
    assert send_checkin_reminders() == 0


def test_the_email_gives_the_time_in_the_recipients_own_zone(
    mentorship, mentor, mentee
):
    mentor.time_zone, mentee.time_zone = "America/New_York", "Asia/Tokyo"
    mentor.save(update_fields=["time_zone"])
    mentee.save(update_fields=["time_zone"])
    with time_machine.travel(datetime(2027, 1, 10, 12, 0, tzinfo=UTC), tick=False):
        checkin = checkin_at(mentorship, datetime(2027, 1, 11, 1, 0, tzinfo=UTC))
        assert send_checkin_reminders() == 2

    by_recipient = {message.to[0]: message for message in mail.outbox}
    tokyo, new_york = by_recipient[mentee.email], by_recipient[mentor.email]
    assert "Monday 11 January 2027, 10:00 (Asia/Tokyo)" in tokyo.body
    assert "Sunday 10 January 2027, 20:00 (America/New_York)" in new_york.body
    assert tokyo.subject == "Check-in with Maya Mentor on Monday 11 January 2027, 10:00"
    assert "Eli Mentee" in new_york.body
    link = f"http://testserver/checkins/{checkin.public_id}/"
    for message in (tokyo, new_york):
        assert link in message.body
        assert f'href="{link}"' in html_of(message)


def test_sweeping_twice_sends_each_reminder_once(cohort, mentorship):
    other = factories.mentorship_in(cohort)
    for pair in (mentorship, other):
        checkin_in(pair, minutes=45)
    checkin_in(mentorship, minutes=50)

    assert send_checkin_reminders() == 6
    assert send_checkin_reminders() == 0
    assert len(mail.outbox) == 6
    claims = Reminder.objects.filter(kind=Reminder.Kind.CHECKIN)
    assert claims.count() == 6
    assert not claims.filter(sent_at=None).exists()


def test_a_moved_checkin_is_reminded_again_at_its_new_time(mentorship, mentor, mentee):
    _leads(mentor, mentee, mentor_minutes=60, mentee_minutes=0)
    checkin = checkin_in(mentorship, minutes=30)
    assert send_checkin_reminders() == 1

    checkins.reschedule(
        checkin=checkin,
        actor=mentee,
        scheduled_at=checkin.scheduled_at + timedelta(hours=3),
        reason="A clash",
    )
    assert send_checkin_reminders() == 0  # the new time is more than an hour off
    assert _sweep_at(checkin.scheduled_at + timedelta(hours=2, minutes=1)) == 1
    assert recipients() == [mentor.email, mentor.email]


def test_a_refused_email_is_sent_by_the_next_sweep(
    monkeypatch, mentorship, mentor, mentee
):
    checkin_in(mentorship, minutes=30)
    send = EmailBackend.send_messages

    def refuse_the_mentor(self, messages):
        if any(mentor.email in message.to for message in messages):
            raise SMTPRecipientsRefused({mentor.email: (550, b"mailbox full")})
        return send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", refuse_the_mentor)
    assert send_checkin_reminders() == 1
    assert recipients() == [mentee.email]
    assert not Reminder.objects.filter(recipient=mentor).exists()

    monkeypatch.setattr(EmailBackend, "send_messages", send)
    assert send_checkin_reminders() == 1
    assert recipients() == sorted([mentee.email, mentor.email])


def test_a_sweep_stops_when_the_mail_server_is_down(monkeypatch, cohort, mentorship):
    for pair in [mentorship, *(factories.mentorship_in(cohort) for _ in range(4))]:
        checkin_in(pair, minutes=30)
    attempts = []

    def down(self, messages):
        attempts.append(messages)
        raise SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(EmailBackend, "send_messages", down)
    with pytest.raises(SMTPServerDisconnected):
        send_checkin_reminders()
    assert len(attempts) == reminders.FAILURES_BEFORE_STOPPING < 10
    assert not Reminder.objects.exists()

    monkeypatch.undo()
    assert send_checkin_reminders() == 10


def _due_checkins(cohort, mentorship, count: int) -> None:
    pairs = [mentorship, *(factories.mentorship_in(cohort) for _ in range(4))]
    start = timezone.now() + timedelta(minutes=5)
    CheckIn.objects.bulk_create(
        CheckIn(
            mentorship=pairs[n % len(pairs)],
            scheduled_at=start + timedelta(minutes=n),
        )
        for n in range(count)
    )


def _written(queries: list[dict]) -> list[str]:
    """The statements run, without the savepoints the test's transaction adds."""
    return [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]


@pytest.mark.parametrize("rows", [10, 100])
def test_queries_per_batch_stay_the_same_as_checkins_grow(rows, cohort, mentorship):
    _due_checkins(cohort, mentorship, rows)
    batches = checkin_reminder_batches(now=timezone.now(), batch_size=10)
    per_batch = []
    while True:
        with CaptureQueriesContext(connection) as queries:
            batch = next(batches, None)
            if batch is not None:
                deliver_all(batch)
        per_batch.append(_written(queries.captured_queries))
        if batch is None:
            break

    # Per batch of 10 check-ins: one SELECT of the check-ins with both people and the
    # claims test joined in; then per reminder (2 a check-in) INSERT claim, UPDATE
    # sent_at. The last SELECT finds nothing more.
    assert [len(statements) for statements in per_batch] == [1 + 2 * 20] * (
        rows // 10
    ) + [1]
    for statements in per_batch:
        assert statements[0].startswith("SELECT")
        assert all("mentorship_reminder" in sql for sql in statements[1:])
    assert len(mail.outbox) == 2 * rows
