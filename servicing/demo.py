"""Kernel demo data: one user per role (idempotent). Later apps register their own seeders."""

from __future__ import annotations

import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from servicing.roles import ADMIN, AGENT, OPS, SUPERVISOR

# Local demo logins only; set DEMO_PASSWORD to choose another. seed_demo refuses to
# create them with DEBUG off unless asked explicitly (see the command).
DEMO_USERS = [
    ("agent", AGENT, "Alex", "Agent"),
    ("supervisor", SUPERVISOR, "Sam", "Supervisor"),
    ("ops", OPS, "Olive", "Ops"),
    ("admin", ADMIN, "Ada", "Admin"),
]


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD", "servicing-demo")


def seed_kernel(stdout) -> None:
    users = get_user_model()
    for username, role, first, last in DEMO_USERS:
        user, created = users.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"},
        )
        user.is_staff = role in (OPS, ADMIN)
        user.is_superuser = role == ADMIN
        user.set_password(demo_password())
        user.save()
        user.groups.add(Group.objects.get(name=role))
        stdout.write(f"  user {username!r} ({role}) {'created' if created else 'updated'}")
