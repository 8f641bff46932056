"""OpenAPI description of the token scheme (loaded by the app config) and of error bodies."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from servicing.api.idempotency import HEADER as IDEMPOTENCY_HEADER


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "servicing.api.auth.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>` from `manage.py create_api_client NAME --scopes ...`",
        }


class ErrorOutput(serializers.Serializer):
    """A 401/403/404/409/422 body; a 409 may carry more keys (e.g. ``loan_number``)."""

    code = serializers.CharField()
    detail = serializers.CharField()


class ValidationErrorOutput(serializers.Serializer):
    """A 400 body: ``errors`` maps each offending field to its messages (nested for objects)."""

    code = serializers.CharField()
    errors = serializers.DictField(child=serializers.JSONField())


def _error(description: str, body=ErrorOutput) -> OpenApiResponse:
    return OpenApiResponse(response=body, description=description)


class ApiAutoSchema(AutoSchema):
    """Documents the error answers of spec/api.md on every API operation.

    400/401/403 everywhere (any query may be malformed, e.g. a NUL character); 404 with
    path parameters; 409 on writes; 422 with an Idempotency-Key. A view's own
    ``@extend_schema(responses=...)`` for the same code wins.
    """

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, response in self._error_responses().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses

    def _error_responses(self) -> dict[str, OpenApiResponse]:
        params = [p for p in self.get_override_parameters() if isinstance(p, OpenApiParameter)]
        writes = self.method in ("POST", "PUT", "PATCH", "DELETE")
        errors = {
            "400": _error("Invalid input", ValidationErrorOutput),
            "401": _error("Missing or invalid token"),
            "403": _error("The token lacks the scope this endpoint needs"),
        }
        if "{" in self.path:
            errors["404"] = _error("No such resource")
        if writes:
            errors["409"] = _error("The resource's state does not allow this")
        if any(p.name == IDEMPOTENCY_HEADER for p in params):
            errors["422"] = _error("Idempotency-Key reused with another request body")
        return errors
