"""Loan API views: thin; the role or scope check is on each class."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from loans import selectors
from loans.api.onboarding import OnboardingInput
from loans.api.outputs import (
    ActivityOutput,
    InstallmentOutput,
    LoanOutput,
    ScheduleOutput,
    SchedulePreviewOutput,
    TransactionOutput,
)
from loans.schedules import build_rows, terms_from_input
from loans.services.catch_up import catch_up
from loans.services.onboarding import onboard_loan, product_for_code
from servicing.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from servicing.api.views import ScopedApi

ONBOARD_EXAMPLE = OpenApiExample(
    "Term loan",
    value={
        "application_number": "APP-2026-0001",
        "product_code": "TERM",
        "borrower": {
            "borrower_id": "B-1001",
            "kind": "individual",
            "first_name": "Jane",
            "last_name": "Doe",
            "email": "jane@example.com",
        },
        "funded_amount": "200000.00",
        "funded_date": "2026-01-01",
        "interest_rate": "6.000000",
        "day_count": "30/360",
        "payment_frequency": "monthly",
        "first_payment_date": "2026-02-01",
        "number_of_payments": 360,
        "schedule_type": "equated",
    },
    request_only=True,
)


def _row_json(row) -> dict:
    amounts = ("principal", "interest", "fees", "escrow", "total", "balance_after")
    return {
        "number": row.number,
        "due_date": row.due_date.isoformat(),
        **{name: f"{getattr(row, name):.2f}" for name in amounts},
    }


def _loan_or_404(loan_number: str):
    """The loan, caught up to the business date first (nobody sees a stale balance)."""
    loan = selectors.loan_by_number(loan_number)
    if loan is None:
        raise Http404(f"No loan {loan_number}.")
    return catch_up(loan)


class LoanOnboardApi(ScopedApi):
    required_scope = "onboarding"

    @extend_schema(
        request=OnboardingInput,
        responses={201: LoanOutput},
        examples=[ONBOARD_EXAMPLE],
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="Board a funded loan",
    )
    @idempotent
    def post(self, request):
        data = OnboardingInput(data=request.data)
        data.is_valid(raise_exception=True)
        loan = onboard_loan(data.validated_data, actor=request.user)
        return Response(LoanOutput(loan).data, status=status.HTTP_201_CREATED)


class SchedulePreviewApi(ScopedApi):
    required_scope = "onboarding"

    @extend_schema(
        request=OnboardingInput,
        responses={200: SchedulePreviewOutput},
        examples=[ONBOARD_EXAMPLE],
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="Preview the schedule boarding would create (nothing stored)",
    )
    @idempotent
    def post(self, request):
        data = OnboardingInput(data=request.data)
        data.is_valid(raise_exception=True)
        terms = terms_from_input(
            data.validated_data, product_for_code(data.validated_data["product_code"])
        )
        rows = build_rows(terms)
        return Response({"installments": [_row_json(row) for row in rows]})


class LoanDetailApi(ScopedApi):
    required_scope = "read"

    @extend_schema(responses=LoanOutput, summary="A loan with balances, amount due and DPD")
    def get(self, request, loan_number: str):
        return Response(LoanOutput(_loan_or_404(loan_number)).data)


class LoanScheduleApi(ScopedApi):
    required_scope = "read"

    @extend_schema(
        responses=ScheduleOutput,
        parameters=[OpenApiParameter("version", int, description="An older schedule version")],
        summary="The loan's schedule (current version unless ?version=N)",
    )
    def get(self, request, loan_number: str):
        loan = _loan_or_404(loan_number)
        raw = request.query_params.get("version")
        if raw is not None and not (raw.isascii() and raw.isdigit()):  # "²".isdigit() too
            return Response(
                {"code": "invalid", "errors": {"version": ["A whole number."]}}, status=400
            )
        version = selectors.schedule_version(loan, int(raw) if raw else None)
        if version is None:
            raise Http404("No such schedule version.")
        rows = InstallmentOutput(selectors.installments(version), many=True).data
        return Response({"version": version.version, "installments": rows})


class LoanTransactionsApi(ScopedApi):
    required_scope = "read"

    @extend_schema(responses=TransactionOutput(many=True), summary="The loan's ledger rows")
    def get(self, request, loan_number: str):
        loan = _loan_or_404(loan_number)
        return Response(TransactionOutput(selectors.ledger_rows(loan), many=True).data)


class LoanActivityApi(ScopedApi):
    required_scope = "read"

    @extend_schema(responses=ActivityOutput(many=True), summary="The loan's activity log")
    def get(self, request, loan_number: str):
        loan = _loan_or_404(loan_number)
        return Response(ActivityOutput(selectors.loan_activity(loan)[:500], many=True).data)
