"""Créneau settings: one module, everything that varies comes from the environment.

The defaults serve `make run` (SQLite under var/, debug on); production sets
DEBUG=false, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL (see .env.example).
"""

import os
import sys
from decimal import Decimal
from pathlib import Path

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.database import database_settings

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CRENEAU_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me" if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_htmx",
    "csp",
    "ninja",
    "axes",
    # Before django_tasks_db: its `db_worker` command replaces theirs (with the heartbeat).
    "creneau.operations",
    "django_tasks",
    "django_tasks_db",
    "creneau.core",
    "creneau.customers",
    "creneau.catalog",
    "creneau.planning",
    "creneau.quotes",
    "creneau.billing",
    "creneau.payments",
    "creneau.accounting",
    "creneau.portal",
    "creneau.dashboard",
    "creneau.imports",
]

MIDDLEWARE = [
    # First: every log line of a request carries its id; /healthz answers before the rest
    # (no session, login, CSP, host check or HTTPS redirect: docs/deploy.md).
    "creneau.operations.middleware.RequestIdMiddleware",
    "creneau.operations.middleware.HealthzMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files from STATIC_ROOT (collectstatic) in production, compressed and cached.
    "creneau.operations.static_files.StaticFilesMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "creneau.core.middleware.ChosenLanguageMiddleware",
    # Before anything reads an API body: one too large answers 413 in JSON.
    "creneau.core.api_requests.ApiBodySizeMiddleware",
    "creneau.core.middleware.RejectNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "creneau.core.middleware.StaffLoginRequiredMiddleware",
    "creneau.portal.auth.PortalMiddleware",
    "creneau.core.middleware.IntervenantAllowlistMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "creneau.core.middleware.PdfErrorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "creneau" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "creneau.core.context_processors.navigation",
                "creneau.portal.context_processors.portal",
            ],
        },
    },
]

# Connections: closed after each request under runserver, kept DB_CONN_MAX_AGE seconds
# with health checks elsewhere, or lent by a pool in each process (DB_POOL, PostgreSQL);
# SQLite set up for several writing processes. Why, in config/database.py and
# docs/scaling.md.
DATABASES = {
    "default": database_settings(
        environ=os.environ, argv=sys.argv, default_sqlite_path=VAR_DIR / "creneau.sqlite3"
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "auth.User"
LOGIN_URL = "login"
# "/" is each role's home: direction's and accounting's dashboard, a sales rep's own, the
# customers for the planner, the day sheet for an intervenant (dashboard.views.home).
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling: after AXES_FAILURE_LIMIT failures for a username from one address,
# that pair is locked out for AXES_COOLOFF_TIME hours.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True

# The client portal (/portail/, docs/portal.md): its logins are locked out per e-mail and
# per address separately (creneau.portal.auth.lockout_parameters); staff keep the pair.
AXES_LOCKOUT_PARAMETERS = "creneau.portal.auth.lockout_parameters"
AXES_LOCKOUT_CALLABLE = "creneau.portal.auth.lockout_response"
# A portal session ends after this many minutes without a page; invitation links live
# PORTAL_INVITATION_DAYS, password reset links PORTAL_RESET_HOURS, both used once.
PORTAL_SESSION_IDLE_MINUTES = int(os.environ.get("PORTAL_SESSION_IDLE_MINUTES", "30"))
PORTAL_INVITATION_DAYS = int(os.environ.get("PORTAL_INVITATION_DAYS", "7"))
PORTAL_RESET_HOURS = int(os.environ.get("PORTAL_RESET_HOURS", "24"))
# The address of this site as customers reach it, for the links of the portal's e-mails
# (never taken from the request's Host header, which a stranger chooses).
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("Anglais"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "creneau" / "static"]

# Customers' files never live under a public URL: they are served by views that check
# visibility. Locally a folder under var/; S3-compatible storage when AWS_STORAGE_BUCKET_NAME
# is set.
PRIVATE_FILES_ROOT = Path(os.environ.get("PRIVATE_FILES_ROOT", VAR_DIR / "private"))
if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    DEFAULT_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_FILES_ROOT), "base_url": None},
    }
