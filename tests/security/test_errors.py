"""Error pages with DEBUG off reveal nothing; a forged Host gets 400; next= stays home.

The test settings run with DEBUG false, as production does. This module is its own
URLconf: the project's routes plus one view that fails, for the 500 page.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import Client, RequestFactory
from django.urls import path

from mentorship.urls import handler500  # noqa: F401 - the project's, for this URLconf
from mentorship.urls import urlpatterns as project_urlpatterns
from mentorship.views.errors import server_error
from tests import factories

SECRET_DETAIL = "kaboom-7c1f secret detail of the failure"


def boom(request):
    raise RuntimeError(SECRET_DETAIL)


def database_gone(request):
    raise OperationalError(f"server closed the connection: {SECRET_DETAIL}")


urlpatterns = [
    *project_urlpatterns,
    path("boom/", boom),
    path("database-gone/", database_gone),
]
pytestmark = pytest.mark.urls(__name__)

# What a debug page or a leaky error page would show.
REVEALING = [
    "Traceback",
    "RuntimeError",
    SECRET_DETAIL,
    "SECRET_KEY",
    "DATABASES",
    "INSTALLED_APPS",
    "Django Version",
    "Request Method",
    "site-packages",
    str(settings.BASE_DIR),
    settings.SECRET_KEY,
]


@pytest.fixture
def mentee(db):
    return factories.UserFactory(full_name="Eli Mentee")


def _assert_reveals_nothing(body: str) -> None:
    assert not settings.DEBUG
    for text in REVEALING:
        assert text not in body, text


def test_the_500_page_reveals_nothing(mentee):
    client = Client(raise_request_exception=False)
    client.force_login(mentee)
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body  # templates/500.html
    _assert_reveals_nothing(body)


def test_losing_the_database_answers_503_with_retry_after(mentee):
    client = Client(raise_request_exception=False)
    client.force_login(mentee)
    response = client.get("/database-gone/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.content.decode()
    assert "Briefly unavailable" in body  # templates/503.html
    _assert_reveals_nothing(body)
    assert "OperationalError" not in body


@pytest.mark.parametrize(
    ("error", "status"),
    [(OperationalError("gone"), 503), (RuntimeError(SECRET_DETAIL), 500)],
)
def test_the_error_pages_render_without_the_database(django_db_blocker, error, status):
    request = RequestFactory().get("/")
    # As Django calls the handler: while the error is being handled.
    with django_db_blocker.block():
        try:
            raise error
        except type(error):
            response = server_error(request)
    assert response.status_code == status
    _assert_reveals_nothing(response.content.decode())


def test_the_404_page_is_ours(mentee):
    client = Client()
    client.force_login(mentee)
    response = client.get("/programs/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body  # templates/404.html
    _assert_reveals_nothing(body)
    assert "00000000-0000" not in body


def test_the_403_page_is_ours(mentee):
    from tests.factories import CohortFactory, MembershipFactory

    cohort = CohortFactory()
    MembershipFactory(cohort=cohort, user=mentee, role="mentee")
    client = Client()
    client.force_login(mentee)
    response = client.get(f"/cohorts/{cohort.public_id}/edit/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "You may not do this" in body  # templates/403.html
    _assert_reveals_nothing(body)


@pytest.mark.parametrize(
    "host", ["evil.example", "testserver.evil.example", "testserver:evil", "[::2]"]
)
def test_a_forged_host_header_gets_400(db, host):
    response = Client().get("/accounts/login/", HTTP_HOST=host)
    assert response.status_code == 400
    body = response.content.decode()
    assert "The request could not be understood." in body  # templates/400.html
    _assert_reveals_nothing(body)
    assert host not in body


def test_the_csrf_failure_page_gives_no_reason(mentee):
    client = Client(enforce_csrf_checks=True)
    client.force_login(mentee)
    response = client.post("/account/calendar/", {"action": "create"})
    assert response.status_code == 403
    body = response.content.decode()
    _assert_reveals_nothing(body)
    assert "CSRF cookie not set" not in body and "Referer" not in body


OFFSITE = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/\t/evil.example",
    "https://testserver@evil.example/",
]


def _stays_on_site(location: str) -> bool:
    return location.startswith("/") and not location.startswith(("//", "/\\"))


@pytest.mark.parametrize("target", OFFSITE)
def test_login_never_redirects_off_the_site(mentee, target):
    response = Client().post(
        "/accounts/login/",
        {"username": mentee.email, "password": factories.PASSWORD, "next": target},
    )
    assert response.status_code == 302
    assert _stays_on_site(response["Location"]), response["Location"]
    assert response["Location"] == "/"


@pytest.mark.parametrize("target", OFFSITE)
def test_logout_never_redirects_off_the_site(mentee, target):
    client = Client()
    client.force_login(mentee)
    response = client.post("/accounts/logout/", {"next": target})
    assert response.status_code == 302
    assert _stays_on_site(response["Location"]), response["Location"]


def test_an_onsite_next_is_followed(mentee):
    response = Client().post(
        "/accounts/login/",
        {
            "username": mentee.email,
            "password": factories.PASSWORD,
            "next": "/account/preferences/",
        },
    )
    assert response["Location"] == "/account/preferences/"
