import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from loans.ledger import cached_balances, post_entry, rebuild_balances, reverse_entry
from loans.models import LedgerEntry
from servicing.errors import DomainError
from tests.loans.factories import BareLoanFactory

D = Decimal
BD = dt.date(2026, 2, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture
def loan():
    loan = BareLoanFactory()
    post_entry(
        loan,
        kind="disbursement",
        effective_date=dt.date(2026, 1, 1),
        business_date=BD,
        split={"principal": D("1200.00")},
    )
    post_entry(
        loan,
        kind="interest_accrual",
        effective_date=dt.date(2026, 1, 31),
        business_date=BD,
        split={"interest": D("12.00")},
    )
    loan.save()
    return loan


def test_payment_moves_balances_and_rebuild_agrees(loan):
    payment = post_entry(
        loan,
        kind="payment",
        effective_date=BD,
        business_date=BD,
        split={"interest": D("12.00"), "principal": D("396.03"), "excess": D("1.97")},
    )
    loan.save()
    assert payment.amount == D("410.00")
    assert loan.principal_balance == D("803.97")
    assert loan.interest_balance == D("0.00")
    assert loan.excess_balance == D("1.97")
    loan.refresh_from_db()
    assert rebuild_balances(loan) == cached_balances(loan)


def test_reversal_restores_the_exact_prior_state(loan):
    before = cached_balances(loan)
    payment = post_entry(
        loan,
        kind="payment",
        effective_date=BD,
        business_date=BD,
        split={"interest": D("12.00"), "principal": D("100.00"), "excess": D("5")},
    )
    reversal = reverse_entry(payment, loan=loan, business_date=BD, note="returned ACH")
    loan.save()
    assert reversal.reversal_of == payment and reversal.kind == "payment_reversal"
    assert cached_balances(loan) == before
    loan.refresh_from_db()
    assert rebuild_balances(loan) == before


def test_a_payment_is_reversed_only_once(loan):
    payment = post_entry(
        loan, kind="payment", effective_date=BD, business_date=BD, split={"interest": D("12.00")}
    )
    reverse_entry(payment, loan=loan, business_date=BD)
    with pytest.raises(DomainError, match="already reversed"):
        reverse_entry(payment, loan=loan, business_date=BD)


def test_accruals_cannot_be_reversed_as_payments(loan):
    accrual = LedgerEntry.objects.get(kind="interest_accrual")
    with pytest.raises(DomainError, match="cannot be reversed"):
        reverse_entry(accrual, loan=loan, business_date=BD)


def test_overpaying_a_bucket_is_refused(loan):
    with pytest.raises(DomainError, match="interest balance negative"):
        post_entry(
            loan,
            kind="payment",
            effective_date=BD,
            business_date=BD,
            split={"interest": D("12.01")},
        )


@pytest.mark.parametrize("split", [{"principal": D("-1")}, {"bogus": D("1")}])
def test_bad_splits_are_refused(loan, split):
    with pytest.raises(ValueError):
        post_entry(loan, kind="payment", effective_date=BD, business_date=BD, split=split)


def test_one_accrual_per_loan_date_kind(loan):
    with pytest.raises(IntegrityError), transaction.atomic():
        post_entry(
            loan,
            kind="interest_accrual",
            effective_date=dt.date(2026, 1, 31),
            business_date=BD,
            split={"interest": D("0.40")},
        )


def test_amount_must_equal_the_sum_of_buckets(loan):
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            loan=loan,
            kind="payment",
            effective_date=BD,
            business_date=BD,
            actor_label="x",
            amount=D("10.00"),
            principal=D("9.00"),
        )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_posted_rows_cannot_be_updated_or_deleted_on_postgresql(loan):
    entry = LedgerEntry.objects.filter(loan=loan).first()
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(note="edited")
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).delete()
