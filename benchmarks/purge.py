"""Time the retention purge of 1,000,000 expired notes against a bare SQL DELETE.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mentoring \\
        .venv/bin/python benchmarks/purge.py [--notes 1000000] [--mentorships 2000] \\
        [--rounds 3]

PostgreSQL only: it creates a throw-away database beside DATABASE_URL's (the role
needs CREATEDB) and drops it afterwards. It fills the database with expired notes,
half of them shared, with their permission rows (1.5 per note), then:

(a) deletes the permission rows and the notes with bare SQL in one transaction;
(b) fills it again with the same rows and runs purge_expired_notes in a child
    process, as the Celery task does: batches of RETENTION_PURGE_BATCH, a lock, a
    re-query and destruction records per batch.

Both runs are repeated --rounds times, each from the same state, and it prints the
median ratio (target <= 1.5) with the times of that round, the purging process's peak
memory (ru_maxrss of the child, target <= 150 MB) and its longest transaction.
Notes of a mentorship expire in runs of --run notes (a pair writes a few notes per
meeting), so a batch of 10,000 touches about 10,000 / run mentorships, each of which
gets a destruction record; --run 1 is the worst case, a record per note.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

from throwaway import throwaway_database

ROOT = Path(__file__).resolve().parent.parent


def _env(url: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if k != "REDIS_URL"},
        "DJANGO_SETTINGS_MODULE": "mentorship.settings",
        "DATABASE_URL": url,
        "DEBUG": "false",  # DEBUG would keep every query in memory
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "localhost",
        "SITE_URL": "http://localhost",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


def _setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _people(mentorships: int) -> None:
    """A program, a cohort and `mentorships` pairs, created in bulk."""
    from datetime import timedelta

    from django.utils import timezone

    from mentorship.models import Cohort, Mentorship, Program, User

    today = timezone.localdate()
    program = Program.objects.create(name="Benchmark program")
    cohort = Cohort.objects.create(
        program=program,
        name="Cohort",
        starts_on=today - timedelta(days=700),
        ends_on=today + timedelta(days=30),
    )
    users = User.objects.bulk_create(
        User(email=f"p{i}@bench.example", full_name=f"Person {i}")
        for i in range(2 * mentorships)
    )
    Mentorship.objects.bulk_create(
        Mentorship(
            cohort=cohort,
            mentor=users[2 * i],
            mentee=users[2 * i + 1],
            started_on=cohort.starts_on,
        )
        for i in range(mentorships)
    )


def _fill(notes: int, run: int) -> None:
    """Insert `notes` expired notes (half shared) and their permission rows."""
    from django.contrib.auth.models import Permission
    from django.db import connection

    view = Permission.objects.get(codename="view_note").pk
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH pairs AS (SELECT id, mentor_id, mentee_id,"
            " row_number() OVER (ORDER BY id) - 1 AS k FROM mentorship_mentorship),"
            " size AS (SELECT count(*) AS m FROM pairs)"
            " INSERT INTO mentorship_note (public_id, mentorship_id, author_id,"
            " visibility, body, expires_at, created_at, updated_at)"
            " SELECT gen_random_uuid(), p.id,"
            " CASE WHEN g %% 3 = 0 THEN p.mentor_id ELSE p.mentee_id END,"
            " CASE WHEN g %% 2 = 0 THEN 'shared' ELSE 'private' END,"
            " 'Note ' || g || ': ' || repeat('what we talked about ', 20),"
            " now() - interval '1 day' - g * interval '1 second',"
            " now() - interval '400 days', now() - interval '400 days'"
            " FROM generate_series(0, %s - 1) AS g CROSS JOIN size"
            " JOIN pairs p ON p.k = (g / %s) %% size.m",
            [notes, run],
        )
        cursor.execute(
            "INSERT INTO mentorship_noteuserobjectpermission"
            " (permission_id, user_id, content_object_id)"
            " SELECT %s, n.author_id, n.id FROM mentorship_note n"
            " UNION ALL"
            " SELECT %s, CASE WHEN n.author_id = m.mentor_id THEN m.mentee_id"
            " ELSE m.mentor_id END, n.id FROM mentorship_note n"
            " JOIN mentorship_mentorship m ON m.id = n.mentorship_id"
            " WHERE n.visibility = 'shared'",
            [view, view],
        )
    _settle()


def _settle() -> None:
    """Vacuum, analyse and checkpoint, so both timed runs start from the same state."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in (
            "mentorship_note",
            "mentorship_noteuserobjectpermission",
            "mentorship_notegroupobjectpermission",
            "mentorship_destructionrecord",
        ):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        cursor.execute("CHECKPOINT")


