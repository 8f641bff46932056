import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command

from loans.ledger import cached_balances, rebuild_balances
from loans.models import Installment, LedgerEntry, Loan
from loans.services.payments import post_payment
from loans.services.rebuild import rebuild_loan
from servicing.business_date import set_business_date
from servicing.models import ActivityEntry


@pytest.fixture
def loan(board):
    loan = board(dt.date(2026, 1, 15))
    set_business_date(dt.date(2026, 3, 5))
    post_payment(loan, amount=D("408.03"), effective_date=dt.date(2026, 2, 1))
    loan.refresh_from_db()
    return loan


def test_a_healthy_loan_rebuilds_to_itself(loan):
    rows = LedgerEntry.objects.count()
    result = rebuild_loan(loan)
    assert result.was_consistent and LedgerEntry.objects.count() == rows
    assert ActivityEntry.objects.filter(action="loan.rebuilt").exists()


def test_rebuild_corrects_damaged_projections_from_the_ledger(loan):
    good = cached_balances(loan)
    good_rows = list(Installment.objects.order_by("id").values("status", "paid_principal"))
    Loan.objects.filter(pk=loan.pk).update(principal_balance=D("1.00"), dpd=99, amount_due=0)
    Installment.objects.update(paid_principal=0, paid_interest=0, status="due")
    result = rebuild_loan(loan)
    loan.refresh_from_db()
    assert cached_balances(loan) == good == rebuild_balances(loan)
    assert loan.dpd == 4 and result.changed["principal_balance"] == (D("1.00"), D("803.97"))
    assert list(Installment.objects.order_by("id").values("status", "paid_principal")) == good_rows


def test_rebuild_loans_command(loan, capsys):
    Loan.objects.filter(pk=loan.pk).update(interest_balance=D("0.01"))
    call_command("rebuild_loans", loan.loan_number)
    out = capsys.readouterr().out
    assert f"{loan.loan_number}: interest_balance 0.01 ->" in out
    assert "1 loan(s) rebuilt, 1 corrected." in out
    with pytest.raises(CommandError, match="No such loan"):
        call_command("rebuild_loans", "NOPE")
    with pytest.raises(CommandError, match="--all"):
        call_command("rebuild_loans")
