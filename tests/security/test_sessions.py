"""Sessions: a new key at login; logout, a password change, deactivation, the idle
timeout and the absolute lifetime each end the session (ASVS 5.0 V7).

A password change keeps the session that made it (on a new key, so whoever held the
old one is out) and ends every other session of the account.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from mentorship.middleware import REFRESH_SECONDS
from tests import factories

HOME = "/"
NEW_PASSWORD = "a new and long passphrase 42"


@pytest.fixture
def person(db):
    return factories.UserFactory(email="pat@example.org", full_name="Pat Person")


def _log_in(client: Client, user) -> str:
    response = client.post(
        "/accounts/login/",
        {"username": user.email, "password": factories.PASSWORD},
        REMOTE_ADDR="10.0.0.1",
    )
    assert response.status_code == 302, response.content
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _session_row(client: Client) -> tuple[str, object]:
    """The stored session of the client's cookie: its data and expiry."""
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    row = Session.objects.get(session_key=key)
    return row.session_data, row.expire_date


def _signed_in(client: Client) -> bool:
    response = client.get(HOME)
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/")
        return False
    assert response.status_code == 200
    return True


def test_the_session_key_changes_at_login(person):
    client = Client()
    client.get("/accounts/login/")
    client.session.save()  # an anonymous session an attacker could have planted
    planted = client.session.session_key
    key = _log_in(client, person)
    assert key != planted
    assert not Session.objects.filter(session_key=planted).exists()


def test_logout_ends_the_session(person):
    client = Client()
    key = _log_in(client, person)
    stolen = Client()
    stolen.cookies[settings.SESSION_COOKIE_NAME] = key
    assert _signed_in(stolen)

    client.post("/accounts/logout/")

    assert not Session.objects.filter(session_key=key).exists()
    assert not _signed_in(stolen)
    assert not _signed_in(client)


def test_a_password_change_ends_every_other_session(person):
    client, other = Client(), Client()
    key = _log_in(client, person)
    _log_in(other, person)

    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": factories.PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 302
    assert not _signed_in(other)
    stolen = Client()
    stolen.cookies[settings.SESSION_COOKIE_NAME] = key
    assert not _signed_in(stolen), "the key used before the change still works"
    assert _signed_in(client)  # the one that changed it, on its new key


def test_deactivation_ends_the_session(person):
    client = Client()
    _log_in(client, person)
    assert _signed_in(client)

    person.is_active = False
    person.save(update_fields=["is_active"])

    assert not _signed_in(client)


def test_the_idle_timeout_ends_the_session_and_activity_moves_it(person):
    idle = settings.SESSION_COOKIE_AGE
    assert idle <= 60 * 60, "idle timeout longer than an hour"
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _log_in(client, person)
        for _ in range(3):  # active: each request moves the expiry ahead
            traveller.shift(timedelta(seconds=idle - 60))
            assert _signed_in(client)
        traveller.shift(timedelta(seconds=idle + 1))
        assert not _signed_in(client)


def test_requests_within_a_minute_do_not_write_the_session(person):
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _log_in(client, person)
        written = _session_row(client)
        traveller.shift(timedelta(seconds=REFRESH_SECONDS - 1))
        assert _signed_in(client)
        assert _session_row(client) == written
        traveller.shift(timedelta(seconds=1))
        assert _signed_in(client)
        assert _session_row(client)[1] > written[1]


def test_the_absolute_lifetime_ends_even_a_busy_session(person):
    lifetime = settings.SESSION_ABSOLUTE_SECONDS
    assert lifetime <= 12 * 60 * 60
    assert settings.SESSION_COOKIE_AGE <= lifetime
    step = timedelta(seconds=settings.SESSION_COOKIE_AGE // 2)
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _log_in(client, person)
        started = timezone.now()
        while timezone.now() - started < timedelta(seconds=lifetime) - step:
            traveller.shift(step)
            assert _signed_in(client), timezone.now() - started
        traveller.shift(step)
        assert not _signed_in(client)
        # Signing in again starts a new lifetime.
        _log_in(client, person)
        assert _signed_in(client)


def test_signing_in_again_restarts_the_absolute_lifetime(person):
    client = Client()
    lifetime = timedelta(seconds=settings.SESSION_ABSOLUTE_SECONDS)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _log_in(client, person)
        traveller.shift(lifetime - timedelta(minutes=5))
        _log_in(client, person)
        traveller.shift(timedelta(minutes=10))
        assert _signed_in(client)


def test_session_cookies_are_http_only_and_same_site(person):
    client = Client()
    _log_in(client, person)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == settings.SESSION_COOKIE_AGE
