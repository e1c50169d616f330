"""Settings, all from environment variables.

Two profiles, chosen by WMS_ENV:
- ``development`` (default): DEBUG on, a throwaway secret key, plain HTTP on localhost. This is
  what ``make run`` and ``make test`` use, with the embedded PostgreSQL and Redis unless
  DATABASE_URL / REDIS_URL name real servers.
- ``production``: DEBUG off, SECRET_KEY / DATABASE_URL / REDIS_URL / ALLOWED_HOSTS required,
  HTTPS-only cookies and HSTS; passes ``manage.py check --deploy``.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from wms.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

WMS_ENV = env_str("WMS_ENV", "development")
if WMS_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"WMS_ENV must be development or production, not {WMS_ENV!r}.")
PRODUCTION = WMS_ENV == "production"

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
SECRET_KEY = env_str("SECRET_KEY", "" if PRODUCTION else "dev-only-insecure-key-change-me")
if PRODUCTION and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "Set SECRET_KEY to a long random value (50+ characters), e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(64))'."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set ALLOWED_HOSTS to the host names the site is served on.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files served from here, not a CDN
    "django_htmx",
    "template_partials",
    "inventory",
    "warehouse",
    "axes",  # login lockout; last so its admin and checks see everything else
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "wms.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "wms.security.SessionExpiryMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into lockout_response
]

ROOT_URLCONF = "wms.urls"
WSGI_APPLICATION = "wms.wsgi.application"
ASGI_APPLICATION = "wms.asgi.application"

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

# --- Database -------------------------------------------------------------------------------
# PostgreSQL only: the stock rules rely on its row locks, SKIP LOCKED and check constraints.
# Persistent connections with health checks: a new connection per request costs ~5x here.
DATABASE_URL = env_str("DATABASE_URL", None if PRODUCTION else "")
if not DATABASE_URL:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Start through `make run` / `make test`, which start an "
        "embedded PostgreSQL, or point DATABASE_URL at a PostgreSQL server."
    )
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 300),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must name a PostgreSQL database.")
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # services own their transactions
DATABASES["default"]["TEST"] = {"NAME": env_str("WMS_TEST_DATABASE", "test_wms")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis and Celery -----------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", None if PRODUCTION else "")
if not REDIS_URL:
    raise ImproperlyConfigured(
        "REDIS_URL is not set. Start through `make run` / `make test`, which start an "
        "embedded Redis, or point REDIS_URL at a Redis server."
    )
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# Tasks are idempotent (status guards under lock, unique keys), so acknowledging after the work
# is safe and a killed worker's task is redelivered rather than lost.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A Redis that accepts connections but never answers (hung, or a network that drops packets)
# must not hold a request: every socket gives up after REDIS_SOCKET_TIMEOUT seconds and a send
# is retried once. The change is already committed by then and its outbox row stays for the
# sweeper (wms/outbox.py); a page's session falls back to PostgreSQL (wms/sessions.py).
REDIS_SOCKET_TIMEOUT = env_float("REDIS_SOCKET_TIMEOUT", 2.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
    "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
CELERY_REDIS_SOCKET_TIMEOUT = REDIS_SOCKET_TIMEOUT
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_SOCKET_TIMEOUT
CELERY_RESULT_EXPIRES = 3600
CELERY_WORKER_MAX_MEMORY_PER_CHILD = 300_000  # KiB: recycle a child before it grows past 300 MB
CELERY_BEAT_SCHEDULE = {
    "stock-ledger-verify-nightly": {
        "task": "warehouse.tasks.stock_ledger_verify_task",
        "schedule": crontab(hour=2, minute=15),
    },
    "task-claims-reopen-stale": {
        "task": "warehouse.tasks.task_claims_reopen_stale_task",
        "schedule": 300.0,
    },
    "reorder-review": {
        "task": "inventory.tasks.reorder_review_task",
        "schedule": 900.0,
    },
    "demand-forecasts-nightly": {  # forecasts, then a review against them
        "task": "inventory.tasks.demand_forecasts_task",
        "schedule": crontab(hour=1, minute=30),
    },
    "pick-faces-replenish": {  # pick faces below their minimum get replenish tasks
        "task": "warehouse.tasks.pick_faces_replenish_task",
        "schedule": 60.0,
        "options": {"expires": 55},  # a run the worker did not reach is overtaken by the next
    },
    "cycle-counts-nightly": {  # tonight's share of the ABC count schedule, per warehouse
        "task": "warehouse.tasks.counts_plan_nightly_task",
        "schedule": crontab(hour=2, minute=45),
    },
    "outbox-sweep": {  # Celery sends a Redis outage left in the outbox (wms/outbox.py)
        "task": "wms.outbox.outbox_sweep_task",
        "schedule": 30.0,
        "options": {"expires": 25},  # a run the worker did not reach is overtaken by the next
    },
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {
            "socket_timeout": REDIS_SOCKET_TIMEOUT,
            "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
        },
    }
}
# Sessions read from Redis, written to both (a page costs no session query; wms/sessions.py).
SESSION_ENGINE = "wms.sessions"

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- I18N, static ---------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Development serves straight from the app folders; production from collectstatic's output.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG and not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "wms.api.authentication.AccessTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "wms.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "wms.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "wms.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"auth": "20/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "WMS API",
    "DESCRIPTION": "Warehouse management and inventory: stock per bin and lot, tasks, "
    "orders, replenishment. Writes name things by natural keys (warehouse code, "
    "location code, product sku, supplier code).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # /api/docs/ loads Swagger UI from our own static files (drf-spectacular-sidecar): no CDN,
    # and the page passes the content security policy like every other page.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a `kind`/`status`; give each choice set its own schema name.
    "ENUM_NAME_OVERRIDES": {
        "LocationKindEnum": "warehouse.models.layout.Location.Kind",
        "TaskKindEnum": "warehouse.models.tasks.Task.Kind",
        "TaskStatusEnum": "warehouse.models.tasks.Task.Status",
        "MoveKindEnum": "warehouse.models.stock.StockMove.Kind",
        "ProductTrackingEnum": "inventory.models.Product.Tracking",
        "UnitOfMeasureEnum": "inventory.models.Product.UnitOfMeasure",
    },
}

# --- Security (production profile) ----------------------------------------------------------
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # Only a header saying the site consents to browser preload lists; submitting the domain
    # is a separate, deliberate step. Set false for hosts that must stay reachable over HTTP.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # /healthz is probed over plain HTTP by load balancers and orchestrators.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Sessions: one shift, then sign in again. Floor users (shared handhelds) also lose theirs when
# the browser closes (wms.security.SessionExpiryMiddleware).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
WMS_FLOOR_SESSION_ENDS_WITH_BROWSER = env_bool("WMS_FLOOR_SESSION_ENDS_WITH_BROWSER", True)

# Login lockout (django-axes): AXES_FAILURE_LIMIT failed logins for one username from one
# address lock that pair for AXES_COOLOFF_MINUTES; a success resets the count. Covers the login
# page, the admin and POST /api/v1/auth/token/. Behind a proxy every client shares its address,
# so the lock is then per username. `manage.py axes_reset_username NAME` unlocks early.
AUTHENTICATION_BACKENDS = [
    "wms.security.LoginLockoutBackend",
    # ModelBackend reading the user, roles, permissions and warehouses in one statement.
    "wms.access.AccessBackend",
]
# Proxies in front of gunicorn that append the client's address to X-Forwarded-For (0: none,
# the address is the socket's; docs/deploy.md). The lockout and the API throttle read it.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "wms.security.client_ip"
# DRF's default (None) believes the whole X-Forwarded-For a client sends: a throttle anyone
# could dodge by writing a new address into it.
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Tries made while locked do not push the end of the lock further out: the wait is as told.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "wms.security.lockout_response"
AXES_VERBOSE = False
# No row per successful login: nothing reads it and nothing would prune it.
AXES_DISABLE_ACCESS_LOG = True

# Content security policy (wms.security.ContentSecurityPolicyMiddleware), on every HTML page.
# No inline script anywhere (behaviour lives in static/js); style attributes are allowed
# (progress bars and the map size themselves with style="..."), <style> elements are not.
WMS_CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "style-src-attr": ["'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
WMS_CSP_EXEMPT_PATHS: list[str] = []

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},  # lockouts; not a line for every login
    },
}

# --- Domain settings ------------------------------------------------------------------------
WMS_DEMO_PASSWORD = env_str("WMS_DEMO_PASSWORD", "demo")
# Receiving may pass a purchase order line's quantity by this much (percent, rounded down).
WMS_OVER_RECEIPT_TOLERANCE_PERCENT = env_int("WMS_OVER_RECEIPT_TOLERANCE_PERCENT", 10)
# A claimed task nobody touched for this long goes back to the queue.
WMS_TASK_CLAIM_TIMEOUT_MINUTES = env_int("WMS_TASK_CLAIM_TIMEOUT_MINUTES", 30)
# A count this far from the books (units, or percent of the books, whichever is larger) goes
# straight to the supervisor; a bigger difference is recounted blind first.
WMS_COUNT_TOLERANCE_UNITS = env_int("WMS_COUNT_TOLERANCE_UNITS", 1)
WMS_COUNT_TOLERANCE_PERCENT = env_int("WMS_COUNT_TOLERANCE_PERCENT", 2)
