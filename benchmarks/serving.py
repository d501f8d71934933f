"""Serve the app with gunicorn and load one URL with wrk: shared by the benchmarks.

The environment, throw-away database and migrations come from pages.py; this adds
gunicorn as a context manager, a check that a URL really answers 200 for the session
given (wrk counts a redirect to the login page as a success), and a wrk run that
reports p95 as well as p50 and p99.
"""

from __future__ import annotations

import contextlib
import http.client
import re
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from pages import ROOT, _wait_until_up

# wrk --latency prints p50, p75, p90 and p99; its Lua API gives any percentile.
PERCENTILES = """
done = function(summary, latency, requests)
  for _, p in ipairs({50, 95, 99}) do
    io.write(string.format("p%d_us %d\\n", p, latency:percentile(p)))
  end
end
"""


@contextlib.contextmanager
def gunicorn(env: dict[str, str], port: int, workers: int = 2) -> Iterator[str]:
    """Run benchmarks.wsgi_app (the app plus /__trivial); yield its base URL."""
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "benchmarks.wsgi_app"),
            *("-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning"),
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{base}/__trivial")
        yield base
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def check_ok(base: str, path: str, cookie: str | None) -> int:
    """Fail unless the page answers 200 itself (no redirect); return its size."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    if response.status != 200:
        raise SystemExit(f"{path} answered {response.status}, not 200")
    return len(body)


def wrk(url: str, seconds: int, cookie: str | None) -> dict[str, float]:
    """Load the URL with wrk -t2 -c8; return req/s and p50/p95/p99 in ms."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(PERCENTILES)
    try:
        command = ["wrk", "-t2", "-c8", f"-d{seconds}s", "-s", script.name, url]
        if cookie:
            command[1:1] = ["-H", f"Cookie: sessionid={cookie}"]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        Path(script.name).unlink()
    if "Non-2xx" in out:
        raise SystemExit(f"{url} answered errors:\n{out}")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if rps is None:
        raise SystemExit(f"wrk printed no rate for {url}:\n{out}")
    result = {"rps": float(rps.group(1))}
    for p, micros in re.findall(r"p(\d+)_us (\d+)", out):
        result[f"p{p}"] = int(micros) / 1000
    return result
