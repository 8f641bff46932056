"""Scope checks: a token carries scopes; a browser session gets its roles' scopes."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from servicing.models import ApiClient
from servicing.roles import ROLE_SCOPES, user_roles


def request_scopes(request) -> set[str]:
    if isinstance(request.auth, ApiClient):
        return set(request.auth.scopes)
    scopes: set[str] = set()
    for role in user_roles(request.user):
        scopes |= ROLE_SCOPES.get(role, set())
    return scopes


class HasScope(BasePermission):
    """Allows the request when it holds the view's ``required_scope``."""

    message = "Your credentials lack the scope this endpoint needs."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        scope = getattr(view, "required_scope", None)
        if scope is None:
            return False
        self.message = f"This endpoint needs the '{scope}' scope."
        return scope in request_scopes(request)
