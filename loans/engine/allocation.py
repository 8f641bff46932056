"""Payment allocation under the `system` and `schedule` hierarchies (spec/loans.md "Payments").

system: fees -> additional interest -> interest due -> principal due -> escrow due (oldest
installment first within each bucket); the remainder -> excess (or principal when the
product prepays). schedule: oldest unpaid installment first (its buckets in the same
order), then the next; then the loan-level fees, additional interest and escrow in that
order; the remainder as above. Every cent lands in exactly one bucket.

The bucket order is configurable per product (``order``); it is a permutation of
``SYSTEM_ORDER``. Installments (the replay's ``Bill``) carry interest and principal;
fees, additional interest and escrow are owed at loan level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from servicing.money import ZERO, round_cents, to_decimal

BUCKETS = ("principal", "interest", "additional_interest", "fees", "escrow", "excess")
SYSTEM_ORDER = ("fees", "additional_interest", "interest", "principal", "escrow")
_BILL_BUCKETS = ("interest", "principal")


@dataclass(frozen=True, slots=True)
class Allocation:
    split: dict[str, Decimal]
    bills: tuple  # the bills after the payment (replay.Bill)
    # (installment number, interest paid, principal paid) for each installment it reached
    installments: tuple[tuple[int, Decimal, Decimal], ...] = ()


def check_order(order: Sequence[str]) -> tuple[str, ...]:
    """A bucket order must name each of fees, additional_interest, interest, principal, escrow."""
    if sorted(order) != sorted(SYSTEM_ORDER):
        raise ValueError(f"a bucket order names each of {', '.join(SYSTEM_ORDER)} once")
    return tuple(order)


class _Purse:
    """The payment's money not yet placed, and where the placed money went (private)."""

    def __init__(self, amount: Decimal) -> None:
        self.left = amount
        self.split = dict.fromkeys(BUCKETS, ZERO)

    def take(self, bucket: str, due: Decimal) -> Decimal:
        paid = min(self.left, max(to_decimal(due), ZERO))
        self.split[bucket] += paid
        self.left -= paid
        return paid

    def pay_bill(self, bills: list, index: int, bucket: str) -> None:
        """Pay the bill's unpaid interest or principal as far as the money goes."""
        bill = bills[index]
        if not bill.billed or not self.left:
            return
        if bucket == "interest" and bill.unpaid_interest > 0:
            paid = self.take("interest", bill.unpaid_interest)
            bills[index] = replace(bill, paid_interest=bill.paid_interest + paid)
        elif bucket == "principal" and bill.unpaid_principal > 0:
            paid = self.take("principal", bill.unpaid_principal)
            bills[index] = replace(bill, paid_principal=bill.paid_principal + paid)


def allocate(
    amount: Decimal,
    *,
    bills,
    fees: Decimal = ZERO,
    additional_interest: Decimal = ZERO,
    escrow: Decimal = ZERO,
    hierarchy: str = "system",
    order: Sequence[str] = SYSTEM_ORDER,
    prepay_to_principal: bool = False,
    principal_outstanding: Decimal = ZERO,
) -> Allocation:
    """Split ``amount`` over the buckets; return the split and the bills it paid."""
    amount = to_decimal(amount)
    if amount <= 0 or amount != round_cents(amount):
        raise ValueError("a payment must be a positive amount in whole cents")
    if hierarchy not in ("system", "schedule"):
        raise ValueError(f"unknown hierarchy {hierarchy!r}")
    order = check_order(order)
    before = tuple(bills)
    bills = list(before)
    owed = {"fees": fees, "additional_interest": additional_interest, "escrow": escrow}
    loan_level = [bucket for bucket in order if bucket not in _BILL_BUCKETS]
    # Only billed rows with something unpaid can take money: skipping the rest keeps a
    # payment on a long schedule from walking every installment.
    oldest_first = sorted(
        (i for i, bill in enumerate(bills) if bill.billed and bill.unpaid > 0),
        key=lambda i: (bills[i].due_date, bills[i].number),
    )
    purse = _Purse(amount)
    if hierarchy == "system":
        for bucket in order:
            if bucket in _BILL_BUCKETS:
                for index in oldest_first:
                    purse.pay_bill(bills, index, bucket)
            else:
                purse.take(bucket, owed[bucket])
    else:
        for index in oldest_first:
            for bucket in order:
                purse.pay_bill(bills, index, bucket)  # loan-level buckets: nothing on a bill
        for bucket in loan_level:
            purse.take(bucket, owed[bucket])
    if purse.left > 0 and prepay_to_principal:
        purse.take("principal", principal_outstanding - purse.split["principal"])
    purse.split["excess"] += purse.left
    paid = _paid(before, bills, sorted(oldest_first))
    return Allocation(split=purse.split, bills=tuple(bills), installments=paid)


def _paid(
    before: Sequence, after: Sequence, indexes: Sequence[int]
) -> tuple[tuple[int, Decimal, Decimal], ...]:
    """What the payment put on each installment: (number, interest, principal)."""
    return tuple(
        (new.number, new.paid_interest - old.paid_interest, new.paid_principal - old.paid_principal)
        for old, new in ((before[i], after[i]) for i in indexes)
        if new != old
    )
