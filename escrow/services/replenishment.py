"""Payments replenish the escrow accounts (spec/escrow.md "Replenishment").

The loan's ledger says how much escrow money its payments brought: the escrow parts of
its payments less those of their reversals (a backdated replay re-splits payments by
reversing and re-posting them, so this total is always current). The accounts hold that
money as ``replenished`` rows (less ``replenishment_reversed`` ones) linked to the loan
rows. ``sync_replenishments`` posts the difference after every change the loan ledger
reports (``loans.registry.ESCROW_LISTENERS``):
- more money in: ``replenished`` rows on the oldest assessments first, each account up to
  what it was assessed and has not received;
- less (a reversal, a re-split): ``replenishment_reversed`` rows, newest first.
Append-only: nothing posted is changed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q, Sum

from escrow import ledger
from escrow.models import EscrowAccount, EscrowAssessment, EscrowEntry
from loans.models import LedgerEntry, Loan

Kind = EscrowEntry.Kind
ZERO = Decimal("0.00")
PAYMENT_KINDS = [LedgerEntry.Kind.PAYMENT, LedgerEntry.Kind.PAYMENT_REVERSAL]
# The rows this module posts (a withdrawal towards the loan is also linked to a payment).
FROM_PAYMENTS = Q(
    kind__in=[Kind.REPLENISHED, Kind.REPLENISHMENT_REVERSED], loan_entry__kind__in=PAYMENT_KINDS
)


def escrow_paid(loan: Loan) -> Decimal:
    """Escrow money the loan's payments brought, net of their reversals (loan ledger)."""
    totals = loan.ledger_entries.aggregate(
        paid=Sum("escrow", filter=Q(kind=LedgerEntry.Kind.PAYMENT)),
        reversed=Sum("escrow", filter=Q(kind=LedgerEntry.Kind.PAYMENT_REVERSAL)),
    )
    return (totals["paid"] or ZERO) - (totals["reversed"] or ZERO)


def _by_assessment(loan: Loan) -> dict[int, Decimal]:
    """Net payment money each assessment has received (escrow ledger)."""
    received: dict[int, Decimal] = {}
    rows = EscrowEntry.objects.filter(FROM_PAYMENTS, account__loan=loan).values_list(
        "kind", "amount", "details"
    )
    for kind, amount, details in rows:
        key = details.get("assessment")
        sign = 1 if kind == Kind.REPLENISHED else -1
        received[key] = received.get(key, ZERO) + sign * amount
    return received


def sync_replenishments(loan: Loan, *, business_date: dt.date, actor=None) -> None:
    """Make the accounts hold what the payments brought (loan locked by the caller)."""
    received = _by_assessment(loan)
    difference = escrow_paid(loan) - sum(received.values(), ZERO)
    if not difference:
        return
    last = (
        loan.ledger_entries.filter(kind__in=PAYMENT_KINDS).exclude(escrow=0).order_by("-pk").first()
    )
    assessments = list(
        EscrowAssessment.objects.filter(account__loan=loan)
        .select_related("account")
        .order_by("due_date", "pk")
    )
    accounts: dict[int, EscrowAccount] = {}

    def post(kind: str, amount: Decimal, assessment: EscrowAssessment) -> None:
        # One instance per account: its balance moves with each row.
        account = accounts.setdefault(assessment.account_id, assessment.account)
        _post(account, kind, amount, assessment, last, business_date, actor)

    if difference > 0:
        for assessment in assessments:
            room = assessment.amount - received.get(assessment.pk, ZERO)
            amount = min(room, difference)
            if amount <= 0:
                continue
            post(Kind.REPLENISHED, amount, assessment)
            difference -= amount
            if not difference:
                return
        raise AssertionError(f"loan {loan.loan_number}: escrow paid beyond what was assessed")
    taken = -difference
    for assessment in reversed(assessments):
        amount = min(received.get(assessment.pk, ZERO), taken)
        if amount <= 0:
            continue
        post(Kind.REPLENISHMENT_REVERSED, amount, assessment)
        taken -= amount
        if not taken:
            return
    raise AssertionError(f"loan {loan.loan_number}: more escrow reversed than was replenished")


def _post(account, kind, amount, assessment, loan_entry, business_date, actor) -> None:
    ledger.post(
        account,
        kind=kind,
        amount=amount,
        effective_date=loan_entry.effective_date if loan_entry else business_date,
        business_date=business_date,
        actor=actor,
        loan_entry=loan_entry,
        payee="Borrower",
        note=(
            f"Payment #{loan_entry.pk}: escrow assessed {assessment.due_date.isoformat()}"
            if kind == Kind.REPLENISHED
            else f"Escrow paid by the loan taken back (#{loan_entry.pk})"
        ),
        details={"assessment": assessment.pk},
    )
