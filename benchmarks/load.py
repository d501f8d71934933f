"""Load a program of 5,000 mentorships: participant pages, dashboard, Argon2 logins.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/load.py [--mentorships 5000] [--seconds 20] \\
        [--rounds 3] [--logins 20]

Needs `wrk` (Debian package wrk) and PostgreSQL. Seeds a throw-away database
(mentoring_bench_..., dropped afterwards): the demo program (`seed_demo`: Maya and Eli's
signed and amended agreement, held, missed, rescheduled and cancelled check-ins with
records, notes, a completed review, a consent), filled up to --mentorships pairs in
the same cohort by tests/reviews/cohort_builder.py, plus what the builder leaves out:
notes with their permission rows for every pair, and a few more for Maya and Eli.

gunicorn (2 sync workers, production settings, Argon2 first in PASSWORD_HASHERS)
then serves it, and wrk (a second process, loopback) loads in turn, --rounds times:
a trivial view (anonymous), an empty response to Eli's session (the least any
signed-in page costs), Eli's home, Eli's agreement page, Eli's mentorship page and
the coordinator's cohort dashboard. Prints per page req/s, its ratio to the trivial
view of the same run (target >= 0.5) and to the empty signed-in response,
p50/p95/p99 (medians of the rounds), requests, errors, and the queries of one
request (counted once while seeding). By default that is 6 x 3 x 20 s = 6 minutes
of load. Every error wrk reports (connect, read, write, timeout after 2 s, status >=
400) is counted over the whole time, and after each run every page must still answer
200 itself rather than redirect to the login page.

Last, --logins distinct participants with Argon2 password hashes log in at the same
moment through the real login form (GET for the CSRF token, then POST), while the
RSS of the gunicorn master and workers is sampled from /proc; prints the peak per
process and in total (MB), and checks every login reached a signed-in home page.

Exits non-zero if any request failed or any login did not succeed; a ratio below
its target is reported, not fatal, since these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from pages import ROOT, _env, _manage
from serving import check_ok, gunicorn
from throwaway import throwaway_database

PORT = 8790
TARGET = 0.5
WRK_TIMEOUT = "2s"
ERROR_KINDS = ("connect", "read", "write", "timeout", "status")

# wrk's summary: latency percentiles, the request count and every kind of error
# (errors.status counts responses with a status of 400 or more).
SUMMARY = """
done = function(summary, latency, requests)
  for _, p in ipairs({50, 95, 99}) do
    io.write(string.format("p%d_us %d\\n", p, latency:percentile(p)))
  end
  io.write(string.format("requests %d\\n", summary.requests))
  for _, kind in ipairs({"connect", "read", "write", "timeout", "status"}) do
    io.write(string.format("error_%s %d\\n", kind, summary.errors[kind]))
  end
end
"""

SEED = """
import io, json, sys
from datetime import timedelta
from django.conf import settings
from django.contrib.auth.hashers import identify_hasher, make_password
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from mentorship import notes as note_services
from mentorship.models import Cohort, Note, NoteUserObjectPermission, User
from tests.reviews.cohort_builder import build_cohort

pairs, password, logins = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
assert settings.PASSWORD_HASHERS[0].endswith(".Argon2PasswordHasher")
call_command("seed_demo", force=True, stdout=io.StringIO())
cohort = Cohort.objects.get(name="Autumn cohort")
featured = cohort.mentorships.get(mentor__email="mentor@example.org")
build_cohort(cohort, pairs - cohort.mentorships.count())
now = timezone.now()

# Notes for every builder pair, as create_note leaves them: private ones readable and
# editable by their author, shared ones readable by the partner too.
perms = {p.codename: p for p in Permission.objects.filter(
    content_type__app_label="mentorship", content_type__model="note")}
built = list(cohort.mentorships.exclude(mentor__email__endswith="@example.org")
             .order_by("pk"))
specs = [("mentor", "private"), ("mentee", "private"),
         ("mentee", "shared"), ("mentor", "shared")]
notes = Note.objects.bulk_create((
    Note(mentorship=m, author_id=getattr(m, role + "_id"), visibility=visibility,
         body="Kept between the two of us.", expires_at=now + timedelta(days=180))
    for m in built for role, visibility in specs), batch_size=2000)
rows = []
for note in notes:
    m = note.mentorship
    for codename in ("view_note", "change_note", "delete_note"):
        rows.append(NoteUserObjectPermission(
            permission=perms[codename], user_id=note.author_id, content_object=note))
    if note.visibility == "shared":
        partner = m.mentee_id if note.author_id == m.mentor_id else m.mentor_id
        rows.append(NoteUserObjectPermission(
            permission=perms["view_note"], user_id=partner, content_object=note))
NoteUserObjectPermission.objects.bulk_create(rows, batch_size=5000)

