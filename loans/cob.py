"""Close of business for loans (spec/accrual.md "COB"; ARCHITECTURE.md).

Closing business date D for a loan = accrue D (after D's events) and open D + 1: bill
the rows due on D + 1, age the loan (DPD) as of D + 1. After it the loan's
``last_closed_date`` is D and its ``carry`` is the opening of D + 1.

``close_loans`` (a COB step's chunk) does it three ways, with the same result:
- **In SQL** (PostgreSQL), the common case: a quiet day (the carry of D is current,
  nothing is billed on D + 1, no default interest). ``cob_sql.close_in_sql``: one statement locks
  the chunk's loans, does ``accrue_day``'s arithmetic with the day units the engine gave
  for each accrual window, inserts the accrual rows and updates the loans.
- **Set-based in Python**, the rest of the quiet loans (a plain row due on D + 1, a loan
  earning default interest, another database): one locked SELECT of the chunk's loans as
  tuples, the engine's ``accrue_day``, ``bill_due`` arithmetic and ``DefaultRun``, one
  COPY of the accrual rows and one ``UPDATE ... FROM`` of the loans and installments. No
  model instance, no per-loan query.
- **Every other loan** (a factor-rate or default-interest loan's billing day, a loan
  behind or without a carry, a changed schedule): the engine reference,
  ``sync_loan(loan, business_date=D + 1)``, one loan per transaction, so a failing loan
  fails alone.

The carry names the schedule version it was written for; a service that changes a
loan's schedule (a new version) replays the loan (``sync_loan``), which writes a new
carry before the next close reads it.

Idempotent per (loan, date): the selection leaves out loans closed for D, the quiet
chunk is one transaction, and the database refuses a second accrual row for a day
(``one_accrual_per_loan_date_kind``), so a re-run or a crash-resume never accrues twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import F, Max, Sum, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from loans.cob_sql import ONE_DAY, SYSTEM, close_in_sql
from loans.engine.default_interest import DefaultRun, default_terms
from loans.engine.replay import Bill, Opening, accrue_day
from loans.locks import lock_loan
from loans.models import Installment, LedgerEntry, Loan
from loans.schedules import FACTOR_RATE_TYPES
from loans.services.carry import default_json, opening_from_json
from loans.services.replay import sync_loan
from loans.services.replay_inputs import PROJECTED_FIELDS
from servicing.bulk import asynchronous_commit, bulk_insert, bulk_update
from servicing.money import ZERO, round_cents

LOAN_FIELDS = (
    "interest_balance",
    "additional_interest_balance",
    "last_closed_date",
    "carry",
    "dpd",
    "oldest_unpaid_due",
    "amount_due",
    "next_due_date",
    "next_due_amount",
)
BILL_FIELDS = PROJECTED_FIELDS


def select_loans_to_close(business_date: dt.date) -> Iterable[int]:
    """Open loans not closed for ``business_date`` yet, in id order."""
    return (
        Loan.objects.filter(status=Loan.Status.OPEN, last_closed_date__lt=business_date)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def close_loans(ids: list[int], business_date: dt.date) -> list[tuple[str, str]]:
    """Close ``business_date`` for the loans ``ids``; return [(loan number, error)]."""
    closed = close_in_sql(ids, business_date) if connection.vendor == "postgresql" else set()
    closed |= close_quiet_loans([pk for pk in ids if pk not in closed], business_date)
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
    """Set-based close of the quiet loans among ``ids``; returns the ids it closed.

    Quiet: the carry is the opening of ``business_date``, the loan accrues daily (not a
    factor-rate loan) and at most its next row is due tomorrow. That row is billed here
    as the engine's ``bill_due`` does: interest = the period's accrual, principal = the
    scheduled payment less it (interest-only rows none; the last row what is left).
    """
    tomorrow = business_date + ONE_DAY
    with transaction.atomic():
        asynchronous_commit()  # a lost chunk is closed again on resume
        rows = _locked_quiet_rows(ids, business_date)
        billing = {
            row.pk
            for row in rows
            if row.opening.window is not None and row.opening.window.end <= tomorrow
        }
        # A factor-rate charge is recognized when billed: such loans bill on the engine path,
        # as do loans earning default interest (past due and charged, or an episode open).
        rows = [
            row
            for row in rows
            if not (row.fixed and row.pk in billing)
            and not (row.pk in billing and _in_default(row))
            # a kept row's interest difference is billed by the engine
            and not (row.pk in billing and row.opening.carried)
        ]
        billing = {
            row.pk: row.carry["version"] for row in rows if row.pk in billing and not row.fixed
        }
        upcoming, unpaid_principal = _next_rows(billing), _unpaid_billed_principal(billing)
        late = _late_bills([row.pk for row in rows if _in_default(row)])
        now = timezone.now()
        accruals, loans, bills = [], [], []
        for row in rows:
            opening = row.opening
            sums = dict(opening.period_sums)
            amount, posted = ZERO, opening.period_posted
            if row.principal > 0 and not row.fixed and opening.accruing:
                amount, posted = accrue_day(
                    sums,
                    posted,
                    row.principal,
                    business_date,
                    opening.window,
                    opening.rate,
                    row.day_count,
                    row.frequency,
                )
            if amount:
                accruals.append(_accrual_row(row.pk, business_date, amount, now))
            carry = dict(row.carry)
            carry.update(
                date=tomorrow.isoformat(),
                sums=[[basis, str(total)] for basis, total in sorted(sums.items())],
                posted=str(posted),
                accrued=str(opening.accrued + amount),
            )
            oldest, amount_due = row.oldest_unpaid_due, row.amount_due
            additional = ZERO
            if row.pk in late:
                additional = _accrue_default(row, business_date, late[row.pk], carry)
                if additional:
                    accruals.append(_default_row(row.pk, business_date, additional, now))
                    amount_due += additional
            next_due_date, next_due_amount = row.next_due_date, row.next_due_amount
            if row.pk in billing:
                due, following = upcoming.get(row.pk, (None, None))
                if (
                    due is None
                    or due.due_date != tomorrow
                    or (following is not None and following.due_date <= tomorrow)
                ):
                    continue  # not one plain row due tomorrow: the engine path bills it
                principal = _billed_principal(
                    due, row.principal - unpaid_principal.get(row.pk, ZERO), posted
                )
                total = principal + posted
                bills.append((due.pk, True, principal, posted, ZERO, ZERO, _bill_status(total)))
                amount_due += total
                if total and oldest is None:
                    oldest = tomorrow
                window = following and [
                    tomorrow.isoformat(),
                    tomorrow.isoformat(),
                    following.due_date.isoformat(),
                ]
                carry.update(
                    sums=[],
                    posted=str(ZERO),
                    window=window,
                    rate=str(following.rate if following else due.rate),
                )
                next_due_date = following.due_date if following else None
                next_due_amount = following.total if following else ZERO
            dpd = max((tomorrow - oldest).days, 0) if oldest is not None else 0
            loans.append(
                (
                    row.pk,
                    row.interest + amount,
                    row.additional_interest + additional,
                    business_date,
                    carry,
                    dpd,
                    oldest,
                    amount_due,
                    next_due_date,
                    next_due_amount,
                )
            )
        bulk_insert(LedgerEntry, accruals)
        bulk_update(Installment, BILL_FIELDS, bills)
        bulk_update(Loan, LOAN_FIELDS, loans)
    return {loan[0] for loan in loans}


def _in_default(row: _QuietRow) -> bool:
    """Default interest may accrue (spec/accrual.md): charged and past due, or an episode
    still open (its sums settle on the cure)."""
    if row.opening.default is not None:
        return True
    return bool(row.carry.get("di")) and row.oldest_unpaid_due is not None


def _late_bills(loan_ids: list[int]) -> dict[int, list[Bill]]:
    """The billed installments not fully paid of each loan (one query), as the engine's
    bills: what default interest accrues on."""
    if not loan_ids:
        return {}
    rows = (
        Installment.objects.filter(
            schedule_version__loan_id__in=loan_ids,
            schedule_version__is_current=True,
            billed=True,
        )
        .exclude(status=Installment.Status.PAID)
        .order_by("schedule_version__loan_id", "number")
        .values_list(
            "schedule_version__loan_id",
            "number",
            "due_date",
            "billed_principal",
            "billed_interest",
            "paid_principal",
            "paid_interest",
        )
    )
    late: dict[int, list[Bill]] = {pk: [] for pk in loan_ids}
    for loan_id, number, due_date, *amounts in rows:
        late[loan_id].append(Bill(number, due_date, True, *amounts))
    return late


def _accrue_default(row: _QuietRow, day: dt.date, late: list[Bill], carry: dict) -> Decimal:
    """The engine's default-interest day (``DefaultRun.accrue``) from the carry; updates
    ``carry`` and returns the day's amount."""
    opening = row.opening
    terms = default_terms(row.default_interest)
    if terms is None or not opening.accruing:
        return ZERO
    run = DefaultRun(terms, row.day_count)
    run.resume(opening.default, opening.default_accrued, ())
    if not (run.live or any(bill.unpaid > 0 for bill in late)):
        return ZERO
    amount = run.accrue(day, late, row.principal)
    carry.update(default=default_json(run.carry()), default_accrued=str(run.accrued))
    return amount


