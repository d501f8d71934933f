"""A worker killed in the middle of a purge: the next worker finishes it exactly.

Each purge batch is one transaction, so the kill rolls back the batch in flight and
leaves committed batches whole: after a new worker runs the task again, every expired
note is gone, every other note is there, and the destruction records add up to the
expired notes, once each.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from mentorship import tasks
from mentorship.models import (
    DestructionRecord,
    Note,
    NoteUserObjectPermission,
)
from tests import factories
from tests.integration.bulk import insert_notes, insert_permissions
from tests.integration.conftest import (
    _stop,
    forget_unacked,
    launch_worker,
    wait_until,
)

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

TASK = "mentorship.tasks.purge_expired_notes"
MENTORSHIPS = 20
EXPIRED = 20_000
KEPT = 1_000
BATCH = 100  # 200 batches: the purge runs for a few seconds


def other_sessions_locking_notes() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
            " WHERE c.relname = %s AND l.pid <> pg_backend_pid()",
            [Note._meta.db_table],
        )
        return cursor.fetchone()[0]


def test_purge_killed_midway_is_finished_exactly_by_a_new_worker(
    celery_worker_process, cohort, tmp_path, record_property
):
    now = timezone.now()
    pairs = [factories.mentorship_in(cohort) for _ in range(MENTORSHIPS)]
    insert_notes(pairs, EXPIRED // MENTORSHIPS, expires_at=now - timedelta(days=2))
    insert_notes(pairs, KEPT // MENTORSHIPS, expires_at=now + timedelta(days=30))
    insert_permissions()
    expired = Note.objects.filter(expires_at__lte=now)
    kept_ids = set(Note.objects.filter(expires_at__gt=now).values_list("pk", flat=True))
    assert (expired.count(), len(kept_ids)) == (EXPIRED, KEPT)

    first_run = tasks.purge_expired_notes.delay(batch_size=BATCH)
    celery_worker_process.wait(
        lambda: DestructionRecord.objects.count() >= 3 * MENTORSHIPS,
        what="a few purge batches",
    )
    celery_worker_process.process.kill()
    celery_worker_process.process.wait()
    killed_at = time.monotonic()

    left = expired.count()
    assert 0 < left < EXPIRED, "the kill must land in the middle of the purge"
    done = DestructionRecord.objects.aggregate(n=Sum("note_count"))["n"]
    assert done + left == EXPIRED  # the batch in flight was rolled back whole
    # PostgreSQL ends the dead worker's session; until then its rows stay locked.
    wait_until(lambda: other_sessions_locking_notes() == 0, what="the locks to go")

    second = launch_worker(celery_worker_process.queue, tmp_path / "second")
    second.wait_ready()
    try:
        second_run = tasks.purge_expired_notes.delay(batch_size=BATCH)
        second.wait_for_finished(f"{TASK}[{second_run.id}]", timeout=60)
    finally:
        _stop(second.process)
        # The killed run's message is unacknowledged: Redis would hand it back later.
        forget_unacked(celery_worker_process.queue)
    recovery = time.monotonic() - killed_at
    record_property("recovery_seconds", round(recovery, 2))
    print(f"purge recovered {left} notes in {recovery:.1f} s after the kill")

    assert not expired.exists()
    assert set(Note.objects.values_list("pk", flat=True)) == kept_ids
    records = DestructionRecord.objects.all()
    assert records.aggregate(n=Sum("note_count"))["n"] == EXPIRED
    assert all(record.verified for record in records)
    assert {record.task_id for record in records} == {first_run.id, second_run.id}
    assert NoteUserObjectPermission.objects.count() == 2 * KEPT
