"""Shared fixtures (the fixed cast) and the rule for tests that need real services.

Tests marked postgres, redis or browser need that service. Where it is missing they
are reported as not run; with CI=true a missing service fails the test instead.
"""

from __future__ import annotations

import functools
import os
import shutil
from collections import Counter

import pytest
from django.conf import settings

from tests import factories

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
NOT_RUN = "not run here: needs"


@functools.cache
def _redis_answers() -> bool:
    url = os.environ.get("REDIS_URL")
    if not url:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def _missing_service(item: pytest.Item) -> str | None:
    engine = settings.DATABASES["default"]["ENGINE"]
    if item.get_closest_marker("postgres") and "postgresql" not in engine:
        return "PostgreSQL (set DATABASE_URL=postgres://...)"
    if item.get_closest_marker("redis") and not _redis_answers():
        return "Redis (set REDIS_URL=redis://... to a running server)"
    if item.get_closest_marker("browser") and not shutil.which(CHROMIUM):
        return f"Chromium at {CHROMIUM} (Debian package chromium)"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    missing = _missing_service(item)
    if missing is None:
        return
    if IN_CI:
        pytest.fail(f"CI runs every service test, but {missing} is missing")
    pytest.skip(f"{NOT_RUN} {missing}")


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ANN001
    # Read the skip reports (forwarded from xdist workers too), not a local counter.
    reasons: Counter[str] = Counter()
    for report in terminalreporter.stats.get("skipped", []):
        message = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
        if NOT_RUN in message:
            reasons[message.split(NOT_RUN, 1)[1].strip()] += 1
    if reasons:
        terminalreporter.section("not run on this machine")
        for service, count in sorted(reasons.items()):
            terminalreporter.write_line(f"{count} tests need {service}")


# --- The cast -------------------------------------------------------------------------


@pytest.fixture
def coordinator(db):
    return factories.UserFactory(full_name="Cora Coordinator", coordinator=True)


@pytest.fixture
def program(coordinator):
    return factories.ProgramFactory(coordinators=[coordinator])


@pytest.fixture
def cohort(program):
    return factories.CohortFactory(program=program)


@pytest.fixture
def mentor(cohort):
    user = factories.UserFactory(full_name="Maya Mentor")
    factories.MembershipFactory(cohort=cohort, user=user, role="mentor")
    return user


@pytest.fixture
def supervisor(cohort):
    user = factories.UserFactory(full_name="Sam Supervisor")
    factories.MembershipFactory(cohort=cohort, user=user, role="supervisor")
    return user


@pytest.fixture
def mentee(cohort, supervisor):
    user = factories.UserFactory(full_name="Eli Mentee")
    factories.MembershipFactory(
        cohort=cohort, user=user, role="mentee", supervisor_email=supervisor.email
    )
    return user


@pytest.fixture
def mentorship(cohort, mentor, mentee, supervisor):
    return factories.pair(
        cohort=cohort, mentor=mentor, mentee=mentee, supervisor=supervisor
    )


@pytest.fixture
def outsider(db):
    return factories.UserFactory(full_name="Olive Outsider")


@pytest.fixture
def other_coordinator(db):
    """Coordinates another program, not this one."""
    user = factories.UserFactory(full_name="Otto Othercoordinator", coordinator=True)
    factories.ProgramFactory(coordinators=[user])
    return user
