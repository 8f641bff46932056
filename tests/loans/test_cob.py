"""Close of business for loans: the set-based close equals the engine, to the cent."""

import datetime as dt
import io
import itertools
from decimal import Decimal as D

import pytest
from django.db import connection

import loans.cob as cob
from loans.demo import seed_configuration, seed_loans
from loans.models import LedgerEntry, Loan
from loans.services.payments import post_payment
from loans.services.rebuild import rebuild_loan
from loans.services.replay import replay_loan
from loans.services.replay_inputs import PROJECTED_FIELDS
from servicing.business_date import get_business_date, set_business_date
from tests.loans.payloads import term_payload

START = dt.date(2026, 3, 10)
DAY_COUNTS = ("30/360", "ACT/360", "ACT/365", "ACT/ACT")
FREQUENCIES = ("monthly", "weekly", "biweekly", "quarterly")
# Default interest on some loans: every method and base, grace days or none.
DEFAULT_INTEREST = (
    None,
    {"enabled": True, "spread": "2.5"},
    None,
    {"enabled": True, "method": "lump_sum", "base": "unpaid_principal", "default_rate": "18"},
    {"enabled": True, "base": "missed_principal", "spread": "4", "grace_days": 10},
    {"enabled": True, "method": "lump_sum", "base": "missed_installment", "spread": "3"},
)
Kind = LedgerEntry.Kind


def board(**overrides):
    from loans.api.onboarding import OnboardingInput
    from loans.services.onboarding import onboard_loan

    data = OnboardingInput(data=term_payload(**overrides))
    data.is_valid(raise_exception=True)
    return onboard_loan(data.validated_data)


@pytest.fixture
def portfolio(db):
    """The demo portfolio (every schedule type, delinquent, paid ahead, a reversal) and a
    term loan for each day count and frequency, fixed and tiered, some past maturity."""
    set_business_date(START)
    seed_configuration(io.StringIO())
    seed_loans(io.StringIO())
    steps = {"monthly": 31, "weekly": 7, "biweekly": 14, "quarterly": 92}
    for n, (day_count, frequency) in enumerate(itertools.product(DAY_COUNTS, FREQUENCIES)):
        funded = START - dt.timedelta(days=40 + 7 * n)
        board(
            application_number=f"COB-{n}",
            borrower={**term_payload()["borrower"], "borrower_id": f"COB-B-{n}"},
            funded_amount=f"{25000 + 1375 * n}.00",
            funded_date=funded.isoformat(),
            interest_rate=f"{5 + n * 0.37:.6f}",
            day_count=day_count,
            payment_frequency=frequency,
            first_payment_date=(funded + dt.timedelta(days=steps[frequency] + n % 3)).isoformat(),
            # A few are short enough to pass maturity during the run.
            number_of_payments=2 if n % 5 == 0 else 24,
            **charged(DEFAULT_INTEREST[n] if n < len(DEFAULT_INTEREST) else None),
        )
    return list(Loan.objects.order_by("pk"))


def charged(default_interest: dict | None) -> dict:
    """Overrides of the demo investor's default interest (most loans here are past due:
    charged, they would all close on the engine path)."""
    return {"default_interest": default_interest or {"enabled": False}}


def installments(loan) -> list[tuple]:
    return list(
        loan.schedule_versions.get(is_current=True)
        .installments.order_by("number")
        .values_list("number", *PROJECTED_FIELDS)
    )


