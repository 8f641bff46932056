"""The annual escrow account statement (12 CFR 1024.17(i)(1)) of an analysis: a PDF kept
in the loan's Documents tab. Exempt loans (1024.17(i)(2)) get none: the caller decides."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from escrow.models import BALANCE_EFFECT, EscrowAccount, EscrowAnalysis, EscrowEntry
from loans.engine.dates import add_months
from loans.models import Loan, LoanDocument
from loans.services.documents import store_document
from servicing.documents import render_pdf
from servicing.money import ZERO

TEMPLATE = "escrow/statement.html"

# How each action reads on the statement (1024.17(i)(1)(v)-(vi): how the surplus,
# shortage or deficiency is handled).
ACTION_TEXT = {
    "refund_surplus": "The surplus of {amount} will be refunded to you within 30 days.",
    "credit_surplus": "The surplus of {amount} is credited against next year's payments.",
    "retain_surplus": "The surplus of {amount} is retained: the loan is not current.",
    "spread_shortage": "The shortage of {amount} is spread over {n} monthly payments.",
    "demand_shortage": "The shortage of {amount} is due within 30 days.",
    "spread_deficiency": "The deficiency of {amount} is spread over {n} monthly payments.",
    "demand_deficiency": "The deficiency of {amount} is due within 30 days.",
}


def statement_context(
    loan: Loan, analysis: EscrowAnalysis, accounts: list[EscrowAccount], snapshot: dict
) -> dict:
    """What the statement shows: payments, the past year's history, the projection; as of
    ``snapshot`` (``statement_snapshot``), whenever it is rendered."""
    result = analysis.result
    since = history_start(analysis)
    entries = EscrowEntry.objects.filter(
        account__in=accounts,
        effective_date__gt=since,
        effective_date__lte=analysis.effective_date,
    )
    if snapshot["entries_through"] is not None:
        entries = entries.filter(pk__lte=snapshot["entries_through"])
    else:
        entries = entries.none()
    entries = list(entries.select_related("account__category").order_by("effective_date", "id"))
    paid_in = sum((e.amount for e in entries if BALANCE_EFFECT[e.kind] > 0), ZERO)
    paid_out = sum((e.amount for e in entries if BALANCE_EFFECT[e.kind] < 0), ZERO)
    decision = result.get("decision", {})
    explanations = [
        ACTION_TEXT[a["code"]].format(amount=a["amount"], n=len(a["installments"]))
        for a in result["actions"]
        if a["code"] in ACTION_TEXT
    ]
    if decision.get("suppress_refund"):
        explanations.append("No refund is made this year: the surplus stays in the account.")
    if not explanations:
        explanations.append("The account is neither in surplus nor short: nothing is due.")
    return {
        "loan": loan,
        "borrower": loan.borrower,
        "analysis": analysis,
        "current_payment": Decimal(result["inputs"]["current_payment"]),
        "rows": result["rows"],
        "payments": result["payments"],
        "rules": [r for r in result.get("rules", []) if r["applied"]],
        "accounts": result["inputs"]["accounts"],
        "history": entries,
        "history_start": since,
        "paid_in": paid_in,
        "paid_out": paid_out,
        "closing_balance": Decimal(snapshot["closing_balance"]),
        "explanations": explanations,
    }


def history_start(analysis: EscrowAnalysis) -> dt.date:
    """The account history starts at the accounts' last analysis (the earliest), else a
    year before the analysis: the past computation year (1024.17(i)(1))."""
    dates = [
        dt.date.fromisoformat(a["last_analysis_date"])
        for a in analysis.result["inputs"]["accounts"]
        if a.get("last_analysis_date")
    ]
    return min(dates) if dates else add_months(analysis.effective_date, -12)


RENDERER = "escrow.statement"


def statement_snapshot(analysis: EscrowAnalysis, closing_balance: Decimal, entries_through) -> dict:
    """The facts a statement is rendered from, frozen when the analysis is made: the
    analysis, the accounts' balance after it, the last escrow ledger row of the loan then
    (rows are only posted under the loan's lock, so none with a lower id comes later)."""
    return {
        "analysis_id": analysis.pk,
        "closing_balance": str(closing_balance),
        "entries_through": entries_through,
    }


def store_statement(
    loan: Loan, analysis: EscrowAnalysis, accounts: list[EscrowAccount], *, actor=None
) -> LoanDocument:
    """Render the statement now and keep it in the loan's documents (one analysis)."""
    last = EscrowEntry.objects.filter(account__in=accounts).order_by("-pk").first()
    snapshot = statement_snapshot(
        analysis, sum((a.balance for a in accounts), ZERO), last.pk if last else None
    )
    return store_document(
        loan,
        kind=LoanDocument.Kind.ESCROW_STATEMENT,
        title=statement_title(analysis),
        filename=statement_filename(loan, analysis),
        content=render_pdf(TEMPLATE, statement_context(loan, analysis, accounts, snapshot)),
        actor=actor,
        renderer=RENDERER,
        render_data=snapshot,
    )


def statement_title(analysis: EscrowAnalysis) -> str:
    return f"Escrow account statement {analysis.computation_year_start:%Y-%m}"


def statement_filename(loan: Loan, analysis: EscrowAnalysis) -> str:
    return (
        f"escrow-statement-{loan.loan_number}-{analysis.computation_year_start:%Y-%m}"
        f"-{analysis.pk}.pdf"
    )


def render_statement(document: LoanDocument) -> bytes:
    """A statement stored to render (a batch's), from its frozen snapshot."""
    snapshot = document.render_data
    analysis = EscrowAnalysis.objects.select_related("loan__borrower").get(
        pk=snapshot["analysis_id"]
    )
    ids = [a["id"] for a in analysis.result["inputs"]["accounts"]]
    accounts = list(EscrowAccount.objects.filter(pk__in=ids).order_by("pk"))
    return render_pdf(TEMPLATE, statement_context(analysis.loan, analysis, accounts, snapshot))
