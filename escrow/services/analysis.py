"""Escrow analysis of one loan (spec/escrow.md "Escrow analysis", "Update", "Client
rules"): gather the inputs, run the engine and the client rules, store the analysis, apply
it when asked (new schedule version, accounts' monthly amounts, surplus refund, analysis
dates) and keep the annual escrow statement in the loan's Documents.

One call per analysis: ``analyze_loan``. A second *update* for a computation year already
updated is refused (409 ``already_analyzed``; the unique constraint
``one_update_per_computation_year`` backs the check against a racing request). A batch
re-run therefore catches it and analyzes without updating (escrow/batch.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction

from escrow import ledger
from escrow.engine.analysis import Analysis, analyze
from escrow.engine.projection import month_index
from escrow.models import EscrowAccount, EscrowAnalysis, EscrowEntry
from escrow.rules import Decision, RuleOutcome, run_rules
from escrow.services.analysis_inputs import Gathered, gather
from escrow.statements import store_statement
from loans.engine.dates import add_months
from loans.locks import lock_loan
from loans.models import Loan
from loans.services.catch_up import catch_up
from loans.services.schedule_versions import store_version
from servicing.activity import actor_label, record_activity
from servicing.business_date import get_business_date
from servicing.errors import DomainError
from servicing.money import ZERO, split_by_weight


@dataclass(frozen=True)
class Decided:
    """The engine's result for a gathered loan and what the client rules made of it."""

    gathered: Gathered
    result: Analysis
    outcomes: list[RuleOutcome]
    decision: Decision
    payments: list[Decimal]  # the 12 months' new escrow payments, after a rule's cap
    regular: Decimal  # the regular new escrow payment
    refund: Decimal  # the surplus refunded now (0: none)

    @property
    def year_start(self) -> dt.date:
        return self.gathered.first_due_date


def decide(loan: Loan, gathered: Gathered) -> Decided:
    """Run the engine and the client rules (no query unless a rule makes one)."""
    result = analyze(gathered.inputs)
    outcomes, decision = run_rules(loan, result)
    payments, regular = applied_payments(result, decision)
    return Decided(
        gathered, result, outcomes, decision, payments, regular, refund_amount(result, decision)
    )


def analyze_loan(
    loan: Loan, *, effective_date: dt.date, update: bool, actor=None, job_run=None
) -> EscrowAnalysis:
    """Analyze the loan's auto-analysis escrow accounts as of ``effective_date``; with
    ``update`` apply the result (unless a client rule skips it). One loan's reference path;
    a batch analyzes its chunks set-based (escrow/services/batch_analysis.py)."""
    business_date = get_business_date()
    loan = catch_up(loan, actor=actor)  # analyze today's balances and DPD, not stale ones
    with transaction.atomic():
        locked = lock_loan(loan.pk)
        decided = decide(
            locked, gather(locked, effective_date=effective_date, business_date=business_date)
        )
        gathered = decided.gathered
        done = EscrowAnalysis.objects.filter(
            loan=locked, computation_year_start=decided.year_start, updated=True
        ).first()
        if update and done is not None:
            raise already_analyzed(locked, done)
        applying = update and not decided.decision.skip_update
        try:
            with transaction.atomic():
                analysis = EscrowAnalysis.objects.create(
                    **analysis_values(
                        locked, decided, applying, effective_date, job_run, actor_label(actor)
                    )
                )
        except IntegrityError:  # a racing update of the same computation year won
            raise already_analyzed(locked, None) from None
        if applying:
            _apply(locked, analysis, decided, business_date, actor)
        if not decided.result.exempt:  # 1024.17(i)(2): no statement for exempt loans
            store_statement(locked, analysis, gathered.accounts, actor=actor)
        record_activity(
            actor=actor,
            action="escrow.analyzed",
            summary=analyzed_summary(decided, applying),
            target=locked,
            details={"analysis_id": analysis.pk, "update": update, "applied": applying},
            business_date=business_date,
        )
    return analysis


def already_analyzed(loan: Loan, done: EscrowAnalysis | None) -> DomainError:
    which = f" (analysis #{done.pk})" if done else ""
    return DomainError(
        "already_analyzed",
        f"Loan {loan.loan_number} was already updated for this computation year{which}.",
        analysis_id=done.pk if done else None,
    )


def analysis_values(
    loan: Loan, decided: Decided, applying: bool, effective_date: dt.date, job_run, label: str
) -> dict:
    """The stored analysis's fields."""
    result = decided.result
    return {
        "loan_id": loan.pk,
        "effective_date": effective_date,
        "computation_year_start": decided.year_start,
        "annual_disbursements": result.total_disbursements,
        "monthly_payment": result.base_payment,
        "cushion": result.cushion,
        "required_starting_balance": result.required_balance,
        "projected_starting_balance": result.starting_balance,
        "surplus": result.surplus,
        "shortage": result.shortage,
        "deficiency": result.deficiency,
        "low_point_month": result.low_point_month,
        "new_monthly_payment": decided.regular,
        "exempt": result.exempt,
        "result": result_json(decided),
        "updated": applying,
        "job_run_id": job_run.pk if job_run is not None else None,
        "actor_label": label,
    }