class _QuietRow(NamedTuple):
    pk: int
    principal: Decimal
    interest: Decimal
    additional_interest: Decimal
    day_count: str
    frequency: str
    carry: dict
    oldest_unpaid_due: dt.date | None
    amount_due: Decimal
    next_due_date: dt.date | None
    next_due_amount: Decimal
    default_interest: dict | None
    fixed: bool
    opening: Opening


class _Row(NamedTuple):
    pk: int
    number: int
    due_date: dt.date
    principal: Decimal
    interest: Decimal
    interest_only: bool
    rate: Decimal
    total: Decimal
    is_last: bool


def _locked_quiet_rows(ids: list[int], business_date: dt.date) -> list[_QuietRow]:
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
            "additional_interest_balance",
            "day_count",
            "payment_frequency",
            "carry",
            "oldest_unpaid_due",
            "amount_due",
            "next_due_date",
            "next_due_amount",
            "default_interest",
            "schedule_type",
        )
    )
    return [
        _QuietRow(*row[:-1], row[-1] in FACTOR_RATE_TYPES, opening_from_json(row[6]))
        for row in rows
    ]


NEXT_ROWS_SQL = """
SELECT v.loan_id, i.id, i.number, i.due_date, i.principal, i.interest, i.interest_only,
       i.rate, i.total, i.number = last.number
FROM unnest(%(loans)s::bigint[], %(versions)s::bigint[]) AS v(loan_id, version_id)
JOIN loans_scheduleversion AS sv ON sv.id = v.version_id AND sv.is_current
CROSS JOIN LATERAL (
    SELECT max(number) AS number FROM loans_installment WHERE schedule_version_id = v.version_id
) AS last
CROSS JOIN LATERAL (
    SELECT * FROM loans_installment
    WHERE schedule_version_id = v.version_id AND NOT billed
    ORDER BY number
    LIMIT 2
) AS i
ORDER BY v.loan_id, i.number
"""


