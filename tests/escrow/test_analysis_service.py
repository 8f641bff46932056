"""analyze_loan end to end (spec/escrow.md "Escrow analysis", "Update")."""
# ruff: noqa: F811  (the fixtures are imported from tests/escrow/analysis_fixtures.py)

import datetime as dt
from decimal import Decimal as D

import pytest

from escrow import ledger
from escrow.engine.analysis import AnalysisInput, AnalysisOptions, analyze
from escrow.engine.projection import Disbursement
from escrow.models import EscrowAnalysis, EscrowEntry
from escrow.services.analysis import analyze_loan
from loans.ledger import cached_balances, rebuild_balances
from loans.models import LoanDocument
from loans.selectors import current_schedule_version
from loans.services.catch_up import catch_up
from loans.services.replay import opened_state
from loans.services.replay_inputs import load_schedule
from servicing.business_date import set_business_date
from servicing.errors import DomainError
from servicing.money import split_by_weight
from tests.escrow.analysis_fixtures import TODAY, add_account, board, escrow_loan  # noqa: F401

pytestmark = pytest.mark.django_db


def test_individual_analysis_equals_the_engine(escrow_loan):
    loan = escrow_loan()
    analysis = analyze_loan(loan, effective_date=TODAY, update=False)
    # Deposits still due before the year: none (the first installment, 2026-02-01, opens
    # it); no bill falls due before it: B is today's balance.
    expected = analyze(
        AnalysisInput(
            TODAY,
            dt.date(2026, 2, 1),
            (
                Disbursement(dt.date(2026, 7, 1), D("360")),
                Disbursement(dt.date(2026, 11, 15), D("1200")),
            ),
            D("600"),
            current_payment=D("130"),
            options=AnalysisOptions(cushion_months=2),
        )
    )
    assert analysis.computation_year_start == dt.date(2026, 2, 1)
    assert analysis.annual_disbursements == expected.total_disbursements == D("1560.00")
    assert analysis.monthly_payment == expected.base_payment == D("130.00")
    assert analysis.cushion == expected.cushion == D("260.00")
    assert analysis.required_starting_balance == expected.required_balance
    assert analysis.projected_starting_balance == D("600.00")
    assert (analysis.surplus, analysis.shortage, analysis.deficiency) == (
        expected.surplus,
        expected.shortage,
        expected.deficiency,
    )
    assert analysis.low_point_month == expected.low_point_month
    assert analysis.new_monthly_payment == expected.new_payment
    assert [r["step3"] for r in analysis.result["rows"]] == [str(r.step3) for r in expected.rows]
    assert len(analysis.result["rows"]) == 13
    assert not analysis.updated
    assert [r["name"] for r in analysis.result["rules"]] == [
        "skip_foreclosure",
        "cap_payment_increase",
        "suppress_small_refund",
    ]
    # Not applied: the schedule and the accounts are as they were.
    assert current_schedule_version(loan).version == 1
    assert loan.escrow_accounts.get(category__code="property_tax").monthly_amount == D("100")


def test_update_applies_payment_schedule_accounts_and_dates(escrow_loan):
    loan = escrow_loan()
    analysis = analyze_loan(loan, effective_date=TODAY, update=True)
    assert analysis.updated
    version = current_schedule_version(loan)
    assert version.version == 2
    payments = [D(p["applied"]) for p in analysis.result["payments"]]
    rows = list(version.installments.order_by("number"))
    for k, row in enumerate(rows):
        expected = payments[k] if k < 12 else analysis.new_monthly_payment
        assert row.escrow == expected
        assert row.total == row.principal + row.interest + row.fees + row.escrow
    tax = loan.escrow_accounts.get(category__code="property_tax")
    ins = loan.escrow_accounts.get(category__code="insurance")
    # Split by disbursements 1,200 : 360, cents to the larger.
    assert tax.monthly_amount + ins.monthly_amount == analysis.new_monthly_payment
    assert ins.monthly_amount == (analysis.new_monthly_payment * 360 / 1560).quantize(D("0.01"))
    assert tax.last_analysis_date == TODAY
    assert tax.next_analysis_date == dt.date(2027, 1, 15)
    # The carry follows the new version: the close of business goes on set-based.
    loan.refresh_from_db()
    assert loan.carry["version"] == version.pk
    assert opened_state(loan, load_schedule(loan), TODAY) is not None


def test_surplus_refund_posted_as_excess_refund(escrow_loan):
    loan = escrow_loan(balance_tax="900", balance_ins="300")
    analysis = analyze_loan(loan, effective_date=TODAY, update=True)
    # B 1,200 against required A + C.
    assert analysis.surplus == D("1200.00") - analysis.required_starting_balance > 0
    refunds = EscrowEntry.objects.filter(account__loan=loan, kind=EscrowEntry.Kind.EXCESS_REFUND)
    assert sum(r.amount for r in refunds) == analysis.surplus
    assert sum(a.balance for a in loan.escrow_accounts.all()) == analysis.required_starting_balance
    assert analysis.result["actions"][0]["code"] == "refund_surplus"


