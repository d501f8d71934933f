"""The deployment files and the production settings: checked without Docker or a database."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "beat")

# Every variable the settings (and Django) read: the subprocesses start from none of
# them, whatever the test run has set (tests/settings.py and the browser tests set some).
SETTINGS_VARIABLES = (
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SITE_URL",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_TASK_DEFAULT_QUEUE",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_BACKEND",
    "DEFAULT_FROM_EMAIL",
    "TIME_ZONE",
    "LOG_LEVEL",
    "STATIC_ROOT",
    "INVITATION_VALID_DAYS",
    "AXES_FAILURE_LIMIT",
    "AXES_COOLOFF_MINUTES",
    "SESSION_COOKIE_AGE",
    "SESSION_ABSOLUTE_SECONDS",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
)


# --- docker-compose.yml -------------------------------------------------------------


@pytest.fixture(scope="module")
def services() -> dict:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return compose["services"]


def _command(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def _environment(service: dict) -> dict[str, str]:
    environment = service.get("environment", {})
    if isinstance(environment, list):
        return dict(item.partition("=")[::2] for item in environment)
    return environment


def test_compose_has_every_service_with_a_health_check(services):
    for name in ("web", "worker", "beat", "postgres", "redis"):
        assert name in services, f"service {name} is missing"
        healthcheck = services[name].get("healthcheck", {})
        assert healthcheck.get("test") and not healthcheck.get("disable"), name


def test_compose_redis_keeps_queued_tasks(services):
    command = _command(services["redis"])
    assert "--appendonly yes" in command
    assert "--maxmemory-policy noeviction" in command


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_app_services_get_the_settings(services, name):
    environment = _environment(services[name])
    for variable in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY"):
        assert environment.get(variable), f"{name} lacks {variable}"


def test_compose_commands(services):
    web = _command(services["web"])
    assert "gunicorn" in web
    assert "mentorship.wsgi" in web
    assert re.search(r"celery -A mentorship .*worker", _command(services["worker"]))
    assert re.search(r"celery -A mentorship .*beat", _command(services["beat"]))


def test_compose_web_waits_for_healthy_database_and_redis(services):
    depends_on = services["web"]["depends_on"]
    for name in ("postgres", "redis"):
        assert depends_on[name]["condition"] == "service_healthy"


# --- Production settings ------------------------------------------------------------


def _production_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env.update(
        DJANGO_SETTINGS_MODULE="mentorship.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="mentoring.example.org",
        SITE_URL="https://mentoring.example.org",
        EMAIL_HOST="smtp.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    return env


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_checks(tmp_path):
    env = _production_env(tmp_path)
    assert len(env["SECRET_KEY"]) == 64

    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in result.stdout, output
    assert "warning" not in output.lower(), output


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEBUG", "maybe"),
        ("SECRET_KEY", None),
        ("ALLOWED_HOSTS", None),
        ("DATABASE_URL", "mysql://x/y"),
        ("TIME_ZONE", "Mars/Base"),
        ("EMAIL_PORT", "abc"),
        ("REDIS_URL", "http://x"),
        ("SITE_URL", None),
        ("EMAIL_HOST", None),
        ("LOG_LEVEL", "LOUD"),
    ],
    ids=lambda v: "unset" if v is None else v,
)
def test_bad_setting_stops_start_up_naming_the_variable(tmp_path, variable, value):
    env = _production_env(tmp_path)
    if value is None:
        del env[variable]
    else:
        env[variable] = value

    result = _manage("check", env=env)

    assert result.returncode != 0, result.stdout + result.stderr
    # The last line is the exception's message, not a line of the traceback.
    message = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in message, result.stderr
    assert variable in message, result.stderr


def test_env_example_documents_every_setting():
    settings_source = (ROOT / "mentorship" / "settings.py").read_text()
    read = set(re.findall(r"\benv_\w+\(\s*\"([A-Z0-9_]+)\"", settings_source))
    documented = set(
        re.findall(r"^#? ?([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M)
    )
    assert read, "found no env_*() calls in the settings"
    assert read <= documented, f"not in .env.example: {sorted(read - documented)}"


# --- Makefile and CI ----------------------------------------------------------------


def test_makefile_declares_run_and_test():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("run", "test"):
        assert re.search(rf"^{target}:", makefile, re.MULTILINE), target
        assert re.search(rf"^\.PHONY:.*\b{target}\b", makefile, re.MULTILINE), target


def test_ci_script_is_executable_and_runs_make_test():
    script = ROOT / ".ci" / "run"
    assert os.access(script, os.X_OK)
    assert re.search(r"^\s*make test\b", script.read_text(), re.MULTILINE)


def _bare_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}


def test_manage_py_works_in_a_checkout_with_no_configuration():
    result = _manage("makemigrations", "--check", "--dry-run", env=_bare_env())
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_the_served_app_refuses_to_start_without_a_secret_key():
    result = subprocess.run(
        [sys.executable, "-c", "import mentorship.wsgi"],
        cwd=ROOT,
        env=_bare_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is false" in result.stderr
