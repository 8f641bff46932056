"""The production-like stack and CI script describe what the README promises."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_has_the_five_services_with_health_checks():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis"}
    for name, service in services.items():
        assert service["healthcheck"]["test"], name
    assert "gunicorn servicing.wsgi:application" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A servicing.celery worker")
    assert services["beat"]["command"].startswith("celery -A servicing.celery beat")
    env = services["web"]["environment"]
    assert env["DEBUG"] == "0" and env["DATABASE_URL"].startswith("postgres://")
    assert env["REDIS_URL"].startswith("redis://")


def test_ci_script_runs_the_readme_test_command_and_the_worker_tests():
    script = (ROOT / ".ci" / "run").read_text()
    assert "make test" in script and "make lint" in script
    assert "celery -A servicing.celery worker" in script and "-m celery_worker" in script
    assert "make test" in (ROOT / "README.md").read_text()
