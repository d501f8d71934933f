"""Kill or restart the services under the app, and print what it cost.

    .venv/bin/python benchmarks/faults.py [--only reminders,purge,redis,postgres]

The scenarios are those of tests/integration/test_faults.py (tests/integration/
faults.py): a Celery worker SIGKILLed in the middle of the reminder sweep and of the
purge, with a fresh worker started; Redis SIGKILLed with tasks queued, and under a
consuming worker, then restarted from its append-only file; PostgreSQL restarted and
stopped for a few seconds under gunicorn (2 workers). Each prints tasks lost and done
twice, recovery times, and the error responses seen during the outage.

Needs redis-server, the PostgreSQL server programs (initdb, pg_ctl, pg_dump, psql)
and a PostgreSQL server: DATABASE_URL (default below), beside which it creates a
throw-away database, dropped afterwards. The services it starts listen on loopback
only and keep their data in temporary directories. Exits 1 if a scenario fails.
About two minutes.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from throwaway import throwaway_database

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postgres"
SCENARIOS = ("reminders", "purge", "redis", "postgres")


def _setup(url: str) -> None:
    """Configure Django on the throw-away database and migrate it."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="tests.integration.faults_settings",
        DATABASE_URL=url,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _run(names: list[str]) -> int:
    """Run the scenarios one after another on an emptied database; count failures."""
    from django.core.management import call_command

    from tests.integration import faults, faults_web
    from tests.integration.faults_services import missing_tools

    missing = missing_tools()
    if missing:
        print(f"missing programs: {', '.join(missing)}", file=sys.stderr)
        return len(names)
    scenarios: dict[str, Callable[[Path], faults.Outcome]] = {
        "reminders": faults.worker_killed_mid_reminders,
        "purge": faults.worker_killed_mid_purge,
        "redis": faults.redis_killed_with_tasks_queued,
        "postgres": faults_web.postgres_restarted_while_serving,
    }
    failed = 0
    for name in names:
        began = time.monotonic()
        with tempfile.TemporaryDirectory(prefix=f"faults-{name}-") as workdir:
            try:
                outcome = scenarios[name](Path(workdir))
            except Exception as error:  # noqa: BLE001 - report it and go on
                outcome = faults.Outcome(
                    name, problems=[f"{type(error).__name__}: {error}"]
                )
        print(outcome.report())
        print(f"  (took {time.monotonic() - began:.0f} s)\n", flush=True)
        failed += not outcome.ok
        call_command("flush", interactive=False, verbosity=0)
    return failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only", default=",".join(SCENARIOS), help="comma-separated scenario names"
    )
    names = [name for name in parser.parse_args().only.split(",") if name]
    unknown = set(names) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios {sorted(unknown)}; known: {SCENARIOS}")
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL database")
    with throwaway_database(url) as database:
        _setup(database)
        try:
            failed = _run(names)
        finally:
            from django.db import connections

            connections.close_all()
    print(f"{len(names) - failed} of {len(names)} scenarios held")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