def analyzed_summary(decided: Decided, applying: bool) -> str:
    return (
        f"Escrow analysis for the year from {decided.year_start}: new escrow payment "
        f"{decided.regular}{' applied' if applying else ''}"
    )


def applied_payments(result: Analysis, decision: Decision) -> tuple[list[Decimal], Decimal]:
    """The 12 months' new escrow payments and the regular one, after a rule's cap."""
    payments = [p.total for p in result.payments]
    regular = result.new_payment
    if decision.capped_payment is not None:
        payments = [min(p, decision.capped_payment) for p in payments]
        regular = min(regular, decision.capped_payment)
    return payments, regular


def refund_amount(result: Analysis, decision: Decision) -> Decimal:
    """The surplus to refund now (1024.17(f)(2)(i)), unless a rule suppressed it."""
    action = next((a for a in result.actions if a.code == "refund_surplus"), None)
    if action is None or decision.suppress_refund:
        return ZERO
    return action.amount


def _apply(
    loan: Loan, analysis: EscrowAnalysis, decided: Decided, business_date: dt.date, actor
) -> None:
    """Update: the new payment from the year's first installment, the accounts' monthly
    amounts, the surplus refund and the analysis dates."""
    gathered = decided.gathered
    rows, changed = new_schedule_rows(gathered, decided.payments, decided.regular)
    version = store_version(
        loan,
        gathered.version,
        rows,
        effective_date=analysis.effective_date,
        reason=version_reason(analysis),
    )
    fields = loan_changes(loan, gathered, version.pk, changed)
    if fields:
        for name, value in fields.items():
            setattr(loan, name, value)
        loan.save(update_fields=list(fields))
    for account, activity in analyzed_accounts(decided, analysis, actor, business_date):
        account.save(update_fields=list(ACCOUNT_FIELDS))
        record_activity(**activity)
    if decided.refund > 0:
        for account, amount in refund_shares(gathered.accounts, decided.refund):
            ledger.post(account, **refund_entry(amount, analysis, business_date, actor))


def version_reason(analysis: EscrowAnalysis) -> str:
    return f"Escrow analysis #{analysis.pk}"


def next_analysis_date(effective_date: dt.date) -> dt.date:
    return add_months(effective_date, 12)


ACCOUNT_FIELDS = ("monthly_amount", "last_analysis_date", "next_analysis_date")


def analyzed_accounts(
    decided: Decided, analysis: EscrowAnalysis, actor, business_date
) -> list[tuple[EscrowAccount, dict]]:
    """The accounts as Update leaves them (``ACCOUNT_FIELDS`` set on the instances, not
    saved): the regular new payment split by their year's disbursements, the analysis
    dates; with each its ``record_activity`` arguments."""
    amounts = split_by_weight(decided.regular, decided.gathered.by_account)
    next_date = next_analysis_date(analysis.effective_date)
    out = []
    for account in decided.gathered.accounts:
        before = {
            "monthly_amount": account.monthly_amount,
            "last_analysis_date": account.last_analysis_date,
        }
        account.monthly_amount = amounts[account.pk]
        account.last_analysis_date = analysis.effective_date
        account.next_analysis_date = next_date
        out.append((account, account_activity(account, before, actor, business_date)))
    return out


def account_activity(account: EscrowAccount, before: dict, actor, business_date) -> dict:
    """``record_activity``'s arguments for an account the update changed."""
    return {
        "actor": actor,
        "action": "escrow.account_analyzed",
        "summary": (
            f"{account}: monthly escrow {before['monthly_amount']} -> {account.monthly_amount}"
        ),
        "target": account,
        "before": before,
        "after": {
            "monthly_amount": account.monthly_amount,
            "last_analysis_date": account.last_analysis_date,
        },
        "business_date": business_date,
    }


def new_schedule_rows(
    gathered: Gathered, payments: list[Decimal], regular: Decimal
) -> tuple[list[dict], dict[dt.date, Decimal]]:
    """The new version's rows: from the computation year's first installment on, the new
    escrow (its month's payment within the year, the regular one after); rows already
    billed keep what was billed. Also {due date: new total} of the rows changed."""
    first = gathered.first_due_date
    rows, changed = [], {}
    for row in gathered.rows:
        values = dict(row)
        if row["due_date"] >= first and not row["billed"]:
            k = month_index(first, row["due_date"])
            escrow = payments[k] if k < len(payments) else regular
            values["escrow"] = escrow
            values["total"] = row["principal"] + row["interest"] + row["fees"] + escrow
            changed[row["due_date"]] = values["total"]
        rows.append(values)
    return rows, changed


