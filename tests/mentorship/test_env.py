"""The typed environment readers behind settings.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from mentorship.lib import env


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        ("1", True),
        ("no", False),
        ("", None),
        (None, None),
    ],
)
def test_env_bool(monkeypatch, raw, expected):
    if raw is None:
        monkeypatch.delenv("FLAG", raising=False)
    else:
        monkeypatch.setenv("FLAG", raw)
    assert env.env_bool("FLAG", None) is expected  # type: ignore[arg-type]


def test_env_bool_rejects_anything_else(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG must be true or false"):
        env.env_bool("FLAG", False)


def test_empty_values_fall_back_to_the_default(monkeypatch):
    monkeypatch.setenv("NAME", "  ")
    monkeypatch.setenv("PORT", "")
    monkeypatch.setenv("ZONE", "")
    assert env.env_str("NAME", "fallback") == "fallback"
    assert env.env_int("PORT", 587) == 587
    assert env.env_time_zone("ZONE", "UTC") == "UTC"


@pytest.mark.parametrize(
    ("raw", "message"), [("abc", "whole number"), ("70000", "between")]
)
def test_env_int_rejects_bad_values(monkeypatch, raw, message):
    monkeypatch.setenv("PORT", raw)
    with pytest.raises(ImproperlyConfigured, match=message):
        env.env_int("PORT", 587, minimum=1, maximum=65535)


def test_unknown_time_zone_is_refused(monkeypatch):
    monkeypatch.setenv("ZONE", "Mars/Olympus")
    with pytest.raises(ImproperlyConfigured, match="ZONE is not a known time zone"):
        env.env_time_zone("ZONE", "UTC")


def test_database_urls():
    base = Path("/srv/app")
    assert env.parse_database_url("sqlite:///db.sqlite3", base_dir=base)["NAME"] == (
        "/srv/app/db.sqlite3"
    )
    assert env.parse_database_url("sqlite:////var/db.sqlite3", base_dir=base)[
        "NAME"
    ] == ("/var/db.sqlite3")
    pg = env.parse_database_url(
        "postgres://app:p%40ss@db.internal:6543/mentoring?sslmode=require",
        base_dir=base,
    )
    assert pg["ENGINE"] == "django.db.backends.postgresql"
    assert (pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"]) == (
        "app",
        "p@ss",
        "db.internal",
        "6543",
    )
    assert (pg["NAME"], pg["OPTIONS"]) == ("mentoring", {"sslmode": "require"})


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u@h/db", "must start with sqlite:// or postgres://"),
        ("postgres://u@h", "needs a database name"),
        ("postgres://u@h:notaport/db", "invalid port"),
    ],
)
def test_bad_database_urls(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        env.parse_database_url(url, base_dir=Path("/srv"))
