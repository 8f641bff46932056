"""Concurrent requests on PostgreSQL: the loan row lock serializes them (ARCHITECTURE.md).

Each thread has its own database connection (closed when it ends), so the requests
really run side by side; the tests commit (``transaction=True``).
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from loans.api.onboarding import OnboardingInput
from loans.engine.replay import Event
from loans.ledger import cached_balances, rebuild_balances
from loans.models import LedgerEntry, Loan
from loans.services.catch_up import catch_up
from loans.services.fees import apply_fee
from loans.services.onboarding import onboard_loan
from loans.services.payments import post_payment
from servicing.business_date import set_business_date
from servicing.errors import DomainError
from tests.loans.payloads import term_payload
from tests.loans.test_properties_services import Model, check_against_replay, check_money
from tests.loans.test_properties_services import live_payments as live_payment_rows

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks (SELECT ... FOR UPDATE) and concurrent writers need PostgreSQL; "
        "SQLite serializes whole-database writes. CI runs these on PostgreSQL.",
    ),
    pytest.mark.django_db(transaction=True),
]
TIMEOUT = 60  # seconds a thread may take before the test fails (a deadlock, not slowness)


def run_together(*jobs) -> list:
    """Start every job at the same moment, each in its own thread and connection.

    Returns one result per job: its return value or the exception it raised.
    """
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def worker(index, job):
        try:
            barrier.wait(timeout=TIMEOUT)
            results[index] = job()
        except BaseException as error:  # reported by the test
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=pair) for pair in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread hung (deadlock?)"
    return results


def test_concurrent_payments_post_once_each_and_keep_the_ledger_consistent(board):
    loan = board(business_date=dt.date(2026, 1, 1))
    # Behind by two months: the first request in catches the loan up, the others wait.
    set_business_date(dt.date(2026, 3, 10))
    payments = [
        (Decimal("150.00"), dt.date(2026, 3, 10)),
        (Decimal("75.55"), dt.date(2026, 3, 2)),
        (Decimal("408.03"), dt.date(2026, 2, 1)),  # backdated before the others
        (Decimal("0.01"), dt.date(2026, 3, 10)),
        (Decimal("400.00"), dt.date(2026, 2, 20)),  # more than is due: held as excess
        (Decimal("33.33"), dt.date(2026, 1, 15)),
    ]

    def pay(amount, effective):
        return lambda: post_payment(
            Loan.objects.get(pk=loan.pk), amount=amount, effective_date=effective
        )

    jobs = [pay(amount, day) for amount, day in payments]
    jobs.append(
        lambda: apply_fee(
            Loan.objects.get(pk=loan.pk),
            name="Late fee",
            amount=Decimal("25.00"),
            effective_date=dt.date(2026, 2, 15),
        )
    )
    jobs.append(lambda: catch_up(Loan.objects.get(pk=loan.pk)))
    results = run_together(*jobs)

    errors = [result for result in results if isinstance(result, BaseException)]
    assert not errors, errors
    entries = results[: len(payments)]
    assert all(isinstance(entry, LedgerEntry) for entry in entries)

    loan.refresh_from_db()
    assert rebuild_balances(loan) == cached_balances(loan)
    live = live_payment_rows(loan)
    # every payment posted exactly once (a replayed one lives on as its re-post)
    assert sorted(live) == sorted(str(entry.pk) for entry in entries)
    assert sorted(row.amount for row in live.values()) == sorted(a for a, _ in payments)
    assert LedgerEntry.objects.filter(loan=loan, kind="payment", replayed_from=None).count() == 6

    # The ledger equals a replay of what the threads posted, in the order they posted it.
    model = Model(loan)
    posted = LedgerEntry.objects.filter(
        loan=loan, kind__in=["payment", "fee_assessed"], replayed_from=None
    ).order_by("pk")
    for row in posted:
        if row.kind == "payment":
            model.events.append(Event(str(row.pk), "payment", row.effective_date, row.amount))
            model.payments[str(row.pk)] = row.amount
        else:
            model.events.append(Event(f"fee-{row.pk}", "fee", row.effective_date, row.fees))
    check_against_replay(model)
    check_money(model)


def onboarding_data(application_number: str) -> dict:
    data = OnboardingInput(data=term_payload(application_number=application_number))
    data.is_valid(raise_exception=True)
    return data.validated_data


@pytest.mark.parametrize("requests", [2, 4])
def test_concurrent_onboardings_of_one_application_board_one_loan(board, requests):
    # ``board`` set up the product and investor. The first race also creates the loan
    # number counter and the borrower.
    set_business_date(dt.date(2026, 1, 15))
    for attempt in range(3):
        number = f"APP-RACE-{requests}-{attempt}"
        data = onboarding_data(number)
        results = run_together(*[lambda data=data: onboard_loan(data)] * requests)

        loans = [result for result in results if isinstance(result, Loan)]
        refused = [result for result in results if isinstance(result, DomainError)]
        assert len(loans) == 1, results
        assert len(refused) == requests - 1, results
        assert {error.code for error in refused} == {"already_onboarded"}
        assert {error.extra["loan_number"] for error in refused} == {loans[0].loan_number}
        assert Loan.objects.filter(application_number=number).count() == 1
        loan = Loan.objects.get(application_number=number)
        assert rebuild_balances(loan) == cached_balances(loan)
        assert loan.ledger_entries.filter(kind="disbursement").count() == 1


@pytest.mark.parametrize("racers", [2, 3])
def test_approvals_racing_for_the_last_available_amount_one_wins(board_line, racers):
    from loans.models import Draw
    from loans.services.draws import approve_draw, initiate_draw
    from loans.services.lines import available, line_of

    line = board_line(dt.date(2026, 1, 15))
    draws = [
        initiate_draw(line, requested_date=dt.date(2026, 1, 15), requested_amount=Decimal("6000"))
        for _ in range(racers)
    ]
    results = run_together(
        *[
            lambda draw=draw: approve_draw(
                Loan.objects.get(pk=line.pk), draw.pk, approved_amount=Decimal("6000")
            )
            for draw in draws
        ]
    )
    won = [r for r in results if isinstance(r, Draw)]
    lost = [r for r in results if isinstance(r, DomainError)]
    assert len(won) == 1 and len(lost) == racers - 1, results
    assert {error.code for error in lost} == {"draw_exceeds_available"}
    statuses = sorted(Draw.objects.values_list("status", flat=True))
    assert statuses == ["approved"] + ["verification"] * (racers - 1)
    assert available(line_of(line)) == Decimal("4000.00")