def run_cob(days: int, *, pay_every: int = 0) -> dict:
    """Close ``days`` business dates as the COB step does; count each path."""
    counts = {"sql": 0, "quiet": 0, "quiet_charged": 0, "engine": 0, "engine_charged": 0}
    original, in_sql = cob.close_quiet_loans, cob.close_in_sql
    charged = set(Loan.objects.filter(default_interest__enabled=True).values_list("pk", flat=True))

    def counting(ids, business_date):
        closed = original(ids, business_date)
        counts["quiet"] += len(closed)
        counts["quiet_charged"] += sum(pk in charged for pk in closed)
        rest = [pk for pk in ids if pk not in closed]
        # Loans charged default interest close on the engine path on their billing days.
        counts["engine_charged"] += sum(pk in charged for pk in rest)
        counts["engine"] += sum(pk not in charged for pk in rest)
        return closed

    def counting_sql(ids, business_date):
        closed = in_sql(ids, business_date)
        counts["sql"] += len(closed)
        return closed

    cob.close_quiet_loans, cob.close_in_sql = counting, counting_sql
    try:
        for k in range(days):
            day = get_business_date()
            if pay_every and k % pay_every == 0:
                for loan in Loan.objects.filter(status=Loan.Status.OPEN)[::3]:
                    if loan.principal_balance > 100:
                        post_payment(loan, amount=D("75.00"), effective_date=day)
            assert cob.close_loans(list(cob.select_loans_to_close(day)), day) == []
            set_business_date(day + dt.timedelta(days=1))
    finally:
        cob.close_quiet_loans, cob.close_in_sql = original, in_sql
    return counts


def test_set_based_close_equals_the_engine_on_a_generated_portfolio(portfolio):
    adjustments = LedgerEntry.objects.filter(kind=Kind.ACCRUAL_ADJUSTMENT).count()
    counts = run_cob(45, pay_every=6)
    # Every path ran, mostly set-based (billing days included); the engine closes the
    # factor-rate loans' billing days, and the billing days of loans earning default
    # interest (counted apart). On PostgreSQL the quiet days of every day count close in
    # SQL; the days of loans earning default interest in Python.
    assert counts["quiet"] + counts["sql"] > 10 * counts["engine"]
    assert counts["engine"] + counts["engine_charged"] > 0
    assert counts["quiet_charged"] > 4 * counts["engine_charged"]
    if connection.vendor == "postgresql":
        assert counts["sql"] > counts["quiet"]
    assert_closed_as_the_engine(START)
    assert LedgerEntry.objects.filter(kind=Kind.ACCRUAL_ADJUSTMENT).count() == adjustments
    charged = LedgerEntry.objects.filter(
        kind=Kind.DEFAULT_INTEREST_ACCRUAL, effective_date__gte=START
    )
    assert charged.values("loan").distinct().count() >= 4


def assert_closed_as_the_engine(start: dt.date) -> None:
    """Every open loan's days from ``start`` are the engine's, to the cent, and a full
    replay from the funding changes nothing."""
    today = get_business_date()
    for loan in Loan.objects.filter(status=Loan.Status.OPEN):
        assert loan.last_closed_date == today - dt.timedelta(days=1)
        # Every day the run closed is the engine's, to the cent (days before it were
        # posted by boarding and the demo history, and trued up by adjustments).
        engine = {
            day: amount for day, amount in replay_loan(loan, through=today).accruals if day >= start
        }
        posted = dict(
            loan.ledger_entries.filter(
                kind=Kind.INTEREST_ACCRUAL, effective_date__gte=start
            ).values_list("effective_date", "interest")
        )
        assert posted == {
            day: amount for day, amount in engine.items() if amount and day in posted
        }, loan.loan_number
        assert all(day in posted for day, amount in engine.items() if amount and day < today)
        engine_default = {
            day: amount
            for day, amount in replay_loan(loan, through=today).default_accruals
            if start <= day < today
        }
        posted_default = dict(
            loan.ledger_entries.filter(
                kind=Kind.DEFAULT_INTEREST_ACCRUAL, effective_date__gte=start
            ).values_list("effective_date", "additional_interest")
        )
        assert posted_default == engine_default, loan.loan_number
        # A full replay from the funding changes nothing: balances, projections (the
        # installments the close billed), the carry.
        carry, bills = loan.carry, installments(loan)
        assert rebuild_loan(loan).changed == {}, loan.loan_number
        loan.refresh_from_db()
        assert loan.carry == carry, loan.loan_number
        assert installments(loan) == bills, loan.loan_number


