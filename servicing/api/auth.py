"""API clients: `Authorization: Token <key>`; only a SHA-256 of the key is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from rest_framework import authentication, exceptions

from servicing.activity import record_activity
from servicing.errors import InvalidInput
from servicing.models import ApiClient

VALID_SCOPES = {choice.value for choice in ApiClient.Scope}


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_client(*, name: str, scopes: list[str], actor=None) -> tuple[ApiClient, str]:
    """Create a client and return it with its token; the token is shown only this once."""
    unknown = sorted(set(scopes) - VALID_SCOPES)
    if unknown or not scopes:
        raise InvalidInput(
            f"Unknown scopes: {', '.join(unknown)}. Choose from {', '.join(sorted(VALID_SCOPES))}."
            if unknown
            else "Give at least one scope.",
            field="scopes",
        )
    if ApiClient.objects.filter(name=name).exists():
        raise InvalidInput(f"An API client named {name!r} already exists.", field="name")
    key = secrets.token_urlsafe(32)
    with transaction.atomic():
        user = get_user_model().objects.create_user(username=f"api-{name}"[:150])
        user.set_unusable_password()
        user.save(update_fields=["password"])
        client = ApiClient.objects.create(
            name=name,
            user=user,
            scopes=sorted(set(scopes)),
            key_prefix=key[:8],
            key_hash=hash_key(key),
        )
        record_activity(
            actor=actor,
            action="api_client.created",
            summary=f"API client {name} created with scopes {', '.join(client.scopes)}",
            target=client,
            after={"scopes": client.scopes},
        )
    return client, key


LAST_USED_PRECISION = dt.timedelta(minutes=1)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header: use 'Token <key>'.")
        try:
            key = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token.") from exc
        client = ApiClient.objects.select_related("user").filter(key_hash=hash_key(key)).first()
        if client is None or not client.is_active or not client.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or inactive token.")
        now = timezone.now()
        # "Last used" to the minute: one write a minute per client, not one per request
        # (a write outside the request's transaction costs a commit and a WAL flush).
        if client.last_used_at is None or now - client.last_used_at >= LAST_USED_PRECISION:
            ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        return client.user, client

    def authenticate_header(self, request) -> str:
        return self.keyword
