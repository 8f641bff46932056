"""Escrow owed and replenished by payments (spec/escrow.md "Replenishment"): assessments
(manual and on due dates at the close of business), the escrow part of payments by the
hierarchy, reversals and re-splits, every account's balance equal to its ledger."""

import datetime as dt
from decimal import Decimal as D

import pytest

from escrow.ledger import rebuild_balance
from escrow.models import EscrowAccount, EscrowAssessment, EscrowCategory, EscrowEntry
from escrow.services.assessments import assess_due, assess_escrow, select_loans_to_assess
from loans.ledger import cached_balances, rebuild_balances
from loans.models import LedgerEntry
from loans.services.payments import post_payment, reverse_payment
from loans.services.payoff import payoff_quote
from servicing.business_date import set_business_date
from servicing.errors import InvalidInput
from tests.escrow.conftest import seed_categories

BD = dt.date(2026, 1, 15)


def account(loan, code="property_tax", **fields) -> EscrowAccount:
    seed_categories()
    return EscrowAccount.objects.create(
        loan=loan, category=EscrowCategory.objects.get(code=code), **fields
    )


def check_books(loan):
    loan.refresh_from_db()
    assert rebuild_balances(loan) == cached_balances(loan)
    for each in loan.escrow_accounts.all():
        assert rebuild_balance(each) == each.balance, each


@pytest.fixture
def loan(board):
    return board(BD)  # 1,200 at 12 % 30/360, 3 monthly payments from 2026-02-01


def test_an_assessment_is_owed_and_a_payment_replenishes_the_account(loan):
    tax = account(loan)
    assessment = assess_escrow(tax, amount=D("300.00"))
    loan.refresh_from_db()
    assert loan.escrow_balance == D("300.00") and loan.amount_due == D("300.00")
    assert assessment.loan_entry.kind == LedgerEntry.Kind.ESCROW_ASSESSED
    payment = post_payment(loan, amount=D("300.00"), effective_date=BD)
    assert payment.escrow == D("300.00")  # nothing else is due yet: all of it to escrow
    tax.refresh_from_db()
    assert tax.balance == D("300.00")
    row = tax.entries.get()
    assert (row.kind, row.amount, row.loan_entry_id) == ("replenished", D("300.00"), payment.pk)
    loan.refresh_from_db()
    assert loan.escrow_balance == 0 and loan.amount_due == 0
    check_books(loan)


def test_without_an_assessment_a_payment_does_not_replenish(loan):
    tax = account(loan)
    payment = post_payment(loan, amount=D("50.00"), effective_date=BD)
    assert payment.escrow == 0 and payment.excess == D("50.00")
    assert not tax.entries.exists()


def test_the_payoff_includes_escrow_owed(loan):
    assess_escrow(account(loan), amount=D("120.00"))
    quote = payoff_quote(loan)
    assert quote.escrow == D("120.00")
    assert quote.total == quote.principal + quote.interest + quote.fees + D("120.00")


def test_a_reversal_takes_the_replenishment_back(loan):
    tax = account(loan)
    assess_escrow(tax, amount=D("300.00"))
    payment = post_payment(loan, amount=D("300.00"), effective_date=BD)
    reversal = reverse_payment(payment, reason="Returned ACH")
    tax.refresh_from_db()
    assert tax.balance == 0
    back = tax.entries.get(kind=EscrowEntry.Kind.REPLENISHMENT_REVERSED)
    assert back.amount == D("300.00") and back.loan_entry_id == reversal.pk
    loan.refresh_from_db()
    assert loan.escrow_balance == D("300.00")  # owed again
    check_books(loan)


def test_oldest_assessment_first_each_account_up_to_its_assessment(loan):
    tax, insurance = account(loan), account(loan, "insurance")
    assess_escrow(tax, amount=D("100.00"))
    set_business_date(BD + dt.timedelta(days=1))
    assess_escrow(insurance, amount=D("80.00"))
    post_payment(loan, amount=D("130.00"), effective_date=BD + dt.timedelta(days=1))
    tax.refresh_from_db()
    insurance.refresh_from_db()
    assert (tax.balance, insurance.balance) == (D("100.00"), D("30.00"))
    post_payment(loan, amount=D("50.00"), effective_date=BD + dt.timedelta(days=1))
    insurance.refresh_from_db()
    assert insurance.balance == D("80.00")
    check_books(loan)


