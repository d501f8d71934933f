"""Authors are told, once, before a note of theirs is deleted; no content in the email."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse

from mentorship import retention, tasks
from mentorship.models import Note, Reminder
from tests import factories
from tests.mentorship.test_retention_purge import write_note

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
WARNING = timedelta(days=settings.NOTE_EXPIRY_WARNING_DAYS)
SECRET = "Worried about the reorg; thinking of leaving"


def note_expiring_in(mentorship, delta, **kwargs):
    note = write_note(mentorship, at=NOW - timedelta(days=365) + delta, **kwargs)
    assert note.expires_at == NOW + delta
    return note


def warn(now=NOW, **kwargs):
    with time_machine.travel(now, tick=False):
        return retention.send_note_expiry_warnings(**kwargs)


def test_author_is_warned_once_with_links_and_no_content(mentorship):
    note = note_expiring_in(mentorship, timedelta(days=3), body=SECRET, shared=True)

    assert warn() == 1
    assert warn() == 0

    [message] = mail.outbox
    assert message.to == [mentorship.mentee.email]
    assert message.subject == "A note of yours will be deleted on 4 June 2025"
    html = message.alternatives[0].content
    for part in (message.body, html):
        assert "Maya Mentor" in part  # the partner
        assert "4 June 2025" in part
        assert f"http://testserver/notes/{note.public_id}/" in part
        export = reverse("mentorship:note_export", args=[mentorship.public_id])
        assert f"http://testserver{export}" in part
        assert SECRET not in part
    assert SECRET not in message.subject
    claim = Reminder.objects.get()
    assert (claim.kind, claim.subject, claim.due_at) == (
        Reminder.Kind.NOTE_EXPIRY,
        note.public_id,
        note.expires_at,
    )
    assert (claim.recipient, claim.mentorship) == (mentorship.mentee, mentorship)
    assert claim.sent_at is not None


def test_the_date_is_the_authors_own(mentorship):
    author = mentorship.mentor
    author.time_zone = "Asia/Tokyo"
    author.save(update_fields=["time_zone"])
    # 20:00 UTC on 4 June is 05:00 on 5 June in Tokyo.
    note_expiring_in(mentorship, timedelta(days=3, hours=8), author=author)

    warn()

    [message] = mail.outbox
    assert message.subject.endswith("5 June 2025")
    assert "5 June 2025 (from 05:00, Asia/Tokyo)" in message.body
    assert "Eli Mentee" in message.body


@pytest.mark.parametrize(
    "delta",
    [
        -timedelta(minutes=1),  # already due: the purge takes it
        timedelta(0),
        WARNING + timedelta(seconds=1),  # not yet
    ],
)
def test_no_warning_outside_the_warning_period(mentorship, delta):
    note_expiring_in(mentorship, delta)

    assert warn() == 0
    assert mail.outbox == []


def test_warning_period_edge_is_included(mentorship):
    note_expiring_in(mentorship, WARNING)

    assert warn() == 1


def test_notes_kept_until_closing_get_no_warning(mentorship):
    note = write_note(mentorship, at=NOW)
    Note.objects.filter(pk=note.pk).update(expires_at=None)

    assert warn() == 0


def test_a_new_expiry_gets_a_new_warning(mentorship):
    note = note_expiring_in(mentorship, timedelta(days=2))
    warn()
    Note.objects.filter(pk=note.pk).update(expires_at=NOW + timedelta(days=5))

    assert warn() == 1
    assert [m.subject[-11:] for m in mail.outbox] == ["3 June 2025", "6 June 2025"]


def test_every_author_is_warned_about_each_of_their_notes(cohort, mentorship):
    other = factories.mentorship_in(cohort)
    for delta in (1, 2):
        note_expiring_in(mentorship, timedelta(days=delta))
        note_expiring_in(mentorship, timedelta(days=delta), author=mentorship.mentor)
        note_expiring_in(other, timedelta(days=delta))

    assert warn(batch_size=4) == 6

    recipients = sorted(address for m in mail.outbox for address in m.to)
    expected = [mentorship.mentee.email, mentorship.mentor.email, other.mentee.email]
    assert recipients == sorted(expected * 2)


@pytest.mark.parametrize("notes", [2, 6])
def test_warning_queries_per_batch_are_constant(
    cohort, mentorship, notes, django_assert_num_queries
):
    pairs = [mentorship, factories.mentorship_in(cohort)]
    for i in range(notes):
        note_expiring_in(pairs[i % 2], timedelta(days=1, minutes=i))
    batches = notes // 2 + 1  # full batches of 2, then an empty one
    # Per batch: the due notes (+ author, mentorship, mentor, mentee; minus the
    # claimed ones). Per note, in deliver(): savepoint, claim inserted, sent_at
    # stamped, release.
    with django_assert_num_queries(batches + 4 * notes):
        assert warn(batch_size=2) == notes


def test_warning_task_sends_the_warnings(mentorship):
    note_expiring_in(mentorship, timedelta(days=1))

    with time_machine.travel(NOW, tick=False):
        assert tasks.send_note_expiry_warnings.delay().get() == 1
    assert len(mail.outbox) == 1
