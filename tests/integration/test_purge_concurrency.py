"""Purges that overlap on PostgreSQL: each expired note is deleted and counted once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from mentorship import notes, retention
from mentorship.models import DestructionRecord, Note, NoteUserObjectPermission
from tests import factories
from tests.integration.bulk import insert_notes, insert_permissions
from tests.integration.conftest import wait_until
from tests.integration.races import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MENTORSHIPS = 10
EXPIRED = 3_000
KEPT = 200
DAY = timedelta(days=1)


def test_overlapping_purges_delete_and_record_each_note_once(cohort):
    now = timezone.now()
    pairs = [factories.mentorship_in(cohort) for _ in range(MENTORSHIPS)]
    insert_notes(pairs, EXPIRED // MENTORSHIPS, expires_at=now - timedelta(days=2))
    insert_notes(pairs, KEPT // MENTORSHIPS, expires_at=now + timedelta(days=30))
    insert_permissions()
    kept = set(Note.objects.filter(expires_at__gt=now).values_list("pk", flat=True))

    def purge() -> retention.PurgeReport:
        return retention.purge_expired_notes(now=now, batch_size=50)

    reports = race([purge, purge, purge])

    assert all(isinstance(report, retention.PurgeReport) for report in reports), reports
    assert set(Note.objects.values_list("pk", flat=True)) == kept
    # A purge that found the rest locked stopped; the others deleted what it left.
    assert sum(report.notes for report in reports) == EXPIRED
    records = DestructionRecord.objects.all()
    assert records.aggregate(n=Sum("note_count"))["n"] == EXPIRED
    assert sum(report.records for report in reports) == records.count()
    assert NoteUserObjectPermission.objects.count() == 2 * KEPT


def purge_while_the_author(change, *, now) -> retention.PurgeReport:
    """Purge while `change` of an author's is under way: it holds its row locks
    until the purge waits on them, then commits."""
    changing, release = threading.Event(), threading.Event()

    def author() -> None:
        with transaction.atomic():
            change()
            changing.set()
            release.wait(timeout=30)

    def purge() -> retention.PurgeReport:
        changing.wait(timeout=30)
        return retention.purge_expired_notes(now=now, batch_size=1000)

    def release_when_the_purge_waits() -> None:
        wait_until(lambda: sessions_waiting_on_locks() > 0, what="the purge to wait")
        release.set()

    outcomes = race([author, purge, release_when_the_purge_waits])
    assert outcomes[0] is None, outcomes[0]
    assert isinstance(outcomes[1], retention.PurgeReport), outcomes[1]
    return outcomes[1]


def test_an_author_deleting_a_note_mid_purge_leaves_the_purge_whole(cohort):
    now = timezone.now()
    insert_notes([factories.mentorship_in(cohort)], 300, expires_at=now - DAY)
    insert_permissions()
    victim = Note.objects.order_by("expires_at", "id")[150]

    report = purge_while_the_author(
        lambda: notes.delete_note(note=victim, actor=victim.author), now=now
    )

    assert report.notes == 299 and not Note.objects.exists()
    assert DestructionRecord.objects.get().note_count == 299


def test_an_author_sharing_a_note_mid_purge_leaves_the_purge_whole(cohort):
    now = timezone.now()
    insert_notes([factories.mentorship_in(cohort)], 300, expires_at=now - DAY)
    insert_permissions()
    victim = Note.objects.order_by("expires_at", "id")[150]
    # Private until the author shares it: the partner's row is added by the share.
    Note.objects.filter(pk=victim.pk).update(visibility=Note.Visibility.PRIVATE)
    victim.refresh_from_db()
    NoteUserObjectPermission.objects.filter(content_object=victim).exclude(
        user=victim.author
    ).delete()

    report = purge_while_the_author(
        lambda: notes.update_note(
            note=victim,
            editor=victim.author,
            body="Now for both of us",
            visibility=Note.Visibility.SHARED,
        ),
        now=now,
    )

    assert report.notes == 300 and not Note.objects.exists()
    assert not NoteUserObjectPermission.objects.exists()
    assert DestructionRecord.objects.get().note_count == 300


def sessions_waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0]
