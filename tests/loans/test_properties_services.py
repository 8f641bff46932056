"""Service-level properties against the database (ARCHITECTURE.md "The ledger is the truth").

Random sequences of payments (partial, over-, backdated), reversals, fees, waivers and
business-date moves on a boarded term loan, charged default interest or not. After every step:
- the cached balances equal the ledger rebuilt (``rebuild_balances``), and a fresh engine
  replay of the events the test itself posted (not the ones the service reads back)
  gives the same balances, installments, DPD, amount due and payment splits, to the cent;
- re-running the sync (catch-up) changes nothing;
- every payment cent lands in exactly one bucket and money is conserved;
- the ledger is append-only: earlier rows are never changed or removed.
Each example runs inside a savepoint that is rolled back, so it starts from a clean loan.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

from loans.engine.replay import Event, replay, reserve_waived_fees
from loans.ledger import BALANCE_FIELDS, cached_balances, rebuild_balances
from loans.locks import lock_loan
from loans.models import LedgerEntry, Loan
from loans.models.ledger import BUCKETS
from loans.selectors import current_schedule_version
from loans.services.fees import apply_fee, waive_fee
from loans.services.payments import post_payment, reverse_payment
from loans.services.replay import sync_loan
from loans.services.replay_inputs import loan_terms
from servicing.business_date import get_business_date, set_business_date
from servicing.errors import InvalidInput
from servicing.money import ZERO, round_cents

pytestmark = pytest.mark.django_db

Kind = LedgerEntry.Kind
FUNDED = dt.date(2026, 1, 1)
CENT = Decimal("0.01")
# Each example costs ~1-2 s of database work: CI runs a few fixed examples; set
# PROPS_EXAMPLES=200 PROPS_RANDOM=1 (PROPS_NOSHRINK=1 skips the slow shrinking) to hunt.
PROPERTY_SETTINGS = settings(
    max_examples=int(os.environ.get("PROPS_EXAMPLES", "20")),
    phases=[Phase.explicit, Phase.generate] if os.environ.get("PROPS_NOSHRINK") else tuple(Phase),
    deadline=None,
    derandomize=not os.environ.get("PROPS_RANDOM"),  # CI: the same examples on every run
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_applications = itertools.count(1)

# ---------------------------------------------------------------- strategies


def cents(low: int, high: int):
    return st.integers(min_value=low, max_value=high).map(lambda c: Decimal(c) * CENT)


# small, about an installment (408.03 on the default loan) and over-payments
money = st.one_of(cents(1, 5_000), cents(5_000, 50_000), cents(50_000, 150_000))
operation = st.one_of(
    st.tuples(st.just("advance"), st.integers(min_value=1, max_value=40)),
    st.tuples(st.just("pay"), money, st.integers(min_value=0, max_value=70)),
    st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=50)),
    st.tuples(
        st.just("fee"),
        cents(1, 10_000),
        st.integers(min_value=0, max_value=70),
    ),
    st.tuples(st.just("waive"), st.integers(min_value=1, max_value=100)),
)
loan_options = st.fixed_dictionaries(
    {
        "payment_hierarchy": st.sampled_from(["system", "schedule"]),
        "day_count": st.sampled_from(["30/360", "ACT/360", "ACT/365"]),
        "number_of_payments": st.integers(min_value=2, max_value=6),
        # Default interest: a backdated event trues up both kinds of accrual at once.
        "default_interest": st.sampled_from(
            [
                None,
                {"enabled": True, "spread": "6"},
                {"enabled": True, "spread": "4", "method": "lump_sum", "grace_days": 5},
            ]
        ),
    }
)


# ---------------------------------------------------------------- the test's own model


class Model:
    """The loan as the test sees it: the events it posted, in posting order."""

    def __init__(self, loan: Loan) -> None:
        self.loan = loan
        self.events: list[Event] = []  # in posting order; refs are the root payment ids
        self.payments: dict[str, Decimal] = {}  # live payments by root id

    def ordered(self) -> list[Event]:
        # spec: events apply in (effective date, posted time, id) order.
        # A posted waiver's amount is fixed: payments replayed before it leave those fees.
        return reserve_waived_fees(sorted(self.events, key=lambda event: event.effective_date))

    def state(self):
        return replay(loan_terms(self.loan), self.ordered(), get_business_date())


def at(day: dt.date) -> dt.date:
    set_business_date(day)
    return day


def live_payments(loan: Loan) -> dict[str, LedgerEntry]:
    """The payment rows in force, by the id of the payment they (re-)post."""
    rows = list(LedgerEntry.objects.filter(loan=loan, kind=Kind.PAYMENT))
    reversed_ids = set(
        LedgerEntry.objects.filter(loan=loan, reversal_of__isnull=False).values_list(
            "reversal_of_id", flat=True
        )
    )
    by_id = {row.pk: row for row in rows}

    def root(row):
        while row.replayed_from_id:
            row = by_id[row.replayed_from_id]
        return row

    return {str(root(row).pk): row for row in rows if row.pk not in reversed_ids}


def ledger_snapshot(loan: Loan) -> dict[int, tuple]:
    fields = ("kind", "effective_date", "business_date", "amount", *BUCKETS)
    fields += ("reversal_of_id", "replayed_from_id", "posted_at")
    return {
        row["id"]: tuple(row[f] for f in fields)
        for row in LedgerEntry.objects.filter(loan=loan).values("id", *fields)
    }


def loan_snapshot(loan: Loan) -> dict:
    """Everything an agent sees of the loan's state (no row ids: those change on replay)."""
    loan.refresh_from_db()
    installments = [
        (
            row.number,
            row.billed,
            row.billed_principal,
            row.billed_interest,
            row.paid_principal,
            row.paid_interest,
            row.status,
        )
        for row in current_schedule_version(loan).installments.order_by("number")
    ]
    splits = {ref: row.split() for ref, row in live_payments(loan).items()}
    return {
        "balances": cached_balances(loan),
        "installments": installments,
        "dpd": loan.dpd,
        "amount_due": loan.amount_due,
        "next_due": (loan.next_due_date, loan.next_due_amount),
        "last_closed_date": loan.last_closed_date,
        "splits": splits,
    }


