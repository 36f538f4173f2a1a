"""Django settings for the 大模型供需对接平台 project.

All deployment-specific values come from environment variables (see `.env.example`);
the defaults are safe for local development on SQLite.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from matchmaking.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("DJANGO_VAR_DIR", str(BASE_DIR / "var")))

# --- Core -------------------------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG", True)

_DEV_SECRET_KEY = "django-insecure-local-development-only-never-use-in-production-0123456789"
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG=0.")
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("DJANGO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    # Project apps, lowest floor first (an app imports only from its floor or below).
    "matchmaking.core",
    "matchmaking.taxonomy",
    "matchmaking.accounts",
    "matchmaking.listings",
    "matchmaking.cases",
    "matchmaking.matching",
    "matchmaking.connections",
    "matchmaking.notifications",
    "matchmaking.insights",
    "matchmaking.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "matchmaking.urls"
WSGI_APPLICATION = "matchmaking.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "matchmaking.core.context_processors.navigation",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
# SQLite by default: WAL journal, IMMEDIATE transactions (writers queue instead of failing
# with "database is locked" on lock upgrade) and a busy timeout. PostgreSQL via DATABASE_URL.

SQLITE_PATH = Path(env_str("DJANGO_SQLITE_PATH", str(VAR_DIR / "db.sqlite3")))
DATABASE_URL = env_str("DATABASE_URL", "")

if DATABASE_URL and not DATABASE_URL.startswith("sqlite"):
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DJANGO_DB_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
else:
    _sqlite_name = dj_database_url.parse(DATABASE_URL)["NAME"] if DATABASE_URL else str(SQLITE_PATH)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": _sqlite_name,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": env_int("DJANGO_SQLITE_TIMEOUT", 20),
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA cache_size=-64000;"
                ),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------------------

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "matchmaking",
    }
}

# --- Authentication ---------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:profile"
LOGOUT_REDIRECT_URL = "core:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 14)

# --- Internationalisation ---------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media files -------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploaded images (logos, screenshots, case images) — see matchmaking/core/images.py.
IMAGE_UPLOAD_MAX_BYTES = env_int("IMAGE_UPLOAD_MAX_BYTES", 5 * 1024 * 1024)
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 24_000_000)
IMAGE_MAX_SIDE = env_int("IMAGE_MAX_SIDE", 8000)
IMAGE_STORED_MAX_SIDE = env_int("IMAGE_STORED_MAX_SIDE", 2000)
IMAGE_THUMBNAIL_SIZE = (env_int("IMAGE_THUMBNAIL_SIDE", 320), env_int("IMAGE_THUMBNAIL_SIDE", 320))
# Requests larger than this are refused before they reach a form (nginx has its own limit).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Email ------------------------------------------------------------------------------

EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "大模型供需对接平台 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security ---------------------------------------------------------------------------
# Production values follow from DJANGO_DEBUG=0; each can still be overridden.

SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_TLS_PROXY", not DEBUG) else None
)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Matching ---------------------------------------------------------------------------

MATCHING_BUDGET_HARD_FACTOR = env_float("MATCHING_BUDGET_HARD_FACTOR", 5.0)
MATCHING_BUDGET_SOFT_FACTOR = env_float("MATCHING_BUDGET_SOFT_FACTOR", 2.0)

# --- Logging ----------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"jieba": {"level": "WARNING"}},
}

# --- listings ---------------------------------------------------------------------------

# Needs without a deadline expire this many days after publication (or renewal); posters are
# emailed this many days before a need expires (`manage.py expire_needs`, run daily).
NEED_DEFAULT_LIFETIME_DAYS = env_int("NEED_DEFAULT_LIFETIME_DAYS", 90)
NEED_EXPIRY_WARNING_DAYS = env_int("NEED_EXPIRY_WARNING_DAYS", 3)
# Facet counts and result totals of list pages are cached this many seconds (and dropped at
# once when a listing changes: services bump a version number).
LISTINGS_FACET_CACHE_SECONDS = env_int("LISTINGS_FACET_CACHE_SECONDS", 120)
LISTINGS_PAGE_SIZE = env_int("LISTINGS_PAGE_SIZE", 20)

# --- connections ---
# Unanswered requests/proposals expire after this many days; the receiver is reminded
# CONNECTION_REMINDER_DAYS_BEFORE days earlier (run `run_connection_housekeeping` from cron).
CONNECTION_EXPIRY_DAYS = env_int("CONNECTION_EXPIRY_DAYS", 14)
CONNECTION_REMINDER_DAYS_BEFORE = env_int("CONNECTION_REMINDER_DAYS_BEFORE", 3)
# New requests + proposals one organization may start per calendar day (anti-spam).
CONNECTION_DAILY_LIMIT_PER_ORG = env_int("CONNECTION_DAILY_LIMIT_PER_ORG", 20)
# Message attachments: stored outside MEDIA_ROOT, served only through a scoped view.
CONNECTION_ATTACHMENT_MAX_BYTES = env_int("CONNECTION_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
CONNECTION_ATTACHMENT_ROOT = Path(
    env_str("CONNECTION_ATTACHMENT_ROOT", str(VAR_DIR / "private" / "attachments"))
)

# --- notifications ---
# Emails carry absolute links built from SITE_URL; digests are sent by `send_digests`.
NOTIFICATION_DIGEST_MAX_ITEMS_PER_KIND = env_int("NOTIFICATION_DIGEST_MAX_ITEMS_PER_KIND", 20)
