"""Note retention: when each note expires, the warning to its author, and its purge.

A note expires a number of days after it was written, or after its mentorship closes,
under the terms in force. Its author is warned NOTE_EXPIRY_WARNING_DAYS ahead. The
purge deletes expired notes in batches; each batch is one transaction that deletes
the notes with their permission rows and writes one DestructionRecord per mentorship.

Only the note row holds a note's text: permission rows and reminder claims hold ids,
destruction records hold counts and times. Deleted rows stay in PostgreSQL's data
files until VACUUM reclaims them (autovacuum does, soon after a large purge).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from mentorship import reminders
from mentorship.lib import emails
from mentorship.models import (
    DestructionRecord,
    Mentorship,
    Note,
    NoteGroupObjectPermission,
    NoteUserObjectPermission,
    Reminder,
    RetentionAnchor,
)

log = logging.getLogger(__name__)

WARNING_BATCH = 500

# One row of a purge batch: what a destruction record is made of, never the body.
PurgedRow = tuple[int, int, datetime, datetime]  # id, mentorship_id, created, expires


def retention_rule(mentorship: Mentorship) -> tuple[int, str]:
    """Return (days, anchor) in force: the signed terms, else the program's default."""
    if mentorship.has_signed_terms and mentorship.retention_days:
        return mentorship.retention_days, mentorship.retention_anchor
    return mentorship.cohort.program.default_retention_days, RetentionAnchor.WRITTEN


def expiry_for(
    *, mentorship: Mentorship, created_at: datetime, days: int, anchor: str
) -> datetime | None:
    """Return when a note written at created_at expires; None while the mentorship
    that its retention is counted from has not closed."""
    if anchor == RetentionAnchor.CLOSED:
        if mentorship.ended_at is None:
            return None
        start = mentorship.ended_at
    else:
        start = created_at
    # In UTC, a day is 24 hours: adding days to a local time would add 23 or 25 hours
    # across a daylight-saving change, and the expiry would depend on the zone given.
    return start.astimezone(UTC) + timedelta(days=days)


def expiry_of_new_note(mentorship: Mentorship, created_at: datetime) -> datetime | None:
    """Return the expiry of a note written now, under the rule in force."""
    days, anchor = retention_rule(mentorship)
    return expiry_for(
        mentorship=mentorship, created_at=created_at, days=days, anchor=anchor
    )


def recompute_expiries(*, mentorship: Mentorship, now: datetime | None = None) -> int:
    """Re-compute the expiry of the mentorship's notes under the rule now in force.

    Called when new terms take effect and when the mentorship closes. A note whose new
    expiry would come sooner than the warning period is given that period, so its
    author is always told before it goes. A note already past its expiry stays due:
    the change applies forward, and a late purge must not decide what survives.
    Return the number of notes changed.
    """
    now = now or timezone.now()
    days, anchor = retention_rule(mentorship)
    floor = now + timedelta(days=settings.NOTE_EXPIRY_WARNING_DAYS)
    changed: list[Note] = []
    notes: QuerySet[Note] = mentorship.notes.filter(
        Q(expires_at=None) | Q(expires_at__gt=now)
    ).only("pk", "created_at", "expires_at")
    for note in notes.iterator(chunk_size=2000):
        expires = expiry_for(
            mentorship=mentorship, created_at=note.created_at, days=days, anchor=anchor
        )
        if expires is not None and expires < floor:
            # Sooner than the warning allows: wait for the warning, unless the note
            # was already due to go before that under the old rule.
            expires = max(expires, min(note.expires_at or floor, floor))
        if expires != note.expires_at:
            note.expires_at = expires
            changed.append(note)
    Note.objects.bulk_update(changed, ["expires_at"], batch_size=2000)
    return len(changed)


# --- The purge ------------------------------------------------------------------------


class PurgeFailed(RuntimeError):
    """A re-query found a note its batch had deleted; the batch was rolled back."""


@dataclass
class PurgeReport:
    notes: int = 0
    records: int = 0
    batches: int = 0
    longest_batch_seconds: float = 0.0