# ---------------------------------------------------------------- checks


def check_against_replay(model: Model) -> None:
    """Cached state == ledger rebuild == a fresh replay of the test's own events."""
    loan = model.loan
    loan.refresh_from_db()
    business_date = get_business_date()
    cached = cached_balances(loan)
    assert rebuild_balances(loan) == cached

    state = model.state()
    # The business date's own accrual belongs to its close of business (not posted yet).
    unposted = sum((amount for day, amount in state.accruals if day > loan.last_closed_date), ZERO)
    unposted_default = sum(
        (amount for day, amount in state.default_accruals if day > loan.last_closed_date), ZERO
    )
    expected = {
        "principal": state.principal,
        "interest": state.interest - unposted,
        "additional_interest": state.additional_interest - unposted_default,
        "fees": state.fees,
        "escrow": ZERO,
        "excess": state.excess,
    }
    assert cached == {BALANCE_FIELDS[b]: v for b, v in expected.items()}

    installments = {
        row.number: row for row in current_schedule_version(loan).installments.order_by("number")
    }
    for bill in state.bills:
        row = installments[bill.number]
        assert (
            row.billed,
            row.billed_principal,
            row.billed_interest,
            row.paid_principal,
            row.paid_interest,
        ) == (bill.billed, bill.principal, bill.interest, bill.paid_principal, bill.paid_interest)
    assert loan.dpd == state.dpd(business_date)
    assert loan.amount_due == state.amount_due - unposted_default

    live = live_payments(loan)
    assert set(live) == set(model.payments)
    for ref, row in live.items():
        assert row.split() == {b: v for b, v in state.split_of(ref).items()}, ref