def test_a_backdated_payment_that_re_splits_keeps_the_accounts_equal(loan):
    tax = account(loan)
    assess_escrow(tax, amount=D("200.00"))
    set_business_date(dt.date(2026, 2, 10))  # the February installment (about 408) is due
    late = post_payment(loan, amount=D("500.00"), effective_date=dt.date(2026, 2, 10))
    assert D("0") < late.escrow < D("200.00")  # what the installment left of it
    # A payment backdated before it pays the installment first: the later one's escrow
    # part grows, the accounts follow (through the replay's reversals and re-posts).
    post_payment(loan, amount=D("408.03"), effective_date=dt.date(2026, 2, 1))
    tax.refresh_from_db()
    loan.refresh_from_db()
    assert tax.balance == D("200.00") - loan.escrow_balance
    check_books(loan)


def test_manual_assessment_input(loan):
    with pytest.raises(InvalidInput):
        assess_escrow(account(loan), amount=D("0"))
    assert not LedgerEntry.objects.filter(kind="escrow_assessed").exists()


def test_the_close_assesses_the_scheduled_accounts_on_the_due_date_once(loan):
    tax = account(loan, schedule_replenishment=True, monthly_amount=D("150.00"))
    account(loan, "insurance", schedule_replenishment=False, monthly_amount=D("40.00"))
    set_business_date(dt.date(2026, 1, 31))
    assert select_loans_to_assess(dt.date(2026, 1, 30)) == []
    assert select_loans_to_assess(dt.date(2026, 1, 31)) == [loan.pk]  # 02-01 is due
    assert assess_due([loan.pk], dt.date(2026, 1, 31)) == []
    assert assess_due([loan.pk], dt.date(2026, 1, 31)) == []  # a re-run: nothing more
    [assessment] = EscrowAssessment.objects.all()
    assert (assessment.account, assessment.amount) == (tax, D("150.00"))
    assert assessment.due_date == dt.date(2026, 2, 1) and assessment.source == "scheduled"
    loan.refresh_from_db()
    assert loan.escrow_balance == D("150.00")
    assert loan.amount_due > D("150.00")  # the installment due that day and the escrow
    check_books(loan)


def test_paying_the_escrow_owed_from_escrow_replenishes_it_once(loan):
    from escrow.services.accounts import add_account
    from escrow.services.withdrawals import reverse_withdrawal, withdraw

    seed_categories()
    holdback = add_account(loan, category="holdback", opening_balance=D("500.00"))
    assess_escrow(holdback, amount=D("100.00"))
    row = withdraw(holdback, towards="loan", amount=D("100.00"), payment_date=BD, effective_date=BD)
    assert row.loan_entry.escrow == D("100.00")  # the loan owed only the escrow
    holdback.refresh_from_db()
    # 500 - 100 paid out to the loan + 100 the payment replenished: nothing else posted.
    assert holdback.balance == D("500.00")
    kinds = sorted(holdback.entries.values_list("kind", flat=True))
    assert kinds == ["replenished", "replenished", "withdrawn"]
    check_books(loan)
    reverse_withdrawal(row, reason="Posted to the wrong loan")
    holdback.refresh_from_db()
    assert holdback.balance == D("500.00")
    loan.refresh_from_db()
    assert loan.escrow_balance == D("100.00")
    check_books(loan)


def test_the_close_assesses_the_installments_escrow_when_an_analysis_set_it(loan):
    from django.db.models import F

    from loans.models import Installment

    tax = account(loan, schedule_replenishment=True, monthly_amount=D("100.00"))
    insurance = account(loan, "insurance", schedule_replenishment=True, monthly_amount=D("50.00"))
    # An analysis's update spreads a shortage: the installment asks for more than the
    # accounts' monthly amounts.
    Installment.objects.filter(schedule_version__loan=loan, due_date=dt.date(2026, 2, 1)).update(
        escrow=D("160.01"), total=F("total") + D("160.01")
    )
    set_business_date(dt.date(2026, 1, 31))
    assert assess_due([loan.pk], dt.date(2026, 1, 31)) == []
    amounts = dict(EscrowAssessment.objects.values_list("account", "amount"))
    assert amounts == {tax.pk: D("106.67"), insurance.pk: D("53.34")}  # in proportion
    loan.refresh_from_db()
    assert loan.escrow_balance == D("160.01")
    check_books(loan)