# Maya and Eli have written more than the demo's four notes.
for k in range(12):
    author = featured.mentee if k % 2 else featured.mentor
    note_services.create_note(mentorship=featured, author=author,
        body=f"Session notes {k}: what we covered and what comes next.",
        visibility="shared" if k % 3 else "private")

# Distinct participants who log in, with Argon2 hashes of their own salts.
active = [m.mentee_id for m in built if m.status == "active"][:logins]
people = list(User.objects.filter(pk__in=active).order_by("pk"))
for person in people:
    person.password = make_password(password)
User.objects.bulk_update(people, ["password"])
algorithms = {identify_hasher(p.password).algorithm for p in people}
assert algorithms == {"argon2"}, algorithms
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")

mentee = featured.mentee
coordinator = User.objects.get(email="coordinator@example.org")
paths = {
    "home": ("/", mentee),
    "agreement": (f"/mentorships/{featured.public_id}/agreement/", mentee),
    "mentorship": (f"/mentorships/{featured.public_id}/", mentee),
    "dashboard": (f"/cohorts/{cohort.public_id}/dashboard/", coordinator),
}
def session(user):
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client
clients = {user.pk: session(user) for user in (mentee, coordinator)}
queries = {}
for name, (path, user) in paths.items():
    clients[user.pk].get(path)
    with CaptureQueriesContext(connection) as captured:
        status = clients[user.pk].get(path).status_code
    assert status == 200, (path, status)
    queries[name] = len(captured)
print(json.dumps({
    "mentorships": cohort.mentorships.count(),
    "notes": Note.objects.count(),
    "pair": f"{featured.mentor.full_name} and {mentee.full_name}",
    "paths": {name: path for name, (path, _user) in paths.items()},
    "sessions": {name: clients[user.pk].cookies["sessionid"].value
                 for name, (_path, user) in paths.items()},
    "queries": queries,
    "logins": [p.email for p in people],
    "hash": people[0].password.rsplit("$", 2)[0] if people else "",
}))
"""


def _seed(env: dict[str, str], args: argparse.Namespace, password: str) -> dict:
    _manage(env, "migrate", "--noinput")
    _manage(env, "collectstatic", "--noinput")
    out = subprocess.run(
        [
            *(sys.executable, "-c"),
            "import django; django.setup(); exec(open(0).read())",
            *(str(args.mentorships), password, str(args.logins)),
        ],
        input=SEED,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise SystemExit(f"seeding failed:\n{out.stderr}")
    return json.loads(out.stdout.splitlines()[-1])


def _wrk(url: str, seconds: int, cookie: str | None) -> dict[str, float]:
    """Load the URL with wrk -t2 -c8; return req/s, percentiles (ms), counts."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(SUMMARY)
    try:
        command = ["wrk", "-t2", "-c8", f"-d{seconds}s", f"--timeout={WRK_TIMEOUT}"]
        if cookie:
            command += ["-H", f"Cookie: sessionid={cookie}"]
        command += ["-s", script.name, url]
        run = subprocess.run(command, capture_output=True, text=True)
    finally:
        Path(script.name).unlink()
    if run.returncode != 0:
        raise SystemExit(f"wrk failed on {url}:\n{run.stdout}{run.stderr}")
    out = run.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if rps is None:
        raise SystemExit(f"wrk printed no rate for {url}:\n{out}")
    result: dict[str, float] = {"rps": float(rps.group(1))}
    for p, micros in re.findall(r"^p(\d+)_us (\d+)$", out, re.M):
        result[f"p{p}"] = int(micros) / 1000
    for key, count in re.findall(r"^(requests|error_\w+) (\d+)$", out, re.M):
        result[key] = int(count)
    return result


class RssSampler:
    """Sample the resident memory of a gunicorn master and its workers from /proc."""

    def __init__(self, master: int, interval: float) -> None:
        self.master, self.interval = master, interval
        self.peak: dict[int, int] = {}
        self.first: dict[int, int] = {}
        self.total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        pids, found_at = [self.master], 0.0
        while not self._stop.is_set():
            if time.monotonic() - found_at > 0.5:
                pids, found_at = (
                    [self.master, *_children(self.master)],
                    time.monotonic(),
                )
            sizes = {pid: kb for pid in pids if (kb := _status_kb(pid, "VmRSS"))}
            for pid, kb in sizes.items():
                self.first.setdefault(pid, kb)
                self.peak[pid] = max(self.peak.get(pid, 0), kb)
            self.total = max(self.total, sum(sizes.values()))
            self._stop.wait(self.interval)