def check_money(model: Model) -> None:
    """Each payment row's split adds up to its amount; money in == money out."""
    loan = model.loan
    for row in LedgerEntry.objects.filter(
        loan=loan, kind__in=[Kind.PAYMENT, Kind.PAYMENT_REVERSAL]
    ):
        assert sum(row.split().values(), ZERO) == row.amount
        assert all(value >= 0 for value in row.split().values())
    for ref, row in live_payments(loan).items():
        assert row.amount == model.payments[ref]

    sums = {
        row["kind"]: row
        for row in LedgerEntry.objects.filter(loan=loan)
        .values("kind")
        .annotate(amount=Sum("amount"), interest=Sum("interest"))
    }

    def total(kind, field="amount"):
        # round_cents: SQLite sums decimals as binary floats
        return round_cents((sums.get(kind) or {}).get(field) or ZERO)

    paid = sum(model.payments.values(), ZERO)
    owed = (
        total(Kind.DISBURSEMENT)
        + total(Kind.FEE_ASSESSED)
        - total(Kind.FEE_WAIVED)
        + total(Kind.INTEREST_ACCRUAL)
        + total(Kind.DEFAULT_INTEREST_ACCRUAL)
        + total(Kind.ACCRUAL_ADJUSTMENT)  # interest and default interest, signed
    )
    loan.refresh_from_db()
    outstanding = (
        loan.principal_balance
        + loan.interest_balance
        + loan.additional_interest_balance
        + loan.fees_balance
    )
    assert owed - (paid - loan.excess_balance) == outstanding


def check_sync_is_idempotent(model: Model) -> None:
    """A second catch-up of an up-to-date loan posts nothing and changes nothing."""
    before_rows, before = ledger_snapshot(model.loan), loan_snapshot(model.loan)
    with transaction.atomic():
        locked = lock_loan(model.loan.pk)
        sync_loan(locked, business_date=get_business_date())
    assert ledger_snapshot(model.loan) == before_rows
    assert loan_snapshot(model.loan) == before


# ---------------------------------------------------------------- running operations


def board_loan(board, options: dict) -> Model:
    options = {key: value for key, value in options.items() if value is not None}
    loan = board(
        business_date=FUNDED,
        application_number=f"PROP-{next(_applications)}",
        **options,
    )
    return Model(loan)


def run(model: Model, op: tuple) -> None:
    """Apply one operation through the services and record it in the model."""
    loan = model.loan
    business_date = get_business_date()
    kind = op[0]
    if kind == "advance":
        at(business_date + dt.timedelta(days=op[1]))
        with transaction.atomic():  # inline catch-up, as any page view does
            sync_loan(lock_loan(loan.pk), business_date=get_business_date())
    elif kind == "pay":
        effective = max(loan.funded_date, business_date - dt.timedelta(days=op[2]))
        try:
            entry = post_payment(loan, amount=op[1], effective_date=effective)
        except InvalidInput as exc:  # more than the loan owes: refused, nothing written
            assert exc.field == "amount"
            return
        model.events.append(Event(str(entry.pk), "payment", effective, op[1]))
        model.payments[str(entry.pk)] = op[1]
    elif kind == "reverse":
        if not model.payments:
            return
        refs = sorted(model.payments, key=int)
        ref = refs[op[1] % len(refs)]
        reverse_payment(live_payments(loan)[ref], reason="Returned ACH R01")
        model.events = [event for event in model.events if event.ref != ref]
        del model.payments[ref]
    elif kind == "fee":
        effective = max(loan.funded_date, business_date - dt.timedelta(days=op[2]))
        entry = apply_fee(loan, name="Late fee", amount=op[1], effective_date=effective)
        model.events.append(Event(f"fee-{entry.pk}", "fee", effective, op[1]))
    elif kind == "waive":
        loan.refresh_from_db()
        amount = (loan.fees_balance * op[1] / 100).quantize(CENT)
        if amount <= 0:
            return
        entry = waive_fee(loan, amount=amount, reason="Goodwill")
        model.events.append(Event(f"waiver-{entry.pk}", "fee_waiver", business_date, amount))
    else:  # pragma: no cover
        raise AssertionError(kind)


