"""Close of business for loans (spec/accrual.md "COB"; ARCHITECTURE.md).

Closing business date D for a loan = accrue D (after D's events) and open D + 1: bill
the rows due on D + 1, age the loan (DPD) as of D + 1. After it the loan's
``last_closed_date`` is D and its ``carry`` is the opening of D + 1.

``close_loans`` (a COB step's chunk) does it two ways, with the same result:
- **Quiet loans**, the common case (the carry of D is current, nothing is due on D + 1):
  set-based. One locked SELECT of the chunk's loans as tuples, the day's accrual from
  each carry with the engine's own ``accrue_day``, one COPY of the accrual rows and one
  ``UPDATE ... FROM (VALUES ...)`` of the loans. No model instance, no per-loan query.
- **Every other loan** (a row due on D + 1, a loan behind or without a carry, a
  changed schedule): the engine reference, ``sync_loan(loan, business_date=D + 1)``, one
  loan per transaction, so a failing loan fails alone.

Idempotent per (loan, date): the selection leaves out loans closed for D, the quiet
chunk is one transaction, and the database refuses a second accrual row for a day
(``one_accrual_per_loan_date_kind``), so a re-run or a crash-resume never accrues twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from loans.engine.replay import accrue_day
from loans.locks import lock_loan
from loans.models import LedgerEntry, Loan
from loans.schedules import FACTOR_RATE_TYPES
from loans.services.replay import opening_from_json, sync_loan
from servicing.bulk import bulk_insert, bulk_update
from servicing.money import ZERO

ONE_DAY = dt.timedelta(days=1)
SYSTEM = "system"
QUIET_FIELDS = ("interest_balance", "last_closed_date", "carry", "dpd")


def select_loans_to_close(business_date: dt.date) -> Iterable[int]:
    """Open loans not closed for ``business_date`` yet, in id order."""
    return (
        Loan.objects.filter(status=Loan.Status.OPEN, last_closed_date__lt=business_date)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def close_loans(ids: list[int], business_date: dt.date) -> list[tuple[str, str]]:
    """Close ``business_date`` for the loans ``ids``; return [(loan number, error)]."""
    closed = close_quiet_loans(ids, business_date)
    failures = []
    for loan_id in ids:
        if loan_id in closed:
            continue
        try:
            close_loan(loan_id, business_date)
        except Exception as exc:  # one loan's failure is recorded, the others go on
            number = Loan.objects.filter(pk=loan_id).values_list("loan_number", flat=True)
            failures.append((next(iter(number), str(loan_id)), f"{type(exc).__name__}: {exc}"))
    return failures


def close_loan(loan_id: int, business_date: dt.date) -> None:
    """The engine reference for one loan (see the module docstring)."""
    with transaction.atomic():
        loan = lock_loan(loan_id)
        if loan.status != Loan.Status.OPEN or loan.last_closed_date >= business_date:
            return  # closed meanwhile, or not open any more
        sync_loan(loan, business_date=business_date + ONE_DAY)


def close_quiet_loans(ids: list[int], business_date: dt.date) -> set[int]:
    """Set-based close of the quiet loans among ``ids``; returns the ids it closed."""
    tomorrow = business_date + ONE_DAY
    with transaction.atomic():
        rows = _locked_quiet_rows(ids, business_date)
        now = timezone.now()
        accruals, updates = [], []
        for loan_id, principal, interest, day_count, frequency, carry, oldest, fixed in rows:
            opening = opening_from_json(carry)
            if opening.window is not None and opening.window.end <= tomorrow:
                continue  # a row is due tomorrow: billed by the engine path
            sums = dict(opening.period_sums)
            amount, posted = ZERO, opening.period_posted
            if principal > 0 and not fixed:
                amount, posted = accrue_day(
                    sums,
                    posted,
                    principal,
                    business_date,
                    opening.window,
                    opening.rate,
                    day_count,
                    frequency,
                )
            if amount:
                accruals.append(_accrual_row(loan_id, business_date, amount, now))
            new_carry = dict(carry)
            new_carry.update(
                date=tomorrow.isoformat(),
                sums=[[basis, str(total)] for basis, total in sorted(sums.items())],
                posted=str(posted),
                accrued=str(opening.accrued + amount),
            )
            dpd = (tomorrow - oldest).days if oldest is not None else 0
            updates.append((loan_id, interest + amount, business_date, new_carry, max(dpd, 0)))
        bulk_insert(LedgerEntry, accruals)
        bulk_update(Loan, QUIET_FIELDS, updates)
    return {row[0] for row in updates}


def _locked_quiet_rows(ids: list[int], business_date: dt.date) -> list[tuple]:
    """The chunk's loans whose carry is the opening of ``business_date``, locked."""
    if not ids:
        return []
    rows = (
        Loan.objects.select_for_update()
        .filter(
            pk__in=ids,
            status=Loan.Status.OPEN,
            last_closed_date=business_date - ONE_DAY,
            carry__date=business_date.isoformat(),
        )
        .order_by("pk")
        .values_list(
            "pk",
            "principal_balance",
            "interest_balance",
            "day_count",
            "payment_frequency",
            "carry",
            "oldest_unpaid_due",
            "schedule_type",
        )
    )
    return [(*row[:-1], row[-1] in FACTOR_RATE_TYPES) for row in rows]


def _accrual_row(loan_id: int, day: dt.date, amount: Decimal, now) -> dict:
    return {
        "loan_id": loan_id,
        "kind": LedgerEntry.Kind.INTEREST_ACCRUAL,
        "effective_date": day,
        "business_date": day,
        "posted_at": now,
        "actor_id": None,
        "actor_label": SYSTEM,
        "amount": amount,
        "principal": ZERO,
        "interest": amount,
        "additional_interest": ZERO,
        "fees": ZERO,
        "escrow": ZERO,
        "excess": ZERO,
        "note": "",
        "external_reference": "",
        "details": {},
        "reversal_of_id": None,
        "replayed_from_id": None,
    }