@dataclass
class _PurgeRun:
    now: datetime
    size: int
    task_id: str
    # (expires_at, id) of the last note looked at: each batch's index scan starts
    # after it instead of stepping again over the entries of the notes just deleted.
    after: tuple[datetime, int] | None = None
    # The rule of each mentorship seen in this run: one entry per mentorship.
    rules: dict[int, tuple[int, str]] = field(default_factory=dict)


def purge_expired_notes(
    *, now: datetime | None = None, batch_size: int | None = None, task_id: str = ""
) -> PurgeReport:
    """Delete every note expired at `now`, batch by batch, recording each destruction.

    Each batch is one transaction (see _purge_batch), so a purge killed mid-way has
    committed whole batches only: the next run deletes the rest, and nothing is lost
    or recorded twice. Purges may overlap: a note is recorded by the one whose DELETE
    removed it, and the other finds it gone.
    """
    run = _PurgeRun(
        now=now or timezone.now(),
        size=batch_size or settings.RETENTION_PURGE_BATCH,
        task_id=task_id,
    )
    report = PurgeReport()
    while True:
        started = time.monotonic()
        seen, notes, records = _purge_batch(run)
        if notes:
            elapsed = time.monotonic() - started
            report.longest_batch_seconds = max(report.longest_batch_seconds, elapsed)
            report.batches += 1
            report.notes += notes
            report.records += records
        if seen < run.size:  # no expired note left after this batch's
            break
    if report.notes:
        log.info(
            "Purged %d expired notes in %d batches (%d destruction records)",
            report.notes,
            report.batches,
            report.records,
        )
    return report


@transaction.atomic
def _purge_batch(run: _PurgeRun) -> tuple[int, int, int]:
    """Delete up to run.size expired notes, oldest expiry first.

    The DELETE is the claim: it locks each row it removes and re-checks the expiry
    of a row changed meanwhile, and RETURNING says which notes it removed. Those, and
    only those, lose their permission rows (their foreign key has no ON DELETE
    CASCADE in the database) and are recorded. A note that a concurrent purge or its
    author deleted first is skipped. Return (notes looked at, deleted, records).
    """
    if connection.vendor == "postgresql":
        # Don't wait for this commit to reach the disk: a crash could undo the last
        # few batches, but each wholly (notes, permission rows and records together),
        # and the next purge deletes those notes again. Waiting per batch would more
        # than double the purge's time.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
    expired = Note.objects.filter(expires_at__lte=run.now)
    if run.after is not None:
        last_expiry, last_id = run.after
        expired = expired.filter(expires_at__gte=last_expiry).filter(
            Q(expires_at__gt=last_expiry) | Q(id__gt=last_id)
        )
    # expires_at is never None here: the filter above is on it.
    candidates = cast(
        list[PurgedRow],
        list(
            expired.order_by("expires_at", "id").values_list(  # the note_expiry index
                "id", "mentorship_id", "created_at", "expires_at"
            )[: run.size]
        ),
    )
    if not candidates:
        return 0, 0, 0
    run.after = (candidates[-1][3], candidates[-1][0])
    deleted = _delete_expired_notes([row[0] for row in candidates], run.now)
    rows = [row for row in candidates if row[0] in deleted]
    if not rows:
        return len(candidates), 0, 0
    ids = [row[0] for row in rows]
    _delete_where(NoteUserObjectPermission, "content_object_id", ids)
    _delete_where(NoteGroupObjectPermission, "content_object_id", ids)
    survivors = _count_where(Note, "id", ids)
    if survivors:
        raise PurgeFailed(f"Deleted {len(ids)} notes, {survivors} still there")
    records = _destruction_records(rows, run)
    DestructionRecord.objects.bulk_create(records)
    return len(candidates), len(ids), len(records)


def _where_in(column: str, ids: list[int]) -> tuple[str, list[Any]]:
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [ids]  # one array parameter
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _delete_expired_notes(ids: list[int], now: datetime) -> set[int]:
    """DELETE the notes among `ids` still expired at `now`; return the ids removed."""
    condition, params = _where_in("id", ids)
    table = connection.ops.quote_name(Note._meta.db_table)
    expires = connection.ops.quote_name("expires_at")
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE {condition} AND {expires} <= %s RETURNING id",
            [*params, connection.ops.adapt_datetimefield_value(now)],
        )
        return {row[0] for row in cursor.fetchall()}