def test_closing_a_date_twice_changes_nothing(portfolio):
    day = get_business_date()
    ids = list(cob.select_loans_to_close(day))
    assert cob.close_loans(ids, day) == []
    rows = LedgerEntry.objects.count()
    assert list(cob.select_loans_to_close(day)) == []
    assert cob.close_loans(ids, day) == []  # even when asked again for the same ids
    assert LedgerEntry.objects.count() == rows


def test_a_crash_inside_a_quiet_chunk_writes_nothing_and_the_rerun_completes(
    portfolio, monkeypatch
):
    day = get_business_date()
    ids = list(cob.select_loans_to_close(day))
    rows = LedgerEntry.objects.count()

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(cob, "bulk_update", crash)
    with pytest.raises(RuntimeError):
        cob.close_quiet_loans(ids, day)
    assert LedgerEntry.objects.count() == rows  # the chunk's transaction rolled back
    monkeypatch.undo()
    assert cob.close_loans(list(cob.select_loans_to_close(day)), day) == []
    accruals = LedgerEntry.objects.filter(kind=Kind.INTEREST_ACCRUAL, effective_date=day)
    assert accruals.count() == accruals.values("loan").distinct().count() > 0


def test_a_failing_loan_fails_alone(portfolio, monkeypatch):
    day = get_business_date()
    bad = Loan.objects.filter(status=Loan.Status.OPEN).order_by("pk").first()
    original = cob.sync_loan

    def failing(loan, **kwargs):
        if loan.pk == bad.pk:
            raise ValueError("bad data")
        return original(loan, **kwargs)

    monkeypatch.setattr(cob, "sync_loan", failing)
    monkeypatch.setattr(cob, "close_quiet_loans", lambda ids, business_date: set())
    failures = cob.close_loans(list(cob.select_loans_to_close(day)), day)
    assert failures == [(bad.loan_number, "ValueError: bad data")]
    assert list(cob.select_loans_to_close(day)) == [bad.pk]


def test_dpd_grows_by_a_day_on_each_close(portfolio):
    delinquent = list(Loan.objects.filter(dpd__gt=0, status=Loan.Status.OPEN))
    assert delinquent
    run_cob(3)  # no payment in between: nothing cures, every day ages them by one
    for loan in delinquent:
        before = loan.dpd
        loan.refresh_from_db()
        assert loan.dpd == before + 3, loan.loan_number
        assert loan.dpd == (get_business_date() - loan.oldest_unpaid_due).days


@pytest.mark.parametrize("frequency", ["monthly", "weekly"])
def test_every_day_count_closes_set_based_through_a_leap_february(db, frequency):
    """30/360 weights (the 29th of a leap February counts 2, a 31st none), ACT/ACT's 366
    basis, and a stub period: the same cents as the engine, closed set-based."""
    start = dt.date(2028, 2, 10)
    set_business_date(start)
    seed_configuration(io.StringIO())
    for n, day_count in enumerate(DAY_COUNTS):
        board(
            application_number=f"LEAP-{n}",
            borrower={**term_payload()["borrower"], "borrower_id": f"LEAP-B-{n}"},
            funded_amount="180000.00",
            funded_date=(start - dt.timedelta(days=3 + n)).isoformat(),
            interest_rate="7.125000",
            day_count=day_count,
            payment_frequency=frequency,
            # A first period longer than the frequency's: its first days are stub days.
            first_payment_date=dt.date(2028, 3, 21).isoformat(),
            number_of_payments=12,
            **charged(None),
        )
    counts = run_cob(45)
    assert counts["engine"] == 0
    if connection.vendor == "postgresql":
        assert counts["sql"] > 3 * counts["quiet"]
    assert_closed_as_the_engine(start)