def loan_changes(loan: Loan, gathered: Gathered, version_id: int, changed: dict) -> dict:
    """The loan's fields a new version changes: its carry's version and the cached next
    due amount."""
    fields = {}
    if loan.carry and loan.carry.get("version") == gathered.version.pk:
        # The replay's terms (dates, payments of principal and interest, rates) are those of
        # the old version: the carry stays valid for the new one, so the close of business
        # keeps closing the loan set-based instead of replaying it.
        fields["carry"] = {**loan.carry, "version": version_id}
    if loan.next_due_date in changed:  # the cached next due amount shows the new escrow
        fields["next_due_amount"] = changed[loan.next_due_date]
    return fields


def refund_shares(
    accounts: list[EscrowAccount], refund: Decimal
) -> list[tuple[EscrowAccount, Decimal]]:
    """The surplus refund (spec "Refund Excess"), from the accounts in proportion to their
    balances (cents to the largest); accounts with a share only."""
    shares = split_by_weight(refund, {a.pk: max(a.balance, ZERO) for a in accounts})
    return [(a, shares[a.pk]) for a in accounts if shares[a.pk] > 0]


def refund_entry(amount: Decimal, analysis: EscrowAnalysis, business_date, actor) -> dict:
    """``ledger.post``'s arguments for an account's share of the surplus refund."""
    return {
        "kind": EscrowEntry.Kind.EXCESS_REFUND,
        "amount": amount,
        "effective_date": business_date,
        "business_date": business_date,
        "actor": actor,
        "payee": "Borrower",
        "note": f"Escrow analysis #{analysis.pk}: surplus refund (12 CFR 1024.17(f)(2)(i))",
        "details": {"analysis_id": analysis.pk},
    }


def result_json(decided: Decided) -> dict:
    """The stored analysis: inputs, the engine's figures, the 13 rows, actions, payments,
    rule outcomes and what was decided."""
    gathered, result, decision = decided.gathered, decided.result, decided.decision
    outcomes, payments, refund = decided.outcomes, decided.payments, decided.refund
    inputs = gathered.inputs
    money = str
    return {
        "inputs": {
            "effective_date": inputs.effective_date.isoformat(),
            "first_due_date": inputs.first_due_date.isoformat(),
            "starting_balance": money(inputs.starting_balance),
            "current_payment": money(inputs.current_payment),
            "days_past_due": inputs.days_past_due,
            "in_foreclosure": inputs.in_foreclosure,
            "in_bankruptcy": inputs.in_bankruptcy,
            "options": {name: getattr(inputs.options, name) for name in inputs.options.__slots__},
            "disbursements": [
                {
                    "due_date": d.due_date.isoformat(),
                    "amount": money(d.amount),
                    "account": d.account,
                }
                for d in inputs.disbursements
            ],
            "accounts": [
                {
                    "id": a.pk,
                    "category": a.category.code,
                    "balance": money(a.balance),
                    "monthly_amount": money(a.monthly_amount),
                    "annual_disbursements": money(gathered.by_account[a.pk]),
                    "basis": gathered.basis[a.pk],
                    "last_analysis_date": a.last_analysis_date.isoformat()
                    if a.last_analysis_date
                    else None,
                }
                for a in gathered.accounts
            ],
        },
        "adjustment": money(result.adjustment),
        "current": result.current,
        "engine_new_monthly_payment": money(result.new_payment),
        "deficiency_payment": money(result.deficiency_payment),
        "deficiency_months": result.deficiency_months,
        "rows": [
            {
                "month": r.month,
                "deposit": money(r.deposit),
                "disbursement": money(r.disbursement),
                "step1": money(r.step1),
                "step2": money(r.step2),
                "step3": money(r.step3),
                "projected": money(r.projected),
            }
            for r in result.rows
        ],
        "actions": [
            {
                "code": a.code,
                "amount": money(a.amount),
                "rule": a.rule,
                "within_days": a.within_days,
                "installments": [money(x) for x in a.installments],
            }
            for a in result.actions
        ],
        "payments": [
            {"month": p.month, "engine": money(p.total), "applied": money(applied)}
            for p, applied in zip(result.payments, payments, strict=True)
        ],
        "rules": [o.as_json() for o in outcomes],
        "decision": {
            "skip_update": decision.skip_update,
            "capped_payment": None
            if decision.capped_payment is None
            else money(decision.capped_payment),
            "suppress_refund": decision.suppress_refund,
            "refund": money(refund),
        },
    }
