"""Escrow analysis over the API (spec/api.md "Ops"): one loan now, or a batch as a job.

Scope ``ops``: escrow analysis is ops work (ops and admin sessions hold it; an LOS token
only when given it).
"""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from escrow.batch import start_batch
from escrow.models import EscrowAnalysis
from escrow.services.analysis import analyze_loan
from loans.api.actions import loan_or_404
from servicing.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from servicing.api.schema import ErrorOutput
from servicing.api.views import ScopedApi


class AnalysisInput(serializers.Serializer):
    effective_date = serializers.DateField()
    update = serializers.BooleanField(default=False)


class AnalysisRowOutput(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM; row 0 is the start of the year.")
    deposit = serializers.CharField()
    disbursement = serializers.CharField()
    step1 = serializers.CharField()
    step2 = serializers.CharField()
    step3 = serializers.CharField()
    projected = serializers.CharField()


class AnalysisActionOutput(serializers.Serializer):
    code = serializers.CharField()
    amount = serializers.CharField()
    rule = serializers.CharField(help_text="The paragraph of 12 CFR 1024.17.")
    within_days = serializers.IntegerField()
    installments = serializers.ListField(child=serializers.CharField())


class AnalysisOutput(serializers.Serializer):
    analysis_id = serializers.IntegerField(source="pk")
    computation_year_start = serializers.DateField()
    annual_disbursements = serializers.CharField()
    monthly_payment = serializers.CharField()
    cushion = serializers.CharField()
    required_starting_balance = serializers.CharField()
    projected_starting_balance = serializers.CharField()
    surplus = serializers.CharField()
    shortage = serializers.CharField()
    deficiency = serializers.CharField()
    low_point_month = serializers.CharField(help_text="YYYY-MM")
    new_monthly_payment = serializers.CharField()
    exempt = serializers.BooleanField()
    actions = AnalysisActionOutput(many=True, source="result.actions")
    rows = AnalysisRowOutput(many=True, source="result.rows")


class LoanEscrowAnalysisApi(ScopedApi):
    required_scope = "ops"

    @extend_schema(
        request=AnalysisInput,
        responses={200: AnalysisOutput, 409: ErrorOutput},
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="Analyze a loan's escrow (and update it)",
        description="409 codes: no_escrow_to_analyze, loan_not_open, already_analyzed, "
        "no_installment_after_date, escrow_analysis_monthly_only.",
    )
    @idempotent
    def post(self, request, loan_number: str):
        loan = loan_or_404(loan_number)
        data = AnalysisInput(data=request.data)
        data.is_valid(raise_exception=True)
        analysis: EscrowAnalysis = analyze_loan(loan, actor=request.user, **data.validated_data)
        return Response(AnalysisOutput(analysis).data, status=status.HTTP_200_OK)


class BatchInput(serializers.Serializer):
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    update = serializers.BooleanField(default=False)
    generate_report = serializers.BooleanField(default=True)
    send_email = serializers.BooleanField(default=False)

    def validate(self, attrs):
        if attrs["end_date"] < attrs["start_date"]:
            raise serializers.ValidationError({"end_date": ["Must not be before start_date."]})
        return attrs


class EscrowAnalysisBatchApi(ScopedApi):
    required_scope = "ops"

    @extend_schema(
        request=BatchInput,
        responses={
            202: inline_serializer("EscrowBatchQueued", {"job_id": serializers.IntegerField()})
        },
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="Start a batch escrow analysis (progress: GET /api/v1/jobs/{id})",
    )
    @idempotent
    def post(self, request):
        data = BatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            job = start_batch(actor=request.user, **data.validated_data)
        return Response({"job_id": job.pk}, status=status.HTTP_202_ACCEPTED)
