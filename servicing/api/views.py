"""Kernel API: job run progress and the business date."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from servicing.api.permissions import HasScope
from servicing.business_date import get_business_date
from servicing.models import JobRun


class ScopedApi(APIView):
    """Base of every API view: authenticated, and the token must hold ``required_scope``."""

    permission_classes = [HasScope]
    required_scope: str = "read"


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
