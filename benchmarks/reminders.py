"""Sweep 100,000 due check-ins for reminders on PostgreSQL and count queries per batch.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mentoring \\
        .venv/bin/python benchmarks/reminders.py [--checkins 100000] [--per-pair 20]

Creates a throw-away database beside DATABASE_URL's (dropped afterwards), bulk-creates
the check-ins across many mentorships, all within both people's reminder lead, and
runs the check-in sweep batch by batch with the locmem email backend. Prints the
queries of each batch (they must not grow), the reminders sent, the time per 1,000
reminders, and that time as a ratio of the bare claim writes (one transaction with an
INSERT and an UPDATE per reminder, nothing selected or rendered) timed in the same run.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from throwaway import throwaway_database

ROOT = Path(__file__).resolve().parent.parent


def _setup(database_url: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="mentorship.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL="http://127.0.0.1",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DATABASE_URL=database_url,
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _seed(checkins: int, per_pair: int) -> None:
    """Bulk-create the pairs and their check-ins, all due for a reminder now."""
    from datetime import timedelta

    from django.utils import timezone

    from mentorship.models import CheckIn, Cohort, Mentorship, Program, User

    pairs = -(-checkins // per_pair)
    today = timezone.localdate()
    program = Program.objects.create(name="Benchmark program")
    cohort = Cohort.objects.create(
        program=program,
        name="Cohort",
        status="active",
        starts_on=today - timedelta(days=10),
        ends_on=today + timedelta(days=170),
    )
    # Half in Tokyo, so the emails format times in more than one zone.
    people = User.objects.bulk_create(
        (
            User(
                email=f"p{n}@bench.example",
                full_name=f"Person {n}",
                time_zone="Asia/Tokyo" if n % 2 else "UTC",
            )
            for n in range(2 * pairs)
        ),
        batch_size=5000,
    )
    mentorships = Mentorship.objects.bulk_create(
        (
            Mentorship(
                cohort=cohort,
                mentor=people[2 * n],
                mentee=people[2 * n + 1],
                started_on=cohort.starts_on,
            )
            for n in range(pairs)
        ),
        batch_size=5000,
    )
    # Within the next 23 hours: inside everyone's default lead of one day.
    start = timezone.now() + timedelta(minutes=5)
    step = timedelta(hours=23) / per_pair
    CheckIn.objects.bulk_create(
        (
            CheckIn(
                mentorship=mentorships[n % pairs],
                scheduled_at=start + step * (n // pairs),
            )
            for n in range(checkins)
        ),
        batch_size=5000,
    )


def _sweep() -> tuple[list[Counter[str]], int, float]:
    """Run the check-in sweep batch by batch; return each batch's queries by their
    first word (PostgreSQL logs BEGIN and COMMIT too), the reminders sent, and the
    seconds it took."""
    from django.core import mail
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from mentorship import reminders

    mail.outbox = []
    batches = reminders.checkin_reminder_batches(now=timezone.now())
    per_batch, selecting, sent = [], [], 0
    started = time.perf_counter()
    while True:
        connection.queries_log.clear()  # it keeps only the last 9,000 queries
        with CaptureQueriesContext(connection) as queries:
            before = time.perf_counter()
            batch = next(batches, None)
            selecting.append(time.perf_counter() - before)
            if batch is not None:
                sent += reminders.deliver_all(batch)
        per_batch.append(Counter(q["sql"].split()[0] for q in queries))
        mail.outbox.clear()  # keep memory flat: the count is what matters
        if batch is None:
            break
    seconds = time.perf_counter() - started
    print(
        f"selecting a batch: median {statistics.median(selecting) * 1000:.1f} ms, "
        f"slowest {max(selecting) * 1000:.1f} ms"
    )
    return per_batch, sent, seconds


def _bare_claims(count: int) -> float:
    """Seconds for `count` bare claims: INSERT, then UPDATE sent_at, one transaction
    each, as deliver() does, with nothing selected, rendered or sent."""
    from django.db import transaction
    from django.utils import timezone

    from mentorship.models import CheckIn, Reminder

    rows = list(
        CheckIn.objects.select_related("mentorship").order_by("pk")[: count // 2]
    )
    Reminder.objects.all().delete()
    started = time.perf_counter()
    for checkin in rows:
        for recipient_id in (
            checkin.mentorship.mentor_id,
            checkin.mentorship.mentee_id,
        ):
            with transaction.atomic():
                claim = Reminder.objects.create(
                    kind="checkin",
                    subject=checkin.public_id,
                    due_at=checkin.scheduled_at,
                    recipient_id=recipient_id,
                    mentorship_id=checkin.mentorship_id,
                )
                claim.sent_at = timezone.now()
                claim.save(update_fields=["sent_at"])
    return time.perf_counter() - started


def _report(
    per_batch: list[Counter[str]],
    sent: int,
    seconds: float,
    bare: float,
    bare_count: int,
) -> None:
    print("queries per batch (the last finds no more check-ins):")
    for number, kinds in enumerate(per_batch, start=1):
        detail = ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items()))
        print(f"  batch {number:4}: {sum(kinds.values()):5} ({detail})")
    selects = Counter(kinds["SELECT"] for kinds in per_batch)
    sizes = Counter(sum(kinds.values()) for kinds in per_batch)
    print(f"SELECTs per batch: {dict(selects)} (queries: batches)")
    print(f"queries per batch: {dict(sizes)} (queries: batches)")
    writes = sum(kinds["INSERT"] + kinds["UPDATE"] for kinds in per_batch)
    print(f"reminders sent: {sent}; claim writes per reminder: {writes / sent:.2f}")
    per_thousand = seconds / sent * 1000
    bare_per_thousand = bare / bare_count * 1000
    print(f"sweep: {seconds:.1f} s, {per_thousand:.3f} s per 1,000 reminders")
    print(
        f"bare claim writes ({bare_count}): {bare_per_thousand:.3f} s per 1,000; "
        f"sweep / bare: {per_thousand / bare_per_thousand:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkins", type=int, default=100_000)
    parser.add_argument("--per-pair", type=int, default=20)
    parser.add_argument("--bare", type=int, default=10_000)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL=postgres://...: this measures PostgreSQL")
    with throwaway_database(url) as database_url:
        _setup(database_url)
        started = time.perf_counter()
        _seed(args.checkins, args.per_pair)
        print(
            f"{args.checkins} check-ins across {-(-args.checkins // args.per_pair)} "
            f"mentorships, seeded in {time.perf_counter() - started:.1f} s"
        )
        per_batch, sent, seconds = _sweep()
        bare = _bare_claims(min(args.bare, sent))
        _report(per_batch, sent, seconds, bare, min(args.bare, sent))


if __name__ == "__main__":
    main()
