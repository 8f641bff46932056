"""Idempotency-Key on POSTs (spec/api.md).

The same key with the same body returns the first response without doing the work
again; the same key with another body is 422 ``idempotency_key_reused``. Only a
successful (2xx) response is kept: after an error the client may retry with the key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from functools import wraps

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework.response import Response

from servicing.models import IdempotencyKey
from servicing.transactions import request_transaction

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# A key without its response after this long (only a row written before the key and the
# work shared one transaction: a request that dies now leaves no key) lets a retry run.
ABANDONED_AFTER = dt.timedelta(minutes=10)

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description="Any unique string (a UUID). Retrying with the same key and body returns "
    "the first response; the same key with another body is 422.",
)


def _request_hash(request) -> str:
    body = json.dumps(request.data, sort_keys=True, cls=DjangoJSONEncoder, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _error(status: int, code: str, detail: str) -> Response:
    return Response({"code": code, "detail": detail}, status=status)


def _claim(request, key: str, digest: str) -> tuple[IdempotencyKey | None, Response | None]:
    """Insert the key (the unique constraint decides who runs) or answer from the stored row."""
    try:
        with transaction.atomic():
            row = IdempotencyKey.objects.create(
                owner=request.user,
                key=key,
                method=request.method,
                path=request.path,
                request_hash=digest,
            )
        return row, None
    except IntegrityError:
        pass
    row = IdempotencyKey.objects.get(owner=request.user, key=key)
    if row.request_hash != digest:
        return None, _error(
            422,
            "idempotency_key_reused",
            "This Idempotency-Key was used with a different request body.",
        )
    if row.response_status is None:
        if timezone.now() - row.created_at < ABANDONED_AFTER:
            return None, _error(
                409,
                "idempotency_key_in_progress",
                "A request with this Idempotency-Key is still being processed.",
            )
        row.created_at = timezone.now()
        row.save(update_fields=["created_at"])
        return row, None
    replay = Response(row.response_body, status=row.response_status)
    replay["Idempotent-Replayed"] = "true"
    return None, replay


def run_idempotent(request, handler: Callable[[], Response]) -> Response:
    key = request.headers.get(HEADER)
    if key is None:
        return handler()
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        return Response(
            {"code": "invalid", "errors": {HEADER: [f"Use 1 to {MAX_KEY_LENGTH} characters."]}},
            status=400,
        )
    # The key, the work and the stored response in one transaction (the services join
    # it): a request that fails or dies leaves no key behind, and one that commits has
    # its response stored. A concurrent request with the same key waits on the key's
    # unique index until this one ends, then answers from the stored response.
    with request_transaction():
        row, answer = _claim(request, key, _request_hash(request))
        if answer is not None:
            return answer
        response = handler()
        if 200 <= response.status_code < 300:
            row.response_status = response.status_code
            row.response_body = json.loads(json.dumps(response.data, cls=DjangoJSONEncoder))
            row.save(update_fields=["response_status", "response_body"])
        else:
            row.delete()
    return response


def idempotent(method):
    """Decorate an APIView's ``post`` to honour the Idempotency-Key header."""

    @wraps(method)
    def wrapper(self, request, *args, **kwargs):
        return run_idempotent(request, lambda: method(self, request, *args, **kwargs))

    return wrapper


def purge_idempotency_keys(*, older_than_hours: int) -> int:
    """Delete keys older than the TTL (spec/api.md keeps them at least 24 h)."""
    cutoff = timezone.now() - dt.timedelta(hours=max(older_than_hours, 24))
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
