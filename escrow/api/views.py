"""Escrow accounts over the API (spec/escrow.md): the loan's accounts and their ledger
(``read`` scope); Make Payment from Escrow, Replenish Escrow and Reverse (``payments``
scope, Idempotency-Key honoured). Each write is one service call; the services raise the
400s and 409s (``below_minimum_balance``, ``insufficient_escrow_balance``,
``already_reversed``, ``loan_not_open``...).
"""

from __future__ import annotations

from decimal import Decimal

from django.http import Http404
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from escrow import selectors
from escrow.models import EscrowEntry, Frequency
from escrow.services.assessments import assess_escrow
from escrow.services.reversals import reverse_escrow_entry
from escrow.services.transfers import replenish_escrow
from escrow.services.withdrawals import TOWARDS, withdraw
from loans.api.actions import loan_or_404
from loans.api.fields import MoneyField
from servicing.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from servicing.api.schema import ErrorOutput
from servicing.api.views import ScopedApi

MONEY = {"max_digits": 14, "decimal_places": 2}
CENT = Decimal("0.01")


class ItemOutput(serializers.Serializer):
    id = serializers.IntegerField()
    payee = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)
    next_due_date = serializers.DateField()
    frequency = serializers.ChoiceField(choices=Frequency.choices)
    is_active = serializers.BooleanField()


class AccountOutput(serializers.Serializer):
    id = serializers.IntegerField()
    category = serializers.CharField(source="category.code")
    category_name = serializers.CharField(source="category.name")
    sub_types = serializers.SerializerMethodField()
    balance = serializers.DecimalField(**MONEY)
    minimum_balance = serializers.DecimalField(**MONEY)
    available_above_minimum = serializers.SerializerMethodField(
        help_text="balance - minimum_balance (at least 0): paid without confirmation."
    )
    monthly_amount = serializers.DecimalField(**MONEY)
    schedule_replenishment = serializers.BooleanField()
    auto_analysis = serializers.BooleanField()
    cushion_months = serializers.IntegerField(allow_null=True)
    last_analysis_date = serializers.DateField(allow_null=True)
    next_analysis_date = serializers.DateField(allow_null=True)
    items = ItemOutput(many=True, help_text="Disbursement items, active first.")

    def get_sub_types(self, account) -> list[str]:
        return [subtype.name for subtype in account.subtypes.all()]

    @extend_schema_field(serializers.DecimalField(**MONEY))
    def get_available_above_minimum(self, account) -> str:
        return str(max(account.balance - account.minimum_balance, Decimal("0.00")))


class EntryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    account_id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=EscrowEntry.Kind.choices)
    amount = serializers.DecimalField(**MONEY, help_text="Positive; the kind gives the sign.")
    effective_date = serializers.DateField()
    business_date = serializers.DateField()
    posted_at = serializers.DateTimeField()
    payee = serializers.CharField()
    item_id = serializers.IntegerField(allow_null=True)
    counterparty_account_id = serializers.IntegerField(source="counterparty_id", allow_null=True)
    loan_transaction_id = serializers.IntegerField(source="loan_entry_id", allow_null=True)
    reversal_of = serializers.IntegerField(source="reversal_of_id", allow_null=True)
    reversed_by = serializers.SerializerMethodField()
    note = serializers.CharField()
    actor = serializers.CharField(source="actor_label")
    details = serializers.JSONField()

    def get_reversed_by(self, entry) -> int | None:
        reversal = getattr(entry, "reversed_by", None)
        return reversal.pk if reversal else None


def _account(loan_number: str, account_id: int):
    loan = loan_or_404(loan_number)
    account = selectors.loan_account(loan, account_id)
    if account is None:
        raise Http404(f"No escrow account {account_id} on loan {loan_number}.")
    return loan, account


def _entry_output(entry_id: int) -> dict:
    return EntryOutput(selectors.entries().get(pk=entry_id)).data


class EscrowAccountsApi(ScopedApi):
    required_scope = "read"

    @extend_schema(
        responses={200: AccountOutput(many=True)},
        summary="The loan's escrow accounts with their balances and disbursement items",
    )
    def get(self, request, loan_number: str):
        loan = loan_or_404(loan_number)
        return Response(AccountOutput(selectors.loan_accounts(loan), many=True).data)


class EscrowTransactionsApi(ScopedApi):
    required_scope = "read"

    @extend_schema(
        responses={200: EntryOutput(many=True)},
        summary="The account's escrow ledger (Transactions, Additional A/C), newest first",
    )
    def get(self, request, loan_number: str, account_id: int):
        _, account = _account(loan_number, account_id)
        return Response(EntryOutput(selectors.entries(account=account), many=True).data)


class WithdrawalInput(serializers.Serializer):
    towards = serializers.ChoiceField(
        choices=TOWARDS, help_text="item: a disbursement item; refund: the borrower; loan."
    )
    item_id = serializers.IntegerField(required=False, allow_null=True)
    amount = MoneyField(min_value=CENT)
    payment_date = serializers.DateField()
    effective_date = serializers.DateField()
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    confirm = serializers.BooleanField(
        default=False, help_text="Pay even below the account's minimum balance."
    )


