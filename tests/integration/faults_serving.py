"""Private PostgreSQL and gunicorn for the fault scenarios (see faults_services.py).

The PostgreSQL cluster is made by initdb in a temporary directory (removed on exit),
listens on 127.0.0.1 and a port of PORTS, and runs as the postgres user when this
process is root (the server refuses to run as root).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.integration.faults_services import (
    ROOT,
    START_TIMEOUT,
    FaultError,
    binary,
    free_port,
    stop_process,
    wait_for,
)


class PrivatePostgres:
    """A PostgreSQL cluster of its own (initdb into a temporary directory, removed
    on exit), on a private port, to be stopped and started under a running app."""

    def __init__(self) -> None:
        # The server refuses to run as root: as root, run it as the postgres user.
        self.user = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        self.directory = Path(tempfile.mkdtemp(prefix="faults-pg-"))
        self.data = self.directory / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/mentoring"

    def _run(self, *command: str, timeout: float = START_TIMEOUT) -> None:
        result = subprocess.run(
            [str(binary(command[0])), *command[1:]],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.directory,
            check=False,
            user=self.user.pw_uid if self.user else None,
            group=self.user.pw_gid if self.user else None,
        )
        if result.returncode != 0:
            raise FaultError(f"{command[0]} failed: {result.stderr}\n{self.log()}")

    def _pg_ctl(self, action: str, *args: str) -> None:
        self._run(
            *("pg_ctl", action, "-D", str(self.data), "-w", "-t", str(START_TIMEOUT)),
            *args,
            timeout=START_TIMEOUT + 5,
        )

    def log(self) -> str:
        with contextlib.suppress(OSError):
            return Path(self._log_path).read_text(errors="replace")[-3000:]
        return ""

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1"
            f" -c unix_socket_directories={self.directory} -c fsync=off"
        )
        self._pg_ctl("start", "-l", self._log_path, "-o", options)

    def stop(self) -> None:
        self._pg_ctl("stop", "-m", "fast")

    def restart(self) -> None:
        # Without -l the new server would write to (and hold open) pg_ctl's output.
        self._pg_ctl("restart", "-m", "fast", "-l", self._log_path)

    @property
    def _log_path(self) -> str:
        return str(self.directory / "postgres.log")

    def load(self, source_url: str) -> None:
        """Create the database and copy `source_url`'s schema and rows into it."""
        admin = self.url.rsplit("/", 1)[0] + "/postgres"
        psql = [str(binary("psql")), "-X", "-q", "-v", "ON_ERROR_STOP=1"]
        subprocess.run(
            [*psql, "-d", admin, "-c", "CREATE DATABASE mentoring"],
            check=True,
            capture_output=True,
            timeout=START_TIMEOUT,
        )
        dump = subprocess.run(
            [str(binary("pg_dump")), "--no-owner", "--no-privileges", source_url],
            check=True,
            capture_output=True,
            timeout=60,
        )
        subprocess.run(
            [*psql, "-d", self.url],
            input=dump.stdout,
            check=True,
            capture_output=True,
            timeout=60,
        )

    def __enter__(self) -> PrivatePostgres:
        try:
            if self.user:
                os.chown(self.directory, self.user.pw_uid, self.user.pw_gid)
            self._run(
                *("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust"),
                *("-E", "UTF8", "--locale=C", "--no-sync"),
            )
            self.start()
        except BaseException:
            shutil.rmtree(self.directory, ignore_errors=True)
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            with contextlib.suppress(FaultError, subprocess.SubprocessError):
                self._pg_ctl("stop", "-m", "immediate")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


# --- gunicorn -----------------------------------------------------------------------


@contextlib.contextmanager
def gunicorn(env: dict[str, str], log: Path, workers: int = 2) -> Iterator[Server]:
    """Serve mentorship.wsgi on a private port; yield the server."""
    port = free_port()
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "mentorship.wsgi"),
                *("-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "30"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"127.0.0.1:{port}", process, log)
    try:
        wait_for(
            lambda: server.alive() and len(server.worker_pids()) == workers,
            what="gunicorn",
            timeout=START_TIMEOUT,
            detail=lambda: log.read_text(errors="replace"),
        )
        yield server
    finally:
        stop_process(process)


@dataclass
class Server:
    address: str
    process: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        if self.process.poll() is not None:
            raise FaultError(f"gunicorn exited\n{self.log.read_text(errors='replace')}")
        with socket.socket() as probe:
            host, port = self.address.split(":")
            return probe.connect_ex((host, int(port))) == 0

    def worker_pids(self) -> set[int]:
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children")
        with contextlib.suppress(OSError):
            return {int(child) for child in children.read_text().split()}
        return set()

    def warm_up(self, cookie: str) -> None:
        """Wait until the workers have loaded what first requests load: ten 200s in
        a row from the signed-in page (a redirect: the session is not valid)."""
        host, port = self.address.split(":")
        streak = 0

        def answered() -> bool:
            nonlocal streak
            connection = http.client.HTTPConnection(host, int(port), timeout=30)
            try:
                connection.request("GET", "/", headers={"Cookie": cookie})
                status = connection.getresponse().status
            except (OSError, http.client.HTTPException):
                status = None
            finally:
                connection.close()
            streak = streak + 1 if status == 200 else 0
            return streak >= 10

        wait_for(answered, what="the signed-in page to answer 200", timeout=60)
