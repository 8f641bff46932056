"""Repricing of variable-rate loans (spec/accrual.md "Variable rates")."""

import datetime as dt
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest

from loans.cob import close_loans, select_loans_to_close
from loans.engine.daycount import periodic_rate
from loans.engine.schedule import level_payment
from loans.ledger import cached_balances, rebuild_balances
from loans.models import IndexSource, IndexValue, LedgerEntry, RateChange
from loans.services.catch_up import catch_up
from loans.services.rebuild import rebuild_loan
from loans.services.reprice import reprice_loans, select_loans_to_reprice
from loans.views import _summary_chart
from servicing.business_date import get_business_date, set_business_date

Kind = LedgerEntry.Kind
FUNDED = dt.date(2026, 1, 1)


def cents(value: D) -> D:
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def value(code: str, rate: str, day: dt.date):
    source, _ = IndexSource.objects.get_or_create(code=code, defaults={"name": code})
    IndexValue.objects.create(
        source=source, value=D(rate), effective_from=day, business_date=day, entered_by_label="t"
    )


def variable(board, **overrides):
    payload = {
        "funded_amount": "120000.00",
        "rate_type": "variable",
        "index": "PRIME",
        "index_value": "7.5",
        "spread": "2",
        "number_of_payments": 12,
        "day_count": "ACT/360",
        **overrides,
    }
    return board(business_date=FUNDED, **payload)


def rows(loan, version=None):
    versions = loan.schedule_versions
    chosen = versions.get(is_current=True) if version is None else versions.get(version=version)
    return list(chosen.installments.order_by("number"))


def run_cob(days: int):
    for _ in range(days):
        day = get_business_date()
        assert close_loans(list(select_loans_to_close(day)), day) == []
        assert reprice_loans(select_loans_to_reprice(day), day) == []
        set_business_date(day + dt.timedelta(days=1))


def assert_consistent(loan):
    loan.refresh_from_db()
    assert rebuild_balances(loan) == cached_balances(loan)
    assert rebuild_loan(loan).changed == {}


@pytest.fixture
def prime(db):
    value("PRIME", "7.5", dt.date(2025, 12, 1))
    value("PRIME", "8.5", dt.date(2026, 2, 15))


@pytest.mark.parametrize("path", ["catch_up", "cob"])
def test_reprice_on_the_first_schedule_date_after_the_index_moves(board, prime, path):
    loan = variable(board)
    assert loan.interest_rate == D("9.5")
    if path == "catch_up":
        set_business_date(dt.date(2026, 3, 5))
        loan = catch_up(loan)
    else:
        run_cob((dt.date(2026, 3, 5) - FUNDED).days)
        loan.refresh_from_db()
    # Not on Feb 1 (the index had not moved), on Mar 1, the first schedule date after it.
    change = loan.rate_changes.get()
    assert (change.effective_date, change.previous_rate, change.rate) == (
        dt.date(2026, 3, 1),
        D("9.5"),
        D("10.5"),
    )
    assert (change.index_value, change.spread, change.reason) == (D("8.5"), D("2"), "reprice")
    assert loan.interest_rate == D("10.5") and loan.index_value == D("8.5")
    before, after = rows(loan, 1), rows(loan)
    assert change.schedule_version.version == 2 and loan.schedule_versions.count() == 2
    # Rows due by the reprice date keep rate and payment; the rest is re-amortized.
    assert [(r.rate, r.total) for r in after[:2]] == [(r.rate, r.total) for r in before[:2]]
    assert {r.rate for r in after[2:]} == {D("10.5")}
    # Nothing paid: the principal not billed on Mar 1 (billed rows took the actual accrual).
    balance = D("120000.00") - after[0].billed_principal - after[1].billed_principal
    payment = level_payment(periodic_rate(D("10.5"), "monthly"), 10, balance)
    assert after[2].principal + after[2].interest == payment
    assert sum(r.billed_principal if r.billed else r.principal for r in after) == D("120000.00")
    # The summary chart of the repriced loan still starts at the funding, inside its axes.
    chart = _summary_chart(loan)
    xs = [float(point.split(",")[0]) for point in chart.balance_points.split()]
    assert min(xs) == chart.left and chart.desc.startswith(
        "Projected principal balance falls from 120,000.00 on 2026-01-01"
    )
    # Accrual uses the new rate from the reprice date.
    mar_1 = loan.ledger_entries.get(kind=Kind.INTEREST_ACCRUAL, effective_date=dt.date(2026, 3, 1))
    feb_28 = loan.ledger_entries.get(
        kind=Kind.INTEREST_ACCRUAL, effective_date=dt.date(2026, 2, 28)
    )
    assert mar_1.interest > feb_28.interest
    assert_consistent(loan)


