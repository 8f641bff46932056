"""Lines of credit, pure (spec/loc.md): available amount, disbursement dates, open-term dates."""

import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loans.engine.draws import available_amount, disbursement_date, open_term_due_dates
from servicing.dates import BusinessCalendar

CAL = BusinessCalendar()
CUTOFF = dt.time(16, 0)


def disburse(day: str, at: str = "10:00", days: int = 1, calendar=CAL) -> dt.date:
    return disbursement_date(
        approved_on=dt.date.fromisoformat(day),
        approved_at=dt.time.fromisoformat(at),
        cutoff=CUTOFF,
        processing_days=days,
        calendar=calendar,
    )


@pytest.mark.parametrize(
    ("day", "at", "days", "expected"),
    [
        ("2026-03-10", "10:00", 1, "2026-03-11"),  # Tuesday before the cut-off: +1 day
        ("2026-03-10", "15:59", 0, "2026-03-10"),  # no processing days: the same day
        ("2026-03-10", "16:00", 0, "2026-03-11"),  # at the cut-off: the next business day
        ("2026-03-10", "17:30", 1, "2026-03-12"),  # after the cut-off: next day, then +1
        ("2026-03-13", "10:00", 1, "2026-03-16"),  # Friday: Monday
        ("2026-03-13", "17:00", 1, "2026-03-17"),  # Friday after the cut-off: Monday + 1
        ("2026-03-14", "09:00", 1, "2026-03-17"),  # Saturday: counts from Monday
        ("2026-03-14", "09:00", 0, "2026-03-16"),
        ("2026-11-25", "10:00", 1, "2026-11-27"),  # Thanksgiving (Thursday 26th) skipped
        ("2026-12-24", "17:00", 2, "2026-12-30"),  # after the cut-off: Christmas, weekend
        # July 4th 2026 is a Saturday, which the Federal Reserve does not observe.
        ("2026-07-02", "10:00", 3, "2026-07-07"),
        ("2027-07-02", "10:00", 1, "2027-07-06"),  # July 4th 2027, a Sunday: Monday off
    ],
)
def test_disbursement_date(day, at, days, expected):
    assert disburse(day, at, days) == dt.date.fromisoformat(expected)


def test_ops_holidays_are_skipped_too():
    calendar = BusinessCalendar([dt.date(2026, 3, 11)])
    assert disburse("2026-03-10", "10:00", 1, calendar) == dt.date(2026, 3, 12)
    assert disburse("2026-03-11", "10:00", 0, calendar) == dt.date(2026, 3, 12)


def test_processing_days_cannot_be_negative():
    with pytest.raises(ValueError):
        disburse("2026-03-10", days=-1)


@given(
    day=st.dates(dt.date(2024, 1, 1), dt.date(2030, 12, 31)),
    minute=st.integers(0, 24 * 60 - 1),
    days=st.integers(0, 10),
)
def test_a_disbursement_is_a_business_day_not_before_the_approval(day, minute, days):
    at = dt.time(minute // 60, minute % 60)
    result = disbursement_date(
        approved_on=day, approved_at=at, cutoff=CUTOFF, processing_days=days, calendar=CAL
    )
    assert CAL.is_business_day(result) and result >= day
    business_days_between = sum(
        CAL.is_business_day(day + dt.timedelta(days=k)) for k in range(1, (result - day).days + 1)
    )
    late = at >= CUTOFF or not CAL.is_business_day(day)
    assert business_days_between == days + late


def available(**kw):
    values = {
        "credit_limit": D("10000"),
        "revolving": True,
        "principal_outstanding": D("0"),
        "approved_not_funded": D("0"),
        "drawn": D("0"),
    }
    values.update(kw)
    return available_amount(**values)


def test_revolving_available_is_limit_less_outstanding_and_approved_draws():
    assert available(principal_outstanding=D("3000"), approved_not_funded=D("500")) == D("6500")
    # Payments restore it: only what is outstanding counts, not what was ever drawn.
    assert available(principal_outstanding=D("1000"), drawn=D("9000")) == D("9000")


def test_non_revolving_available_is_limit_less_everything_drawn():
    assert available(revolving=False, principal_outstanding=D("0"), drawn=D("9000")) == D("1000")


def test_available_is_never_negative():
    assert available(principal_outstanding=D("12000")) == 0
    assert available(revolving=False, drawn=D("10000.01")) == 0


def dates(*days: str) -> list[dt.date]:
    return [dt.date.fromisoformat(d) for d in days]


def test_open_term_dates_move_maturity_out_by_the_draw_term():
    current = dates("2026-02-28", "2026-03-31", "2026-04-30")
    result = open_term_due_dates(
        current, funded_date=dt.date(2026, 3, 15), draw_term_payments=4, frequency="monthly"
    )
    # Two kept (due by the funded date: one), then four after it; the 31st comes back.
    assert (
        result
        == dates(
            "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30", "2026-07-31"
        )[: 1 + 4]
    )


def test_open_term_dates_never_move_maturity_in():
    current = dates("2026-02-01", "2026-03-01", "2026-04-01", "2026-05-01")
    assert (
        open_term_due_dates(
            current, funded_date=dt.date(2026, 1, 20), draw_term_payments=2, frequency="monthly"
        )
        == current
    )


def test_open_term_dates_go_on_from_the_regular_series_after_a_stub():
    current = dates("2026-01-20", "2026-02-01")  # a separate broken-period stub first
    result = open_term_due_dates(
        current, funded_date=dt.date(2026, 1, 25), draw_term_payments=3, frequency="monthly"
    )
    assert result == dates("2026-01-20", "2026-02-01", "2026-03-01", "2026-04-01")
