"""Client rules (spec/escrow.md "Client rules"; escrow/rules.py): each outcome stored
with the analysis, and the decisions they make (skip, cap, suppress)."""
# ruff: noqa: F811  (the fixtures are imported from tests/escrow/analysis_fixtures.py)

from decimal import Decimal as D

import pytest

from escrow.models import EscrowEntry
from escrow.services.analysis import analyze_loan
from loans.selectors import current_schedule_version
from tests.escrow.analysis_fixtures import TODAY, board, escrow_loan  # noqa: F401

pytestmark = pytest.mark.django_db


def outcome(analysis, name):
    return next(r for r in analysis.result["rules"] if r["name"] == name)


def test_foreclosure_flag_skips_the_update(escrow_loan):
    loan = escrow_loan(custom_fields={"in_foreclosure": "true"})
    analysis = analyze_loan(loan, effective_date=TODAY, update=True)
    rule = outcome(analysis, "skip_foreclosure")
    assert rule["applied"] and rule["skip_update"]
    assert not analysis.updated
    assert analysis.exempt  # 1024.17(i)(2): in foreclosure, no statement either
    assert current_schedule_version(loan).version == 1
    assert loan.escrow_accounts.first().last_analysis_date != TODAY


def test_payment_increase_is_capped(escrow_loan, settings):
    settings.ESCROW_PAYMENT_INCREASE_CAP_PERCENT = "10"
    loan = escrow_loan(balance_tax="0", balance_ins="0")
    loan.escrow_accounts.update(monthly_amount=D("50"))  # current payment 100
    analysis = analyze_loan(loan, effective_date=TODAY, update=True)
    rule = outcome(analysis, "cap_payment_increase")
    assert rule["applied"]
    assert rule["capped_payment"] == "110.00"
    assert analysis.new_monthly_payment == D("110.00")
    assert D(analysis.result["engine_new_monthly_payment"]) > D("110.00")
    rows = current_schedule_version(loan).installments.order_by("number")
    assert {row.escrow for row in rows} == {D("110.00")}
    assert sum(a.monthly_amount for a in loan.escrow_accounts.all()) == D("110.00")


def test_small_refund_is_suppressed(escrow_loan, settings):
    settings.ESCROW_REFUND_MINIMUM = "50.00"
    settings.ESCROW_ANALYSIS_OPTIONS = {"small_surplus": "refund"}
    loan = escrow_loan(balance_tax="600", balance_ins="0")
    analysis = analyze_loan(loan, effective_date=TODAY, update=False)
    required = analysis.required_starting_balance
    loan = escrow_loan(
        application_number="APP-E9",
        balance_tax=str(required + D("20")),
        balance_ins="0",
    )
    analysis = analyze_loan(loan, effective_date=TODAY, update=True)
    assert analysis.surplus == D("20.00")
    rule = outcome(analysis, "suppress_small_refund")
    assert rule["applied"] and rule["suppress_refund"]
    assert analysis.result["decision"]["refund"] == "0.00"
    assert not EscrowEntry.objects.filter(account__loan=loan, kind="excess_refund").exists()


def test_no_rule_applies_by_default(escrow_loan):
    analysis = analyze_loan(escrow_loan(), effective_date=TODAY, update=True)
    assert [r["applied"] for r in analysis.result["rules"]] == [False, False, False]
    assert analysis.updated


def test_rules_come_from_settings(escrow_loan, settings):
    settings.ESCROW_ANALYSIS_RULES = ["tests.escrow.test_analysis_rules.always_skip"]
    analysis = analyze_loan(escrow_loan(), effective_date=TODAY, update=True)
    assert analysis.result["rules"] == [
        {
            "name": "always_skip",
            "applied": True,
            "message": "Skipped by the client.",
            "skip_update": True,
            "capped_payment": None,
            "suppress_refund": False,
        }
    ]
    assert not analysis.updated


def always_skip(loan, analysis):
    from escrow.rules import RuleOutcome

    return RuleOutcome("always_skip", True, "Skipped by the client.", skip_update=True)