def _counts() -> tuple[int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM mentorship_note),"
            " (SELECT count(*) FROM mentorship_noteuserobjectpermission)"
        )
        notes, permissions = cursor.fetchone()
    return notes, permissions


def _bare_delete() -> float:
    from django.db import connection, transaction

    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        expired = "SELECT id FROM mentorship_note WHERE expires_at <= now()"
        for table in (
            "mentorship_noteuserobjectpermission",
            "mentorship_notegroupobjectpermission",
        ):
            cursor.execute(
                f"DELETE FROM {table} WHERE content_object_id IN ({expired})"
            )
        cursor.execute("DELETE FROM mentorship_note WHERE expires_at <= now()")
    return time.perf_counter() - start


def _purge_in_child(env: dict[str, str], batch_size: int | None) -> dict[str, float]:
    """Run the purge in a fresh process; return its figures and its peak memory."""
    command = [sys.executable, __file__, "--child"]
    if batch_size:
        command += ["--batch-size", str(batch_size)]
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, cwd=ROOT)
    assert child.stdout is not None
    output = child.stdout.read()
    # wait4 gives this child's own resource usage (RUSAGE_CHILDREN would mix in
    # every child ever waited for).
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"the purge failed with exit code {child.returncode}")
    figures = json.loads(output)
    figures["peak_mb"] = usage.ru_maxrss / 1024  # kilobytes on Linux
    return figures


def _child(batch_size: int | None) -> None:
    _setup({})
    from mentorship import retention

    idle_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    report = retention.purge_expired_notes(batch_size=batch_size, task_id="bench")
    seconds = time.perf_counter() - start
    figures = {
        "seconds": seconds,
        "notes": report.notes,
        "records": report.records,
        "batches": report.batches,
        "longest_ms": report.longest_batch_seconds * 1000,
        "idle_mb": idle_mb,
    }
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=1_000_000)
    parser.add_argument("--mentorships", type=int, default=2_000)
    parser.add_argument("--run", type=int, default=10, help="notes per mentorship run")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument(
        "--rounds", type=int, default=3, help="bare DELETE and purge pairs; medians"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.batch_size)
        return
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server: postgres://...")
    with throwaway_database(url) as bench_url:
        env = _env(bench_url)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--verbosity=0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        _setup(env)
        from django.conf import settings
        from django.db import connection

        _people(args.mentorships)
        rounds: list[tuple[float, dict[str, float]]] = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            _fill(args.notes, args.run)
            fill_seconds = time.perf_counter() - started
            notes, permissions = _counts()
            bare = _bare_delete()
            assert _counts() == (0, 0)
            _settle()
            _fill(args.notes, args.run)
            assert _counts() == (notes, permissions)
            connection.close()  # nothing of ours stays open beside the purge
            purge = _purge_in_child(env, args.batch_size)
            connection.connect()
            assert _counts() == (0, 0) and purge["notes"] == notes
            rounds.append((bare, purge))
            with connection.cursor() as cursor:  # each round starts from none
                cursor.execute("DELETE FROM mentorship_destructionrecord")
    batch = args.batch_size or settings.RETENTION_PURGE_BATCH
    ratios = [purge["seconds"] / bare for bare, purge in rounds]
    # The round of the median ratio gives the times shown beside it.
    bare, purge = rounds[ratios.index(statistics.median_low(ratios))]
    print(
        f"purge of {notes:,} expired notes with {permissions:,} permission rows"
        f" ({args.mentorships:,} mentorships, runs of {args.run}; PostgreSQL)"
    )
    print(f"  filling the tables once:       {fill_seconds:8.1f} s")
    print(f"  bare SQL DELETE, one txn:      {bare:8.1f} s")
    print(f"  purge_expired_notes:           {purge['seconds']:8.1f} s")
    print(
        f"  ratio purge / bare:            {statistics.median_low(ratios):8.2f}"
        f"  (<= 1.5; median of {len(ratios)} rounds:"
        f" {', '.join(f'{r:.2f}' for r in ratios)})"
    )
    peak = max(p["peak_mb"] for _bare, p in rounds)
    longest = max(p["longest_ms"] for _bare, p in rounds)
    print(f"  peak memory of the purge:      {peak:8.1f} MB (<= 150, of all rounds)")
    print(f"    of which Django at rest:     {purge['idle_mb']:8.1f} MB")
    print(f"  longest transaction:           {longest:8.1f} ms (of all rounds)")
    print(f"  batches of {batch:,}:              {purge['batches']:8,}")
    print(f"  destruction records:           {purge['records']:8,}")


if __name__ == "__main__":
    main()
