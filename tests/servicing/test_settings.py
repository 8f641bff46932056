"""Settings come from the environment; production refuses insecure defaults."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROD = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
    "ALLOWED_HOSTS": "servicing.example.com",
    "DATABASE_URL": "postgres://servicing@127.0.0.1:5432/servicing",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # The e2e conftest sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright; production would not.
    dropped = {*PROD, "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    clean["DJANGO_SETTINGS_MODULE"] = "servicing.settings.base"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PROD)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without(missing):
    env = {k: v for k, v in PROD.items() if k != missing}
    result = manage("check", **env)
    assert result.returncode != 0
    assert f"Set the environment variable {missing}" in result.stderr


def test_bad_boolean_is_refused():
    result = manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_embedded_default_is_sqlite_and_eager_celery():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER)"
    )
    result = manage("shell", "--no-imports", "-c", code, DEBUG="1")
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True"], result.stderr


def test_redis_url_switches_to_a_real_broker():
    code = (
        "from django.conf import settings as s; "
        "print(s.CELERY_BROKER_URL, s.CELERY_TASK_ALWAYS_EAGER)"
    )
    result = manage(
        "shell", "--no-imports", "-c", code, DEBUG="1", REDIS_URL="redis://127.0.0.1:6379/3"
    )
    assert result.stdout.split() == ["redis://127.0.0.1:6379/3", "False"], result.stderr
