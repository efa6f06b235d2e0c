"""Rapport settings: one module, driven by environment variables (see docs/operations.md).

Every knob reads through config.env, which fails at start with a message naming the
variable when a value is malformed.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    env_timezone,
    env_url,
    secret_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("RAPPORT_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = secret_key(VAR_DIR)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
TESTING = env_bool("RAPPORT_TESTING", False)

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
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "huey.contrib.djhuey",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "axes",
    "csp",
    "rapport.core",
    "rapport.audit",
    "rapport.org",
    "rapport.customers",
    "rapport.sales",
    "rapport.goals",
    "rapport.imports",
    "rapport.search",
]

MIDDLEWARE = [
    "rapport.core.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "rapport.org.middleware.SessionTimeoutMiddleware",
    "rapport.org.middleware.UserPreferencesMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "rapport.org.middleware.TwoFactorPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "rapport" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rapport.core.context_processors.navigation",
            ],
        },
    }
]

# Form widgets render through Jinja2 (Django's own widget templates for it): the template
# engine's include per <option> made the filter forms a fifth of a list page (ADR 0012).
FORM_RENDERER = "django.forms.renderers.Jinja2"

# --- Database -----------------------------------------------------------------------------
DATABASE_URL = env_url("DATABASE_URL", {"sqlite", "postgres", "postgresql", "pgsql"})
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "CONN_MAX_AGE": 60}}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("NAME", VAR_DIR / "rapport.sqlite3")
    # WAL lets readers and one writer work together; IMMEDIATE takes the write lock at
    # BEGIN so concurrent writers wait (busy timeout) instead of failing mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20, minimum=1),
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
        ),
    }
elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # No JIT: the scope subqueries (an OR over several IN-subqueries) carry high cost
    # estimates, so PostgreSQL JIT-compiles plans that then run in a millisecond; the
    # compiling took 2.2 s of a 2.3 s home-page query at size L (docs/decisions/0011).
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()  # keeps ?options=
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and job runner ---------------------------------------------------------------------
# Web processes keep no state of their own (DESIGN §9): the cache is Redis when REDIS_URL is
# set, else files under var/ that every process on this machine shares. (The test settings
# give each test process its own in-memory cache.)
REDIS_URL = env_url("REDIS_URL", {"redis", "rediss", "unix"})
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# huey runs the jobs: SqliteHuey in a file under var/ (no server) by default, RedisHuey when
# REDIS_URL is set. `rapport run_huey` (or `python -m config.worker`) starts a consumer: its
# workers run tasks and its scheduler enqueues the periodic tasks once a minute. With several
# consumers on Redis, start all but one with `--no-periodic` so periodic tasks run once.
# Task results are not kept: a Job row is where user-visible outcomes live.
HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE", False)
HUEY = {
    "name": env_str("HUEY_NAME", "rapport"),
    "immediate": HUEY_IMMEDIATE,
    "results": False,
    "utc": True,
    "consumer": {
        "workers": env_int("HUEY_WORKERS", 2, minimum=1),
        "worker_type": "thread",
        # Poll the queue often so a user-started job begins within a fraction of a second.
        "initial_delay": 0.1,
        "backoff": 1.15,
        "max_delay": 2.0,
    },
}
if REDIS_URL:
    HUEY |= {"huey_class": "huey.RedisHuey", "url": REDIS_URL}
else:
    HUEY |= {
        "huey_class": "huey.SqliteHuey",
        "filename": env_str("HUEY_SQLITE_PATH", str(VAR_DIR / "huey.sqlite3")),
    }

# --- Accounts and security ----------------------------------------------------------------------
AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    # First, as django-axes asks: it refuses a locked-out name before any password check.
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: sign-in by username or email, no self-service sign-up (admins create
# accounts), TOTP with recovery codes, and a list of one's own sessions.
ACCOUNT_ADAPTER = "rapport.org.accounts.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
# django-axes counts failed sign-ins in the database; allauth's cache-based limit would
# count them twice. Its second-factor step shares this limit, so rapport.org.totp puts that
# step under django-axes too.
ACCOUNT_RATE_LIMITS = {"login_failed": None}
MFA_ADAPTER = "rapport.org.totp.MFAAdapter"
MFA_FORMS = {
    "authenticate": "rapport.org.totp.AuthenticateForm",
    "reauthenticate": "rapport.org.totp.ReauthenticateForm",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Rapport"
# Activity is tracked by rapport.org.middleware.SessionTimeoutMiddleware at most once a
# minute; allauth's own tracking writes to the database on every request.
USERSESSIONS_TRACK_ACTIVITY = False

BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
# Behind one reverse proxy, the client address is the last X-Forwarded-For entry.
ALLAUTH_TRUSTED_PROXY_COUNT = 1 if BEHIND_PROXY else 0

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "rapport.org.accounts.axes_username"
AXES_CLIENT_IP_CALLABLE = "rapport.core.middleware.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_SENSITIVE_PARAMETERS = ["password", "code"]
# The audit log records every sign-in; axes keeps only the failure counters.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_MINUTES", 120, minimum=1) * 60
SESSION_ABSOLUTE_TIMEOUT = env_int("SESSION_ABSOLUTE_HOURS", 12, minimum=1) * 3600
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Pages send the token from the page (hx-headers in base.html), but the Swagger UI at
# /api/docs/ reads the cookie for "Try it out" with a session, so it stays readable.
CSRF_COOKIE_HTTPONLY = False
CSRF_COOKIE_SAMESITE = "Lax"

SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# Load balancers probe over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
# Preloading commits the whole domain (every subdomain) to HTTPS in browsers for months
# and is hard to undo: the operator's decision for their company domain, not ours.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = [
    # security.W021 asks for SECURE_HSTS_PRELOAD; see the comment above: preloading is
    # opt-in (SECURE_HSTS_PRELOAD=true) for a company that owns and wants it for its domain.
    "security.W021",
]

# No inline script anywhere: our pages, allauth's, the admin's and the API docs
# (SpectacularSwaggerSplitView, which loads its start-up script as a file) take scripts from
# this origin only. The one inline style is the API docs page's own <style> block, allowed by
# its hash alone (rapport/org/tests/test_security.py recomputes it from the rendered page).
SWAGGER_UI_STYLE_HASH = "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", SWAGGER_UI_STYLE_HASH],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Language and time -----------------------------------------------------------------------
LANGUAGE_CODE = env_choice("LANGUAGE_CODE", "en", {"en", "zh-hans"})
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "rapport" / "locale"]
TIME_ZONE = env_timezone("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media ------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "rapport" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# --- Email -----------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# Seconds before an unanswering mail server fails a send (a job must not hang on it).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Rapport <rapport@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Links in mail (the digest) are absolute: the address people open Rapport at.
SITE_URL = (env_url("SITE_URL", {"http", "https"}) or "http://127.0.0.1:8000").rstrip("/")

# --- API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rapport.org.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rapport.core.api.pagination.BoundedPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "rapport.core.api.errors.exception_handler",
    "DEFAULT_VERSIONING_CLASS": None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Rapport API",
    "DESCRIPTION": "Rapport CRM, version 1. Authenticate with `Authorization: Token <key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status": name their choice sets so the schema is stable.
    "ENUM_NAME_OVERRIDES": {
        "CustomerStatusEnum": "rapport.customers.models.customer.CustomerStatus",
        "GoalStatusEnum": "rapport.goals.models.goal.GoalStatus",
    },
}

# --- Audit -------------------------------------------------------------------------------------
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 730, minimum=180)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # A handler of its own stops `run_huey` from adding a second one (double lines).
        "huey": {
            "handlers": ["console"],
            "level": env_choice("HUEY_LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR"}),
            "propagate": False,
        },
    },
}
