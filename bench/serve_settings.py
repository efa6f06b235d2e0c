"""Settings of the WSGI workers the bench starts (bench.serve): production settings with
DEBUG off, plus what keeps a benchmark apart from the user's machine — the database comes
from DATABASE_URL (the bench database), a private in-memory cache per worker, no mail, a
fast password hasher, plain static URLs (no collectstatic) — and the timing middleware."""

from config.settings import *  # noqa: F403
from config.settings import MIDDLEWARE, STORAGES

DEBUG = False
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MIDDLEWARE = ["bench.timing.ServerTimingMiddleware", *MIDDLEWARE]
