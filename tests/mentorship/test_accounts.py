"""Accounts: email login, lockout after repeated failures, password reset, headers."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from tests import factories
from tests.factories import PASSWORD

LOGIN = reverse("login")


def _login(client, email, password=PASSWORD, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_login_with_email_in_any_case(client, mentor):
    response = _login(client, mentor.email.upper())
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_wrong_password_keeps_the_email_and_says_why(client, mentor):
    response = _login(client, mentor.email, "wrong password!")
    assert response.status_code == 200
    assert "Please enter a correct email" in response.text
    assert f'value="{mentor.email}"' in response.text


def test_repeated_failures_lock_that_account_from_that_address(
    client, mentor, outsider
):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(client, mentor.email, "wrong password!")
    locked = _login(client, mentor.email)  # even the right password is refused now
    assert locked.status_code == 429
    assert "Too many failed log-in attempts" in locked.text
    assert (
        _login(client, outsider.email).status_code == 302
    )  # others are not locked out
    client.logout()
    assert _login(client, mentor.email, ip="10.0.0.2").status_code == 302


def test_success_before_the_limit_resets_the_count(client, mentor):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, mentor.email, "wrong password!")
    assert _login(client, mentor.email).status_code == 302
    client.logout()
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, mentor.email, "wrong password!")
    assert _login(client, mentor.email).status_code == 302


def test_password_reset_emails_known_accounts_and_says_the_same_otherwise(
    client, mentor
):
    known = client.post(reverse("password_reset"), {"email": mentor.email})
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
    [message] = mail.outbox
    assert message.to == [mentor.email]
    assert "/accounts/password/reset/" in message.body


def test_password_reset_link_sets_a_new_password(client, mentor):
    client.post(reverse("password_reset"), {"email": mentor.email})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    new = "another-long-passphrase-9"
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    mentor.refresh_from_db()
    assert mentor.check_password(new)


def test_argon2_is_the_production_hasher():
    from mentorship import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    minimum = next(
        v for v in production.AUTH_PASSWORD_VALIDATORS if "MinimumLength" in v["NAME"]
    )
    assert minimum["OPTIONS"]["min_length"] == 12


def test_logout_needs_post(client, mentor):
    client.force_login(mentor)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.parametrize("url_name", ["login", "password_reset"])
def test_public_pages_are_public(client, db, url_name):
    assert client.get(reverse(url_name)).status_code == 200


def test_security_headers_on_pages(client, mentor):
    client.force_login(mentor)
    response = client.get(reverse("home"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@override_settings(SECURE_HSTS_SECONDS=31_536_000, SECURE_SSL_REDIRECT=True)
def test_https_is_enforced_when_configured(client, db):
    assert client.get(reverse("login")).status_code == 301
    secure = client.get(reverse("login"), secure=True)
    assert "max-age=31536000" in secure["Strict-Transport-Security"]


def test_pages_have_no_inline_script(client, mentorship, coordinator):
    client.force_login(coordinator)
    for url in (reverse("home"), mentorship.cohort.get_absolute_url()):
        text = client.get(url).text
        assert "<script>" not in text and " on" + "click=" not in text


def test_inactive_accounts_cannot_log_in(client, db):
    user = factories.UserFactory(is_active=False)
    assert _login(client, user.email).status_code == 200


@override_settings(ALLOWED_HOSTS=["*"], SITE_URL="https://mentoring.example.org")
def test_reset_links_use_the_site_url_not_the_request_host(client, mentor):
    client.post(
        reverse("password_reset"), {"email": mentor.email}, HTTP_HOST="evil.example.net"
    )
    [message] = mail.outbox
    assert "https://mentoring.example.org/accounts/password/reset/" in message.body
    assert "evil.example.net" not in message.body


def test_signed_in_login_page_with_itself_as_next_does_not_fail(client, mentor):
    client.force_login(mentor)
    response = client.get(reverse("login") + "?next=" + reverse("login"))
    assert response.status_code == 200


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_lockout_follows_the_client_not_the_proxy(client, mentor):
    proxy = "10.9.9.9"

    def attempt(client_address, password, spoofed="203.0.113.66"):
        return client.post(
            LOGIN,
            {"username": mentor.email, "password": password},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=f"{spoofed}, {client_address}",
        )

    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        attempt("198.51.100.1", "wrong password!")
    assert attempt("198.51.100.1", PASSWORD).status_code == 429
    # Same proxy, same account, another client: not locked out.
    assert attempt("198.51.100.2", PASSWORD).status_code == 302


def test_without_trusted_proxies_forwarded_addresses_are_ignored(rf):
    from mentorship.lib.http import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "10.0.0.5"