def test_cob_and_catch_up_post_the_same_days(board, prime):
    by_cob = variable(board, application_number="APP-COB")
    by_catch_up = variable(
        board,
        application_number="APP-CATCH",
        borrower={"borrower_id": "B-2", "first_name": "Sam", "last_name": "Roe"},
    )
    set_business_date(FUNDED)
    # Only the first goes through the close of business: the second is left behind.
    for _ in range(70):
        day = get_business_date()
        assert close_loans([by_cob.pk], day) == []
        assert reprice_loans([by_cob.pk], day) == []
        set_business_date(day + dt.timedelta(days=1))
    by_catch_up = catch_up(by_catch_up)

    def accruals(loan):
        return list(
            loan.ledger_entries.filter(kind=Kind.INTEREST_ACCRUAL)
            .order_by("effective_date")
            .values_list("effective_date", "interest")
        )

    assert accruals(by_cob) == accruals(by_catch_up)
    assert [(r.rate, r.total) for r in rows(by_cob)] == [
        (r.rate, r.total) for r in rows(by_catch_up)
    ]
    assert_consistent(by_cob)


def test_floor_and_cap_bound_the_new_rate(board, prime):
    capped = variable(board, rate_cap="10")
    floored = variable(
        board,
        application_number="APP-FLOOR",
        borrower={"borrower_id": "B-F", "first_name": "Flo", "last_name": "Or"},
        rate_floor="11",
    )
    assert floored.interest_rate == D("11")  # at boarding already
    set_business_date(dt.date(2026, 3, 2))
    capped = catch_up(capped)
    assert capped.interest_rate == D("10") and capped.rate_changes.get().rate == D("10")
    floored = catch_up(floored)
    assert not floored.rate_changes.exists()  # 8.5 + 2 is still under the floor
    assert floored.index_value == D("8.5")  # the loan keeps the value of its last event


def test_no_index_value_keeps_the_boarded_rate(board, db):
    loan = variable(board, index="SOFR30")
    set_business_date(dt.date(2026, 4, 2))
    loan = catch_up(loan)
    assert loan.interest_rate == D("9.5") and not loan.rate_changes.exists()


def test_reprice_at_tier_start_uses_the_index_on_that_date(board, db):
    value("PRIME", "7.5", dt.date(2025, 12, 1))
    value("PRIME", "8", dt.date(2026, 3, 15))
    loan = board(
        business_date=FUNDED,
        funded_amount="60000.00",
        schedule_type="tiered",
        number_of_payments=9,
        day_count="ACT/360",
        tiers=[
            {
                "payment_start_date": "2026-02-01",
                "number_of_payments": 3,
                "schedule_type": "interest_only",
                "interest_rate_type": "fixed",
                "interest_rate": "6",
            },
            {
                "payment_start_date": "2026-05-01",
                "number_of_payments": 6,
                "schedule_type": "fixed_payment",
                "interest_rate_type": "variable",
                "index": "PRIME",
                "index_value": "7.5",
                "spread": "1",
                "reprice_at": "tier_start",
            },
        ],
    )
    assert [r.rate for r in rows(loan)][3:] == [D("8.5")] * 6
    set_business_date(dt.date(2026, 6, 10))
    loan = catch_up(loan)
    change = loan.rate_changes.get()
    # The tier's first period starts on Apr 1 (the third row's due date): PRIME 8 + 1.
    assert (change.effective_date, change.rate, change.tier_sequence) == (
        dt.date(2026, 4, 1),
        D("9"),
        2,
    )
    assert [r.rate for r in rows(loan)] == [D("6")] * 3 + [D("9")] * 6
    assert_consistent(loan)


