"""PostgreSQL restarted, and stopped for a while, under gunicorn serving the app.

A private cluster gets a copy of the migrated test database and a signed-in mentor.
Two threads request the mentor's home page and /healthz without pause while the
cluster is restarted (`pg_ctl restart`), restarted again while no request is under
way, then stopped for OUTAGE seconds and started. Every answer must be a page: 200,
or our own 503 page (mentorship.views.errors) with nothing of the error in it. Once
PostgreSQL is back, the same gunicorn workers must answer 200, from the first request
on: a connection the restart broke is dropped before use (CONN_HEALTH_CHECKS), not
shown as an error.
"""

from __future__ import annotations

import http.client
import os
import secrets
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.integration.faults import Outcome
from tests.integration.faults_services import ROOT, SETTINGS, database_url, wait_for
from tests.integration.faults_serving import PrivatePostgres, Server, gunicorn

OUTAGE = 3  # seconds PostgreSQL stays down
RESUME_LIMIT = 5  # seconds after PostgreSQL's return by which every answer is a 200
RESUME_TIMEOUT = 15  # seconds to wait for 200s again
ERROR_PAGE = "Briefly unavailable"  # templates/503.html
SEED = """
import django
django.setup()
from django.conf import settings
from django.test import Client
from tests import factories
mentorship = factories.mentorship_in(factories.CohortFactory())
client = Client()
client.force_login(mentorship.mentor)
name = settings.SESSION_COOKIE_NAME
print(f"{name}={client.cookies[name].value}")
"""


@dataclass(frozen=True)
class Answer:
    path: str
    started: float
    ended: float
    status: int | None  # None: no HTTP answer at all
    problem: str  # empty for a 200 or a clean error page


class Requester:
    """Request each path again and again from its own thread; keep every answer."""

    def __init__(self, server: Server, cookie: str, forbidden: list[str]) -> None:
        self.host, port = server.address.split(":")
        self.port = int(port)
        self.cookie = cookie
        self.forbidden = forbidden
        self.answers: list[Answer] = []
        self._stop = threading.Event()
        self._running = threading.Event()  # cleared: the threads wait, idle
        self._running.set()
        self._idle = threading.Semaphore(0)
        self._threads = [
            threading.Thread(target=self._loop, args=(path,), daemon=True)
            for path in ("/", "/healthz")
        ]

    def __enter__(self) -> Requester:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._running.set()
        for thread in self._threads:
            thread.join(timeout=10)

    def _loop(self, path: str) -> None:
        while not self._stop.is_set():
            if not self._running.is_set():
                self._idle.release()
                self._running.wait()
                continue
            self.answers.append(self._get(path))
            time.sleep(0.02)

    def pause(self) -> None:
        """Stop requesting; return once no request is in flight."""
        self._running.clear()
        for _ in self._threads:
            if not self._idle.acquire(timeout=10):
                raise AssertionError("a request did not end within 10 s")

    def resume(self) -> None:
        self._running.set()

    def _get(self, path: str) -> Answer:
        started = time.monotonic()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=5)
        try:
            connection.request("GET", path, headers={"Cookie": self.cookie})
            response = connection.getresponse()
            body = response.read().decode(errors="replace")
            status: int | None = response.status
            problem = self._judge(status, body)
        except Exception as error:  # noqa: BLE001 - any failure is an unclean answer
            status, problem = None, f"no answer: {type(error).__name__}"
        finally:
            connection.close()
        return Answer(path, started, time.monotonic(), status, problem)

    def _judge(self, status: int | None, body: str) -> str:
        if status == 200:
            return ""
        if status != 503:
            return f"status {status}"
        if ERROR_PAGE not in body:
            return f"status {status} without our error page"
        leaked = [word for word in self.forbidden if word in body]
        return f"status {status} showing {leaked}" if leaked else ""

    def since(self, moment: float) -> list[Answer]:
        return [answer for answer in list(self.answers) if answer.started >= moment]

    def resumed(self, back: float) -> float | None:
        """When both paths answered 200 five times in a row after `back`."""
        ends = []
        for path in ("/", "/healthz"):
            answers = [a for a in self.since(back) if a.path == path]
            tail = answers[-5:]
            if len(tail) < 5 or any(a.status != 200 for a in tail):
                return None
            failed = [a.ended for a in answers if a.status != 200]
            ends.append(
                next(a.ended for a in answers if a.started >= max(failed or [0]))
            )
        return max(ends)


