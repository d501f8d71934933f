"""Faults on real services: a worker, Redis and PostgreSQL killed or restarted.

The scenarios live in faults.py; `benchmarks/faults.py` runs the same ones and prints
their figures. They start private redis-server, PostgreSQL and gunicorn processes
(loopback, temporary directories) next to the test database on PostgreSQL. Without
those programs the tests are reported as not run; with CI=true they fail.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import IN_CI, NOT_RUN
from tests.integration import faults, faults_web
from tests.integration.faults_services import missing_tools

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _service_programs() -> None:
    missing = missing_tools()
    if not missing:
        return
    if IN_CI:
        pytest.fail(f"CI runs every fault test, but {', '.join(missing)} is missing")
    pytest.skip(f"{NOT_RUN} {', '.join(missing)} (PostgreSQL and Redis servers)")


def held(outcome: faults.Outcome, record_property) -> dict[str, Any]:
    """Record the figures; fail with the whole report unless the scenario held."""
    for name, value in outcome.figures.items():
        record_property(name, value)
    print(outcome.report())
    assert outcome.problems == [], outcome.report()
    return outcome.figures


def test_a_worker_killed_mid_sweep_loses_and_repeats_no_reminder(
    tmp_path, record_property
):
    figures = held(faults.worker_killed_mid_reminders(tmp_path), record_property)

    assert figures["lost"] == figures["duplicate claims"] == 0
    assert figures["emails sent twice (same Message-ID)"] <= 1  # the one in flight


def test_a_worker_killed_mid_purge_is_finished_exactly_by_a_fresh_one(
    tmp_path, record_property
):
    figures = held(faults.worker_killed_mid_purge(tmp_path), record_property)

    assert figures["lost (expired notes left)"] == figures["kept notes deleted"] == 0
    assert figures["destructions recorded twice"] == 0


def test_tasks_queued_in_redis_survive_its_kill_and_a_worker_resumes(
    tmp_path, record_property
):
    figures = held(faults.redis_killed_with_tasks_queued(tmp_path), record_property)

    assert figures["in Redis after the restart"] == figures["tasks queued"]
    assert figures["lost"] == figures["emails sent twice"] == 0


def test_pages_answer_a_clean_error_while_postgres_is_down_then_resume(
    tmp_path, record_property
):
    figures = held(
        faults_web.postgres_restarted_while_serving(tmp_path), record_property
    )

    assert figures["unclean responses"] == 0
    assert figures["error responses during the outage"]
    assert figures["seconds to resume after the restart"] <= faults_web.RESUME_LIMIT
    resumed = figures["seconds to resume after the stop and start"]
    assert resumed <= faults_web.RESUME_LIMIT