def _status_kb(pid: int, field: str) -> int:
    """A /proc/<pid>/status size in kB (VmRSS, VmHWM), or 0 if the process is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(rf"^{field}:\s+(\d+) kB", status, re.M)
    return int(found.group(1)) if found else 0


def _children(parent: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            # the command name is in parentheses and may hold spaces
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == parent:
                children.append(int(stat.parent.name))
    return sorted(children)


def _gunicorn_master() -> int:
    """The gunicorn master started by this process."""
    for pid in _children(os.getpid()):
        with contextlib.suppress(OSError):
            if b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return pid
    raise SystemExit("gunicorn master not found")


def _measure(
    base: str, pages: list[tuple[str, str, str | None]], args: argparse.Namespace
) -> dict[str, dict[str, float]]:
    """Run wrk on each page in turn, --rounds times, checking each still answers
    200 itself; return medians of rates and latencies, totals of counts."""
    runs: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in pages}
    for _ in range(args.rounds):
        for name, path, cookie in pages:
            runs[name].append(_wrk(base + path, args.seconds, cookie))
            check_ok(base, path, cookie)
    summary = {}
    for name, results in runs.items():
        summary[name] = {
            key: statistics.median(r[key] for r in results)
            for key in ("rps", "p50", "p95", "p99")
        }
        for key in ("requests", *(f"error_{kind}" for kind in ERROR_KINDS)):
            summary[name][key] = sum(r[key] for r in results)
        summary[name]["errors"] = sum(
            summary[name][f"error_{kind}"] for kind in ERROR_KINDS
        )
    return summary


def _report_pages(
    results: dict[str, dict[str, float]],
    queries: dict[str, int | None],
    args: argparse.Namespace,
) -> int:
    """Print the page table and the targets; return the error total."""
    print(
        f"gunicorn 2 sync workers, wrk -t2 -c8 --timeout {WRK_TIMEOUT}, loopback, "
        f"PostgreSQL; {args.seconds} s x {args.rounds} rounds per page, interleaved "
        "(rates and latencies: median of the rounds; requests and errors: totals)"
    )
    print(
        f"{'page':46} {'req/s':>7} {'ratio':>6} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'requests':>9} {'errors':>6} {'queries':>7}"
    )
    trivial = next(iter(results.values()))["rps"]
    for name, r in results.items():
        q = queries.get(name)
        print(
            f"{name:46} {r['rps']:7.0f} {r['rps'] / trivial:6.2f} {r['p50']:7.1f} "
            f"{r['p95']:7.1f} {r['p99']:7.1f} {r['requests']:9.0f} "
            f"{r['errors']:6.0f} {'' if q is None else q:>7}"
        )
    names = list(results)
    floor = results[names[1]]["rps"]
    print(f"\nratio to the trivial view (target >= {TARGET}):")
    for name in names[2:]:
        ratio = results[name]["rps"] / trivial
        print(f"  {name:44} {ratio:5.2f}  {'met' if ratio >= TARGET else 'MISSED'}")
    print(
        f"the ceiling for any signed-in page: the empty signed-in response is "
        f"{floor / trivial:.2f} x the trivial view\nratio to that empty signed-in "
        "response (not a target; what each page costs beyond Django's session and user):"
    )
    for name in names[2:]:
        print(f"  {name:44} {results[name]['rps'] / floor:5.2f}")
    errors = {
        kind: sum(r[f"error_{kind}"] for r in results.values()) for kind in ERROR_KINDS
    }
    total = sum(errors.values())
    seconds = len(results) * args.seconds * args.rounds
    detail = ", ".join(f"{kind} {n:.0f}" for kind, n in errors.items())
    requests = sum(r["requests"] for r in results.values())
    print(
        f"\nload: {seconds} s in total ({seconds / 60:.1f} min), {requests:.0f} "
        f"requests, errors: {total:.0f} ({detail})"
    )
    return int(total)


def _request(
    base: str, method: str, path: str, headers: dict[str, str], body: str = ""
) -> tuple[int, http.client.HTTPMessage, str]:
    """One request on a fresh connection (gunicorn's sync workers close each one)."""
    host, port = urlsplit(base).hostname, urlsplit(base).port
    connection = http.client.HTTPConnection(host or "", port, timeout=120)
    try:
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        connection.close()


def _cookie(headers: http.client.HTTPMessage, name: str) -> str:
    jar: SimpleCookie = SimpleCookie()
    for header in headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return jar[name].value if name in jar else ""


def _login(
    base: str, email: str, password: str, start: threading.Barrier, out: dict
) -> None:
    """Log in through the form as a browser would; record the outcome in `out`."""
    try:
        status, headers, page = _request(base, "GET", "/accounts/login/", {})
        csrf = _cookie(headers, "csrftoken")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not csrf or token is None:
            out["error"] = f"login page: {status}, no CSRF token"
            start.abort()  # the others would wait for this one for ever
            return
        form = {"username": email, "password": password}
        body = urlencode({**form, "csrfmiddlewaretoken": token.group(1)})
        start.wait()
        began = time.perf_counter()
        status, headers, _page = _request(
            base,
            "POST",
            "/accounts/login/",
            {
                "Cookie": f"csrftoken={csrf}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": base,
            },
            body,
        )
        out["seconds"] = time.perf_counter() - began
        session = _cookie(headers, "sessionid")
        if status != 302 or headers.get("Location") != "/" or not session:
            out["error"] = f"POST answered {status} to {headers.get('Location')}"
            return
        status, _headers, _page = _request(
            base, "GET", "/", {"Cookie": f"sessionid={session}"}
        )
        out["error"] = "" if status == 200 else f"home answered {status}"
    except (OSError, threading.BrokenBarrierError) as error:
        start.abort()
        out["error"] = repr(error)


def _logins(base: str, master: int, emails: list[str], password: str) -> int:
    """Log everyone in at once while sampling RSS; print it; return the failures."""
    start = threading.Barrier(len(emails), timeout=120)
    outcomes: list[dict] = [{"error": "not run"} for _ in emails]
    threads = [
        threading.Thread(target=_login, args=(base, email, password, start, out))
        for email, out in zip(emails, outcomes, strict=True)
    ]
    with RssSampler(master, 0.005) as rss:
        time.sleep(0.2)  # the memory before: a few samples of the idle server
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began
    failed = [out["error"] for out in outcomes if out["error"]]
    times = sorted(out["seconds"] for out in outcomes if "seconds" in out)
    print(
        f"\n{len(emails)} concurrent logins through the login form: "
        f"{len(emails) - len(failed)}/{len(emails)} succeeded in {wall:.1f} s"
        + (
            f" (each POST: p50 {statistics.median(times) * 1000:.0f} ms, "
            f"max {times[-1] * 1000:.0f} ms)"
            if times
            else ""
        )
    )
    for error in failed:
        print(f"  failed: {error}")
    _report_rss(rss)
    return len(failed)


def _report_rss(rss: RssSampler) -> None:
    mb = 1024
    print(f"{'gunicorn process':20} {'before MB':>10} {'peak MB':>8} {'VmHWM MB':>9}")
    for pid in sorted(rss.peak, key=lambda p: (p != rss.master, p)):
        label = "master" if pid == rss.master else "worker"
        print(
            f"{f'{label} {pid}':20} {rss.first[pid] / mb:10.1f} "
            f"{rss.peak[pid] / mb:8.1f} {_status_kb(pid, 'VmHWM') / mb:9.1f}"
        )
    before = sum(rss.first.values())
    print(f"{'total (same sample)':20} {before / mb:10.1f} {rss.total / mb:8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentorships", type=int, default=5000)
    parser.add_argument("--seconds", type=int, default=20, help="per page and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--logins", type=int, default=20)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL=postgres://...: this runs on PostgreSQL")
    password = secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory() as workdir:
        env = _env(Path(workdir))
        with throwaway_database(env["DATABASE_URL"]) as env["DATABASE_URL"]:
            seeded = _seed(env, args, password)
            with gunicorn(env, PORT) as base:
                failures = _serve(base, seeded, args, password)
    if failures:
        raise SystemExit(f"FAILED: {failures} failed requests or logins")


def _serve(base: str, seeded: dict, args: argparse.Namespace, password: str) -> int:
    """Load the pages, then log people in; return errors plus failed logins."""
    paths, sessions = seeded["paths"], seeded["sessions"]
    pages = [
        ("trivial view (/__trivial)", "/__trivial", None, None),
        (
            "empty signed-in response (/__signed_in)",
            "/__signed_in",
            sessions["home"],
            None,
        ),
    ] + [
        (label, paths[key], sessions[key], key)
        for key, label in (
            ("home", "participant home (mentee)"),
            ("agreement", "agreement page (mentee, in effect, amended)"),
            ("mentorship", "mentorship page (mentee)"),
            ("dashboard", f"cohort dashboard ({seeded['mentorships']} pairs)"),
        )
    ]
    for _name, path, cookie, _key in pages:
        check_ok(base, path, cookie)
    print(
        f"{seeded['mentorships']} mentorships in one cohort, {seeded['notes']} notes; "
        f"participant pages of {seeded['pair']}; logins: Argon2 "
        f"({seeded['hash']}$...)\n"
    )
    master = _gunicorn_master()
    with RssSampler(master, 0.1) as rss:
        results = _measure(base, [(n, p, c) for n, p, c, _k in pages], args)
    queries = {name: seeded["queries"].get(key) for name, _p, _c, key in pages}
    errors = _report_pages(results, queries, args)
    print(f"gunicorn RSS during the page load: peak {rss.total / 1024:.1f} MB in total")
    return errors + _logins(base, master, seeded["logins"], password)


if __name__ == "__main__":
    main()