def _round(requester: Requester, fault: Callable[[], float]) -> dict[str, Any]:
    """Run the fault (it returns when PostgreSQL is back); return its figures."""
    began = time.monotonic()
    back = fault()
    wait_for(
        lambda: requester.resumed(back) is not None,
        what="200s again after PostgreSQL's return",
        timeout=RESUME_TIMEOUT,
    )
    resumed = requester.resumed(back) or back
    answers = requester.since(began)
    errors = [a for a in answers if a.status != 200 and a.ended < resumed]
    return {
        "requests": len(answers),
        "errors": Counter(str(a.status) for a in errors),
        "unclean": [a.problem for a in answers if a.problem],
        "after return": sum(a.started >= back for a in errors),
        "resume": round(max(0.0, resumed - back), 2),
    }


def _restart(postgres: PrivatePostgres) -> Callable[[], float]:
    def fault() -> float:
        postgres.restart()
        return time.monotonic()

    return fault


def _restart_while_idle(
    postgres: PrivatePostgres, requester: Requester
) -> Callable[[], float]:
    """Restart with no request under way: every worker keeps a connection the
    restart broke, which the next request must not use."""

    def fault() -> float:
        requester.pause()
        postgres.restart()
        back = time.monotonic()
        requester.resume()
        return back

    return fault


def _stop_and_start(postgres: PrivatePostgres) -> Callable[[], float]:
    def fault() -> float:
        postgres.stop()
        time.sleep(OUTAGE)
        postgres.start()
        return time.monotonic()

    return fault


def postgres_restarted_while_serving(workdir: Path) -> Outcome:
    secret = secrets.token_urlsafe(50)
    with PrivatePostgres() as postgres:
        postgres.load(database_url())
        env = _web_env(postgres.url, secret)
        cookie = _seed(env)
        forbidden = ["Traceback", "Exception", "OperationalError", "psycopg"]
        forbidden += ["postgres", "DATABASES", "settings.py"]
        forbidden += ["SECRET_KEY", secret, str(postgres.port), str(ROOT)]
        with gunicorn(env, workdir / "gunicorn.log") as server:
            server.warm_up(cookie)
            workers = server.worker_pids()
            with Requester(server, cookie, forbidden) as r:
                wait_for(lambda: len(r.since(0)) >= 20, what="requests", timeout=30)
                warm = [a for a in r.since(0) if a.status != 200]
                rounds = {
                    "restart": _round(r, _restart(postgres)),
                    "restart while idle": _round(r, _restart_while_idle(postgres, r)),
                    "stop and start": _round(r, _stop_and_start(postgres)),
                }
            replaced = len(workers - server.worker_pids())
            outcome = _outcome(rounds, replaced)
            outcome.expect(server.process.poll() is None, "gunicorn exited")
    outcome.expect(not warm, f"errors before any fault: {warm[:3]}")
    return outcome


def _outcome(rounds: dict[str, dict[str, Any]], replaced: int) -> Outcome:
    outcome = Outcome("PostgreSQL restarted while pages are served")
    restart, idle, outage = rounds.values()
    unclean = sorted({p for figures in rounds.values() for p in figures["unclean"]})
    after_return = sum(figures["after return"] for figures in rounds.values())
    outcome.figures = {
        "requests": sum(figures["requests"] for figures in rounds.values()),
        "error responses during the restart": dict(restart["errors"]),
        "error responses after the restart while idle": dict(idle["errors"]),
        "error responses during the outage": dict(outage["errors"]),
        "unclean responses": sum(
            len(figures["unclean"]) for figures in rounds.values()
        ),
        "errors after PostgreSQL was back": after_return,
        **{
            f"seconds to resume after the {fault}": figures["resume"]
            for fault, figures in rounds.items()
        },
        "gunicorn workers replaced": replaced,
    }
    outcome.expect(bool(outage["errors"]), "no request met the outage")
    outcome.expect(
        not after_return,
        "requests failed after PostgreSQL was back (stale connections reused)",
    )
    for fault, figures in rounds.items():
        outcome.expect(
            figures["resume"] <= RESUME_LIMIT,
            f"still failing {RESUME_LIMIT} s after the {fault}",
        )
    outcome.problems += [f"unclean answer: {problem}" for problem in unclean]
    return outcome


def _web_env(url: str, secret: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "TEST_WORKER_OUTBOX"}
    }
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": secret,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "http://127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "PYTHONPATH": str(ROOT),
    }


def _seed(env: dict[str, str]) -> str:
    """Create a mentorship in the private database; return the mentor's cookie."""
    result = subprocess.run(
        [sys.executable, "-c", SEED],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]