def _delete_where(model: type[models.Model], column: str, ids: list[int]) -> int:
    """DELETE the model's rows whose `column` is one of `ids`, in one statement."""
    condition, params = _where_in(column, ids)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {condition}", params)
        return cursor.rowcount


def _count_where(model: type[models.Model], column: str, ids: list[int]) -> int:
    condition, params = _where_in(column, ids)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE {condition}", params)
        (count,) = cursor.fetchone()
        return int(count)


def _destruction_records(
    rows: list[PurgedRow], run: _PurgeRun
) -> list[DestructionRecord]:
    """One verified record per mentorship: counts and times, never content."""
    by_mentorship: dict[int, list[PurgedRow]] = defaultdict(list)
    for row in rows:
        by_mentorship[row[1]].append(row)
    unseen = [pk for pk in by_mentorship if pk not in run.rules]
    if unseen:
        for mentorship in Mentorship.objects.filter(pk__in=unseen).select_related(
            "cohort__program"
        ):
            run.rules[mentorship.pk] = retention_rule(mentorship)
    records = []
    for mentorship_id, group in sorted(by_mentorship.items()):
        days, anchor = run.rules[mentorship_id]
        records.append(
            DestructionRecord(
                mentorship_id=mentorship_id,
                note_count=len(group),
                oldest_created_at=min(row[2] for row in group),
                newest_created_at=max(row[2] for row in group),
                retention_days=days,
                retention_anchor=anchor,
                due_at=min(row[3] for row in group),
                run_at=run.now,
                task_id=run.task_id,
                # The re-query in this transaction found none of the notes.
                verified=True,
            )
        )
    return records


# --- Warnings before expiry -----------------------------------------------------------


def send_note_expiry_warnings(
    *, now: datetime | None = None, batch_size: int = WARNING_BATCH
) -> int:
    """Tell each author about their notes expiring within the warning period.

    Each warning is claimed once per note and expiry (reminders.deliver), so a run
    repeated or overlapping sends nothing twice; a new expiry gets a new warning.
    Notes are read in batches of one query each. Return the number of emails sent.
    """
    now = now or timezone.now()
    horizon = now + timedelta(days=settings.NOTE_EXPIRY_WARNING_DAYS)
    claimed = Reminder.objects.filter(
        kind=Reminder.Kind.NOTE_EXPIRY,
        subject=OuterRef("public_id"),
        recipient=OuterRef("author_id"),
        due_at=OuterRef("expires_at"),
    )
    due = (
        Note.objects.filter(
            expires_at__gt=now, expires_at__lte=horizon, author__is_active=True
        )
        .exclude(Exists(claimed))
        .select_related("author", "mentorship__mentor", "mentorship__mentee")
        .defer("body")
        .order_by("expires_at", "id")
    )
    sent = 0
    page = due
    while True:
        notes = list(page[:batch_size])
        for note in notes:
            sent += reminders.deliver(_expiry_warning(note))
        if len(notes) < batch_size:
            return sent
        last = notes[-1]
        page = due.filter(
            Q(expires_at__gt=last.expires_at)
            | Q(expires_at=last.expires_at, id__gt=last.pk)
        )


def _expiry_warning(note: Note) -> reminders.Due:
    assert note.expires_at is not None  # selected on it
    author = note.author
    mentorship = note.mentorship
    local = timezone.localtime(note.expires_at, author.zone)
    return reminders.Due(
        kind=Reminder.Kind.NOTE_EXPIRY,
        subject=note.public_id,
        due_at=note.expires_at,
        recipient=author,
        mentorship=mentorship,
        template="note_expiring",
        subject_line=_("A note of yours will be deleted on %(date)s")
        % {"date": formats.date_format(local, "j F Y")},
        context={
            "partner": mentorship.partner_of(author),
            # The templates show it in the author's time zone.
            "deleted_at": note.expires_at,
            "time_zone": author.zone.key,
            "note_url": emails.absolute_url(note.get_absolute_url()),
            "export_url": emails.absolute_url(
                reverse("mentorship:note_export", args=[mentorship.public_id])
            ),
        },
    )
