"""The purge: exactly the expired notes go, batch by batch, each batch recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection, models
from guardian.shortcuts import assign_perm

from mentorship import retention, services, tasks
from mentorship.models import (
    DestructionRecord,
    Note,
    NoteGroupObjectPermission,
    NoteUserObjectPermission,
    RetentionAnchor,
)
from tests import factories

DAYS = 30  # the program's default retention in these tests
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
TICK = timedelta(microseconds=1)


def write_note(mentorship, *, at, author=None, body="A thought", shared=False):
    """Write a note at `at` with its permission rows, as the note service does."""
    author = author or mentorship.mentee
    with time_machine.travel(at, tick=False):
        note = Note.objects.create(
            mentorship=mentorship,
            author=author,
            body=body,
            visibility=Note.Visibility.SHARED if shared else Note.Visibility.PRIVATE,
            expires_at=retention.expiry_of_new_note(mentorship, at),
        )
    readers = (mentorship.mentor, mentorship.mentee) if shared else (author,)
    for reader in readers:
        assign_perm("mentorship.view_note", reader, note)
    return note


def note_expiring(mentorship, expires_at, **kwargs):
    # In UTC: arithmetic on a local time would step by wall clock across a change.
    expires_at = expires_at.astimezone(UTC)
    note = write_note(mentorship, at=expires_at - timedelta(days=DAYS), **kwargs)
    assert note.expires_at == expires_at
    return note


@pytest.fixture(autouse=True)
def thirty_days(program):
    program.default_retention_days = DAYS
    program.save(update_fields=["default_retention_days"])


def purge_at(now, **kwargs):
    with time_machine.travel(now, tick=False):
        return retention.purge_expired_notes(**kwargs)


def remaining(notes):
    return set(Note.objects.filter(pk__in=[n.pk for n in notes]))


def test_notes_just_before_at_and_after_expiry(mentorship):
    now = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    before = note_expiring(mentorship, now - TICK)
    at = note_expiring(mentorship, now)
    after = note_expiring(mentorship, now + TICK)
    kept_forever = write_note(mentorship, at=now - timedelta(days=400))
    Note.objects.filter(pk=kept_forever.pk).update(expires_at=None)

    purge_at(now - 2 * TICK)
    assert remaining([before, at, after, kept_forever]) == {
        before,
        at,
        after,
        kept_forever,
    }
    report = purge_at(now)
    assert report.notes == 2
    assert remaining([before, at, after, kept_forever]) == {after, kept_forever}
    purge_at(now + TICK)
    assert remaining([before, at, after, kept_forever]) == {kept_forever}


def test_purge_across_the_spring_clock_change(mentorship):
    # London skips 01:00-02:00 on 30 March 2025: 02:00 BST is 01:00 UTC.
    now = datetime(2025, 3, 30, 2, 0, tzinfo=LONDON)
    gmt_side = note_expiring(mentorship, datetime(2025, 3, 30, 0, 59, 59, tzinfo=UTC))
    at_change = note_expiring(mentorship, datetime(2025, 3, 30, 1, 0, tzinfo=UTC))
    bst_side = note_expiring(mentorship, datetime(2025, 3, 30, 1, 0, 1, tzinfo=UTC))
    # 02:30 London that night is 01:30 UTC: half an hour after `now`.
    later = note_expiring(mentorship, datetime(2025, 3, 30, 2, 30, tzinfo=LONDON))

    purge_at(now)

    assert remaining([gmt_side, at_change, bst_side, later]) == {bst_side, later}


def test_purge_across_the_autumn_clock_change(mentorship):
    # New York repeats 01:00-02:00 on 2 November 2025; fold=1 is the second, EST pass.
    now = datetime(2025, 11, 2, 1, 30, fold=1, tzinfo=NEW_YORK)
    utc_now = now.astimezone(UTC)
    assert utc_now == datetime(2025, 11, 2, 6, 30, tzinfo=UTC)
    # 01:45 on the first, EDT pass shows a later clock time but came an hour earlier.
    first_pass = note_expiring(
        mentorship, datetime(2025, 11, 2, 1, 45, tzinfo=NEW_YORK)
    )
    just_before = note_expiring(mentorship, utc_now - TICK)
    at = note_expiring(mentorship, utc_now)
    just_after = note_expiring(mentorship, utc_now + TICK)
    second_pass = note_expiring(
        mentorship, datetime(2025, 11, 2, 1, 45, fold=1, tzinfo=NEW_YORK)
    )

    purge_at(now)

    notes = [first_pass, just_before, at, just_after, second_pass]
    assert remaining(notes) == {just_after, second_pass}


def test_destruction_record_holds_counts_times_and_rule(cohort, mentorship):
    services.apply_terms(
        mentorship=mentorship,
        terms=services.OperatingTerms(
            effective_at=datetime(2025, 1, 1, tzinfo=UTC),
            cadence="biweekly",
            cadence_days=None,
            review_cadence="quarterly",
            retention_days=60,
            retention_anchor=RetentionAnchor.WRITTEN,
            scorecard_dimensions=["Skill development"],
        ),
    )
    other = factories.mentorship_in(cohort)  # on the program's 30 days
    written = [datetime(2025, 2, day, 9, 0, tzinfo=UTC) for day in (3, 1, 2)]
    for at in written:
        write_note(mentorship, at=at, shared=True)
    unexpired = write_note(mentorship, at=datetime(2025, 5, 1, tzinfo=UTC))
    write_note(other, at=datetime(2025, 3, 1, tzinfo=UTC))
    now = datetime(2025, 4, 10, 12, 0, tzinfo=UTC)

    report = purge_at(now, task_id="task-42")

    assert (report.notes, report.records, report.batches) == (4, 2, 1)
    record = DestructionRecord.objects.get(mentorship=mentorship)
    assert record.note_count == 3
    assert record.oldest_created_at == datetime(2025, 2, 1, 9, 0, tzinfo=UTC)
    assert record.newest_created_at == datetime(2025, 2, 3, 9, 0, tzinfo=UTC)
    assert (record.retention_days, record.retention_anchor) == (60, "written")
    assert record.rule == "60 days after the note is written"
    assert record.due_at == datetime(2025, 4, 2, 9, 0, tzinfo=UTC)
    assert record.run_at == now
    assert record.task_id == "task-42"
    assert record.verified is True
    other_record = DestructionRecord.objects.get(mentorship=other)
    assert (other_record.note_count, other_record.retention_days) == (1, DAYS)
    assert list(Note.objects.all()) == [unexpired]


def test_destruction_record_has_no_field_for_content():
    names = {field.name for field in DestructionRecord._meta.get_fields()}
    assert names == {
        "id",
        "public_id",
        "mentorship",
        "note_count",
        "oldest_created_at",
        "newest_created_at",
        "retention_days",
        "retention_anchor",
        "due_at",
        "run_at",
        "task_id",
        "verified",
    }
    kinds = (models.TextField, models.JSONField, models.BinaryField)
    assert not any(isinstance(f, kinds) for f in DestructionRecord._meta.fields)


def test_batches_of_three_record_ten_notes_oldest_expiry_first(mentorship):
    group = Group.objects.create(name="Reviewers")
    start = datetime(2025, 1, 1, tzinfo=UTC)
    notes = [
        write_note(mentorship, at=start + timedelta(hours=i), shared=True)
        for i in range(10)
    ]
    for note in notes:
        assign_perm("mentorship.view_note", group, note)
    kept = write_note(mentorship, at=start + timedelta(days=20), shared=True)

    report = purge_at(start + timedelta(days=DAYS, hours=9), batch_size=3)

    assert (report.notes, report.batches) == (10, 4)
    records = list(DestructionRecord.objects.order_by("pk"))
    assert [r.note_count for r in records] == [3, 3, 3, 1]
    assert [r.oldest_created_at for r in records] == [
        notes[i].created_at for i in (0, 3, 6, 9)
    ]
    assert [r.due_at for r in records] == [notes[i].expires_at for i in (0, 3, 6, 9)]
    assert all(r.verified for r in records)
    purged = [note.pk for note in notes]
    assert not NoteUserObjectPermission.objects.filter(content_object__in=purged)
    assert not NoteGroupObjectPermission.objects.filter(content_object__in=purged)
    assert NoteUserObjectPermission.objects.filter(content_object=kept).count() == 2
    assert list(Note.objects.all()) == [kept]


def test_a_batch_records_each_mentorship_it_touches(cohort, mentorship):
    other = factories.mentorship_in(cohort)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for i in range(5):  # alternating: ours, other, ours, other, ours
        write_note(mentorship if i % 2 == 0 else other, at=start + timedelta(hours=i))

    purge_at(start + timedelta(days=DAYS, hours=5), batch_size=3)

    rows = DestructionRecord.objects.order_by("pk").values_list(
        "mentorship_id", "note_count"
    )
    ours, theirs = mentorship.pk, other.pk
    assert list(rows) == [(ours, 2), (theirs, 1), (ours, 1), (theirs, 1)]
    # The database made each record's public id: distinct UUIDs, read back as such.
    public_ids = list(DestructionRecord.objects.values_list("public_id", flat=True))
    assert all(isinstance(public_id, UUID) for public_id in public_ids)
    assert len(set(public_ids)) == 4


def test_purge_run_twice_deletes_and_records_nothing_more(mentorship):
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for i in range(4):
        write_note(mentorship, at=start + timedelta(hours=i))
    now = start + timedelta(days=DAYS + 1)

    first = purge_at(now)
    second = purge_at(now)

    assert (first.notes, second.notes, second.records) == (4, 0, 0)
    assert DestructionRecord.objects.count() == 1


@pytest.mark.parametrize("mentorships", [1, 3])
def test_purge_queries_per_batch_do_not_grow(
    cohort, mentorship, mentorships, django_assert_num_queries
):
    pairs = [mentorship] + [factories.mentorship_in(cohort) for _ in range(2)]
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for i in range(6):
        write_note(pairs[i % mentorships], at=start + timedelta(hours=i), shared=True)
    now = start + timedelta(days=DAYS + 1)
    # Per batch: savepoint, (on PostgreSQL: the purge lock, commit without waiting
    # for the disk,) the batch's last key, records inserted from the batch's counts
    # per mentorship, user permissions deleted, group permissions deleted, notes
    # deleted, survivors counted, release. The third finds none: savepoint, (purge
    # lock, setting,) last key, records inserted (none), release.
    postgres = 2 if connection.vendor == "postgresql" else 0
    with django_assert_num_queries(8 + 8 + 4 + 3 * postgres):
        report = purge_at(now, batch_size=3)
    assert report.notes == 6


def test_purge_task_records_its_task_id(mentorship):
    write_note(mentorship, at=datetime(2025, 1, 1, tzinfo=UTC))

    with time_machine.travel(datetime(2025, 3, 1, tzinfo=UTC), tick=False):
        result = tasks.purge_expired_notes.delay(batch_size=10)

    assert result.get() == 1
    record = DestructionRecord.objects.get()
    assert record.task_id == result.id
    assert not Note.objects.exists()


def test_a_batch_whose_recheck_finds_a_survivor_is_rolled_back_whole(
    mentorship, monkeypatch
):
    now = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    notes = [
        note_expiring(mentorship, now - timedelta(hours=h), shared=True) for h in (1, 2)
    ]
    permissions = NoteUserObjectPermission.objects.count()
    # The re-query inside the batch's transaction "finds" one of the deleted notes.
    monkeypatch.setattr(retention, "_survivors", lambda batch: 1)

    with pytest.raises(retention.PurgeFailed):
        purge_at(now)

    assert remaining(notes) == set(notes)
    assert NoteUserObjectPermission.objects.count() == permissions == 4
    assert not DestructionRecord.objects.exists()
