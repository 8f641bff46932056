"""Roles are Django groups (created by migration 0002); pages and APIs name the ones they allow."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.mixins import UserPassesTestMixin
from django.core.exceptions import PermissionDenied

AGENT = "agent"
SUPERVISOR = "supervisor"
OPS = "ops"
ADMIN = "admin"
ALL_ROLES = (AGENT, SUPERVISOR, OPS, ADMIN)

# Scopes an agent's browser session has on the API, by role (LOS clients get theirs
# from their token).
ROLE_SCOPES = {
    AGENT: {"read", "payments", "draws"},
    SUPERVISOR: {"read", "payments", "draws", "onboarding"},
    OPS: {"read", "ops"},
    ADMIN: {"read", "payments", "draws", "onboarding", "ops"},
}


def user_roles(user) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_role_cache", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True)) & set(ALL_ROLES)
        if user.is_superuser:
            cached.add(ADMIN)
        user._role_cache = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def role_required(*roles: str):
    """View decorator: the user must hold one of ``roles`` (login is enforced globally)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied(f"This page is for: {', '.join(roles)}.")
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = roles
        return wrapped

    return decorator


class RoleRequiredMixin(UserPassesTestMixin):
    allowed_roles: tuple[str, ...] = ()

    def test_func(self) -> bool:
        return has_role(self.request.user, *self.allowed_roles)
