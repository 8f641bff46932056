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
from loans.selectors import current_schedule_version
from servicing.errors import DomainError
from servicing.money import ZERO
from servicing.tenant import get_tenant_settings


@dataclass(frozen=True)
class Gathered:
    """The engine's input and what applying its result needs."""

    inputs: AnalysisInput
    accounts: list[EscrowAccount]
    version: ScheduleVersion
    first_due: Installment
    by_account: dict[int, Decimal]  # each account's disbursements of the computation year
    basis: dict[int, str]  # account id -> "schedule" | "past withdrawals"


def analyzable_accounts(loan: Loan) -> list[EscrowAccount]:
    return list(
        EscrowAccount.objects.filter(loan=loan, auto_analysis=True)
        .select_related("category")
        .prefetch_related("items")
        .order_by("pk")
    )


def gather(loan: Loan, *, effective_date: dt.date, business_date: dt.date) -> Gathered:
    """The analysis's inputs; 409 for a loan that cannot be analyzed."""
    if loan.status != Loan.Status.OPEN:
        raise DomainError("loan_not_open", f"Loan {loan.loan_number} is {loan.status}.")
    accounts = analyzable_accounts(loan)
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
    version = current_schedule_version(loan)
    first_due = (
        version.installments.filter(due_date__gt=effective_date).order_by("number").first()
        if version
        else None
    )
    if first_due is None:
        raise DomainError(
            "no_installment_after_date",
            f"No installment falls due after {effective_date}: nothing to analyze.",
        )
    year_start = month_start(first_due.due_date)
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
                own.extend(expand_schedule(scheduled, first_due.due_date))
                # Bills still to pay before the year (due today on: not paid yet).
                before_year.extend(
                    d.amount for d in occurrences(scheduled, business_date, year_start)
                )
            basis[account.pk] = "schedule"
        else:
            own = list(
                project_withdrawals(
                    _past_withdrawals(account, label),
                    as_of=effective_date,
                    first_due_date=first_due.due_date,
                )
            )
            basis[account.pk] = "past withdrawals"
        by_account[account.pk] = sum((d.amount for d in own), ZERO)
        disbursements.extend(own)
    deposits = _deposits_due(version, accounts, business_date, first_due.due_date)
    starting = projected_starting_balance(
        sum((a.balance for a in accounts), ZERO),
        deposits_due=deposits,
        disbursements_due=before_year,
    )
    inputs = AnalysisInput(
        effective_date=effective_date,
        first_due_date=first_due.due_date,
        disbursements=tuple(sorted(disbursements, key=lambda d: (d.due_date, d.account))),
        starting_balance=starting,
        current_payment=sum((a.monthly_amount for a in accounts), ZERO),
        days_past_due=loan.dpd,
        in_foreclosure=is_flag_set(loan.custom_fields, "in_foreclosure"),
        in_bankruptcy=is_flag_set(loan.custom_fields, "in_bankruptcy"),
        options=options_for(accounts),
    )
    return Gathered(inputs, accounts, version, first_due, by_account, basis)


def options_for(accounts: list[EscrowAccount]) -> AnalysisOptions:
    """Cushion months: the accounts' own (the smallest when they differ: one cushion for
    the aggregate, never more than any account allows) else the tenant's default. The rest
    from ``settings.ESCROW_ANALYSIS_OPTIONS`` (products have no escrow settings yet), else
    the engine's defaults (refund a small surplus, spread a shortage over 12 months and a
    deficiency over 2)."""
    overrides = [a.cushion_months for a in accounts if a.cushion_months is not None]
    months = min(overrides) if overrides else get_tenant_settings().default_cushion_months
    return AnalysisOptions(cushion_months=months, **settings.ESCROW_ANALYSIS_OPTIONS)


def _label(account: EscrowAccount) -> str:
    return f"{account.category.name} #{account.pk}"


def _past_withdrawals(account: EscrowAccount, label: str) -> list[Disbursement]:
    """The account's withdrawals net of their reversals (seed 002: past withdrawals)."""
    rows = (
        EscrowEntry.objects.filter(account=account, kind=EscrowEntry.Kind.WITHDRAWN)
        .exclude(reversed_by__isnull=False)
        .values_list("effective_date", "amount")
    )
    return [Disbursement(day, amount, label) for day, amount in rows]


def _deposits_due(
    version: ScheduleVersion, accounts: list[EscrowAccount], business_date, first_due_date
) -> list[Decimal]:
    """The accounts' monthly amounts on each installment not assessed yet (due after the
    business date) and due before the computation year: deposits still to come into B."""
    monthly = sum((a.monthly_amount for a in accounts if a.schedule_replenishment), ZERO)
    if not monthly:
        return []
    count = version.installments.filter(
        due_date__gt=business_date, due_date__lt=first_due_date
    ).count()
    return [monthly] * count
