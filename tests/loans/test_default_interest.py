"""Default interest through the services: inheritance, posting, payments, backdated cures,
payoff, the close of business and the loan page (spec/accrual.md "Default (penal) interest")."""

import datetime as dt
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest

from loans.cob import close_loans, select_loans_to_close
from loans.default_interest import describe
from loans.engine.daycount import thirty_360_weight
from loans.ledger import cached_balances, rebuild_balances
from loans.models import Investor, LedgerEntry, Product
from loans.services.catch_up import catch_up
from loans.services.payments import post_payment, reverse_payment
from loans.services.payoff import payoff_quote
from loans.services.rebuild import rebuild_loan
from servicing.business_date import get_business_date, set_business_date
from servicing.errors import InvalidInput

Kind = LedgerEntry.Kind
DUE = dt.date(2026, 2, 1)  # the payload's first due date: 408.03 (12.00 interest)
FIRST_BILL = D("408.03")


def cents(value: D) -> D:
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def default_of(base: D, rate: str, days: int) -> D:
    """30/360 days of February and March: every day but the 31st counts 1/360."""
    return cents(base * D(rate) * days / D(36000))


def pay(loan, amount: str, day: dt.date, **kw):
    return post_payment(loan, amount=D(amount), effective_date=day, **kw)


def at(day: dt.date):
    set_business_date(day)
    return day


def assert_consistent(loan):
    loan.refresh_from_db()
    assert rebuild_balances(loan) == cached_balances(loan)
    assert rebuild_loan(loan).changed == {}
    posted = sum(
        loan.ledger_entries.filter(kind=Kind.DEFAULT_INTEREST_ACCRUAL).values_list(
            "additional_interest", flat=True
        ),
        D(0),
    )
    adjusted = sum(
        loan.ledger_entries.filter(kind=Kind.ACCRUAL_ADJUSTMENT).values_list(
            "additional_interest", flat=True
        ),
        D(0),
    )
    paid = sum(
        loan.ledger_entries.filter(kind=Kind.PAYMENT, reversed_by__isnull=True).values_list(
            "additional_interest", flat=True
        ),
        D(0),
    )
    assert loan.additional_interest_balance == posted + adjusted - paid


@pytest.fixture
def charged(board):
    """A loan charged 6 % default interest on missed principal and interest, no grace."""
    return board(
        business_date=dt.date(2026, 1, 1), default_interest={"enabled": True, "spread": "6"}
    )


def test_settings_are_inherited_investor_product_loan_with_their_sources(board):
    loan = board(business_date=dt.date(2026, 1, 1))
    assert loan.default_interest["enabled"] is False
    Investor.objects.update(default_interest={"enabled": True, "spread": "3", "grace_days": 5})
    Product.objects.update(default_interest={"method": "lump_sum", "grace_days": 15})
    loan = board(
        business_date=dt.date(2026, 1, 1),
        application_number="APP-DI-2",
        default_interest={"base": "missed_principal"},
    )
    settings = loan.default_interest
    assert (settings["enabled"], settings["spread"], settings["method"]) == (True, "3", "lump_sum")
    assert (settings["base"], settings["grace_days"]) == ("missed_principal", 15)
    assert settings["sources"] == {
        "enabled": "investor",
        "rate": "investor",
        "method": "product",
        "grace_days": "product",
        "base": "loan",
    }
    rows = {label: (value, source) for label, value, source in describe(settings)}
    assert rows["Rate"] == ("spread 3 % over the loan's rate", "investor")
    assert rows["Method"] == ("Lump sum", "product")
    # A later product change does not touch a boarded loan.
    Product.objects.update(default_interest={"enabled": False})
    loan.refresh_from_db()
    assert loan.default_interest["enabled"] is True


def test_a_loan_rate_replaces_an_inherited_one(board):
    Product.objects.update(default_interest={"enabled": True, "spread": "3"})
    loan = board(business_date=dt.date(2026, 1, 1), default_interest={"default_rate": "24"})
    assert loan.default_interest["spread"] is None
    assert D(loan.default_interest["default_rate"]) == 24


def test_enabled_without_any_rate_is_refused(board):
    with pytest.raises(InvalidInput, match="no spread or default rate"):
        board(business_date=dt.date(2026, 1, 1), default_interest={"enabled": True})


