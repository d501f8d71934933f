"""Purges that overlap on PostgreSQL: each expired note is deleted and counted once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from mentorship import retention
from mentorship.models import DestructionRecord, Note, NoteUserObjectPermission
from tests import factories
from tests.integration.bulk import insert_notes, insert_permissions
from tests.integration.races import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MENTORSHIPS = 10
EXPIRED = 3_000
KEPT = 200


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
