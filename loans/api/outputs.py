"""Output shapes of the loan API (spec/api.md "Loan resources"): amounts as strings."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from loans.models import Installment, LedgerEntry, Loan
from loans.models.ledger import BUCKETS


def money(value) -> str:
    return f"{value:.2f}"


class BalancesOutput(serializers.Serializer):
    principal = serializers.CharField()
    interest = serializers.CharField()
    additional_interest = serializers.CharField()
    fees = serializers.CharField()
    escrow = serializers.CharField()
    excess = serializers.CharField()
    total = serializers.CharField()


class LoanOutput(serializers.Serializer):
    loan_number = serializers.CharField()
    application_number = serializers.CharField()
    status = serializers.CharField()
    product_code = serializers.CharField(source="product.code")
    borrower_id = serializers.CharField(source="borrower.borrower_id")
    funded_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    funded_date = serializers.DateField()
    maturity_date = serializers.DateField()
    current_rate = serializers.DecimalField(source="interest_rate", max_digits=9, decimal_places=6)
    balances = serializers.SerializerMethodField()
    amount_due = serializers.DecimalField(max_digits=14, decimal_places=2)
    next_due_date = serializers.DateField(allow_null=True)
    next_due_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    dpd = serializers.IntegerField()
    schedule_version = serializers.SerializerMethodField()

    @extend_schema_field(BalancesOutput)
    def get_balances(self, loan: Loan) -> dict:
        return {
            "principal": money(loan.principal_balance),
            "interest": money(loan.interest_balance),
            "additional_interest": money(loan.additional_interest_balance),
            "fees": money(loan.fees_balance),
            "escrow": money(loan.escrow_balance),
            "excess": money(loan.excess_balance),
            "total": money(loan.outstanding),
        }

    def get_schedule_version(self, loan: Loan) -> int | None:
        current = loan.schedule_versions.filter(is_current=True).values_list("version", flat=True)
        return current.first()


class InstallmentOutput(serializers.ModelSerializer):
    paid = serializers.SerializerMethodField()

    class Meta:
        model = Installment
        fields = [
            "number",
            "due_date",
            "principal",
            "interest",
            "fees",
            "escrow",
            "total",
            "balance_after",
            "paid",
            "status",
        ]

    def get_paid(self, row: Installment) -> str:
        return money(row.paid_total)


class ScheduleOutput(serializers.Serializer):
    version = serializers.IntegerField()
    installments = InstallmentOutput(many=True)


class PreviewRowOutput(serializers.Serializer):
    """An installment boarding would create (nothing is paid yet, so no paid/status)."""

    number = serializers.IntegerField()
    due_date = serializers.DateField()
    principal = serializers.CharField()
    interest = serializers.CharField()
    fees = serializers.CharField()
    escrow = serializers.CharField()
    total = serializers.CharField()
    balance_after = serializers.CharField()


class SchedulePreviewOutput(serializers.Serializer):
    installments = PreviewRowOutput(many=True)


class SplitOutput(serializers.Serializer):
    principal = serializers.CharField()
    interest = serializers.CharField()
    additional_interest = serializers.CharField()
    fees = serializers.CharField()
    escrow = serializers.CharField()
    excess = serializers.CharField()


# A ledger row. Declared field by field, not as a ModelSerializer: it answers every
# payment, and a ModelSerializer derives its fields from the model on each use.
class TransactionOutput(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=LedgerEntry.Kind.choices)
    effective_date = serializers.DateField()
    posted_at = serializers.DateTimeField(read_only=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    split = serializers.SerializerMethodField()
    reversal_of = serializers.IntegerField(source="reversal_of_id", allow_null=True, required=False)
    replayed_from = serializers.IntegerField(
        source="replayed_from_id", allow_null=True, required=False
    )
    note = serializers.CharField(max_length=500, required=False)
    external_reference = serializers.CharField(max_length=100, required=False)

    @extend_schema_field(SplitOutput)
    def get_split(self, entry: LedgerEntry) -> dict:
        return {bucket: money(getattr(entry, bucket)) for bucket in BUCKETS}


class ActivityOutput(serializers.Serializer):
    created_at = serializers.DateTimeField()
    business_date = serializers.DateField()
    actor = serializers.CharField(source="actor_label")
    action = serializers.CharField()
    summary = serializers.CharField()
    details = serializers.JSONField()
