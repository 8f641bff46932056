"""Test settings: the base settings with DEBUG-level defaults and fast hashing.

DATABASE_URL and REDIS_URL are honoured, so CI runs the same suite on PostgreSQL
and Redis; without them the suite runs on SQLite with eager Celery.
"""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("SECRET_KEY", "test-only-not-secret")

from servicing.settings.base import *  # noqa: F403
from servicing.settings.base import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests assert on-commit work and real workers explicitly; everything else runs inline.
CELERY_TASK_ALWAYS_EAGER = os.environ.get("CELERY_WORKER_TESTS") != "1"
if os.environ.get("TEST_DATABASE_NAME"):
    # .ci/run points its Celery worker at this database, so the worker and the
    # worker tests see the same rows.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