def test_a_cob_rerun_reprices_once(board, prime):
    loan = variable(board)
    set_business_date(dt.date(2026, 2, 28))
    loan = catch_up(loan)
    day = get_business_date()
    assert close_loans([loan.pk], day) == []
    assert reprice_loans([loan.pk], day) == []
    assert reprice_loans([loan.pk], day) == []
    assert RateChange.objects.filter(loan=loan).count() == 1
    assert loan.schedule_versions.count() == 2


def test_a_backdated_index_value_corrects_the_rate_keeps_billed_rows_and_carries_the_difference(
    board, prime
):
    from loans.services.indexes import record_index_value
    from servicing.errors import DomainError
    from servicing.tenant import get_tenant_settings

    tenant = get_tenant_settings()
    tenant.backdated_index_window_days = 60
    tenant.save()
    prime_source = IndexSource.objects.get(code="PRIME")
    loan = variable(board)
    set_business_date(dt.date(2026, 5, 10))
    loan = catch_up(loan)  # repriced on Mar 1 to 10.5 %; rows due Apr 1 and May 1 billed
    may_row = {r.number: r for r in rows(loan)}[4]
    assert may_row.billed and may_row.due_date == dt.date(2026, 5, 1)
    billed_before = (may_row.billed_principal, may_row.billed_interest)
    accrued_before = loan.interest_balance
    with pytest.raises(DomainError, match="more than 60 days"):
        record_index_value(prime_source, value=D("9"), effective_from=dt.date(2026, 3, 10))
    # PRIME was 9.5 from Mar 20: the Apr 1 reprice should have given 11.5 %.
    record_index_value(prime_source, value=D("9.5"), effective_from=dt.date(2026, 3, 20))
    loan.refresh_from_db()
    change = loan.rate_changes.order_by("pk").last()
    assert (change.reason, change.effective_date, change.rate) == (
        "correction",
        dt.date(2026, 4, 1),
        D("11.5"),
    )
    assert loan.rate_changes.filter(reason="correction").count() == 1
    current = {r.number: r for r in rows(loan)}
    kept = current[4]  # billed May 1 at the old rate: keeps its billed amounts
    assert kept.kept_billed and (kept.billed_principal, kept.billed_interest) == billed_before
    assert not current[3].kept_billed and current[3].rate == D("10.5")
    assert {r.rate for n, r in current.items() if n >= 4} == {D("11.5")}
    # Re-amortized from the last kept row: the Jun 1 row projects May's 31 days only.
    unbilled = D("120000.00") - sum(current[n].billed_principal for n in range(1, 5))
    assert current[5].interest == cents(unbilled * D("11.5") * 31 / D(36000))
    assert change.schedule_version.reason.startswith("Backdated index correction: PRIME 9.5")
    # The days from Apr 1 accrued again at 11.5 %: the difference is one adjustment.
    adjustment = loan.ledger_entries.get(kind=Kind.ACCRUAL_ADJUSTMENT)
    assert adjustment.interest > 0 and loan.interest_balance == accrued_before + adjustment.interest
    assert_consistent(loan)
    # The next row billed (Jun 1) carries April's difference: rows 4 and 5 bill together
    # what Apr 1 - May 31 accrued, adjustment included.
    set_business_date(dt.date(2026, 6, 2))
    loan = catch_up(loan)
    current = {r.number: r for r in rows(loan)}
    accrued = loan.ledger_entries.filter(
        kind=Kind.INTEREST_ACCRUAL,
        effective_date__gte=dt.date(2026, 4, 1),
        effective_date__lt=dt.date(2026, 6, 1),
    )
    total = sum(accrued.values_list("interest", flat=True), D(0)) + adjustment.interest
    assert current[4].billed_interest + current[5].billed_interest == total
    assert current[5].billed_interest > current[4].billed_interest
    assert_consistent(loan)
