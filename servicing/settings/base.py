"""Settings read from the environment (README "Configuration").

Embedded default: with DEBUG on and no DATABASE_URL/REDIS_URL the project runs on
SQLite with Celery in eager mode. With DEBUG off, SECRET_KEY, ALLOWED_HOSTS and
DATABASE_URL are required: start-up stops rather than run with an insecure default.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from servicing.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = env_bool("DEBUG", False)

if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", "django-insecure-local-development-only")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
    DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")
else:
    SECRET_KEY = env_str("SECRET_KEY", required=True)
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        env_str("ALLOWED_HOSTS", required=True)
    DATABASE_URL = env_str("DATABASE_URL", required=True)

DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite waits instead of failing when the dev server and a command write at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "servicing.apps.ServicingConfig",
    "loans.apps.LoansConfig",
    "escrow.apps.EscrowConfig",
    "credit_reporting.apps.CreditReportingConfig",
    "wizards.apps.WizardsConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

if not DEBUG:
    # Production serves collected static files itself; runserver does it under DEBUG.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "servicing.urls"
WSGI_APPLICATION = "servicing.wsgi.application"

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
                "servicing.context_processors.layout",
            ],
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "America/New_York")
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "media/"

# --- Security (manage.py check --deploy is clean when DEBUG is off) -------------------
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)

# --- Redis and Celery ------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# No broker configured: tasks run inline (the embedded default of `make run`).
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", REDIS_URL is None)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE

# --- Close of business (servicing/cob.py, README "Close of business") ------------------
# Local time (TIME_ZONE) at which beat queues COB for the current business date.
COB_TIME = env_str("COB_TIME", "22:00")
try:
    _cob_at = dt.time.fromisoformat(COB_TIME)
except ValueError as exc:
    raise ImproperlyConfigured(f"COB_TIME must be HH:MM, not {COB_TIME!r}.") from exc
# Loan ids per Celery task.
COB_CHUNK_SIZE = env_int("COB_CHUNK_SIZE", 5000)
if COB_CHUNK_SIZE < 1:
    raise ImproperlyConfigured("COB_CHUNK_SIZE must be at least 1.")
# On: a date with failed items keeps the business date until a re-run clears them.
# Off (default): the date moves on and failed loans stay behind for the next date's run.
COB_BLOCK_ON_ERRORS = env_bool("COB_BLOCK_ON_ERRORS", False)
# A running COB job silent this long is taken to be dead: a re-run may resume it.
COB_STALE_AFTER_SECONDS = env_int("COB_STALE_AFTER_SECONDS", 900)

CELERY_BEAT_SCHEDULE = {
    "purge-idempotency-keys": {
        "task": "servicing.tasks.purge_idempotency_keys_task",
        "schedule": crontab(minute=17, hour="*/6"),
    },
    "close-of-business": {
        "task": "servicing.tasks.run_cob_task",
        "schedule": crontab(minute=_cob_at.minute, hour=_cob_at.hour),
    },
}
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }

# --- REST API ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "servicing.api.auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "servicing.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Loan Servicing API",
    "DESCRIPTION": "REST API for LOS systems: onboarding, draws, payments, borrowers, ops. "
    "Authenticate with `Authorization: Token <key>`; POSTs accept `Idempotency-Key`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "PaymentHierarchyEnum": "loans.models.config.PaymentHierarchy.choices",
        "DrawStatusEnum": "loans.api.draws.DRAW_STATUSES",
    },
}
IDEMPOTENCY_KEY_TTL_HOURS = env_int("IDEMPOTENCY_KEY_TTL_HOURS", 48)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# --- Escrow analysis (spec/escrow.md "Client rules"; escrow/rules.py) ---------------------
# Rules run per loan on the analysis before it is applied, in this order.
ESCROW_ANALYSIS_RULES = env_list(
    "ESCROW_ANALYSIS_RULES",
    [
        "escrow.rules.skip_foreclosure",
        "escrow.rules.cap_payment_increase",
        "escrow.rules.suppress_small_refund",
    ],
)
# cap_payment_increase: the new escrow payment rises by at most this % of the current one.
ESCROW_PAYMENT_INCREASE_CAP_PERCENT = env_str("ESCROW_PAYMENT_INCREASE_CAP_PERCENT", "100")
# suppress_small_refund: surplus refunds under this amount stay in escrow (at most 50.00:
# 12 CFR 1024.17(f)(2)(i) requires refunding $50 or more).
ESCROW_REFUND_MINIMUM = env_str("ESCROW_REFUND_MINIMUM", "1.00")
# Product-level options of the analysis (escrow.engine.analysis.AnalysisOptions fields but
# cushion_months, which is the account's or the tenant's): the products have no escrow
# settings yet, so these apply to every loan.
ESCROW_ANALYSIS_OPTIONS: dict = {}
# Loans per Celery task of a batch analysis.
ESCROW_ANALYSIS_CHUNK_SIZE = env_int("ESCROW_ANALYSIS_CHUNK_SIZE", 500)
