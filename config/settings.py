"""claimtrack settings: one module, driven by environment variables.

Every variable is documented in README.md under "Configuration".
"""

import datetime
import os
import secrets
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from config.embedded_db import embedded_database_url

# Django's classes take the type parameters the stubs give them (ModelAdmin[Claim]).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
# Embedded database, development key, demo logins: var/ in the checkout (git-ignored).
VAR_DIR = Path(os.environ.get("VAR_DIR") or BASE_DIR / "var")


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# A checkout without DATABASE_URL runs on the embedded PostgreSQL in var/: that is a
# development machine (the embedded server listens only on a socket inside the
# checkout), so it gets development defaults and needs no variable set. A deployment
# sets DATABASE_URL, and then DEBUG is off and SECRET_KEY required unless set.
EMBEDDED_DATABASE = not os.environ.get("DATABASE_URL")
DEBUG = envbool("DEBUG", EMBEDDED_DATABASE)

# Written by config.startup.prepare() (manage.py, wsgi, tests) and only read here:
# importing the settings creates nothing. A tool that imports them before any
# start (mypy, an IDE) gets a throw-away key.
LOCAL_SECRET_KEY_FILE = VAR_DIR / "secret_key"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    if LOCAL_SECRET_KEY_FILE.exists():
        SECRET_KEY = LOCAL_SECRET_KEY_FILE.read_text().strip()
    else:
        SECRET_KEY = secrets.token_urlsafe(50)

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pgtrigger",
    "pghistory",
    "axes",
    "annotations",
    "projects",
    "claims",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files from the app server, compressed and cached (no separate web server needed).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language from the switch (a cookie) or the browser's Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.middleware.RefuseNulInQuery",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Who and where, for every history event written while serving the request.
    "pghistory.middleware.HistoryMiddleware",
    # Last, as django-axes requires: answers a locked-out login with 429.
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "config.auth.ModelBackend",  # one query for her permissions
]
# Failed logins are counted per username, from any address: rotating addresses
# does not help a guesser, and no proxy setting is needed to find the client's
# address. After LOGIN_FAILURE_LIMIT failures the username is locked for
# LOGIN_COOLOFF_MINUTES (the right password included); a success resets the count.
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=envint("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_CALLABLE = "config.auth.failed_login_username"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# axes.W006 asks for locking by address as well. Behind a proxy every client has
# the proxy's address, so that would lock everyone out after a few failures by
# anyone; the username lock above cannot be dodged by changing address or agent.
# security.W021: see SECURE_HSTS_PRELOAD.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "security.W021"]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
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

# Without DATABASE_URL: where the embedded server will listen once started.
# config.startup.prepare() (manage.py, the WSGI entry point, the tests) starts it
# and corrects the socket folder if it had to put it elsewhere.
DATABASE_URL = os.environ.get("DATABASE_URL") or embedded_database_url(VAR_DIR)

# Persistent connections, checked before reuse so that a restarted database
# costs no failed request.
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
}
# JIT off for every query: PostgreSQL compiles any query costed above jit_above_cost,
# and a search or list page over a million claims is costed that high, yet returns
# its page in milliseconds: compiling added about 0.4 s to each (issue 11). No query
# here is a long analytic scan that compiling would repay. No parallel workers either,
# for the same reason: a page of a million claims planned in parallel waited 15 to
# 40 ms for its workers to start, and each read as far as the page's end
# (bench/README.md); the exports' COPY plans use none.
_options = DATABASES["default"].setdefault("OPTIONS", {})
_options["options"] = (
    f"{_options.get('options', '')} -c jit=off -c max_parallel_workers_per_gather=0".strip()
)
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured(
        "claimtrack runs on PostgreSQL only: DATABASE_URL must be postgres://"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# History triggers (history/tracking.py). Migrations carry them, except on the table
# Django makes for Claim.topics, which pgtrigger's migrations skip: install every trigger
# (idempotent) after each migrate, so that table is tracked too.
PGTRIGGER_INSTALL_ON_MIGRATE = True
FIXTURE_DIRS = [BASE_DIR / "fixtures"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# English and Simplified Chinese; the translations live in locale/ (README: Languages).
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "static"))
# Deployed (DEBUG off), `collectstatic` writes compressed files with hashed names
# that WhiteNoise serves with far-future caching; in development WhiteNoise
# serves the apps' static folders directly and needs no collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Bodies larger than this are refused with 400 before any parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("MAX_REQUEST_BYTES", 10 * 1024 * 1024)

# The REST API (/api/v1/, claims/api.py). Everything is denied unless a
# permission class grants it; throttles bound what one client can ask for.
REST_FRAMEWORK = {
    # Token first: an anonymous request then gets 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Views in claims/api.py and annotations/api.py set their role permission,
    # throttles and cursor pagination themselves (config.api.ApiViewMixin).
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "30/minute"),
        "user": os.environ.get("API_THROTTLE_USER", "2000/minute"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "config.api.exception_handler",
}
API_PAGE_SIZE = envint("API_PAGE_SIZE", 50)
API_MAX_PAGE_SIZE = envint("API_MAX_PAGE_SIZE", 500)

SPECTACULAR_SETTINGS = {
    "TITLE": "claimtrack API",
    "DESCRIPTION": "Documents, claims, speakers, topics, metrics, targets, observations "
    "and claim relations; streamed claim exports. Offsets count Unicode code points.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from drf-spectacular-sidecar's static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # A relation's kind appears in the claim resource and in /relations/.
    "ENUM_NAME_OVERRIDES": {
        "RelationKindEnum": "claims.models.RelationKind",
        "MetricStatusEnum": "claims.models.MetricStatus",
        "StatusEnum": "annotations.models.ReviewStatus",  # a claim's, as before metrics had one
    },
}

# HTTPS. Each is settable for the deployment (README "Configuration"); the
# defaults are strict unless DEBUG is on. Behind a proxy that terminates TLS,
# set SECURE_PROXY_SSL_HEADER=1 (the proxy must set X-Forwarded-Proto).
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
# The health check answers plain HTTP, for a load balancer or systemd on the machine.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
# claimtrack has a host name of its own: its subdomains are HTTPS too.
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
# Preloading commits the whole domain to HTTPS in every browser: the domain
# owner's decision, so off unless set (and its check, security.W021, silenced).
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
if envbool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