def _next_rows(versions: dict[int, int]) -> dict[int, tuple[_Row, _Row | None]]:
    """Each loan's first two unbilled rows of its current schedule (one query), from
    {loan id: the schedule version of its carry} (a version no longer current: none)."""
    if not versions:
        return {}
    if connection.vendor == "postgresql":  # two index probes a loan
        with connection.cursor() as cursor:
            cursor.execute(
                NEXT_ROWS_SQL, {"loans": list(versions), "versions": list(versions.values())}
            )
            rows = cursor.fetchall()
    else:
        rows = _next_rows_portable(versions)
    found: dict[int, list[_Row]] = {}
    for loan_id, *values in rows:
        found.setdefault(loan_id, []).append(_Row(*values))
    return {
        loan_id: (rows[0], rows[1] if len(rows) > 1 else None) for loan_id, rows in found.items()
    }


def _next_rows_portable(versions: dict[int, int]) -> list[tuple]:
    """``NEXT_ROWS_SQL`` with window functions: every unbilled row is read."""
    by_version = {"partition_by": [F("schedule_version_id")]}
    rows = (
        Installment.objects.filter(
            schedule_version_id__in=list(versions.values()),
            schedule_version__is_current=True,
            billed=False,
        )
        # Over the unbilled rows: the last row is unbilled while any row is.
        .annotate(
            last=Window(Max("number"), **by_version),
            n=Window(RowNumber(), order_by=F("number").asc(), **by_version),
        )
        .filter(n__lte=2)
        .order_by("schedule_version__loan_id", "number")
        .values_list(
            "schedule_version__loan_id",
            "pk",
            "number",
            "due_date",
            "principal",
            "interest",
            "interest_only",
            "rate",
            "total",
            "last",
        )
    )
    return [(*values, values[2] == last) for *values, last in rows]


UNPAID_SQL = """
SELECT v.loan_id, u.unpaid
FROM unnest(%(loans)s::bigint[], %(versions)s::bigint[]) AS v(loan_id, version_id)
CROSS JOIN LATERAL (
    SELECT sum(billed_principal - paid_principal) AS unpaid FROM loans_installment
    WHERE schedule_version_id = v.version_id AND billed
) AS u
WHERE u.unpaid IS NOT NULL
"""


def _unpaid_billed_principal(versions: dict[int, int]) -> dict[int, Decimal]:
    """{loan id: principal billed and not paid} from {loan id: current schedule version}."""
    if not versions:
        return {}
    if connection.vendor == "postgresql":  # one index range a loan (the planner, told
        # ``billed`` is rare, would scan every installment for the IN list)
        with connection.cursor() as cursor:
            cursor.execute(
                UNPAID_SQL, {"loans": list(versions), "versions": list(versions.values())}
            )
            return {loan_id: round_cents(unpaid) for loan_id, unpaid in cursor.fetchall()}
    loan_of = {version: loan_id for loan_id, version in versions.items()}
    rows = (
        Installment.objects.filter(schedule_version_id__in=list(loan_of), billed=True)
        .values("schedule_version_id")
        .annotate(unpaid=Sum(F("billed_principal") - F("paid_principal")))
        .values_list("schedule_version_id", "unpaid")
    )
    return {loan_of[version]: round_cents(unpaid) for version, unpaid in rows}


def _billed_principal(row: _Row, unbilled: Decimal, interest: Decimal) -> Decimal:
    """The engine's ``bill_due``: the last row takes what is left, an interest-only row
    none, a level row its payment less the interest (never more than is unbilled)."""
    if row.is_last:
        return unbilled
    if row.interest_only:
        return ZERO
    return min(unbilled, max(ZERO, row.principal + row.interest - interest))


def _bill_status(total: Decimal) -> str:
    return Installment.Status.PAID if not total else Installment.Status.DUE


def _default_row(loan_id: int, day: dt.date, amount: Decimal, now) -> dict:
    return {
        **_accrual_row(loan_id, day, amount, now),
        "kind": LedgerEntry.Kind.DEFAULT_INTEREST_ACCRUAL,
        "interest": ZERO,
        "additional_interest": amount,
    }


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
