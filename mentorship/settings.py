"""Settings for the mentoring service, read from the environment.

Every value that differs between a laptop and production is an environment variable;
.env.example lists them all. Bad values stop start-up with a clear message.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from mentorship.lib.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    env_time_zone,
    parse_database_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is false")
    SECRET_KEY = "development-only-key-never-use-in-production-0123456789abcdef"

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required when DEBUG is false")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Absolute base for links in emails ("https://mentoring.example.org").
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
if not SITE_URL:
    raise ImproperlyConfigured("SITE_URL is required when DEBUG is false")
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("SITE_URL must start with http:// or https://")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "guardian",
    "axes",
    "mentorship",
    "agreements",
    "reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "mentorship.middleware.NoStoreForAuthenticatedMiddleware",
    "mentorship.middleware.SessionLifetimeMiddleware",
    "mentorship.middleware.UserTimeZoneMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mentorship.urls"
WSGI_APPLICATION = "mentorship.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": parse_database_url(
        env_str("DATABASE_URL", "sqlite:///db.sqlite3"), base_dir=BASE_DIR
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Accounts: the email address is the login.
AUTH_USER_MODEL = "mentorship.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3  # a reset link works for three hours
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 14, minimum=1, maximum=90)

# The running mentorship: check-ins, drift, notes.
# A check-in still unrecorded this long after its time counts as missed.
CHECKIN_RECORDING_GRACE_HOURS = env_int(
    "CHECKIN_RECORDING_GRACE_HOURS", 48, minimum=1, maximum=24 * 14
)
# Missed check-ins in a row before the coordinator is told, and before the pair is
# asked to revisit their agreement.
DRIFT_COORDINATOR_AFTER_MISSES = env_int(
    "DRIFT_COORDINATOR_AFTER_MISSES", 2, minimum=1, maximum=10
)
REVISIT_AFTER_MISSES = env_int("REVISIT_AFTER_MISSES", 3, minimum=1, maximum=10)
# How long before a cohort ends the pair is asked to revisit their agreement.
REVISIT_BEFORE_END_DAYS = env_int("REVISIT_BEFORE_END_DAYS", 21, minimum=1, maximum=90)
# How long before a note expires its author is told.
NOTE_EXPIRY_WARNING_DAYS = env_int("NOTE_EXPIRY_WARNING_DAYS", 7, minimum=1, maximum=60)
# How long before a progress review is due, and a notice period ends, the pair is told.
REVIEW_DUE_WARNING_DAYS = env_int("REVIEW_DUE_WARNING_DAYS", 3, minimum=1, maximum=30)
NOTICE_ENDING_WARNING_DAYS = env_int(
    "NOTICE_ENDING_WARNING_DAYS", 2, minimum=1, maximum=30
)
# How long before a consent to the supervisor ends the mentee is told.
CONSENT_EXPIRY_WARNING_DAYS = env_int(
    "CONSENT_EXPIRY_WARNING_DAYS", 7, minimum=1, maximum=60
)
# Notes deleted per purge transaction.
RETENTION_PURGE_BATCH = env_int(
    "RETENTION_PURGE_BATCH", 10_000, minimum=1, maximum=50_000
)

# Lock an account out from one address after repeated failures (django-axes).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1, maximum=100)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "mentorship.lib.http.client_ip"
# How many reverse proxies in front append to X-Forwarded-For (0: none, trust only the
# connection's address). Behind one proxy, without this every client would share its
# address and a lockout would hit everyone using that account name.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=5)
AXES_USERNAME_FORM_FIELD = "username"

# django-guardian: no anonymous user row; confidential lists pass explicit flags.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# Sessions end after SESSION_COOKIE_AGE seconds without a request (idle timeout:
# requests move the expiry ahead), and SESSION_ABSOLUTE_SECONDS after sign-in however
# busy (mentorship.middleware.SessionLifetimeMiddleware).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60, minimum=300)
SESSION_ABSOLUTE_SECONDS = env_int(
    "SESSION_ABSOLUTE_SECONDS", 60 * 60 * 12, minimum=600, maximum=60 * 60 * 24 * 30
)
if SESSION_ABSOLUTE_SECONDS < SESSION_COOKIE_AGE:
    raise ImproperlyConfigured(
        "SESSION_ABSOLUTE_SECONDS must be at least SESSION_COOKIE_AGE"
    )
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_time_zone("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
CRISPY_FAIL_SILENTLY = not DEBUG

# Email: console by default; SMTP when EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
if not DEBUG and EMAIL_BACKEND.endswith("console.EmailBackend"):
    # The console backend would write invitation and password-reset links to the log.
    raise ImproperlyConfigured("EMAIL_HOST is required when DEBUG is false")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Mentoring <mentoring@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background work. With REDIS_URL, tasks go to Celery workers through Redis;
# without it they run in-process, right after the transaction that queued them commits.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        "REDIS_URL must start with redis://, rediss:// or unix://"
    )
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "mentoring")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task taken by a worker that died is given to another after this long: longer than
# the longest task may run (the purge's 55 minutes), or a slow run would be doubled.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    # daily: drop expired sessions so the session table stays small
    "clear-expired-sessions": {
        "task": "mentorship.tasks.clear_expired_sessions",
        "schedule": timedelta(days=1),
    },
    # every 15 minutes: signed amendments take effect once their notice has ended
    "activate-due-amendments": {
        "task": "agreements.tasks.activate_due_amendments",
        "schedule": timedelta(minutes=15),
    },
    # every 10 minutes: queue again invitation emails whose task was lost
    "requeue-unsent-invitations": {
        "task": "mentorship.tasks.requeue_unsent_invitations",
        "schedule": timedelta(minutes=10),
    },
    # daily: delete invitations that were never accepted and expired 90+ days ago
    "purge-stale-invitations": {
        "task": "mentorship.tasks.purge_stale_invitations",
        "schedule": timedelta(days=1),
    },
    # hourly: delete notes past their retention, recording each destruction
    "purge-expired-notes": {
        "task": "mentorship.tasks.purge_expired_notes",
        "schedule": timedelta(hours=1),
    },
    # hourly: tell authors, NOTE_EXPIRY_WARNING_DAYS ahead, that a note will be deleted
    "send-note-expiry-warnings": {
        "task": "mentorship.tasks.send_note_expiry_warnings",
        "schedule": timedelta(hours=1),
    },
    # every 5 minutes: count missed check-ins, then send check-in reminders, drift
    # nudges and revisit reminders (each claimed once, so runs may overlap)
    "send-reminders": {
        "task": "mentorship.tasks.send_reminders",
        "schedule": timedelta(minutes=5),
    },
    # hourly: open the prompts to revisit agreements at a cohort's midpoint and end
    "open-revisit-prompts": {
        "task": "mentorship.tasks.open_revisit_prompts",
        "schedule": timedelta(hours=1),
    },
    # every 15 minutes: tell both parties a progress review is due in a few days, and
    # mentees that their consent to the supervisor ends soon
    "send-review-reminders": {
        "task": "reviews.tasks.send_review_reminders",
        "schedule": timedelta(minutes=15),
    },
    # every 15 minutes: tell both parties an amendment's notice period ends soon
    "send-notice-ending-reminders": {
        "task": "agreements.tasks.send_notice_ending_reminders",
        "schedule": timedelta(minutes=15),
    },
}

# Security headers. Production runs behind TLS; set SECURE_SSL_REDIRECT=false only
# when a proxy in front already redirects.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Bootstrap draws form controls with data: SVG images from its stylesheet.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    # WeasyPrint narrates every rendering step at INFO; keep its warnings only.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
    "root": {
        "handlers": ["console"],
        "level": env_choice("LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR"]),
    },
}
