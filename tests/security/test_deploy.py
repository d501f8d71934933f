"""Deployment gate: production settings pass `check --deploy` with no warning.

The check itself runs in tests/test_deployment.py
(test_production_settings_pass_the_deployment_checks: `manage.py check --deploy
--fail-level WARNING` under a production environment, asserting no warning at all).
Here: that it is still there, that it holds behind the compose proxy too, and that the
values it accepts are the strict ones, not merely ones Django does not warn about.
"""

from __future__ import annotations

import pytest

from tests import test_deployment
from tests.security import gates


def test_the_deploy_check_is_still_in_the_suite():
    check = test_deployment.test_production_settings_pass_the_deployment_checks
    source = check.__code__.co_consts + check.__code__.co_names
    assert "--deploy" in source and "WARNING" in source


def test_the_deploy_check_passes_behind_the_compose_proxy(tmp_path):
    env = test_deployment._production_env(tmp_path) | {
        "SECURE_PROXY_SSL_HEADER": "true",
        "TRUSTED_PROXY_COUNT": "1",
    }
    result = test_deployment._manage(
        "check", "--deploy", "--fail-level", "WARNING", env=env
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "warning" not in output.lower(), output


def test_production_security_settings_are_strict(tmp_path):
    s = gates.production_settings(tmp_path)
    assert s["DEBUG"] is False
    assert s["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and s["SECURE_HSTS_PRELOAD"]
    assert s["SECURE_SSL_REDIRECT"]
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"]
    assert s["SESSION_COOKIE_HTTPONLY"] and s["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert s["X_FRAME_OPTIONS"] == "DENY" and s["SECURE_CONTENT_TYPE_NOSNIFF"]
    # Idle timeout and absolute lifetime (ASVS 7.3.1, 7.3.2).
    assert 300 <= s["SESSION_COOKIE_AGE"] <= 60 * 60
    assert s["SESSION_COOKIE_AGE"] <= s["SESSION_ABSOLUTE_SECONDS"] <= 12 * 60 * 60
    middleware = s["MIDDLEWARE"]
    auth = middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    for ours in ("SessionLifetimeMiddleware", "NoStoreForAuthenticatedMiddleware"):
        position = middleware.index(f"mentorship.middleware.{ours}")
        assert (
            auth
            < position
            < middleware.index("django.contrib.auth.middleware.LoginRequiredMiddleware")
        ), ours


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SESSION_ABSOLUTE_SECONDS", "100"),
        ("SESSION_ABSOLUTE_SECONDS", "forever"),
        ("SESSION_COOKIE_AGE", "60"),
    ],
)
def test_bad_session_lifetimes_stop_start_up(tmp_path, variable, value):
    env = test_deployment._production_env(tmp_path) | {variable: value}
    result = test_deployment._manage("check", env=env)
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in message and variable in message, message


def test_an_absolute_lifetime_shorter_than_the_idle_timeout_stops_start_up(tmp_path):
    env = test_deployment._production_env(tmp_path) | {
        "SESSION_COOKIE_AGE": "7200",
        "SESSION_ABSOLUTE_SECONDS": "3600",
    }
    result = test_deployment._manage("check", env=env)
    assert result.returncode != 0
    assert "SESSION_ABSOLUTE_SECONDS" in result.stderr.strip().splitlines()[-1]
