"""Non-accrual (spec/accrual.md): set and lifted by a supervisor, no accrual in between,
kept by rebuilds, the close of business and same-day payments."""

import datetime as dt
from decimal import Decimal as D

import pytest

import loans.cob as cob
from loans.models import AccrualStatusChange, LedgerEntry, Loan
from loans.services.accrual_status import set_non_accrual
from loans.services.payments import post_payment
from loans.services.rebuild import rebuild_loan
from servicing.business_date import get_business_date, set_business_date
from servicing.errors import DomainError, InvalidInput
from servicing.models import ActivityEntry

Kind = LedgerEntry.Kind


@pytest.fixture
def loan(board):
    return board(business_date=dt.date(2026, 1, 10))  # 1,200 at 12% 30/360: 0.40 a day


def close_through(day: dt.date) -> None:
    while (today := get_business_date()) <= day:
        assert cob.close_loans(list(cob.select_loans_to_close(today)), today) == []
        set_business_date(today + dt.timedelta(days=1))


def accruals(loan, start, end):
    return dict(
        loan.ledger_entries.filter(
            kind=Kind.INTEREST_ACCRUAL, effective_date__range=(start, end)
        ).values_list("effective_date", "interest")
    )


def test_no_accrual_while_non_accrual_and_a_rebuild_keeps_it(loan, make_user):
    supervisor = make_user("supervisor", username="sup")
    close_through(dt.date(2026, 1, 11))  # business date 2026-01-12
    set_non_accrual(loan, non_accrual=True, reason="Borrower in bankruptcy", actor=supervisor)
    close_through(dt.date(2026, 1, 15))
    set_non_accrual(loan, non_accrual=False, reason="Plan confirmed", actor=supervisor)
    close_through(dt.date(2026, 1, 18))

    posted = accruals(loan, dt.date(2026, 1, 10), dt.date(2026, 1, 18))
    assert [d.day for d in posted] == [10, 11, 16, 17, 18]  # nothing 12-15
    assert set(posted.values()) == {D("0.40")}
    loan.refresh_from_db()
    assert loan.non_accrual is False and loan.carry["accruing"] is True
    assert rebuild_loan(loan).changed == {}  # the replay knows the non-accrual days
    assert not loan.ledger_entries.filter(kind=Kind.ACCRUAL_ADJUSTMENT).exists()
    actions = set(ActivityEntry.objects.values_list("action", flat=True))
    assert {"loan.non_accrual_set", "loan.non_accrual_lifted"} <= actions


def test_same_day_payment_on_a_non_accrual_loan_continues_without_accrual(loan):
    set_non_accrual(loan, non_accrual=True, reason="Charge-off review")
    loan.refresh_from_db()
    assert loan.carry["accruing"] is False
    post_payment(loan, amount=D("100.00"), effective_date=get_business_date())
    close_through(get_business_date() + dt.timedelta(days=2))
    assert accruals(loan, get_business_date() - dt.timedelta(days=3), get_business_date()) == {}
    assert rebuild_loan(loan).changed == {}


def test_bad_requests_are_refused_and_write_nothing(loan):
    with pytest.raises(InvalidInput) as exc:
        set_non_accrual(loan, non_accrual=True, reason="  ")
    assert exc.value.field == "reason"
    with pytest.raises(DomainError, match="already accruing"):
        set_non_accrual(loan, non_accrual=False, reason="why")
    Loan.objects.filter(pk=loan.pk).update(status=Loan.Status.CLOSED, closure_reason="paid_off")
    with pytest.raises(DomainError, match="closed"):
        set_non_accrual(loan, non_accrual=True, reason="late")
    assert not AccrualStatusChange.objects.exists()


def test_only_supervisors_see_and_use_the_action(loan, client, make_user):
    agent = make_user("agent", username="ag")
    client.force_login(agent)
    url = f"/loans/{loan.loan_number}/non-accrual/"
    assert client.get(url).status_code == 403
    assert "Set non-accrual" not in client.get(f"/loans/{loan.loan_number}/").content.decode()

    client.force_login(make_user("supervisor", username="sup2"))
    assert "Set non-accrual" in client.get(f"/loans/{loan.loan_number}/").content.decode()
    page = client.post(url, {"reason": ""})
    assert page.status_code == 200 and "This field is required" in page.content.decode()
    response = client.post(url, {"reason": "Bankruptcy filing"})
    assert response.status_code == 302
    loan.refresh_from_db()
    assert loan.non_accrual is True
    page = client.get(f"/loans/{loan.loan_number}/")
    assert "Lift non-accrual" in page.content.decode() and "Non-accrual" in page.content.decode()
