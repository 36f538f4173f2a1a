"""Django settings for the 大模型供需对接平台 project.

All deployment-specific values come from environment variables (see `.env.example`);
the defaults are safe for local development on SQLite.
"""

from __future__ import annotations

from datetime import timedelta
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
    "axes",
    "csp",
    # Project apps, lowest floor first (an app imports only from its floor or below).
    "matchmaking.core",
    "matchmaking.taxonomy",
    "matchmaking.accounts",
    "matchmaking.listings",
    "matchmaking.cases",
    "matchmaking.matching",
    "matchmaking.connections",
    "matchmaking.notifications",
    "matchmaking.events",
    "matchmaking.insights",
    "matchmaking.api",
]

MIDDLEWARE = [
    "matchmaking.core.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions, CSRF, auth and messages: a cached anonymous page skips all of them.
    "matchmaking.core.page_cache.PageCacheMiddleware",
    "matchmaking.core.db_router.ReadYourWritesMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a locked-out sign-in into the lockout page (see "Login throttling").
    "axes.middleware.AxesMiddleware",
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

# PostgreSQL's JIT compiles every query whose plan cost passes jit_above_cost (100,000): the
# need page's relaxation count at 100k offerings (cost ~900k) spent 93 ms of its 170 ms
# compiling (stop 32, docs/performance.md). Short web queries gain nothing from it, so each
# connection turns it off unless DJANGO_PG_JIT=1.
POSTGRES_OPTIONS = {} if env_bool("DJANGO_PG_JIT", False) else {"options": "-c jit=off"}
# Server-side parameters and prepared statements: a statement run 5 times on a connection is
# prepared, and PostgreSQL stops planning it again (the need page's read planned for 0.43 ms
# of its 0.56 ms on the server). Django binds on the client and prepares nothing by default
# (poolers in transaction mode cannot keep prepared statements): behind such a pooler, set
# DJANGO_PG_PREPARED_STATEMENTS=0. Measured in docs/performance.md (stop 37).
if env_bool("DJANGO_PG_PREPARED_STATEMENTS", True):
    POSTGRES_OPTIONS["server_side_binding"] = True
    POSTGRES_OPTIONS["prepare_threshold"] = env_int("DJANGO_PG_PREPARE_THRESHOLD", 5)

if DATABASE_URL and not DATABASE_URL.startswith("sqlite"):
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DJANGO_DB_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["OPTIONS"] = {
            **DATABASES["default"].get("OPTIONS", {}),
            **POSTGRES_OPTIONS,
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

# A PostgreSQL read replica (streaming replication of the primary): browse, detail and
# insights pages read from it, everything else from the primary; a browser that just wrote
# reads from the primary for DATABASE_REPLICA_PIN_SECONDS (core/db_router.py).
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **dj_database_url.parse(
            DATABASE_REPLICA_URL,
            conn_max_age=env_int("DJANGO_DB_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        ),
        "OPTIONS": dict(POSTGRES_OPTIONS),
        # Tests: the replica is the test database itself.
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["matchmaking.core.db_router.ReplicaRouter"]
DATABASE_REPLICA_PIN_SECONDS = env_int("DATABASE_REPLICA_PIN_SECONDS", 10)
# A page rendered from the replica may lag the primary: the page cache keeps it this long.
DATABASE_REPLICA_PAGE_CACHE_SECONDS = env_int("DATABASE_REPLICA_PAGE_CACHE_SECONDS", 5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------------------

# Two caches. ``default`` is fast and, without Redis, private to each process: it holds only
# values that never change under their key (rows keyed by row version, counts and tables keyed
# by a version). ``shared`` is one store for every worker process: what processes must agree
# on — the version numbers, the category hints — lives there (see core/shared_cache.py).
# With REDIS_URL both are Redis (and sessions use cached_db: Redis first, the database as the
# record); without it ``shared`` is a table in the database, created by core's migration.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    _redis = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "matchmaking",
    }
    CACHES = {"default": _redis, "shared": {**_redis, "KEY_PREFIX": "matchmaking-shared"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "matchmaking",
            # Browse rows (listings.cards, ~2 KB each) live here too: the default 300 entries
            # would evict a page's rows before they are reused.
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        },
        "shared": {
            "BACKEND": "matchmaking.core.shared_cache.SharedDatabaseCache",
            "LOCATION": "matchmaking_shared_cache",
            "KEY_PREFIX": "matchmaking",
            # A cull deletes 1/20 of the entries (~250 pages) while it holds SQLite's write
            # lock: Django's default third (~1,700 pages of ~30 KB) held it for 0.3–0.5 s and
            # every worker's next write waited (docs/performance.md, "Culls of the shared cache").
            # The row count behind the cull is read on one set in 16 (core/shared_cache.py):
            # on PostgreSQL it scanned the table on every page-cache miss.
            "OPTIONS": {"MAX_ENTRIES": 5_000, "CULL_FREQUENCY": 20, "CULL_CHECK_EVERY": 16},
        },
    }

# --- Authentication ---------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:profile"
LOGOUT_REDIRECT_URL = "core:home"
# AxesBackend first: it refuses locked-out credentials before the real check runs.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "matchmaking.accounts.backends.MembershipModelBackend",
]
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
# JSON from outside (API bodies, import files) nested deeper than this is refused
# (core/jsonsafe.py), before anything recurses over it.
JSON_MAX_DEPTH = env_int("JSON_MAX_DEPTH", 32)
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
# The language cookie (set by /i18n/setlang/) follows the session cookie: HTTPS-only in
# production, never read by JavaScript, not sent on cross-site subrequests.
LANGUAGE_COOKIE_SECURE = env_bool("DJANGO_LANGUAGE_COOKIE_SECURE", not DEBUG)
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# How many reverse proxies stand in front of Django. 0 (serving directly): the client address
# is REMOTE_ADDR and X-Forwarded-For is ignored, whatever a client sends. 1 behind the shipped
# nginx, which SETS X-Forwarded-For to the address it saw: the client is the right-most entry.
# Used by login throttling, the API's anonymous throttle (also DRF's NUM_PROXIES) and request
# logs (core/security.client_ip).
NUM_PROXIES = env_int("DJANGO_NUM_PROXIES", 0)
if NUM_PROXIES < 0:
    raise ImproperlyConfigured("DJANGO_NUM_PROXIES must be 0 or more.")

# Content-Security-Policy (django-csp): no inline script or style anywhere — JavaScript and
# CSS come from /static/ files only (see deploy/README.md, "Content-Security-Policy").
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Login throttling (django-axes, database handler: counts live in the shared database, so
# every gunicorn worker and app server sees the same failures without Redis). After
# AXES_FAILURE_LIMIT wrong passwords for one username from one address, that pair is locked
# for AXES_COOLOFF_MINUTES, even with the right password; a success resets the count.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "matchmaking.core.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "matchmaking.core.security.client_ip"
AXES_USERNAME_CALLABLE = "matchmaking.core.security.login_username"
AXES_VERBOSE = False
# Per-account limit across all addresses (accounts/login_limits.py): after this many failed
# sign-ins in a row, each further failure doubles the wait before the next attempt (1 s, 2 s,
# 4 s, …) up to the maximum; a success or ACCOUNT_LOGIN_FORGET_HOURS without failures resets.
ACCOUNT_LOGIN_FREE_FAILURES = env_int("ACCOUNT_LOGIN_FREE_FAILURES", 10)
ACCOUNT_LOGIN_MAX_DELAY_SECONDS = env_int("ACCOUNT_LOGIN_MAX_DELAY_SECONDS", 300)
ACCOUNT_LOGIN_FORGET_HOURS = env_int("ACCOUNT_LOGIN_FORGET_HOURS", 24)

# --- Matching ---------------------------------------------------------------------------

MATCHING_BUDGET_HARD_FACTOR = env_float("MATCHING_BUDGET_HARD_FACTOR", 5.0)
MATCHING_BUDGET_SOFT_FACTOR = env_float("MATCHING_BUDGET_SOFT_FACTOR", 2.0)

# --- Logging ----------------------------------------------------------------------------

# DJANGO_LOG_FORMAT=json: one JSON object per line (time, level, logger, message, and for
# requests id/method/path/status/duration) for a log collector; "plain" for humans.
LOG_FORMAT = env_str("DJANGO_LOG_FORMAT", "plain").strip().lower()
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("DJANGO_LOG_FORMAT must be 'plain' or 'json'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "matchmaking.core.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "matchmaking.core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "jieba": {"level": "WARNING"},
        # The request middleware logs every request once; Django's own 4xx lines would repeat it.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# --- listings ---------------------------------------------------------------------------

# Needs without a deadline expire this many days after publication (or renewal); posters are
# emailed this many days before a need expires (`manage.py expire_needs`, run daily).
NEED_DEFAULT_LIFETIME_DAYS = env_int("NEED_DEFAULT_LIFETIME_DAYS", 90)
NEED_EXPIRY_WARNING_DAYS = env_int("NEED_EXPIRY_WARNING_DAYS", 3)
# Facet counts and result totals of list pages are cached this many seconds (and dropped at
# once when a listing changes: services bump a version number).
LISTINGS_FACET_CACHE_SECONDS = env_int("LISTINGS_FACET_CACHE_SECONDS", 120)
# Anonymous pages marked shared_page (core/page_cache.py): an entry's longest life; every
# write makes new keys at once, this only bounds relative times ("3 hours ago"). 0 = off.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 300)
LISTINGS_PAGE_SIZE = env_int("LISTINGS_PAGE_SIZE", 20)
# Largest llm-match/v1 file `import_listings` and /admin/listings/import/ accept, in bytes.
LISTINGS_IMPORT_MAX_BYTES = env_int("LISTINGS_IMPORT_MAX_BYTES", 256 * 1024 * 1024)

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
# Verification documents (business licences) are stored under the same private root;
# PDFs may be this large (pictures follow IMAGE_UPLOAD_MAX_BYTES).
VERIFICATION_DOCUMENT_MAX_BYTES = env_int("VERIFICATION_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)

# --- notifications ---
# Emails carry absolute links built from SITE_URL; digests are sent by `send_digests`.
NOTIFICATION_DIGEST_MAX_ITEMS_PER_KIND = env_int("NOTIFICATION_DIGEST_MAX_ITEMS_PER_KIND", 20)

# --- insights ---
# Insight tables are cached this many seconds at most (and dropped at once when listings,
# connections, cases or suggestions change: a version number is bumped).
INSIGHTS_CACHE_SECONDS = env_int("INSIGHTS_CACHE_SECONDS", 600)
# A stored suggestion (matching.Suggestion, score 0–100) counts as "good" for the unmet-demand
# and funnel figures at this score or above.
INSIGHTS_GOOD_SUGGESTION_SCORE = env_float("INSIGHTS_GOOD_SUGGESTION_SCORE", 50.0)
# A need with fewer good suggestions than this counts as unmet demand.
INSIGHTS_UNMET_BELOW = env_int("INSIGHTS_UNMET_BELOW", 3)

# --- api ---
# JSON API under /api/v1/ (Django REST framework), OpenAPI schema at /api/schema/, Swagger UI
# at /api/docs/ with its assets from drf-spectacular-sidecar (served by WhiteNoise, no CDN).
INSTALLED_APPS += ["rest_framework", "drf_spectacular", "drf_spectacular_sidecar"]

API_PAGE_SIZE = env_int("API_PAGE_SIZE", 20)
API_MAX_PAGE_SIZE = env_int("API_MAX_PAGE_SIZE", 100)
# Requests per client: "<n>/<second|minute|hour|day>"; counted in the default cache.
API_THROTTLE_RATES = {
    "anon": env_str("API_THROTTLE_ANON", "60/minute"),
    "user": env_str("API_THROTTLE_USER", "600/minute"),
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "matchmaking.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["matchmaking.api.parsers.LimitedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "matchmaking.api.pagination.ApiPagination",
    "DEFAULT_THROTTLE_CLASSES": [
        "matchmaking.api.throttling.AnonThrottle",
        "matchmaking.api.throttling.UserThrottle",
    ],
    "EXCEPTION_HANDLER": "matchmaking.api.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "matchmaking.api.schema.ApiAutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "NUM_PROXIES": NUM_PROXIES,
}

# Error responses (400, 403, 404, 500) under these paths are the API's JSON error body, even
# when no API view ran (an id that matches no route, a body over DATA_UPLOAD_MAX_MEMORY_SIZE).
JSON_ERROR_PATH_PREFIXES = ("/api/v1/",)

SPECTACULAR_SETTINGS = {
    "TITLE": "大模型供需对接平台 API",
    "DESCRIPTION": (
        "Taxonomy, organizations, offerings, needs, matches, cases, connections, messages and "
        "notifications. Authenticate with `Authorization: Token <key>` (tokens are created on "
        "the profile page) or the site's session."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Listing statuses appear in list and detail components (the detail adds pending_revision).
    "ENUM_NAME_OVERRIDES": {
        "OfferingStatusEnum": "matchmaking.listings.choices.OfferingStatus",
        "NeedStatusEnum": "matchmaking.listings.choices.NeedStatus",
        "RevisionStatusEnum": "matchmaking.listings.choices.RevisionStatus",
    },
}

# --- matching ---
# Suggestions stored per need and per offering; a new one scoring at least NOTIFY_SCORE
# notifies the owner ("new strong match"). Refreshes run as background tasks (django-tasks):
# inline after the transaction commits by default (TASKS_BACKEND=immediate), or queued in the
# database and run by `manage.py db_worker` (TASKS_BACKEND=database). See matching/tasks.py.
MATCHING_TOP_K = env_int("MATCHING_TOP_K", 10)
# How long the need form's category hints for one text are kept in the shared cache (they are
# also dropped whenever the listings or taxonomy version changes).
MATCHING_HINTS_CACHE_SECONDS = env_int("MATCHING_HINTS_CACHE_SECONDS", 300)
MATCHING_NOTIFY_SCORE = env_float("MATCHING_NOTIFY_SCORE", 80.0)
# The fitted matching engine is written here by the process that fits it (task worker,
# rebuild_suggestions, seed_demo) and memory-mapped by the others (matching/snapshots.py).
MATCHING_SNAPSHOT_DIR = Path(env_str("MATCHING_SNAPSHOT_DIR", str(VAR_DIR / "matching")))
# A web worker never fits the engine: it opens the snapshot and follows the change feed
# (deploy/gunicorn.conf.py sets it; runserver and the task worker leave it off).
MATCHING_WEB_WORKER = env_bool("MATCHING_WEB_WORKER", False)
# Optional semantic layer: an OpenAI-compatible embeddings endpoint (empty URL = off).
MATCHING_EMBEDDINGS_URL = env_str("MATCHING_EMBEDDINGS_URL", "").rstrip("/")
MATCHING_EMBEDDINGS_MODEL = env_str("MATCHING_EMBEDDINGS_MODEL", "")
MATCHING_EMBEDDINGS_API_KEY = env_str("MATCHING_EMBEDDINGS_API_KEY", "")
MATCHING_EMBEDDINGS_WEIGHT = env_float("MATCHING_EMBEDDINGS_WEIGHT", 0.25)
MATCHING_EMBEDDINGS_TIMEOUT = env_float("MATCHING_EMBEDDINGS_TIMEOUT", 10.0)
INSTALLED_APPS += ["django_tasks", "django_tasks.backends.database"]
TASKS_BACKEND = env_str("TASKS_BACKEND", "immediate").strip().lower()
if TASKS_BACKEND not in ("immediate", "database"):
    raise ImproperlyConfigured("TASKS_BACKEND must be 'immediate' or 'database'.")
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.database.DatabaseBackend"
            if TASKS_BACKEND == "database"
            else "django_tasks.backends.immediate.ImmediateBackend"
        )
    }
}

# --- performance (load test) ---
# SQLite connections are kept open between requests (each gunicorn worker serves one request
# at a time): no reconnect + PRAGMAs per request, and the connection's 64 MB page cache stays
# warm across requests. 0 = close after each request (Django's default).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DJANGO_SQLITE_CONN_MAX_AGE", 600)
# Browse pages answer filters, facet counts, sorting and keyword search for published offerings
# and open needs from per-process in-memory indexes (matchmaking/listings/browse/index.py); 0 =
# always use SQL. An index is patched from the change feed (any saved or deleted listing or
# saved organization) and, as a safety net for writes that record nothing, rebuilt once it is
# LISTINGS_INDEX_MAX_AGE_SECONDS old.
LISTINGS_MEMORY_INDEX = env_bool("LISTINGS_MEMORY_INDEX", True)
LISTINGS_INDEX_MAX_AGE_SECONDS = env_int("LISTINGS_INDEX_MAX_AGE_SECONDS", 900)
# A process that builds a browse index publishes it here (memory-mapped files, one folder per
# database); a starting process opens it instead of building its own and follows the change
# feed from where it was built (listings/browse/snapshot.py). "" = off.
LISTINGS_INDEX_SNAPSHOT_DIR = env_str("LISTINGS_INDEX_SNAPSHOT_DIR", str(VAR_DIR / "browse"))
# The change feed (matchmaking/core/changes.py) the browse indexes and the matching runtime
# follow: an id below the highest one read is waited for this long (a transaction that took
# its id earlier but commits later); records older than the retention are pruned by
# `manage.py prune_change_feed` (deploy/cron.example).
CHANGE_FEED_LOOKBACK_SECONDS = env_int("CHANGE_FEED_LOOKBACK_SECONDS", 60)
CHANGE_FEED_RETENTION_DAYS = env_int("CHANGE_FEED_RETENTION_DAYS", 7)

# --- listings: offering view counts ---
# Offering page views are tallied per process and written in one batch once the oldest
# unwritten view is this many seconds old (and at exit); see matchmaking/listings/view_counts.py.
# 0 = write every view at once.
LISTINGS_VIEW_COUNT_FLUSH_SECONDS = env_float("DJANGO_VIEW_COUNT_FLUSH_SECONDS", 10.0)
