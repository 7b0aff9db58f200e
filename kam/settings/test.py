"""Test settings: SQLite in memory, or PostgreSQL when KAM_TEST_DATABASE_URL is set."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("KAM_DATA_DIR", str(Path(tempfile.gettempdir()) / "kam-test-data"))
os.environ.setdefault("KAM_SECRET_KEY", "test-only-secret-key-not-for-production")

import dj_database_url  # noqa: E402

from kam.settings.base import *  # noqa: E402, F403
from kam.settings.base import _postgres_options  # noqa: E402

_test_url = os.environ.get("KAM_TEST_DATABASE_URL")
if _test_url:
    DATABASES = {"default": _postgres_options(dict(dj_database_url.parse(_test_url)))}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False}

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
