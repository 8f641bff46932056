"""One place turning exceptions into the error bodies of spec/api.md."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from servicing.errors import DomainError, InvalidInput


def _as_list(value) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


def _field_errors(detail) -> dict:
    if isinstance(detail, dict):
        return {
            key: _field_errors(value) if isinstance(value, dict) else _as_list(value)
            for key, value in detail.items()
        }
    return {"non_field_errors": _as_list(detail)}


def exception_handler(exc, context):
    if isinstance(exc, InvalidInput):
        return Response(
            {"code": exc.code, "errors": {exc.field: [exc.message]}},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DomainError):
        return Response(
            {"code": exc.code, "detail": exc.message, **exc.extra}, status=exc.status_code
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    if isinstance(exc, exceptions.ValidationError):
        return Response(
            {"code": "invalid", "errors": _field_errors(exc.detail)},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, exceptions.ParseError):
        return Response(
            {"code": "invalid", "errors": {"non_field_errors": [str(exc.detail)]}},
            status=status.HTTP_400_BAD_REQUEST,
        )
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "code" not in response.data:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
        response.data = {
            "code": codes if isinstance(codes, str) else _CODES.get(response.status_code, "error"),
            "detail": str(response.data.get("detail", "")),
        }
    return response


_CODES = {
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
}
