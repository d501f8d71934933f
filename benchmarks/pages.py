"""Serve the app with gunicorn and measure its pages against a trivial view.

    .venv/bin/python benchmarks/pages.py [--mentorships 500] [--seconds 10]

Needs `wrk` (Debian package wrk). Uses DATABASE_URL when set (PostgreSQL is what
production runs), else a throw-away SQLite file. Each page's requests per second are
printed as a ratio of the trivial view served by the same gunicorn in the same run,
because absolute numbers on a shared machine say little. Everything runs on loopback
and stops by itself.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from throwaway import throwaway_database

ROOT = Path(__file__).resolve().parent.parent
PORT = 8765


def _env(workdir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "LOG_LEVEL": "WARNING",
        "SITE_URL": "http://127.0.0.1",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PYTHONPATH": str(ROOT),
        # collectstatic writes here, not into the work tree
        "STATIC_ROOT": str(workdir / "static"),
    }
    env.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    env.pop("REDIS_URL", None)
    return env


SEED = """
import sys
from datetime import timedelta
from django.test import Client
from django.utils import timezone
from mentorship.models import Cohort, Membership, Mentorship, Program, User

n = int(sys.argv[1])
program = Program.objects.create(name="Benchmark program")
coordinator = User.objects.create_user("coordinator@bench.example", "x", full_name="Coordinator")
program.coordinators.add(coordinator)
today = timezone.localdate()
cohort = Cohort.objects.create(program=program, name="Cohort", status="active",
    starts_on=today - timedelta(days=10), ends_on=today + timedelta(days=170))
users = User.objects.bulk_create(
    User(email=f"p{i}@bench.example", full_name=f"Person {i}") for i in range(2 * n))
Membership.objects.bulk_create(
    Membership(cohort=cohort, user=u, role="mentor" if i % 2 == 0 else "mentee",
               capacity=1, goals=["a", "b"], strengths=["a"]) for i, u in enumerate(users))
Mentorship.objects.bulk_create(
    Mentorship(cohort=cohort, mentor=users[2 * i], mentee=users[2 * i + 1],
               started_on=cohort.starts_on) for i in range(n))
def session(user):
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value
print(cohort.public_id, session(coordinator), session(users[1]))
"""


@contextlib.contextmanager
def _database(env: dict[str, str]) -> Iterator[None]:
    """On PostgreSQL, run against a throw-away database beside DATABASE_URL's."""
    url = env["DATABASE_URL"]
    if not url.startswith("postgres"):
        yield
        return
    with throwaway_database(url) as env["DATABASE_URL"]:
        yield


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def _seed(env: dict[str, str], mentorships: int) -> tuple[str, str, str]:
    _manage(env, "migrate", "--noinput")
    _manage(env, "collectstatic", "--noinput")
    out = subprocess.run(
        [
            sys.executable,
            "-c",
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


def _wrk(url: str, seconds: int, cookie: str | None) -> dict[str, float]:
    command = ["wrk", "-t2", "-c8", f"-d{seconds}s", "--latency", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: sessionid={cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"{url} answered errors:\n{out}")

    def latency(label: str) -> float:
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency("50%"),
        "p99": latency("99%"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentorships", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as workdir:
        env = _env(Path(workdir))
        with _database(env):
            cohort, coordinator, mentee = _seed(env, args.mentorships)
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "benchmarks.wsgi_app",
                    "-w",
                    "2",
                    "-b",
                    f"127.0.0.1:{PORT}",
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
            )
            try:
                _wait_until_up(f"http://127.0.0.1:{PORT}/__trivial")
                _report(args, cohort, coordinator, mentee)
            finally:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=30)


def _wait_until_up(url: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def _report(
    args: argparse.Namespace, cohort: str, coordinator: str, mentee: str
) -> None:
    base = f"http://127.0.0.1:{PORT}"
    pages = [
        ("trivial view", "/__trivial", None),
        ("login page", "/accounts/login/", None),
        ("participant home (mentee)", "/", mentee),
        ("program list (coordinator)", "/programs/", coordinator),
        (
            f"cohort roster, {args.mentorships} mentorships",
            f"/cohorts/{cohort}/",
            coordinator,
        ),
    ]
    results = {
        name: _wrk(base + path, args.seconds, cookie) for name, path, cookie in pages
    }
    floor = results["trivial view"]["rps"]
    print(f"gunicorn 2 workers, wrk -t2 -c8 for {args.seconds}s each, loopback")
    print(f"{'page':44} {'req/s':>8} {'ratio':>6} {'p50 ms':>7} {'p99 ms':>7}")
    for name, r in results.items():
        print(
            f"{name:44} {r['rps']:8.0f} {r['rps'] / floor:6.2f} {r['p50']:7.1f} {r['p99']:7.1f}"
        )


if __name__ == "__main__":
    main()
