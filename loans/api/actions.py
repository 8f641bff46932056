"""Loan actions over the API: payments, reversals, fees, payoff (spec/api.md)."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from loans import selectors
from loans.api.fields import MoneyField
from loans.api.outputs import TransactionOutput
from loans.models import LedgerEntry, PaymentHierarchy
from loans.services.fees import apply_fee
from loans.services.payments import INSTRUMENTS, post_payment, reverse_payment
from loans.services.payoff import payoff_quote
from servicing.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from servicing.api.schema import ErrorOutput
from servicing.api.views import ScopedApi


def loan_or_404(loan_number: str, *, reference: bool = False):
    """The loan, or a 404. ``reference``: its id and number only, for a service that locks
    and reads the loan itself."""
    if reference:
        loan = selectors.loan_reference(loan_number)
    else:
        loan = selectors.loan_by_number(loan_number)
    if loan is None:
        raise Http404(f"No loan {loan_number}.")
    return loan


class PaymentInput(serializers.Serializer):
    amount = MoneyField(min_value=None)
    effective_date = serializers.DateField()
    payment_date = serializers.DateField(required=False)
    instrument = serializers.ChoiceField(choices=INSTRUMENTS, default="ach")
    hierarchy = serializers.ChoiceField(choices=PaymentHierarchy.choices, required=False)
    external_reference = serializers.CharField(max_length=100, required=False, allow_blank=True)


class LoanPaymentApi(ScopedApi):
    required_scope = "payments"

    @extend_schema(
        request=PaymentInput,
        responses={201: TransactionOutput},
        parameters=[IDEMPOTENCY_PARAMETER],
        examples=[
            OpenApiExample(
                "ACH payment",
                request_only=True,
                value={
                    "amount": "408.03",
                    "effective_date": "2026-02-01",
                    "instrument": "ach",
                    "external_reference": "ACH-88812",
                },
            )
        ],
        summary="Post a payment (a backdated one replays the loan)",
    )
    @idempotent
    def post(self, request, loan_number: str):
        loan = loan_or_404(loan_number, reference=True)
        data = PaymentInput(data=request.data)
        data.is_valid(raise_exception=True)
        entry = post_payment(loan, actor=request.user, **data.validated_data)
        return Response(TransactionOutput(entry).data, status=status.HTTP_201_CREATED)


class ReverseInput(serializers.Serializer):
    reason = serializers.CharField(max_length=400)


class PaymentReverseApi(ScopedApi):
    required_scope = "payments"

    @extend_schema(
        request=ReverseInput,
        responses={201: TransactionOutput},
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="Reverse a payment",
    )
    @idempotent
    def post(self, request, loan_number: str, entry_id: int):
        loan = loan_or_404(loan_number, reference=True)
        entry = LedgerEntry.objects.filter(loan=loan, pk=entry_id, kind="payment").first()
        if entry is None:
            raise Http404("No such payment on this loan.")
        data = ReverseInput(data=request.data)
        data.is_valid(raise_exception=True)
        reversal = reverse_payment(entry, reason=data.validated_data["reason"], actor=request.user)
        return Response(TransactionOutput(reversal).data, status=status.HTTP_201_CREATED)


class FeeAssessInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    amount = MoneyField(min_value=None)
    effective_date = serializers.DateField(required=False)


class LoanFeeApi(ScopedApi):
    required_scope = "payments"

    @extend_schema(
        request=FeeAssessInput,
        responses={201: TransactionOutput},
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="Assess a fee",
    )
    @idempotent
    def post(self, request, loan_number: str):
        loan = loan_or_404(loan_number, reference=True)
        data = FeeAssessInput(data=request.data)
        data.is_valid(raise_exception=True)
        entry = apply_fee(loan, actor=request.user, **data.validated_data)
        return Response(TransactionOutput(entry).data, status=status.HTTP_201_CREATED)


class PayoffOutput(serializers.Serializer):
    loan_number = serializers.CharField()
    payoff_date = serializers.DateField()
    interest_through = serializers.BooleanField()
    principal = serializers.CharField()
    interest = serializers.CharField()
    additional_interest = serializers.CharField()
    fees = serializers.CharField()
    escrow = serializers.CharField()
    excess = serializers.CharField()
    per_diem = serializers.CharField()
    default_per_diem = serializers.CharField(
        help_text="Default (additional) interest of the payoff date; 0.00 when not past due."
    )
    total = serializers.CharField()
    business_date = serializers.DateField()


class LoanPayoffApi(ScopedApi):
    required_scope = "read"

    @extend_schema(
        parameters=[OpenApiParameter("date", dt.date, description="Payoff date (default: today)")],
        responses={200: PayoffOutput, 409: ErrorOutput},  # 409 loan_not_open
        summary="Payoff quote with per diem",
    )
    def get(self, request, loan_number: str):
        loan = loan_or_404(loan_number)
        raw = request.query_params.get("date")
        payoff_date = None
        if raw:
            try:
                payoff_date = dt.date.fromisoformat(raw)
            except ValueError:
                return Response(
                    {"code": "invalid", "errors": {"date": ["Use YYYY-MM-DD."]}}, status=400
                )
        return Response(payoff_quote(loan, payoff_date=payoff_date).as_json())
