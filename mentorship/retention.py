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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS as DEFAULT_DB
from django.db import IntegrityError, connection, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
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

# Taken by each purge batch on PostgreSQL, so that batches of two purges never overlap.
PURGE_LOCK = 0x6E6F7465  # "note"


def retention_rule(mentorship: Mentorship) -> tuple[int, str]:
    """Return (days, anchor) in force: the signed terms, else the program's default."""
    if mentorship.has_signed_terms and mentorship.retention_days:
        return mentorship.retention_days, mentorship.retention_anchor
    return mentorship.cohort.program.default_retention_days, RetentionAnchor.WRITTEN


def retention_rule_columns(mentorship: str) -> dict[str, Case]:
    """retention_rule() as SQL, for rows related to a mentorship by `mentorship`."""
    signed = Q(
        **{
            f"{mentorship}__has_signed_terms": True,
            f"{mentorship}__retention_days__gt": 0,
        }
    )
    return {
        "retention_days": Case(
            When(signed, then=F(f"{mentorship}__retention_days")),
            default=F(f"{mentorship}__cohort__program__default_retention_days"),
        ),
        "retention_anchor": Case(
            When(signed, then=F(f"{mentorship}__retention_anchor")),
            default=Value(RetentionAnchor.WRITTEN),
        ),
    }


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
    """A batch could not delete exactly the notes it counted; it was rolled back."""


class _BatchRaced(PurgeFailed):
    """An author deleted or changed a note of the batch while it ran."""


# Tries of one batch that its notes' authors keep changing, before the purge stops.
BATCH_TRIES = 3


@dataclass
class PurgeReport:
    notes: int = 0
    records: int = 0
    batches: int = 0
    longest_batch_seconds: float = 0.0


# The key of a note in the expiry index: each batch is a range of it.
Key = tuple[datetime, int]  # expires_at, id


@dataclass
class _PurgeRun:
    now: datetime
    size: int
    task_id: str
    # The key of the last note purged: the next batch starts after it, instead of
    # stepping again over the index entries of the notes just deleted.
    after: Key | None = None


def purge_expired_notes(
    *, now: datetime | None = None, batch_size: int | None = None, task_id: str = ""
) -> PurgeReport:
    """Delete every note expired at `now`, batch by batch, recording each destruction.

    Each batch is one transaction (see _purge_batch), so a purge killed mid-way has
    committed whole batches only: the next run deletes the rest, and nothing is lost
    or recorded twice.
    """
    run = _PurgeRun(
        now=now or timezone.now(),
        size=batch_size or settings.RETENTION_PURGE_BATCH,
        task_id=task_id,
    )
    report = PurgeReport()
    more = True
    while more:
        started = time.monotonic()
        notes, records, more = _purge_batch_again_if_raced(run)
        if notes:
            elapsed = time.monotonic() - started
            report.longest_batch_seconds = max(report.longest_batch_seconds, elapsed)
            report.batches += 1
            report.notes += notes
            report.records += records
    if report.notes:
        log.info(
            "Purged %d expired notes in %d batches (%d destruction records)",
            report.notes,
            report.batches,
            report.records,
        )
    return report


def _purge_batch_again_if_raced(run: _PurgeRun) -> tuple[int, int, bool]:
    """Purge a batch; if an author changed one of its notes meanwhile, the batch is
    rolled back whole: purge it again, as it is now.

    The batch does not lock its notes first (that would double its cost). A note
    deleted between the batch's count and its DELETE is a mismatch; a note shared
    between the permission and the note DELETEs is a foreign-key error at commit.
    """
    for attempt in range(1, BATCH_TRIES + 1):
        try:
            return _purge_batch(run)
        except (_BatchRaced, IntegrityError):
            if attempt == BATCH_TRIES:
                raise
            log.info("A note changed during a purge batch; purging it again")
    raise AssertionError("unreachable")