class EscrowWithdrawalApi(ScopedApi):
    required_scope = "payments"

    @extend_schema(
        request=WithdrawalInput,
        responses={201: EntryOutput, 409: ErrorOutput},
        parameters=[IDEMPOTENCY_PARAMETER],
        examples=[
            OpenApiExample(
                "Pay the county tax",
                request_only=True,
                value={
                    "towards": "item",
                    "item_id": 12,
                    "amount": "600.00",
                    "payment_date": "2026-01-15",
                    "effective_date": "2026-01-15",
                    "note": "First half 2026",
                },
            )
        ],
        summary="Make Payment from Escrow (409: below_minimum_balance unless confirm, "
        "insufficient_escrow_balance, loan_not_open)",
    )
    @idempotent
    def post(self, request, loan_number: str, account_id: int):
        _, account = _account(loan_number, account_id)
        data = WithdrawalInput(data=request.data)
        data.is_valid(raise_exception=True)
        entry = withdraw(account, actor=request.user, **data.validated_data)
        return Response(_entry_output(entry.pk), status=status.HTTP_201_CREATED)


class ReplenishmentInput(serializers.Serializer):
    from_account_id = serializers.IntegerField(
        required=False, allow_null=True, help_text="Another escrow account of the loan."
    )
    from_borrower = serializers.BooleanField(
        default=False, help_text="Money received directly from the borrower."
    )
    amount = MoneyField(min_value=CENT)
    effective_date = serializers.DateField()
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    confirm = serializers.BooleanField(
        default=False, help_text="Take the source account below its minimum balance."
    )


class EscrowReplenishmentApi(ScopedApi):
    required_scope = "payments"

    @extend_schema(
        request=ReplenishmentInput,
        responses={201: EntryOutput, 409: ErrorOutput},
        parameters=[IDEMPOTENCY_PARAMETER],
        examples=[
            OpenApiExample(
                "From the holdback account",
                request_only=True,
                value={"from_account_id": 7, "amount": "250.00", "effective_date": "2026-01-15"},
            ),
            OpenApiExample(
                "From the borrower",
                request_only=True,
                value={"from_borrower": True, "amount": "100.00", "effective_date": "2026-01-15"},
            ),
        ],
        summary="Replenish Escrow from another account of the loan or from the borrower "
        "(409: below_minimum_balance, insufficient_escrow_balance, loan_not_open)",
    )
    @idempotent
    def post(self, request, loan_number: str, account_id: int):
        _, account = _account(loan_number, account_id)
        data = ReplenishmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        entry = replenish_escrow(account, actor=request.user, **data.validated_data)
        return Response(_entry_output(entry.pk), status=status.HTTP_201_CREATED)


class EscrowReverseInput(serializers.Serializer):
    reason = serializers.CharField(max_length=400)


class EscrowReverseApi(ScopedApi):
    required_scope = "payments"

    @extend_schema(
        request=EscrowReverseInput,
        responses={201: EntryOutput, 409: ErrorOutput},
        parameters=[IDEMPOTENCY_PARAMETER],
        examples=[OpenApiExample("Reverse", request_only=True, value={"reason": "Paid twice"})],
        summary="Reverse an escrow transaction: the reversal row (409: already_reversed, "
        "not_reversible, reverse_the_payment, insufficient_escrow_balance)",
    )
    @idempotent
    def post(self, request, loan_number: str, entry_id: int):
        loan = loan_or_404(loan_number)
        entry = selectors.loan_entry(loan, entry_id)
        if entry is None:
            raise Http404(f"No escrow transaction {entry_id} on loan {loan_number}.")
        data = EscrowReverseInput(data=request.data)
        data.is_valid(raise_exception=True)
        reversal = reverse_escrow_entry(entry, actor=request.user, **data.validated_data)
        return Response(_entry_output(reversal.pk), status=status.HTTP_201_CREATED)


class AssessmentInput(serializers.Serializer):
    amount = MoneyField(min_value=CENT)


class AssessmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    account_id = serializers.IntegerField()
    due_date = serializers.DateField()
    amount = serializers.DecimalField(**MONEY)
    source = serializers.CharField()
    loan_entry_id = serializers.IntegerField()
    escrow_owed = serializers.DecimalField(
        **MONEY, help_text="The loan's escrow owed after it (in its amount due)."
    )


class EscrowAssessmentApi(ScopedApi):
    required_scope = "payments"

    @extend_schema(
        request=AssessmentInput,
        responses={201: AssessmentOutput, 409: ErrorOutput},
        parameters=[IDEMPOTENCY_PARAMETER],
        examples=[OpenApiExample("Assess", request_only=True, value={"amount": "450.00"})],
        summary="Assess Escrow: owed into the account from today (a payment replenishes it)",
    )
    @idempotent
    def post(self, request, loan_number: str, account_id: int):
        loan, account = _account(loan_number, account_id)
        data = AssessmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        amount = data.validated_data["amount"]
        assessment = assess_escrow(account, amount=amount, actor=request.user)
        loan.refresh_from_db(fields=["escrow_balance"])
        body = AssessmentOutput(
            {
                "id": assessment.pk,
                "account_id": account.pk,
                "due_date": assessment.due_date,
                "amount": assessment.amount,
                "source": assessment.source,
                "loan_entry_id": assessment.loan_entry_id,
                "escrow_owed": loan.escrow_balance,
            }
        ).data
        return Response(body, status=status.HTTP_201_CREATED)
