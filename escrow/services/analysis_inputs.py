"""What an escrow analysis of a loan starts from (spec/escrow.md "Escrow analysis", steps
1, 3, 5 and 7), read from the database into the engine's ``AnalysisInput``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from escrow.engine.analysis import AnalysisInput, AnalysisOptions
from escrow.engine.projection import (
    Disbursement,
    ScheduleItem,
    expand_schedule,
    month_start,
    occurrences,
    project_withdrawals,
    projected_starting_balance,
)
from escrow.models import EscrowAccount, EscrowEntry
from escrow.rules import is_flag_set
from loans.models import Installment, Loan, ScheduleVersion
from loans.services.schedule_versions import COPIED
from servicing.errors import DomainError
from servicing.money import ZERO
from servicing.tenant import get_tenant_settings

# An installment as the analysis reads it: the columns a new schedule version copies
# (``read_facts(..., rows=NARROW)``: those the inputs and the next due amount need).
ROW_FIELDS = COPIED
NARROW = ("number", "due_date", "billed", "principal", "interest", "fees")


@dataclass(frozen=True)
class Gathered:
    """The engine's input and what applying its result needs."""

    inputs: AnalysisInput
    accounts: list[EscrowAccount]
    version: ScheduleVersion
    first_due_date: dt.date  # the computation year's first installment
    rows: list[dict]  # the current version's installments (``ROW_FIELDS``), by number
    by_account: dict[int, Decimal]  # each account's disbursements of the computation year
    basis: dict[int, str]  # account id -> "schedule" | "past withdrawals"


@dataclass(frozen=True)
class LoanFacts:
    """What ``build`` reads for one loan: its accounts (category and items loaded), current
    schedule version and rows, and the withdrawals of the accounts without items."""

    accounts: list[EscrowAccount]
    version: ScheduleVersion | None
    rows: list[dict]
    withdrawals: dict[int, list[tuple[dt.date, Decimal]]]  # account id -> (date, amount)


def analyzable_accounts(loan: Loan) -> list[EscrowAccount]:
    return list(
        EscrowAccount.objects.filter(loan=loan, auto_analysis=True)
        .select_related("category")
        .prefetch_related("items")
        .order_by("pk")
    )


def gather(loan: Loan, *, effective_date: dt.date, business_date: dt.date) -> Gathered:
    """The analysis's inputs; 409 for a loan that cannot be analyzed."""
    return build(
        loan,
        read_facts([loan])[loan.pk],
        effective_date=effective_date,
        business_date=business_date,
        default_cushion=get_tenant_settings().default_cushion_months,
    )


def read_facts(
    loans: list[Loan],
    *,
    rows: tuple[str, ...] = ROW_FIELDS,
    window: tuple[dt.date, dt.date] | None = None,
) -> dict[int, LoanFacts]:
    """Each loan's ``LoanFacts`` in a fixed number of queries, whatever the number of loans;
    its schedule rows with the columns ``rows``. With ``window`` (business date, effective
    date; PostgreSQL, ``NARROW`` rows) only the rows the inputs and the next due amount
    read: due after the earlier of the two dates, up to the year's first installment or
    the loan's next due date."""
    ids = [loan.pk for loan in loans]
    by_id = {loan.pk: loan for loan in loans}
    accounts: dict[int, list[EscrowAccount]] = {pk: [] for pk in ids}
    for account in (
        EscrowAccount.objects.filter(loan_id__in=ids, auto_analysis=True)
        .select_related("category")
        .prefetch_related("items")
        .order_by("loan_id", "pk")
    ):
        account.loan = by_id[account.loan_id]  # (its name shows the loan's): no query
        accounts[account.loan_id].append(account)
    versions = {
        v.loan_id: v for v in ScheduleVersion.objects.filter(loan_id__in=ids, is_current=True)
    }
    found: dict[int, list[dict]] = {pk: [] for pk in ids}
    loan_of = {v.pk: loan_id for loan_id, v in versions.items()}
    if window is not None:
        for loan_id, *values in _rows_in_window(loans, versions, window):
            found[loan_id].append(dict(zip(NARROW, values, strict=True)))
    else:
        found = _all_rows(loan_of, rows, found)

    unscheduled = [
        a.pk
        for found in accounts.values()
        for a in found
        if not any(item.is_active for item in a.items.all())
    ]
    withdrawals: dict[int, dict[int, list]] = {pk: {} for pk in ids}
    if unscheduled:
        loan_of_account = {a.pk: a.loan_id for found in accounts.values() for a in found}
        for account_id, day, amount in (
            EscrowEntry.objects.filter(account_id__in=unscheduled, kind=EscrowEntry.Kind.WITHDRAWN)
            .exclude(reversed_by__isnull=False)  # net of their reversals
            .order_by("account_id", "effective_date", "id")
            .values_list("account_id", "effective_date", "amount")
        ):
            withdrawals[loan_of_account[account_id]].setdefault(account_id, []).append(
                (day, amount)
            )
    return {pk: LoanFacts(accounts[pk], versions.get(pk), found[pk], withdrawals[pk]) for pk in ids}


def _all_rows(loan_of: dict[int, int], rows: tuple[str, ...], found: dict) -> dict:
    for version_id, *values in (
        Installment.objects.filter(schedule_version_id__in=list(loan_of))
        .order_by("schedule_version_id", "number")
        .values_list("schedule_version_id", *rows)
    ):
        found[loan_of[version_id]].append(dict(zip(rows, values, strict=True)))
    return found


