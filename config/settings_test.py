"""Test settings: config.settings with speed knobs only (DESIGN §10.10)."""

import os
import tempfile

os.environ.setdefault("RAPPORT_TESTING", "1")

from config.settings import *  # noqa: E402,F403
from config.settings import DATABASES, HUEY  # noqa: E402

TESTING = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Jobs run inline in tests; tests/integration starts real workers against the real queue.
HUEY = {**HUEY, "immediate": True}
MEDIA_ROOT = tempfile.mkdtemp(prefix="rapport-test-media-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not :memory:, so a worker process or live server can share the test database;
    # one per process, so parallel runs on one machine never share it.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"rapport-test-{os.getpid()}.sqlite3")
    }
# Each test process keeps its own cache, so parallel runs never share counters.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
AXES_ENABLED = True
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
