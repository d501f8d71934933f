"""Brute force: lockout per account and address, nobody else locked out, and login and
password reset that answer alike whether or not the email has an account.

Policy (settings.AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]): after
AXES_FAILURE_LIMIT failures, that account is locked from that address for
AXES_COOLOFF_MINUTES. Other accounts from the same address, and the same account from
another address, still log in: an attacker cannot lock a person out of their own
account from elsewhere. Guessing from many addresses is slowed per address.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone

from tests import factories

LOGIN = "/accounts/login/"
RESET = "/accounts/password/reset/"
ATTACKER, VICTIM = "203.0.113.7", "198.51.100.2"
TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture
def alice(db):
    return factories.UserFactory(email="alice@example.org", full_name="Alice A")


@pytest.fixture
def bob(db):
    return factories.UserFactory(email="bob@example.org", full_name="Bob B")


def _login(email: str, password: str, address: str, client: Client | None = None):
    client = client or Client()
    return client.post(
        LOGIN, {"username": email, "password": password}, REMOTE_ADDR=address
    )


def _fail(email: str, address: str, times: int) -> list[int]:
    return [_login(email, "wrong guess", address).status_code for _ in range(times)]


def test_the_limit_locks_the_account_from_that_address(alice):
    limit = settings.AXES_FAILURE_LIMIT
    assert 3 <= limit <= 10
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]

    statuses = _fail(alice.email, ATTACKER, limit)

    assert statuses[:-1] == [200] * (limit - 1)
    assert statuses[-1] == 429
    # Locked: even the right password is refused, with the lockout page.
    locked = _login(alice.email, factories.PASSWORD, ATTACKER)
    assert locked.status_code == 429
    assert b"Too many failed log-in attempts" in locked.content


def test_one_failure_short_of_the_limit_still_lets_the_owner_in(alice):
    _fail(alice.email, ATTACKER, settings.AXES_FAILURE_LIMIT - 1)
    assert _login(alice.email, factories.PASSWORD, ATTACKER).status_code == 302


def test_a_lockout_locks_out_nobody_else(alice, bob):
    _fail(alice.email, ATTACKER, settings.AXES_FAILURE_LIMIT)

    # Another account from the same address.
    assert _login(bob.email, factories.PASSWORD, ATTACKER).status_code == 302
    # The same account from the owner's own address.
    assert _login(alice.email, factories.PASSWORD, VICTIM).status_code == 302


def test_the_lockout_ends_after_the_cool_off(alice):
    _fail(alice.email, ATTACKER, settings.AXES_FAILURE_LIMIT)
    later = timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(minutes=1)
    with time_machine.travel(later):
        assert _login(alice.email, factories.PASSWORD, ATTACKER).status_code == 302


def test_wrong_passwords_at_signing_count_too(alice):
    """The signing page checks the password through authenticate(): axes counts it."""
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    request = RequestFactory().post("/", REMOTE_ADDR=ATTACKER)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        authenticate(request, username=alice.email, password="wrong")
    assert _login(alice.email, factories.PASSWORD, ATTACKER).status_code == 429


def _page(response) -> bytes:
    return TOKEN.sub(b"", response.content)


def test_login_answers_alike_for_known_and_unknown_emails(alice):
    known = _login(alice.email, "wrong guess", ATTACKER)
    unknown = _login("nobody@example.org", "wrong guess", ATTACKER)

    assert known.status_code == unknown.status_code == 200
    known_page = _page(known).replace(alice.email.encode(), b"EMAIL")
    unknown_page = _page(unknown).replace(b"nobody@example.org", b"EMAIL")
    assert known_page == unknown_page
    # An unknown email is locked out after as many failures as a known one.
    for email in (alice.email, "nobody@example.org"):
        statuses = _fail(email, VICTIM, settings.AXES_FAILURE_LIMIT)
        assert statuses[-1] == 429, email


def test_an_inactive_account_answers_like_a_wrong_password(alice):
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    inactive = _login(alice.email, factories.PASSWORD, ATTACKER)
    wrong = _login(alice.email, "wrong guess", VICTIM)
    assert inactive.status_code == wrong.status_code == 200
    assert _page(inactive) == _page(wrong)


def _reset(email: str):
    client = Client()
    response = client.post(RESET, {"email": email}, REMOTE_ADDR=ATTACKER)
    followed = client.get(response["Location"]) if response.status_code == 302 else None
    return response, followed


def test_password_reset_answers_alike_for_known_and_unknown_emails(alice):
    mail.outbox.clear()
    known, known_next = _reset(alice.email)
    sent_for_known = len(mail.outbox)
    unknown, unknown_next = _reset("nobody@example.org")

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert _page(known_next) == _page(unknown_next)
    # The only difference is the email itself, which only the owner receives.
    assert sent_for_known == 1 and len(mail.outbox) == 1
    assert mail.outbox[0].to == [alice.email]