# Static files: in production (STATIC_MANIFEST, on when DEBUG is off) collectstatic gives
# each file a name of its content's hash and a compressed copy, and whitenoise serves them
# cached for ever; off, the files keep their names and need no collectstatic (make run,
# the tests). `make serve` and the Dockerfile run collectstatic.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Customers' documents: the largest file accepted, in bytes (20 MB by default).
DOCUMENT_MAX_UPLOAD_SIZE = int(os.environ.get("DOCUMENT_MAX_UPLOAD_SIZE", 20 * 1024 * 1024))

# The business sizes of a quote line (creneau.quotes.bounds): the largest quantity, unit
# price (HT, in euros) and amount (a line's total, and a quote's totals). Larger values
# are refused in the editor and the API; the printed columns are laid out for them.
QUOTE_LINE_MAX_QUANTITY = Decimal(os.environ.get("QUOTE_LINE_MAX_QUANTITY", "99999"))
QUOTE_LINE_MAX_UNIT_PRICE = Decimal(os.environ.get("QUOTE_LINE_MAX_UNIT_PRICE", "999999.99"))
QUOTE_MAX_AMOUNT = Decimal(os.environ.get("QUOTE_MAX_AMOUNT", "9999999.99"))

# E-mail leaves through the outbox (docs/email.md). In development (DEBUG) with no
# EMAIL_HOST, the task worker prints messages on its console; set EMAIL_HOST (e.g. a
# local `python -m aiosmtpd -n -l localhost:1025`) to send over SMTP.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG and not os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "1025"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Its address is the sender of every e-mail; the company's name (Paramètres > Société) is
# the display name, this one only for a company without a name.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Créneau <no-reply@localhost>")
# Quote e-mails one user may send in an hour (counted in the outbox); past it, 429.
QUOTE_SEND_RATE_PER_HOUR = int(os.environ.get("QUOTE_SEND_RATE_PER_HOUR", "30"))
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
# Minutes between attempts after each SMTP failure; one more failure after the last delay
# marks the e-mail "échec définitif". `send_outbox` leaves a due e-mail to its task for
# OUTBOX_SWEEP_GRACE_SECONDS before sending it itself.
OUTBOX_RETRY_MINUTES = [int(m) for m in env_list("OUTBOX_RETRY_MINUTES", "1,5,15,60,240,720")]
OUTBOX_SWEEP_GRACE_SECONDS = int(os.environ.get("OUTBOX_SWEEP_GRACE_SECONDS", "60"))

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# The cache is a table of the database (created by `migrate`: dashboard migration 0002):
# shared by every web process and task worker, and kept across restarts, with no other
# service to run. The dashboard's figures are cached there (the worker computes them at
# night for the day: dashboard.tasks), and the portal's password-reset counters.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "creneau_cache",
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("CACHE_MAX_ENTRIES", "5000"))},
    }
}

# Covering indexes (INCLUDE) serve lists' totals on PostgreSQL; SQLite builds them without
# their extra columns, which is all it needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# The planning: how many weeks ahead the schedules' visits are made (extend_planning runs
# daily in the task worker and keeps this horizon).
PLANNING_HORIZON_WEEKS = int(os.environ.get("PLANNING_HORIZON_WEEKS", "12"))
# Visit reminders: the task worker sends tomorrow's every day at this hour (Europe/Paris).
VISIT_REMINDERS_HOUR = int(os.environ.get("VISIT_REMINDERS_HOUR", "16"))
# The right-hand side of the calendar feed's event UIDs (intervention-<id>@<this>): a
# calendar recognises a visit by its UID, so it must never change once feeds are in use.
# Empty: the domain of DEFAULT_FROM_EMAIL.
ICAL_UID_DOMAIN = os.environ.get("ICAL_UID_DOMAIN", "")
# The billing run: invoices made per transaction by the task worker (docs/invoicing.md).
# An interrupted batch rolls back whole; 1 makes each invoice in its own transaction.
BILLING_RUN_BATCH_SIZE = max(1, int(os.environ.get("BILLING_RUN_BATCH_SIZE", "500")))
# The daily dunning run (docs/dunning.md), at 06:00 in the task worker: "preview" prepares
# the day's reminders for the office to check and send, "send" sends them, "off" nothing.
DUNNING_DAILY_TASK = os.environ.get("DUNNING_DAILY_TASK", "preview").strip().lower()
if DUNNING_DAILY_TASK not in ("preview", "send", "off"):
    raise ImproperlyConfigured("DUNNING_DAILY_TASK is preview, send or off.")

