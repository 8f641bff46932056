"""Kernel API: job run progress and the business date."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from servicing.api.permissions import HasScope
from servicing.api.schema import ApiAutoSchema
from servicing.business_date import get_business_date
from servicing.models import JobRun


class ScopedApi(APIView):
    """Base of every API view: authenticated, and the token must hold ``required_scope``."""

    permission_classes = [HasScope]
    required_scope: str = "read"
    schema = ApiAutoSchema()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # PostgreSQL refuses NUL in text: an id or query value with one matches nothing.
        if "\x00" in request.path:
            raise NotFound("No such resource.")
        for name, values in request.query_params.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                raise ValidationError({name: ["Text cannot contain NUL (\\x00) characters."]})


class ApiNotFound(APIView):
    """Any unmatched /api/v1/ URL: the contract's JSON 404, not Django's HTML page.

    Routed last, so a path parameter that does not fit its converter (``jobs/abc``,
    an empty or slashed loan number) answers like an unknown id does.
    """

    authentication_classes = []
    permission_classes = []

    def initial(self, request, *args, **kwargs):
        raise NotFound(f"No API resource at {request.path}.")


class JobRunOutput(serializers.ModelSerializer):
    percent = serializers.IntegerField()
    errors = serializers.SerializerMethodField()

    class Meta:
        model = JobRun
        fields = [
            "id",
            "kind",
            "business_date",
            "state",
            "total",
            "done",
            "failed",
            "percent",
            "message",
            "created_at",
            "started_at",
            "finished_at",
            "errors",
        ]

    def get_errors(self, job: JobRun) -> list[dict]:
        return [
            {"item_ref": e.item_ref, "message": e.message} for e in job.errors.order_by("id")[:100]
        ]


class JobRunDetailApi(ScopedApi):
    """Progress of a batch job run (COB date, escrow analysis, credit reporting...)."""

    required_scope = "read"

    @extend_schema(responses=JobRunOutput, summary="Job run progress")
    def get(self, request, job_id: int):
        job = get_object_or_404(JobRun, pk=job_id)
        return Response(JobRunOutput(job).data)


class BusinessDateApi(ScopedApi):
    required_scope = "read"

    @extend_schema(
        responses=inline_serializer("BusinessDate", {"business_date": serializers.DateField()}),
        summary="The current business date",
    )
    def get(self, request):
        return Response({"business_date": get_business_date()})
