"""A real Celery worker, started as a subprocess against Redis and the test database.

Tests that use `celery_worker_process` need these marks (the worker has its own
database connection, so the test data must be committed):

    @pytest.mark.redis
    @pytest.mark.postgres
    @pytest.mark.django_db(transaction=True)

While the fixture is active the test process sends tasks through Redis to a queue of
its own (one per xdist worker and run), so `task.delay()` and the `on_commit` hooks
of the services reach the worker instead of running in-process.
"""

from __future__ import annotations

import email
import email.policy
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote
from uuid import uuid4

import kombu.pools
import pytest
import redis
from django.db import connection

from mentorship.celery import app as celery_app

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 30  # seconds for the worker to start
WAIT_TIMEOUT = 20  # seconds for a task to be done
STOP_TIMEOUT = 10  # seconds between SIGTERM and SIGKILL
# The file-based email backend ends every message with this line.
MESSAGE_SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def wait_until(
    condition: Callable[[], object], *, what: str, timeout: float = WAIT_TIMEOUT
) -> None:
    """Poll `condition` until it holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


@dataclass
class WorkerProcess:
    queue: str
    outbox: Path
    log_path: Path
    process: subprocess.Popen[bytes]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait(
        self,
        condition: Callable[[], object],
        *,
        what: str,
        timeout: float = WAIT_TIMEOUT,
    ) -> None:
        """Poll `condition`; fail with the worker's log on timeout or if it exited."""
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None:
                pytest.fail(
                    f"The worker exited while waiting for {what}:\n{self.log()}"
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"Timed out after {timeout} s waiting for {what}; "
                    f"the worker log:\n{self.log()}"
                )
            time.sleep(0.1)

    def wait_ready(self) -> None:
        self.wait(
            lambda: " ready." in self.log(),
            what="the worker to be ready",
            timeout=READY_TIMEOUT,
        )

    def finished(self, task: str) -> list[str]:
        """The log lines of the runs of a task (a name, or name[id]) that succeeded."""
        return [
            line
            for line in self.log().splitlines()
            if f"Task {task}" in line and "] succeeded in " in line
        ]

    def wait_for_finished(
        self, task: str, *, count: int = 1, timeout: float = WAIT_TIMEOUT
    ) -> list[str]:
        """Wait until `count` runs of the task succeeded; return their log lines."""
        self.wait(
            lambda: len(self.finished(task)) >= count,
            what=f"{count} x {task} to succeed",
            timeout=timeout,
        )
        return self.finished(task)

    def emails(self) -> list[EmailMessage]:
        """Every message the worker wrote to the outbox, oldest file first."""
        messages = []
        for path in sorted(self.outbox.iterdir()):
            for chunk in path.read_bytes().split(MESSAGE_SEPARATOR):
                if chunk.strip():
                    messages.append(
                        email.message_from_bytes(chunk, policy=email.policy.default)
                    )
        return messages


def _test_database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


def _forget_broker_connections() -> None:
    """Make the Celery app connect again with its current configuration.

    The app keeps its broker connection pool, and `app.amqp` remembers the default
    queue in its router and task sender: drop both so the next `delay()` uses the
    broker and queue now configured.
    """
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)


@pytest.fixture
def celery_worker_process(
    transactional_db: None, tmp_path: Path
) -> Iterator[WorkerProcess]:
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url or connection.vendor != "postgresql":
        pytest.fail("celery_worker_process needs the marks redis and postgres")
    # PYTEST_XDIST_WORKER is gw0, gw1...; unset when xdist is not in use.
    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "main")
    queue = f"test-{worker_id}-{uuid4().hex[:8]}"
    worker = launch_worker(queue, tmp_path)

    # Send this process's tasks to the worker through Redis, not in-process.
    conf = {
        "task_always_eager": False,
        "broker_url": redis_url,
        "task_default_queue": queue,
    }
    previous = {key: celery_app.conf[key] for key in conf}
    celery_app.conf.update(conf)
    _forget_broker_connections()
    try:
        worker.wait_ready()
        yield worker
    finally:
        celery_app.conf.update(previous)
        _forget_broker_connections()
        _stop(worker.process)
        _delete_queue_keys(redis_url, queue)


def launch_worker(queue: str, directory: Path) -> WorkerProcess:
    """Start a Celery worker process on `queue`, with its outbox, log and pid file
    in `directory`, against the test database and Redis."""
    outbox = directory / "outbox"
    outbox.mkdir(parents=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
        "TEST_WORKER_OUTBOX": str(outbox),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        *(sys.executable, "-m", "celery", "-A", "mentorship", "worker"),
        *("--pool=solo", "--concurrency=1", "-Q", queue, "--loglevel=INFO"),
        *("--pidfile", str(directory / "worker.pid")),
        *("--without-gossip", "--without-mingle", "--without-heartbeat"),
    ]
    log_path = directory / "worker.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
    return WorkerProcess(queue, outbox, log_path, process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def forget_unacked(queue: str) -> None:
    """Drop the killed worker's unacknowledged message, which Redis would otherwise
    hand back to this run's (deleted) queue an hour from now."""
    with redis.Redis.from_url(os.environ["REDIS_URL"]) as client:
        for tag, payload in client.hscan_iter("unacked"):
            if queue.encode() in payload:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)


def _delete_queue_keys(redis_url: str, queue: str) -> None:
    """Remove the run's queue (and kombu's bindings for it) from Redis."""
    with redis.Redis.from_url(redis_url) as client:
        keys = list(client.scan_iter(match=f"*{queue}*"))
        if keys:
            client.delete(*keys)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Attach the worker's log to the report of a failed test that used it."""
    report = yield
    worker = getattr(item, "funcargs", {}).get("celery_worker_process")
    if report.failed and isinstance(worker, WorkerProcess):
        report.sections.append(("celery worker log", worker.log()))
    return report
