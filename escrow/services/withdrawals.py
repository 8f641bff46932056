"""Make Payment from Escrow (spec/escrow.md "Withdrawal / disbursement"; seed 002 "Escrow
Withdrawal/Disbursement"): from an account, towards one of its disbursement items (a
``withdrawn`` row; the item's next due date becomes the payment date + its frequency),
"refund" to the borrower (``excess_refund``) or "loan" (a ``withdrawn`` row linked to a
loan payment posted in the same transaction). Reversal posts ``withdrawal_reversed`` and,
for the loan, reverses the loan payment too.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from escrow import ledger
from escrow.models import DisbursementItem, EscrowAccount, EscrowEntry, Frequency
from escrow.services.common import (
    check_amount,
    check_available,
    check_date,
    clean_text,
    locked_account,
    money,
)
from loans.engine.dates import add_months
from loans.models import LedgerEntry
from loans.services.payments import post_payment, reverse_payment
from servicing.activity import record_activity
from servicing.business_date import get_business_date
from servicing.errors import DomainError, InvalidInput
from servicing.transactions import service_atomic

Kind = EscrowEntry.Kind
TOWARDS = ("item", "refund", "loan")
MONTHS = {
    Frequency.MONTHLY: 1,
    Frequency.QUARTERLY: 3,
    Frequency.SEMIANNUAL: 6,
    Frequency.ANNUAL: 12,
}
# The loan payment made from escrow: its instrument and the reference naming the account.
LOAN_INSTRUMENT = "check"


def next_due(item: DisbursementItem, payment_date: dt.date) -> dt.date:
    """Seed 002: "the Next Due Date will be updated to the Date of payment + frequency"."""
    return add_months(payment_date, MONTHS[item.frequency])


def _item(account: EscrowAccount, item_id) -> DisbursementItem:
    item = (
        DisbursementItem.objects.filter(pk=item_id, account=account, is_active=True).first()
        if isinstance(item_id, int) and not isinstance(item_id, bool)
        else None
    )
    if item is None:
        raise InvalidInput(
            f"No active disbursement item {item_id} on the {account.category.name} account.",
            field="item_id",
        )
    return item


def withdraw(
    account: EscrowAccount,
    *,
    towards: str,
    amount: Decimal,
    payment_date: dt.date,
    effective_date: dt.date,
    item_id: int | None = None,
    note: str = "",
    confirm: bool = False,
    actor=None,
) -> EscrowEntry:
    """Pay from the account. Above balance - minimum: 409 ``below_minimum_balance`` unless
    ``confirm``; above the balance: 409 ``insufficient_escrow_balance``."""
    if towards not in TOWARDS:
        raise InvalidInput(f"Pay towards one of: {', '.join(TOWARDS)}.", field="towards")
    if towards != "item" and item_id is not None:
        raise InvalidInput("An item is only chosen when paying towards an item.", field="item_id")
    amount = check_amount(amount)
    note = clean_text(note, "note", max_length=500)
    with service_atomic():
        loan, account = locked_account(account)
        business_date = get_business_date()
        check_date(loan, payment_date, business_date, "payment_date")
        check_date(loan, effective_date, business_date, "effective_date")
        item = _item(account, item_id) if towards == "item" else None
        check_available(account, amount, confirm=confirm)
        common = {
            "amount": amount,
            "effective_date": effective_date,
            "business_date": business_date,
            "actor": actor,
            "note": note,
            "details": {"towards": towards, "payment_date": payment_date.isoformat()},
        }
        if item is not None:
            due_before = item.next_due_date
            item.next_due_date = next_due(item, payment_date)
            item.save(update_fields=["next_due_date"])
            common["details"]["item_due_before"] = due_before.isoformat()
            entry = ledger.post(account, kind=Kind.WITHDRAWN, payee=item.payee, item=item, **common)
            what = f"{item.payee} (next due {item.next_due_date.isoformat()})"
        elif towards == "refund":
            entry = ledger.post(account, kind=Kind.EXCESS_REFUND, payee="Borrower", **common)
            what = "an excess refund to the borrower"
        else:
            payment = post_payment(
                loan,
                amount=amount,
                effective_date=effective_date,
                payment_date=payment_date,
                instrument=LOAN_INSTRUMENT,
                external_reference=f"ESCROW-{account.pk}",
                actor=actor,
                durable=False,  # this use case holds the transaction
            )
            entry = ledger.post(
                account,
                kind=Kind.WITHDRAWN,
                payee=f"Loan {loan.loan_number}",
                loan_entry=payment,
                **common,
            )
            what = f"loan payment #{payment.pk}"
        below = account.balance < account.minimum_balance
        record_activity(
            actor=actor,
            action="escrow.withdrawn",
            summary=f"{money(amount)} paid from the {account.category.name} escrow account "
            f"towards {what}, effective {effective_date.isoformat()}"
            + (" (below the minimum balance, confirmed)" if below else ""),
            target=loan,
            details={"escrow_account": account.pk, "escrow_entry": entry.pk},
            business_date=business_date,
        )
    return entry


def reverse_withdrawal(entry: EscrowEntry, *, reason: str, actor=None) -> EscrowEntry:
    """``withdrawal_reversed``: the money is back in the account; a payment towards the
    loan is reversed on the loan too (unless it already was). The item's due date is not
    moved back: the agent edits the item if the bill is still to be paid."""
    reason = clean_text(reason, "reason", max_length=400, required=True)
    with service_atomic():
        loan, account = locked_account(entry.account_id)
        entry = EscrowEntry.objects.get(pk=entry.pk)
        if entry.kind not in (Kind.WITHDRAWN, Kind.EXCESS_REFUND):
            raise DomainError("not_a_withdrawal", f"Entry {entry.pk} is not a withdrawal.")
        ledger.check_reversible(entry)
        business_date = get_business_date()
        loan_reversal = None
        if entry.loan_entry_id is not None:
            payment = LedgerEntry.objects.get(pk=entry.loan_entry_id)
            if not LedgerEntry.objects.filter(reversal_of=payment).exists():
                loan_reversal = reverse_payment(
                    payment,
                    reason=f"Escrow withdrawal #{entry.pk} reversed: {reason}",
                    actor=actor,
                    durable=False,
                )
        reversal = ledger.reverse(
            entry,
            account=account,
            business_date=business_date,
            actor=actor,
            note=reason,
            loan_entry=loan_reversal,
        )
        record_activity(
            actor=actor,
            action="escrow.withdrawal_reversed",
            summary=f"Escrow withdrawal #{entry.pk} of {money(entry.amount)} reversed: {reason}"
            + (f"; loan payment #{entry.loan_entry_id} reversed" if loan_reversal else ""),
            target=loan,
            details={"escrow_entry": entry.pk, "reversal": reversal.pk},
            business_date=business_date,
        )
    return reversal
