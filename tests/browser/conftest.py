"""Playwright against the distro Chromium, for the tests in tests/browser.

Playwright cannot download its own browsers here, so it launches the Debian package
(CHROMIUM_PATH overrides the path). The top conftest skips these tests, or fails them
with CI=true, when that browser is missing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections
from playwright.sync_api import Page

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any],
) -> dict[str, Any]:
    """pytest-playwright's launch options (--slowmo...), with the distro browser."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """Relative URLs (page.goto(reverse(...))) go to the live server.

    This also replaces pytest-playwright's own fallback fixture, which pytest 9
    deprecates (a session fixture on a plugin instance) and filterwarnings=error turns
    into an error.
    """
    return live_server.url


@pytest.fixture(scope="session", autouse=True)
def _allow_orm_beside_playwright():
    """Let the test thread use the ORM while sync Playwright's event loop runs in it.

    Django refuses ORM calls from a thread with a running event loop, and sync
    Playwright keeps one running in the test thread from its first use to the end of
    the session. A per-test patch would be undone before pytest-django flushes the
    database after each transactional test, so the variable stays set from the first
    browser test to the end of the session.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="session", autouse=True)
def _close_connections_left_by_the_event_loop(django_db_setup, django_db_blocker):
    """End database sessions that Playwright's event-loop context left open.

    Django keeps connections per context, and the flush after the last browser test
    runs in the event loop's context, so the final close_all() of the main context
    never reaches its connection and PostgreSQL then refuses to drop the test
    database. Depending on django_db_setup makes this teardown run first.
    """
    yield
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
        connections.close_all()


@pytest.fixture
def shoot(output_path: str) -> Callable[[Page, str], None]:
    """Save a full-page screenshot as <output_path>/<name>.png."""
    folder = Path(output_path)
    folder.mkdir(parents=True, exist_ok=True)

    def shoot(page: Page, name: str) -> None:
        page.screenshot(path=folder / f"{name}.png", full_page=True)

    return shoot
