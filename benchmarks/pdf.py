"""Time the agreement PDF with 1 and with 50 versions in its history.

    .venv/bin/python benchmarks/pdf.py [--renders 10]

Builds both agreements through the services in a throw-away SQLite database, renders
each PDF a few times warm, and prints the median times and their ratio (50 / 1): the
amendment history is the only part of the PDF that grows with the history.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setup(workdir: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="mentorship.settings",
        DEBUG="true",
        DATABASE_URL=f"sqlite:///{workdir}/bench.sqlite3",
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _agreement(history: int):
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from agreements import services
    from mentorship import services as mentorship_services
    from mentorship.models import Cohort, Membership, Program, User

    today = timezone.localdate()
    program = Program.objects.create(name=f"Benchmark {history}")
    cohort = Cohort.objects.create(
        program=program, name="C", starts_on=today, ends_on=today + timedelta(days=300)
    )
    password = make_password("bench-password-1")
    people = [
        User.objects.create(
            email=f"{role}{history}@bench.example",
            full_name=role.title(),
            password=password,
        )
        for role in ("mentor", "mentee")
    ]
    for user, role in zip(people, ("mentor", "mentee"), strict=True):
        Membership.objects.create(cohort=cohort, user=user, role=role)
    mentor, mentee = people
    mentorship = mentorship_services.pair_mentorship(
        cohort=cohort,
        mentor=mentor,
        mentee=mentee,
        supervisor=None,
        started_on=today,
        created_by=None,
    )
    agreement = services.start_agreement(mentorship=mentorship, actor=mentor)
    criterion = {
        "description": "Lead design reviews",
        "metric": "reviews led",
        "target": "3",
        "due_on": today + timedelta(days=90),
        "method": "deliverable",
        "competency": "",
    }
    version = agreement.versions.get()
    for number in range(history):
        draft = services.Draft(
            sections={"purpose": f"Purpose, revision {number}."}, criteria=[criterion]
        )
        version = services.update_draft(version=version, editor=mentee, draft=draft)
        version = services.propose(version=version, actor=mentee)
        meta = services.SigningMeta("127.0.0.1", "benchmark")
        for person in people:
            services.sign(
                version=version,
                signer=person,
                password="bench-password-1",
                typed_name=person.full_name,
                seen_hash=version.content_hash,
                intent_accepted=True,
                meta=meta,
            )
            if version.amends_id:
                services.waive_notice(version=version, party=person)
        version.refresh_from_db()
        if number < history - 1:
            version = services.propose_amendment(
                agreement=agreement, actor=mentee, rationale=f"Change {number}"
            )
    return version


def _median_render(version, renders: int) -> float:
    from agreements.pdf import render_agreement_pdf

    render_agreement_pdf(version)  # warm up: fonts, stylesheets
    times = []
    for _ in range(renders):
        start = time.perf_counter()
        render_agreement_pdf(version)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        _setup(workdir)
        short, long = _agreement(1), _agreement(50)
        one = _median_render(short, args.renders)
        fifty = _median_render(long, args.renders)
    print(f"agreement PDF, median of {args.renders} warm renders")
    print(f"  1 version in history:   {one * 1000:7.1f} ms")
    print(f"  50 versions in history: {fifty * 1000:7.1f} ms")
    print(f"  ratio 50/1:             {fifty / one:7.2f}")


if __name__ == "__main__":
    main()