WINDOW_ROWS_SQL = """
SELECT v.loan_id, i.number, i.due_date, i.billed, i.principal, i.interest, i.fees
FROM unnest(%(loans)s::bigint[], %(versions)s::bigint[], %(next_due)s::date[])
    AS v(loan_id, version_id, next_due)
CROSS JOIN LATERAL (
    SELECT min(due_date) AS due_date FROM loans_installment
    WHERE schedule_version_id = v.version_id AND due_date > %(effective)s
) AS first
JOIN loans_installment AS i ON i.schedule_version_id = v.version_id
    AND i.due_date > %(since)s
    AND i.due_date <= GREATEST(first.due_date, v.next_due)
ORDER BY v.loan_id, i.number
"""


def _rows_in_window(loans, versions, window) -> list[tuple]:
    from django.db import connection

    business_date, effective_date = window
    current = [loan for loan in loans if loan.pk in versions]
    with connection.cursor() as cursor:
        cursor.execute(
            WINDOW_ROWS_SQL,
            {
                "loans": [loan.pk for loan in current],
                "versions": [versions[loan.pk].pk for loan in current],
                "next_due": [loan.next_due_date for loan in current],
                "effective": effective_date,
                "since": min(business_date, effective_date),
            },
        )
        return cursor.fetchall()


def build(
    loan: Loan,
    facts: LoanFacts,
    *,
    effective_date: dt.date,
    business_date: dt.date,
    default_cushion: int,
) -> Gathered:
    """The analysis's inputs from what was read (no query); 409 for a loan that cannot be
    analyzed."""
    if loan.status != Loan.Status.OPEN:
        raise DomainError("loan_not_open", f"Loan {loan.loan_number} is {loan.status}.")
    accounts = facts.accounts
    if not accounts:
        raise DomainError(
            "no_escrow_to_analyze",
            f"Loan {loan.loan_number} has no escrow account included in escrow analysis.",
        )
    if loan.payment_frequency != "monthly":
        # The computation year counts 12 monthly deposits (1024.17(c)(1)).
        raise DomainError(
            "escrow_analysis_monthly_only",
            "Escrow analysis needs a monthly payment schedule.",
        )
    first_due = next((r["due_date"] for r in facts.rows if r["due_date"] > effective_date), None)
    if facts.version is None or first_due is None:
        raise DomainError(
            "no_installment_after_date",
            f"No installment falls due after {effective_date}: nothing to analyze.",
        )
    year_start = month_start(first_due)
    disbursements: list[Disbursement] = []
    before_year: list[Decimal] = []
    by_account: dict[int, Decimal] = {}
    basis: dict[int, str] = {}
    for account in accounts:
        label = _label(account)
        items = [item for item in account.items.all() if item.is_active]
        if items:
            own: list[Disbursement] = []
            for item in items:
                scheduled = ScheduleItem(item.amount, item.next_due_date, item.frequency, label)
                own.extend(expand_schedule(scheduled, first_due))
                # Bills still to pay before the year (due today on: not paid yet).
                before_year.extend(
                    d.amount for d in occurrences(scheduled, business_date, year_start)
                )
            basis[account.pk] = "schedule"
        else:
            past = [
                Disbursement(day, amount, label)
                for day, amount in facts.withdrawals.get(account.pk, ())
            ]
            own = list(project_withdrawals(past, as_of=effective_date, first_due_date=first_due))
            basis[account.pk] = "past withdrawals"
        by_account[account.pk] = sum((d.amount for d in own), ZERO)
        disbursements.extend(own)
    deposits = _deposits_due(facts.rows, accounts, business_date, first_due)
    starting = projected_starting_balance(
        sum((a.balance for a in accounts), ZERO),
        deposits_due=deposits,
        disbursements_due=before_year,
    )
    inputs = AnalysisInput(
        effective_date=effective_date,
        first_due_date=first_due,
        disbursements=tuple(sorted(disbursements, key=lambda d: (d.due_date, d.account))),
        starting_balance=starting,
        current_payment=sum((a.monthly_amount for a in accounts), ZERO),
        days_past_due=loan.dpd,
        in_foreclosure=is_flag_set(loan.custom_fields, "in_foreclosure"),
        in_bankruptcy=is_flag_set(loan.custom_fields, "in_bankruptcy"),
        options=options_for(accounts, default_cushion),
    )
    return Gathered(inputs, accounts, facts.version, first_due, facts.rows, by_account, basis)


def options_for(
    accounts: list[EscrowAccount], default_cushion: int | None = None
) -> AnalysisOptions:
    """Cushion months: the accounts' own (the smallest when they differ: one cushion for
    the aggregate, never more than any account allows) else the tenant's default. The rest
    from ``settings.ESCROW_ANALYSIS_OPTIONS`` (products have no escrow settings yet), else
    the engine's defaults (refund a small surplus, spread a shortage over 12 months and a
    deficiency over 2)."""
    overrides = [a.cushion_months for a in accounts if a.cushion_months is not None]
    if overrides:
        months = min(overrides)
    elif default_cushion is not None:
        months = default_cushion
    else:
        months = get_tenant_settings().default_cushion_months
    return AnalysisOptions(cushion_months=months, **settings.ESCROW_ANALYSIS_OPTIONS)


def _label(account: EscrowAccount) -> str:
    return f"{account.category.name} #{account.pk}"


def _deposits_due(
    rows: list[dict], accounts: list[EscrowAccount], business_date, first_due_date
) -> list[Decimal]:
    """The accounts' monthly amounts on each installment not assessed yet (due after the
    business date) and due before the computation year: deposits still to come into B."""
    monthly = sum((a.monthly_amount for a in accounts if a.schedule_replenishment), ZERO)
    if not monthly:
        return []
    count = sum(1 for r in rows if business_date < r["due_date"] < first_due_date)
    return [monthly] * count
