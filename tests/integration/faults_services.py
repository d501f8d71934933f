"""Private services for the fault scenarios: Redis and a Celery worker here,
PostgreSQL and gunicorn in faults_serving.py.

Each one listens on loopback only, on a free port in PORTS, keeps its data in a
directory the caller owns, and is stopped on the way out whatever happened. Every
wait has a timeout; a timeout raises FaultError (an AssertionError, so pytest reports
a failure) with the process's log attached.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

import kombu.pools
import redis
from django.db import connection

from mentorship.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
PORTS = range(55400, 55500)
SETTINGS = "tests.integration.faults_settings"
START_TIMEOUT = 30  # seconds for any service to come up
STOP_TIMEOUT = 10  # seconds between SIGTERM and SIGKILL
VISIBILITY_TIMEOUT = 5  # seconds before Redis redelivers a killed worker's task
# The file-based email backend ends every message with this line.
MESSAGE_SEPARATOR = b"\n" + b"-" * 79 + b"\n"
TOOLS = ("redis-server", "initdb", "pg_ctl", "pg_dump", "psql")


class FaultError(AssertionError):
    """A scenario could not be carried out (a service did not start, a wait ran out)."""


def wait_for(
    condition: Callable[[], object],
    *,
    what: str,
    timeout: float,
    detail: Callable[[], str] = str,
) -> None:
    """Poll `condition` every 0.1 s; raise FaultError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise FaultError(
                f"timed out after {timeout} s waiting for {what}\n{detail()}"
            )
        time.sleep(0.1)


def free_port() -> int:
    """A port of PORTS that nothing listens on now."""
    candidates = list(PORTS)
    random.shuffle(candidates)
    for port in candidates:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise FaultError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def missing_tools() -> list[str]:
    """The service binaries the scenarios need that are not on PATH."""
    return [tool for tool in TOOLS if binary(tool) is None]


def binary(name: str) -> str | None:
    found = shutil.which(name)
    if found or name == "redis-server":
        return found
    # Debian keeps the server binaries of PostgreSQL off PATH: ask pg_config.
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        bindir = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
        candidate = Path(bindir) / name
        if candidate.is_file():
            return str(candidate)
    return None


def stop_process(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Send `sig`, then SIGKILL if the process has not exited within STOP_TIMEOUT."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
    process.wait(timeout=STOP_TIMEOUT)


def database_url() -> str:
    """The URL of the database this process's default connection uses."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    name = quote(db["NAME"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}{port}/{name}"


# --- Redis --------------------------------------------------------------------------


class PrivateRedis:
    """A redis-server with its append-only file on, which can be killed and restarted
    on the same port and directory.

    appendfsync always: Redis writes and fsyncs the file before it answers a write,
    so every task it acknowledged is on disk. With everysec a kill loses nothing
    already written, but Redis may put off writing for up to two seconds while an
    fsync is slow, and still answer: an acknowledged task can then be lost.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [
            *(str(binary("redis-server")), "--port", str(self.port)),
            *("--bind", "127.0.0.1", "--dir", str(self.directory)),
            *("--appendonly", "yes", "--appendfsync", "always", "--save", ""),
            *("--maxmemory-policy", "noeviction", "--daemonize", "no"),
            *("--logfile", str(self.directory / "redis.log")),
        ]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
        wait_for(self._answers, what="Redis", timeout=START_TIMEOUT, detail=self.log)

    def _answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise FaultError(f"redis-server exited\n{self.log()}")
        try:
            with self.client() as client:
                return bool(client.ping())  # LOADING while it replays the file
        except redis.RedisError:
            return False

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(
            self.url, socket_timeout=5, socket_connect_timeout=2
        )

    def kill(self) -> None:
        """SIGKILL: no shutdown, no final write of anything."""
        if self.process is not None:
            stop_process(self.process, signal.SIGKILL)

    def log(self) -> str:
        path = self.directory / "redis.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def __enter__(self) -> PrivateRedis:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None:
            stop_process(self.process)


@contextlib.contextmanager
def tasks_sent_to(broker_url: str, queue: str) -> Iterator[str]:
    """Make `task.delay()` in this process publish to `queue` on `broker_url`."""
    conf = {"task_always_eager": False, "broker_url": broker_url}
    conf["task_default_queue"] = queue
    previous = {key: celery_app.conf[key] for key in conf}
    celery_app.conf.update(conf)
    forget_broker_connections()
    try:
        yield queue
    finally:
        celery_app.conf.update(previous)
        forget_broker_connections()


def forget_broker_connections() -> None:
    """Drop the app's broker pool and cached router: the next publish reconnects."""
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)


# --- The Celery worker --------------------------------------------------------------


@dataclass
class Worker:
    """A Celery worker process (solo pool) on one queue, writing emails to files."""

    directory: Path
    queue: str
    process: subprocess.Popen[bytes]

    @classmethod
    def start(cls, *, directory: Path, broker_url: str, queue: str) -> Worker:
        (directory / "outbox").mkdir(parents=True)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "DATABASE_URL": database_url(),
            "REDIS_URL": broker_url,
            "TEST_WORKER_OUTBOX": str(directory / "outbox"),
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "FAULTS_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "PYTHONUNBUFFERED": "1",
        }
        command = [
            *(sys.executable, "-m", "celery", "-A", "mentorship", "worker"),
            *("--pool=solo", "--concurrency=1", "-Q", queue, "--loglevel=INFO"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
        ]
        with (directory / "worker.log").open("wb") as log:
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        worker = cls(directory, queue, process)
        try:
            worker.wait(lambda: " ready." in worker.log(), what="the worker to start")
        except BaseException:
            worker.kill()
            raise
        return worker

    def log(self) -> str:
        return (self.directory / "worker.log").read_text(errors="replace")

    def wait(self, condition: Callable[[], object], *, what: str, timeout=30) -> None:
        def holds() -> object:
            if self.process.poll() is not None:
                raise FaultError(f"the worker exited waiting for {what}\n{self.log()}")
            return condition()

        wait_for(holds, what=what, timeout=timeout, detail=lambda: self.log()[-5000:])

    def succeeded(self, task: str) -> list[str]:
        """Log lines of the successful runs of a task ("name" or "name[id]")."""
        return [
            line
            for line in self.log().splitlines()
            if f"Task {task}" in line and "] succeeded in " in line
        ]

    def emails(self) -> list[EmailMessage]:
        messages = []
        for path in sorted((self.directory / "outbox").iterdir()):
            for chunk in path.read_bytes().split(MESSAGE_SEPARATOR):
                if chunk.strip():
                    messages.append(
                        email.message_from_bytes(chunk, policy=email.policy.default)
                    )
        return messages

    def kill(self) -> None:
        stop_process(self.process, signal.SIGKILL)

    def stop(self) -> None:
        stop_process(self.process)