@transaction.atomic(durable=True)
def _purge_batch(run: _PurgeRun) -> tuple[int, int, bool]:
    """Delete the next run.size expired notes, oldest expiry first.

    The batch is a range of the expiry index, so the database does all the work:
    it counts the notes per mentorship, deletes their permission rows (whose foreign
    key has no ON DELETE CASCADE in the database) and the notes, and re-queries the
    range, which must be empty. No note id or text passes through Python. Return
    (notes deleted, records written, whether expired notes may remain).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # One batch at a time across purges: a second purge waits here, then
            # finds what this one deleted gone.
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PURGE_LOCK])
            # Don't wait for this commit to reach the disk: a crash could undo the
            # last few batches, but each wholly (notes, permission rows and records
            # together), and the next purge deletes those notes again.
            cursor.execute("SET LOCAL synchronous_commit = off")
    expired = Note.objects.filter(expires_at__lte=run.now)
    if run.after is not None:
        expired = expired.filter(_after(run.after))
    # expires_at is never None here: the filter above is on it.
    last = cast(
        Key | None,
        expired.order_by("expires_at", "id")  # the note_expiry index
        .values_list("expires_at", "id")[run.size - 1 : run.size]
        .first(),
    )
    batch = expired if last is None else expired.filter(_up_to(last))
    counted, records = _record_destruction(batch, run)
    if not records:  # none left, or all deleted meanwhile by their authors
        run.after = last
        return 0, 0, last is not None
    for permissions in (NoteUserObjectPermission, NoteGroupObjectPermission):
        _delete_permissions(permissions, batch)
    deleted = batch._raw_delete(DEFAULT_DB)
    survivors = _survivors(batch)
    if survivors:
        raise PurgeFailed(f"Deleted {deleted} notes, {survivors} still there")
    if deleted != counted:
        raise _BatchRaced(f"Counted {counted} notes, deleted {deleted}")
    run.after = last
    return deleted, records, last is not None


def _record_destruction(batch: QuerySet[Note], run: _PurgeRun) -> tuple[int, int]:
    """Write one record per mentorship of the batch: counts, times and the rule in
    force, never content. Return (notes counted, records written).

    INSERT ... SELECT: the database groups the notes itself. The records say they
    were verified; the batch's re-query, in the same transaction, must find none of
    the notes, or the transaction is rolled back with the records.
    """
    summary = (
        batch.order_by("mentorship_id")
        .values("mentorship_id")
        .annotate(
            note_count=Count("id"),
            oldest_created_at=Min("created_at"),
            newest_created_at=Max("created_at"),
            due_at=Min("expires_at"),
            **retention_rule_columns("mentorship"),
        )
    )
    select, params = summary.query.sql_with_params()
    ops = connection.ops
    columns = ", ".join(
        ops.quote_name(name)
        for name in (
            "public_id",
            "run_at",
            "task_id",
            "verified",
            *summary.query.values_select,
            *summary.query.annotation_select,
        )
    )
    # Reviewed: only quoted names, a constant and ORM-compiled SQL are interpolated;
    # every value is a parameter.
    with connection.cursor() as cursor:
        cursor.execute(  # nosemgrep: no-raw-sql-string-formatting
            f"INSERT INTO {ops.quote_name(DestructionRecord._meta.db_table)}"  # nosec B608
            f" ({columns}) SELECT {_NEW_UUID[connection.vendor]}, %s, %s, %s, s.*"
            f" FROM ({select}) s RETURNING note_count",
            [ops.adapt_datetimefield_value(run.now), run.task_id, True, *params],
        )
        counts = [row[0] for row in cursor.fetchall()]
    return sum(counts), len(counts)


# A random UUID made by the database, in the form Django stores UUIDs in.
_NEW_UUID = {
    "postgresql": "gen_random_uuid()",
    "sqlite": "lower(hex(randomblob(16)))",
}


def _delete_permissions(
    model: type[NoteUserObjectPermission | NoteGroupObjectPermission],
    notes: QuerySet[Note],
) -> None:
    """DELETE the permission rows of `notes`, in one statement."""
    ids = notes.order_by().values("id")
    if connection.vendor != "postgresql":
        model.objects.filter(content_object_id__in=ids)._raw_delete(DEFAULT_DB)
        return
    # Not IN (subquery): PostgreSQL would hash the batch and scan the whole table.
    # An array built once is an index condition.
    subquery, params = ids.query.sql_with_params()
    table = connection.ops.quote_name(model._meta.db_table)
    # Reviewed: a quoted name and ORM-compiled SQL; the values are parameters.
    with connection.cursor() as cursor:
        cursor.execute(  # nosemgrep: no-raw-sql-string-formatting
            f"DELETE FROM {table} WHERE content_object_id = ANY(ARRAY({subquery}))",  # nosec B608
            params,
        )


def _after(key: Key) -> Q:
    """Notes after `key` in the expiry index (its first column leads the filter)."""
    expires_at, pk = key
    return Q(expires_at__gte=expires_at) & (Q(expires_at__gt=expires_at) | Q(id__gt=pk))


def _up_to(key: Key) -> Q:
    """Notes up to and including `key` in the expiry index."""
    expires_at, pk = key
    return Q(expires_at__lte=expires_at) & (
        Q(expires_at__lt=expires_at) | Q(id__lte=pk)
    )


def _survivors(batch: QuerySet[Note]) -> int:
    """Re-query the batch after its DELETE: the count must be 0."""
    return batch.count()


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