CUSTOMERS_PAGE_SIZE = 25

# The API's largest `offset` (creneau.core.api_params): a larger one answers 422.
NINJA_PAGINATION_MAX_OFFSET = 10_000_000
# API lists answer 25 items unless `limit` asks for more (up to 500): a search as the user
# types wants a page, not a hundred serialised records.
NINJA_PAGINATION_PER_PAGE = 25

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Served over HTTPS, as production is (the default when DEBUG is off): plain HTTP is
# redirected, cookies are sent over HTTPS only, HSTS. `make run DEBUG=false` sets
# HTTPS=false to show production's pages on http://127.0.0.1 (README, Configuration).
HTTPS = env_bool("HTTPS", not DEBUG)
if HTTPS:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True


def proxy_ssl_header(value: str) -> tuple[str, str] | None:
    """SECURE_PROXY_SSL_HEADER from the name of the header a TLS-terminating proxy sets
    (`X-Forwarded-Proto`; "true" means that one), or None when no proxy is declared.

    Django then believes that header about HTTPS. Declare it only behind a proxy that always
    sets or overwrites it: without one, any visitor could send it and pass plain HTTP off as
    HTTPS (secure cookies over HTTP, no redirect)."""
    value = value.strip()
    if not value or value.lower() in {"0", "false", "no", "off"}:
        return None
    if value.lower() in {"1", "true", "yes", "on"}:
        value = "X-Forwarded-Proto"
    return ("HTTP_" + value.upper().replace("-", "_"), "https")


if header := proxy_ssl_header(os.environ.get("SECURE_PROXY_SSL_HEADER", "")):
    SECURE_PROXY_SSL_HEADER = header

# Content-Security-Policy (django-csp) on every response: scripts, styles, fonts and
# requests from this site only; no inline script, no inline style, no eval. Templates keep
# their JavaScript in static/js (behaviours hang on data- attributes) and htmx is told not
# to inject its indicator <style> (base.html's htmx-config; the rule is in creneau.css).
# Images may be data: URIs, which Bootstrap's CSS uses for its check marks and arrows.
# creneau/core/tests/test_security_headers.py keeps the templates that way.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Health and the task workers (docs/deploy.md): /healthz checks the database, the private
# files' storage and that a worker beat within WORKER_HEARTBEAT_STALE_SECONDS (each worker
# beats every WORKER_HEARTBEAT_SECONDS). HEALTHZ_CHECK_WORKER=false leaves the worker out.
HEALTHZ_PATH = "/healthz"
HEALTHZ_CHECK_WORKER = env_bool("HEALTHZ_CHECK_WORKER", True)
WORKER_HEARTBEAT_SECONDS = int(os.environ.get("WORKER_HEARTBEAT_SECONDS", "30"))
WORKER_HEARTBEAT_STALE_SECONDS = int(os.environ.get("WORKER_HEARTBEAT_STALE_SECONDS", "120"))
if not 0 < WORKER_HEARTBEAT_SECONDS < WORKER_HEARTBEAT_STALE_SECONDS:
    raise ImproperlyConfigured(
        "WORKER_HEARTBEAT_SECONDS must be above 0 and below WORKER_HEARTBEAT_STALE_SECONDS."
    )

# Logs go to the console (stderr): LOG_FORMAT=json writes one JSON object per line (time,
# level, logger, message, request_id and the record's extra fields), "text" a plain line.
# Each line carries the id of its request (X-Request-ID) or task. LOG_REQUESTS (on with
# json) adds one line per request on the creneau.request logger.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured("LOG_FORMAT is text or json.")
LOG_REQUESTS = env_bool("LOG_REQUESTS", LOG_FORMAT == "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "creneau.operations.request_id.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
            "timestamp": "time",  # ISO 8601, UTC
            "rename_fields": {"levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"creneau.request": {"level": "INFO" if LOG_REQUESTS else "WARNING"}},
}
