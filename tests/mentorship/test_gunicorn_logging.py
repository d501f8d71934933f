"""The access log never holds a calendar-feed or invitation token."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from gunicorn import util
from gunicorn.config import Config
from gunicorn.glogging import Logger as PlainLogger

from mentorship.lib.gunicorn_logging import Logger

ROOT = Path(__file__).resolve().parents[2]
CLASS_PATH = "mentorship.lib.gunicorn_logging.Logger"
CALENDAR_TOKEN = "Xq3v-Jk_9sL2mN8pR4tW6yZ1aB5cD7eF0gH2iJ4kL6m"
INVITATION_TOKEN = "ImE5YjFmNjQ2LTk4In0:1vQxYz:AbCdEf-GhIjKlMnOpQrStUvWx"


def _atoms(logger, path: str, query: str = "", referer: str = "-") -> dict:
    """The atoms gunicorn builds for one request to `path`."""
    uri = f"{path}?{query}" if query else path
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": uri,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_REFERER": referer,
        "HTTP_USER_AGENT": "Calendar/1.0",
    }
    request = SimpleNamespace(headers=[("REFERER", referer), ("HOST", "example.org")])
    response = SimpleNamespace(status="200 OK", sent=512, headers=[])
    return logger.atoms(response, request, environ, timedelta(milliseconds=12))


@pytest.fixture
def logger():
    config = Config()
    config.set("accesslog", "-")
    return Logger(config)


@pytest.mark.parametrize(
    ("path", "token", "shown"),
    [
        (f"/calendar/{CALENDAR_TOKEN}.ics", CALENDAR_TOKEN, "/calendar/….ics"),
        (f"/join/{INVITATION_TOKEN}/", INVITATION_TOKEN, "/join/…/"),
    ],
)
def test_the_token_in_a_secret_path_is_replaced_in_every_atom(
    logger, path, token, shown
):
    atoms = _atoms(logger, path, query="utm=1", referer=f"https://example.org{path}")
    assert atoms["r"] == f"GET {shown}?utm=1 HTTP/1.1"
    assert atoms["U"] == shown
    assert atoms["q"] == "utm=1"
    assert atoms["f"] == atoms["{referer}i"] == f"https://example.org{shown}"
    line = logger.cfg.access_log_format % logger.atoms_wrapper_class(atoms)
    assert shown in line
    assert token not in json.dumps(atoms, default=str)


def test_a_login_link_back_to_an_invitation_is_redacted_too(logger):
    query = f"next=/join/{INVITATION_TOKEN.replace(':', '%3A')}/"
    atoms = _atoms(logger, "/accounts/login/", query=query)
    assert atoms["q"] == "next=/join/…/"
    assert "%3A" not in atoms["r"]


def test_other_paths_are_logged_as_gunicorn_logs_them(logger):
    plain = PlainLogger(logger.cfg)
    for path in ("/account/calendar/", "/checkins/5b1c/", "/join/"):
        ours, theirs = _atoms(logger, path), _atoms(plain, path)
        ours.pop("t"), theirs.pop("t")
        assert ours == theirs


def test_gunicorn_loads_the_logger_class():
    assert util.load_class(CLASS_PATH, section="gunicorn.loggers") is Logger


def test_the_image_and_the_compose_stack_use_the_logger_class():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(rf'"--logger-class", "{re.escape(CLASS_PATH)}"', dockerfile)
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert f"--logger-class={CLASS_PATH}" in compose["services"]["web"]["command"]
