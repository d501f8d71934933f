"""A purged note's text is nowhere: no table, no email, no log line (PostgreSQL)."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from email.message import EmailMessage

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from mentorship import retention, tasks
from mentorship.models import DestructionRecord, Note
from tests.mentorship.test_retention_purge import write_note

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PURGE = "mentorship.tasks.purge_expired_notes"


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


def decoded(message: EmailMessage) -> list[str]:
    """The headers and the decoded text of every part of a message."""
    texts = [f"{name}: {value}" for name, value in message.items()]
    for part in message.walk():
        if not part.is_multipart():
            texts.append(part.get_content())
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


@pytest.mark.redis
def test_a_note_written_on_the_page_leaves_nothing_after_a_worker_purges_it(
    celery_worker_process, client, mentorship, caplog
):
    caplog.set_level(logging.DEBUG)
    first, second = (f"canary-{secrets.token_hex(16)}" for _ in range(2))
    client.force_login(mentorship.mentee)
    create = reverse("mentorship:note_create", args=[mentorship.public_id])
    assert (
        client.post(create, {"body": first, "visibility": "shared"}).status_code == 302
    )
    note = Note.objects.get()
    edit = reverse("mentorship:note_edit", args=[note.public_id])
    assert (
        client.post(edit, {"body": second, "visibility": "shared"}).status_code == 302
    )
    assert client.get(note.get_absolute_url()).status_code == 200
    assert tables_holding(second) == [Note._meta.db_table]

    # The worker runs on the real clock: bring the expiry near, then past.
    Note.objects.filter(pk=note.pk).update(
        expires_at=timezone.now() + timedelta(days=1)
    )
    tasks.send_note_expiry_warnings.delay()
    celery_worker_process.wait(lambda: celery_worker_process.emails(), what="warning")
    Note.objects.filter(pk=note.pk).update(expires_at=timezone.now())
    run = tasks.purge_expired_notes.delay()
    celery_worker_process.wait_for_finished(f"{PURGE}[{run.id}]")

    assert not Note.objects.exists()
    assert DestructionRecord.objects.get().task_id == run.id
    for canary in (first, second):
        assert tables_holding(canary) == []
        assert canary not in celery_worker_process.log()
        for message in celery_worker_process.emails():
            assert not any(canary in text for text in decoded(message))
        assert not any(canary in str(record.__dict__) for record in caplog.records)
    warning = " ".join(decoded(celery_worker_process.emails()[0]))
    assert note.get_absolute_url() in warning  # it links to the note