def test_second_update_of_a_computation_year_is_refused(escrow_loan):
    loan = escrow_loan()
    first = analyze_loan(loan, effective_date=TODAY, update=True)
    with pytest.raises(DomainError) as exc:
        analyze_loan(loan, effective_date=TODAY + dt.timedelta(days=3), update=True)
    assert exc.value.code == "already_analyzed"
    assert exc.value.extra["analysis_id"] == first.pk
    # Analyzing without updating is always allowed.
    again = analyze_loan(loan, effective_date=TODAY, update=False)
    assert not again.updated
    assert EscrowAnalysis.objects.filter(loan=loan, updated=True).count() == 1
    assert current_schedule_version(loan).version == 2


def test_statement_pdf_in_documents_with_new_payment(escrow_loan):
    loan = escrow_loan()
    analysis = analyze_loan(loan, effective_date=TODAY, update=True)
    document = LoanDocument.objects.get(loan=loan)
    assert document.kind == "escrow_statement"
    content = bytes(document.content)
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    assert "Escrow account statement" in text
    assert f"{analysis.new_monthly_payment:,}" in text
    assert "Replenished" in text  # the past year's history: the opening balance row


def test_exempt_loan_more_than_30_dpd_gets_no_statement(escrow_loan):
    loan = escrow_loan()
    loan.dpd = 31
    loan.save(update_fields=["dpd"])
    analysis = analyze_loan(loan, effective_date=TODAY, update=False)
    assert analysis.exempt
    assert not LoanDocument.objects.filter(loan=loan).exists()


def test_loan_without_auto_analysis_account_is_refused(board):
    loan = board(TODAY, number_of_payments=24)
    add_account(loan, auto_analysis=False, items=[("County", "100", TODAY, "annual")])
    with pytest.raises(DomainError) as exc:
        analyze_loan(loan, effective_date=TODAY, update=False)
    assert exc.value.code == "no_escrow_to_analyze"


def test_account_without_items_projects_past_withdrawals(board):
    loan = board(TODAY, number_of_payments=24)
    account = add_account(loan, balance="1000")
    ledger.post(
        account,
        kind=EscrowEntry.Kind.WITHDRAWN,
        amount=D("240"),
        effective_date=dt.date(2025, 10, 5),
        business_date=TODAY,
    )
    analysis = analyze_loan(loan, effective_date=TODAY, update=False)
    assert analysis.annual_disbursements == D("240.00")
    assert analysis.result["inputs"]["disbursements"][0]["due_date"] == "2026-10-05"
    assert analysis.result["inputs"]["accounts"][0]["basis"] == "past withdrawals"


def test_split_by_weight_gives_the_cents_to_the_largest():
    assert split_by_weight(D("100.00"), {1: D("1"), 2: D("2")}) == {1: D("33.33"), 2: D("66.67")}
    assert split_by_weight(D("10.00"), {1: D("0"), 2: D("0")}) == {1: D("10.00"), 2: D("0")}


def pdf_text(content: bytes) -> str:
    """The PDF's text: pypdf when installed, else pdftotext."""
    try:
        from pypdf import PdfReader
    except ImportError:
        import subprocess

        out = subprocess.run(
            ["pdftotext", "-", "-"],  # noqa: S607  (poppler-utils, on PATH)
            input=content,
            capture_output=True,
            check=True,
        )
        return out.stdout.decode()
    import io

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_updated_loan_rebuilds_and_catches_up_past_the_new_escrow(escrow_loan):
    loan = escrow_loan(balance_tax="900", balance_ins="300")
    analyze_loan(loan, effective_date=TODAY, update=True)
    for account in loan.escrow_accounts.all():
        assert ledger.rebuild_balance(account) == account.balance
    set_business_date(dt.date(2026, 2, 3))
    loan = catch_up(loan)
    assert rebuild_balances(loan) == cached_balances(loan)
    assert loan.next_due_date == dt.date(2026, 3, 1)


def test_projected_balance_counts_deposits_and_bills_due_before_the_year(escrow_loan):
    loan = escrow_loan()
    # A bill of the tax account falls due on 2026-03-20, before the year (April on).
    tax = loan.escrow_accounts.get(category__code="property_tax")
    tax.items.create(
        payee="Levy", amount=D("75"), next_due_date=dt.date(2026, 3, 20), frequency="annual"
    )
    analysis = analyze_loan(loan, effective_date=dt.date(2026, 3, 10), update=False)
    assert analysis.computation_year_start == dt.date(2026, 4, 1)
    # 600 today + 2 installments (Feb 1, Mar 1) x 130 still to be assessed - 75 due.
    assert analysis.projected_starting_balance == D("600") + 2 * D("130") - D("75")
    # The levy recurs in March 2027, inside the year from April 2026.
    assert analysis.annual_disbursements == D("1560") + D("75")
