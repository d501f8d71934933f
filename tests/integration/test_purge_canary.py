"""A purged note's text is nowhere: no table, no email, no log line (PostgreSQL)."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone

from mentorship import retention
from mentorship.models import DestructionRecord, Note
from tests.mentorship.test_retention_purge import write_note

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def tables_holding(text: str) -> list[str]:
    """Every table of the database with a row whose text form contains `text`."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(
                f"SELECT count(*) FROM {connection.ops.quote_name(table)} AS r "
                "WHERE r::text LIKE %s",
                [f"%{text}%"],
            )
            if cursor.fetchone()[0]:
                found.append(table)
    return found


def email_texts() -> list[str]:
    texts = []
    for message in mail.outbox:
        texts += [
            message.subject,
            message.body,
            *(str(v) for v in message.extra_headers.values()),
        ]
        texts += [str(alternative.content) for alternative in message.alternatives]
    return texts


def test_purged_note_text_is_found_nowhere(mentorship, caplog):
    caplog.set_level(logging.DEBUG)
    canary = f"canary-{secrets.token_hex(16)}"
    written = timezone.now() - timedelta(days=400)
    note = write_note(mentorship, at=written, body=canary, shared=True)
    assert tables_holding(canary) == [Note._meta.db_table]  # the search finds it

    with time_machine.travel(note.expires_at - timedelta(days=2), tick=False):
        assert retention.send_note_expiry_warnings() == 1
    with time_machine.travel(note.expires_at + timedelta(minutes=1), tick=False):
        assert retention.purge_expired_notes(task_id="canary-run").notes == 1

    assert tables_holding(canary) == []
    assert DestructionRecord.objects.get().verified
    texts = email_texts()
    assert texts and not any(canary in text for text in texts)
    logged = [record.getMessage() for record in caplog.records]
    assert any("Purged 1 expired notes" in line for line in logged)
    assert not any(canary in line for line in logged)
    assert not any(canary in str(record.__dict__) for record in caplog.records)