def test_past_due_days_are_posted_as_default_interest_accruals(charged):
    today = at(DUE + dt.timedelta(days=20))
    loan = catch_up(charged)
    rows = loan.ledger_entries.filter(kind=Kind.DEFAULT_INTEREST_ACCRUAL).order_by("effective_date")
    # Posted through the last closed day (the business date's own is its close's).
    assert rows.first().effective_date == DUE
    assert rows.last().effective_date == today - dt.timedelta(days=1)
    assert loan.additional_interest_balance == default_of(FIRST_BILL, "6", 20)
    assert loan.amount_due == FIRST_BILL + loan.additional_interest_balance
    assert_consistent(loan)


def test_a_payment_pays_default_interest_first_and_a_cure_stops_it(charged):
    paid_on = at(DUE + dt.timedelta(days=20))
    entry = pay(charged, "500.00", paid_on)
    expected = default_of(FIRST_BILL, "6", 20)
    assert entry.additional_interest == expected  # system hierarchy: before interest
    at(paid_on + dt.timedelta(days=5))  # before the next row is due
    loan = catch_up(charged)
    assert loan.additional_interest_balance == 0 and loan.dpd == 0
    assert not loan.ledger_entries.filter(
        kind=Kind.DEFAULT_INTEREST_ACCRUAL, effective_date__gte=paid_on
    ).exists()
    assert_consistent(loan)


def test_a_backdated_cure_recomputes_default_interest(charged):
    at(DUE + dt.timedelta(days=25))
    loan = catch_up(charged)
    before = loan.additional_interest_balance
    assert before == default_of(FIRST_BILL, "6", 25)
    pay(loan, "408.03", DUE + dt.timedelta(days=5))  # backdated: it cured on day 5
    loan.refresh_from_db()
    adjustment = loan.ledger_entries.get(kind=Kind.ACCRUAL_ADJUSTMENT, additional_interest__lt=0)
    # The replayed payment paid 5 days of default interest first, leaving the row short.
    five = default_of(FIRST_BILL, "6", 5)
    assert loan.additional_interest_balance < before
    assert adjustment.note == "Default interest recomputed by a backdated event"
    assert loan.ledger_entries.filter(kind=Kind.PAYMENT).get().additional_interest == five
    assert_consistent(loan)


def test_reversing_the_curing_payment_brings_the_default_interest_back(charged):
    paid_on = at(DUE + dt.timedelta(days=3))
    entry = pay(charged, "450.00", paid_on)
    at(paid_on + dt.timedelta(days=10))
    reverse_payment(entry, reason="Returned item")
    charged.refresh_from_db()
    assert charged.additional_interest_balance == default_of(FIRST_BILL, "6", 13)
    assert_consistent(charged)


def test_payoff_shows_the_default_per_diem_to_and_through(charged):
    at(DUE + dt.timedelta(days=10))
    quote = payoff_quote(charged)
    per_day = cents(FIRST_BILL * 6 / D(36000))
    assert quote.default_per_diem == per_day
    # "to" the payoff date: that day's default interest is not included.
    assert quote.additional_interest == default_of(FIRST_BILL, "6", 10)
    Investor.objects.update(payoff_interest_through=True)
    charged.refresh_from_db()
    through = payoff_quote(charged)
    assert through.additional_interest == default_of(FIRST_BILL, "6", 11)
    assert through.total - quote.total == through.default_per_diem + (
        through.interest - quote.interest
    )


def test_the_close_of_business_accrues_default_interest_like_the_engine(charged, board):
    plain = board(business_date=dt.date(2026, 1, 1), application_number="APP-PLAIN")
    at(DUE - dt.timedelta(days=3))
    catch_up(charged), catch_up(plain)
    for _ in range(30):
        day = get_business_date()
        assert close_loans(list(select_loans_to_close(day)), day) == []
        at(day + dt.timedelta(days=1))
    charged.refresh_from_db()
    plain.refresh_from_db()
    assert plain.additional_interest_balance == 0
    closed = [DUE + dt.timedelta(days=k) for k in range((get_business_date() - DUE).days)]
    units = sum(thirty_360_weight(day) for day in closed)  # February's 28th counts 3
    assert charged.additional_interest_balance == default_of(FIRST_BILL, "6", units)
    assert not charged.ledger_entries.filter(kind=Kind.ACCRUAL_ADJUSTMENT).exists()
    assert_consistent(charged)