def in_savepoint(test):
    """Run ``test`` and roll everything it wrote back (each example starts clean)."""
    savepoint = transaction.savepoint_create()
    try:
        test()
    finally:
        transaction.savepoint_rollback(savepoint)


# ---------------------------------------------------------------- properties


@PROPERTY_SETTINGS
@given(options=loan_options, ops=st.lists(operation, min_size=1, max_size=12))
def test_step_by_step_state_equals_a_replay_from_scratch(board, options, ops):
    note(f"options={options!r} ops={ops!r}")

    def example():
        model = board_loan(board, options)
        check_against_replay(model)
        for op in ops:
            rows_before = ledger_snapshot(model.loan)
            run(model, op)
            rows_after = ledger_snapshot(model.loan)
            # append-only: nothing removed, nothing changed, only new rows
            assert {pk: rows_after.get(pk) for pk in rows_before} == rows_before
            assert len(rows_after) >= len(rows_before)
            check_against_replay(model)
            check_money(model)
        check_sync_is_idempotent(model)

    in_savepoint(example)


@PROPERTY_SETTINGS
@given(
    options=loan_options,
    prefix=st.lists(operation, max_size=8),
    amount=money,
    back_days=st.integers(min_value=0, max_value=70),
)
def test_reversal_restores_the_exact_prior_state(board, options, prefix, amount, back_days):
    note(f"options={options!r} prefix={prefix!r} amount={amount!r} back_days={back_days!r}")

    def example():
        model = board_loan(board, options)
        for op in prefix:
            run(model, op)
        before = loan_snapshot(model.loan)
        rows = ledger_snapshot(model.loan)
        paid = set(model.payments)
        run(model, ("pay", amount, back_days))
        if set(model.payments) == paid:
            return  # refused (more than the loan owes): nothing posted, nothing to reverse
        ref = max(model.payments, key=int)
        run(model, ("reverse", sorted(model.payments, key=int).index(ref)))
        after = loan_snapshot(model.loan)
        assert after == before
        assert {pk: ledger_snapshot(model.loan).get(pk) for pk in rows} == rows
        check_against_replay(model)

    in_savepoint(example)


def test_worked_example_payments_balance_to_the_cent(board):
    """The spec's worked example through the same checks (a fixed, readable case)."""
    model = Model(board(business_date=FUNDED, application_number="PROP-WORKED"))
    for op in [
        ("advance", 31),  # 02-01
        ("pay", Decimal("408.03"), 0),
        ("advance", 42),  # 03-15
        ("pay", Decimal("200.00"), 0),
        ("advance", 17),  # 04-01
    ]:
        run(model, op)
        check_against_replay(model)
        check_money(model)
    model.loan.refresh_from_db()
    assert (model.loan.dpd, model.loan.amount_due) == (31, Decimal("619.03"))


def test_reversal_that_raises_later_interest_reposts_without_a_negative_balance(board):
    """Reversing an early payment makes a later one pay more interest than was accrued
    under the old history: the accrual true-up must land before the re-posted split."""
    model = Model(board(business_date=FUNDED, application_number="PROP-REVERSE"))
    for op in [
        ("advance", 31),  # 02-01
        ("pay", Decimal("408.03"), 0),
        ("advance", 28),  # 03-01
        ("pay", Decimal("900.00"), 0),
        ("advance", 1),  # 03-02
        ("reverse", 0),
    ]:
        run(model, op)
        check_against_replay(model)
        check_money(model)
