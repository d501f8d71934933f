"""Serve the coordinator's cohort dashboard under load, against the admin and a trivial view.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/dashboard.py [--mentorships 5000] [--seconds 10]

Seeds a throw-away PostgreSQL database (dropped afterwards) with one program and one
cohort of 5,000 mentorships, their agreements, check-ins, reviews, consents,
disclosures and destruction records (tests/reviews/cohort_builder.py, the mix the
query-count tests use). Serves the app with gunicorn (2 workers) and drives, in the
same run and in turn, with wrk on loopback: the dashboard (page 1 of the roster),
Django admin's changelist of the same mentorships as a superuser, a trivial view, an
empty response to the coordinator's session (the least any signed-in page costs) and
the health check. Prints req/s and p50/p95/p99 of each (the median of --rounds runs),
the ratios dashboard/admin (target >= 2) and dashboard/trivial (target >= 0.5), and
the dashboard against the empty signed-in response.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from pages import ROOT, _env, _manage
from serving import check_ok, gunicorn, wrk
from throwaway import throwaway_database

PORT = 8766
TARGETS = {"admin": 2.0, "trivial": 0.5}

SEED = """
import sys
from datetime import timedelta
from django.db import connection
from django.test import Client
from django.utils import timezone
from mentorship.models import Cohort, Program, User
from tests.reviews.cohort_builder import build_cohort

pairs = int(sys.argv[1])
program = Program.objects.create(name="Benchmark program")
coordinator = User.objects.create_user(
    "coordinator@bench.example", "x", full_name="Coordinator")
program.coordinators.add(coordinator)
operator = User.objects.create_superuser("operator@bench.example", "x", full_name="Op")
today = timezone.localdate()
cohort = Cohort.objects.create(program=program, name="Cohort", status="active",
    starts_on=today - timedelta(days=90), ends_on=today + timedelta(days=90))
build_cohort(cohort, pairs)
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")  # the planner's statistics, as autovacuum would leave them
def session(user):
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value
print(cohort.public_id, session(coordinator), session(operator))
"""


def _seed(env: dict[str, str], mentorships: int) -> tuple[str, str, str]:
    _manage(env, "migrate", "--noinput")
    _manage(env, "collectstatic", "--noinput")
    out = subprocess.run(
        [
            *(sys.executable, "-c"),
            "import django; django.setup(); exec(open(0).read())",
            str(mentorships),
        ],
        input=SEED,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return out[-3], out[-2], out[-1]


def _measure(
    base: str, pages: list[tuple[str, str, str | None]], seconds: int, rounds: int
) -> dict[str, dict[str, float]]:
    """Run wrk on each page in turn, `rounds` times; return the medians."""
    runs: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in pages}
    for _ in range(rounds):
        for name, path, cookie in pages:
            runs[name].append(wrk(base + path, seconds, cookie))
    return {
        name: {key: statistics.median(r[key] for r in results) for key in results[0]}
        for name, results in runs.items()
    }


def _report(results: dict[str, dict[str, float]], args: argparse.Namespace) -> None:
    print(
        f"gunicorn 2 workers, wrk -t2 -c8, {args.seconds} s x {args.rounds} rounds "
        "(median), loopback, PostgreSQL"
    )
    print(f"{'page':52} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for name, r in results.items():
        print(
            f"{name:52} {r['rps']:8.0f} {r['p50']:7.1f} {r['p95']:7.1f} {r['p99']:7.1f}"
        )
    names = list(results)
    dashboard, admin, trivial, floor, health = (results[n]["rps"] for n in names)
    for label, ratio, target in (
        ("dashboard / admin changelist", dashboard / admin, TARGETS["admin"]),
        ("dashboard / trivial view", dashboard / trivial, TARGETS["trivial"]),
    ):
        verdict = "met" if ratio >= target else "MISSED"
        print(f"{label:32} {ratio:6.2f}  (target >= {target}: {verdict})")
    print(f"{'dashboard / health check':32} {dashboard / health:6.2f}")
    print(f"{'dashboard / empty signed-in':32} {dashboard / floor:6.2f}")
    print(
        f"{'empty signed-in / trivial view':32} {floor / trivial:6.2f}  "
        "(the ceiling for any signed-in page)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentorships", type=int, default=5000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL=postgres://...: this runs on PostgreSQL")
    with tempfile.TemporaryDirectory() as workdir:
        env = _env(Path(workdir))
        with throwaway_database(env["DATABASE_URL"]) as env["DATABASE_URL"]:
            cohort, coordinator, operator = _seed(env, args.mentorships)
            pages = [
                (
                    f"cohort dashboard, {args.mentorships} pairs (roster page 1)",
                    f"/cohorts/{cohort}/dashboard/",
                    coordinator,
                ),
                (
                    "admin changelist of the same mentorships",
                    "/admin/mentorship/mentorship/",
                    operator,
                ),
                ("trivial view (/__trivial)", "/__trivial", None),
                (
                    "empty signed-in response (/__signed_in)",
                    "/__signed_in",
                    coordinator,
                ),
                ("health check (/healthz, SELECT 1)", "/healthz", None),
            ]
            with gunicorn(env, PORT) as base:
                for _name, path, cookie in pages:
                    check_ok(base, path, cookie)
                _report(_measure(base, pages, args.seconds, args.rounds), args)


if __name__ == "__main__":
    main()
