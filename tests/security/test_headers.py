"""Response headers on a sample of pages, under the production security settings.

The settings are read from a fresh process started with a production environment
(DEBUG false, no overrides), then applied here, so the headers are those production
sends. Pages: the anonymous login page, a page for each role, PDFs, CSVs, JSON
downloads, the calendar feed and error pages.
"""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.security import gates

# (actor, route name, kwargs from the world, kind): kind "page" or "download".
SAMPLES = [
    (None, "login", gates.NONE, "anonymous"),
    ("coordinator", "mentorship:cohort_detail", gates.COHORT, "page"),
    ("mentor", "mentorship:mentorship_detail", gates.MENTORSHIP, "page"),
    ("mentee", "agreements:detail", gates.MENTORSHIP, "page"),
    ("supervisor", "reviews:summary", gates.MENTORSHIP, "page"),
    ("outsider", "home", gates.NONE, "page"),
    ("staff", "admin:index", gates.NONE, "page"),
    ("mentee", "agreements:pdf", gates.APP_ROUTES["agreements:pdf"][1], "download"),
    ("mentee2", "reviews:record_pdf", gates.ENDED, "download"),
    ("coordinator", "reviews:cohort_report_pdf", gates.COHORT, "download"),
    ("supervisor", "reviews:summary_export", gates.MENTORSHIP, "download"),
    ("coordinator", "reviews:cohort_dashboard_csv", gates.COHORT, "download"),
    ("coordinator", "mentorship:invitation_template", gates.COHORT, "download"),
    ("mentor", "mentorship:note_export", gates.MENTORSHIP, "download"),
    ("mentee2", "reviews:record_json", gates.ENDED, "download"),
    (
        None,
        "mentorship:calendar_feed",
        gates.APP_ROUTES["mentorship:calendar_feed"][1],
        "download",
    ),
]
ERRORS = [
    # (actor, path, status)
    (None, "/no-such-page/", 404),
    ("mentor", "/no-such-page/", 404),
    ("mentee", "/programs/00000000-0000-0000-0000-000000000000/", 404),
]
STRICT_REFERRERS = {"no-referrer", "same-origin", "strict-origin"}


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    values = gates.production_settings(tmp_path_factory.mktemp("prod"))
    assert values["DEBUG"] is False
    del values["DEBUG"]
    return values


@pytest.fixture
def world(db, django_capture_on_commit_callbacks, production):
    with override_settings(**production):
        with django_capture_on_commit_callbacks(execute=True):
            built = gates.build_world()
        yield built


def _policy(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def _check_common(response, label: str) -> None:
    hsts = response["Strict-Transport-Security"]
    assert "includeSubDomains" in hsts and "preload" in hsts, label
    assert int(hsts.split("max-age=")[1].split(";")[0]) >= 31_536_000, label
    policy = _policy(response["Content-Security-Policy"])
    for name in ("script-src", "style-src"):
        sources = policy.get(name) or policy["default-src"]
        assert "'unsafe-inline'" not in sources, (label, name)
        assert "'unsafe-eval'" not in sources, (label, name)
        assert not {"*", "data:", "http:", "https:"} & set(sources), (label, name)
    assert policy["object-src"] == ["'none'"], label
    assert policy["base-uri"] == ["'none'"], label
    assert policy["frame-ancestors"] == ["'none'"], label
    assert policy["default-src"] == ["'self'"], label
    assert response["X-Frame-Options"] == "DENY", label
    assert response["X-Content-Type-Options"] == "nosniff", label
    assert response["Referrer-Policy"] in STRICT_REFERRERS, label
    assert response["Cross-Origin-Opener-Policy"] == "same-origin", label


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_headers_on_every_sampled_page(world):
    checked = []
    for actor, name, kwargs, kind in SAMPLES:
        url = reverse(name, kwargs=kwargs(world))
        response = gates.client_for(world, actor).get(url, secure=True)
        assert response.status_code == 200, (name, response.status_code)
        _check_common(response, name)
        if kind != "anonymous":
            assert _no_store(response), (name, response.get("Cache-Control"))
        if kind == "download":
            assert response["Content-Type"].split(";")[0] != "text/html", name
        checked.append(name)
    for actor, path, status in ERRORS:
        response = gates.client_for(world, actor).get(path, secure=True)
        assert response.status_code == status, path
        _check_common(response, path)
        if actor:
            assert _no_store(response), path
        checked.append(path)
    print(f"\nheaders checked on {len(checked)} responses")
    assert len(checked) == len(SAMPLES) + len(ERRORS)


def test_a_500_page_carries_the_headers_too(world):
    from django.test import Client

    client = Client(raise_request_exception=False)
    client.force_login(world.mentor)
    with override_settings(ROOT_URLCONF="tests.security.test_errors"):
        response = client.get("/boom/", secure=True)
    assert response.status_code == 500
    _check_common(response, "500")
    assert _no_store(response)


def test_plain_http_is_redirected_to_https(world):
    response = gates.client_for(world, None).get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_cookies_are_secure_under_production_settings(world):
    from django.test import Client

    client = Client()
    client.get("/accounts/login/", secure=True)
    response = client.post(
        "/accounts/login/",
        {"username": world.mentor.email, "password": "correct horse battery staple"},
        secure=True,
    )
    assert response.status_code == 302
    for name in ("sessionid", "csrftoken"):
        cookie = response.cookies.get(name) or client.cookies[name]
        assert cookie["secure"], name
    assert response.cookies["sessionid"]["httponly"]


def test_a_response_that_sets_its_own_cache_control_keeps_it(world):
    client = gates.client_for(world, "mentor")
    # The login page is never_cache (Django's own header), home is not.
    own = client.get(reverse("login"), secure=True)["Cache-Control"]
    assert "must-revalidate" in own and "no-store" in own
    assert client.get(reverse("home"), secure=True)["Cache-Control"] == (
        "no-store, private"
    )


def test_the_calendar_feed_is_not_stored_though_anonymous(world):
    url = reverse(
        "mentorship:calendar_feed", kwargs={"token": world.mentor.calendar_token}
    )
    response = gates.client_for(world, None).get(url, secure=True)
    assert response["Cache-Control"] == "no-store, private"
