"""CSRF: every route refuses a POST without a token; no GET changes stored state.

The route list is the resolver's own, so a new route without a case here fails
test_every_route_has_a_case. Admin routes are checked with a staff superuser.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client

from tests.security import gates

# What a GET may write, and why: each is an audit or session record, never content.
AUDITED_GETS = {
    # ASVS 7.3.1 idle timeout: a request moves the expiry of the session row ahead
    # once a minute (SessionLifetimeMiddleware), and the reset-confirm page keeps the
    # reset token in the session, as Django does, to take it out of the address.
    "django_session": "the session's last activity",
    # Every read of the consented summary is logged for the mentee to see.
    "reviews_summaryview": "the supervisor summary's view log (SummaryView)",
    # The digest of each delivered agreement PDF, so a copy can be verified later.
    "agreements_renderedpdf": "the agreement PDF's digest (RenderedPdf)",
}
# Which route may write which audit table; any other write fails the test.
AUDIT_WRITES = {
    "reviews:summary": {"reviews_summaryview"},
    "reviews:summary_export": {"reviews_summaryview"},
    "agreements:pdf": {"agreements_renderedpdf"},
}


@pytest.fixture
def world(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return gates.build_world()


def _all_routes() -> list[str]:
    return list(gates.walk())


def test_every_route_has_a_case():
    app = {name for name in _all_routes() if not name.startswith("admin:")}
    assert app == set(gates.APP_ROUTES), (
        f"routes without a case: {sorted(app - set(gates.APP_ROUTES))}, "
        f"cases without a route: {sorted(set(gates.APP_ROUTES) - app)}"
    )


class _Rollback(Exception):
    pass


def _accepts_post(world, actor, url) -> bool:
    """POST with a valid token, undone afterwards: anything but 405 accepts POST."""
    client = gates.client_for(world, actor)
    try:
        with transaction.atomic():
            status = client.post(url).status_code
            raise _Rollback
    except _Rollback:
        pass
    return status != 405


def test_a_post_without_a_token_is_refused_on_every_route(world):
    unsafe, refused = [], []
    for name in _all_routes():
        actor, url = gates.route_case(name, world)
        if _accepts_post(world, actor, url):
            unsafe.append(name)
        client = gates.client_for(world, actor, enforce_csrf_checks=True)
        before = gates.snapshot()
        response = client.post(url, {"anything": "x"})
        if response.status_code != 403 or b"CSRF" not in response.content:
            refused.append((name, response.status_code))
        assert _changed(before, gates.snapshot()) <= {"django_session"}, name
    assert not refused, f"accepted a POST without a CSRF token: {refused}"
    # The figures the report quotes: every route, and those that take a POST at all.
    print(f"\nCSRF: {len(_all_routes())} routes refused, {len(unsafe)} accept POST")
    assert len(unsafe) >= 40


def test_a_post_with_the_token_is_not_refused_for_csrf(world):
    """The control: the 403s above come from the missing token, not from the route."""
    client = gates.client_for(world, "mentee", enforce_csrf_checks=True)
    client.get("/accounts/password/change/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        f"/mentorships/{world.mentorship.public_id}/consent/withdraw/",
        {"csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def _changed(before: dict, after: dict) -> set[str]:
    return {
        table
        for table in before.keys() | after.keys()
        if before.get(table) != after.get(table)
    }


def test_no_get_changes_stored_state(world):
    checked, writes = 0, {}
    for name in _all_routes():
        actor, url = gates.route_case(name, world)
        client = gates.client_for(world, actor)
        before = gates.snapshot()
        response = client.get(url)
        if response.status_code == 405:
            continue  # POST only: the test above covers it
        assert response.status_code < 500, (name, response.status_code)
        checked += 1
        changed = _changed(before, gates.snapshot())
        allowed = {"django_session"} | AUDIT_WRITES.get(name, set())
        assert changed <= allowed, (
            f"GET {name} ({url}) wrote {sorted(changed - allowed)}"
        )
        if changed - {"django_session"}:
            writes[name] = changed - {"django_session"}
    print(f"\nGET: {checked} routes checked, audit writes {writes}")
    assert set(writes) == set(AUDIT_WRITES), "an audited GET no longer logs"
    assert checked >= 100


def test_the_logged_out_client_is_refused_too(world):
    """Login and password reset forms: a POST without a token from a stranger."""
    client = Client(enforce_csrf_checks=True)
    for url in ("/accounts/login/", "/accounts/password/reset/"):
        response = client.post(url, {"username": world.mentee.email, "email": "x"})
        assert response.status_code == 403, url
