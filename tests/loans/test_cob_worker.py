"""Close of business on the real worker .ci/run starts (marker celery_worker)."""

import datetime as dt

import pytest

from loans.models import LedgerEntry, Loan
from servicing.business_date import get_business_date
from servicing.cob import run_cob
from servicing.models import JobRun

# serialized_rollback: the database comes back as migrated after each test, content types
# with their ids included (the worker process caches them across tests).
pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_cob_closes_dates_on_a_real_worker(board):
    loan = board(business_date=dt.date(2026, 1, 15))
    for n in range(2, 5):
        board(
            business_date=dt.date(2026, 1, 15),
            application_number=f"APP-W{n}",
            funded_amount=f"{n}000.00",
        )

    jobs = run_cob(dt.date(2026, 2, 2))  # through a due date (2026-02-01): billing too

    assert [job.state for job in jobs] == [JobRun.State.SUCCEEDED] * 19
    assert get_business_date() == dt.date(2026, 2, 3)
    assert set(Loan.objects.values_list("last_closed_date", flat=True)) == {dt.date(2026, 2, 2)}
    accruals = LedgerEntry.objects.filter(
        loan=loan, kind=LedgerEntry.Kind.INTEREST_ACCRUAL, effective_date__gte="2026-01-15"
    )
    # One row a day, none twice; 30/360: January 31st earns nothing.
    assert accruals.count() == accruals.values("effective_date").distinct().count() == 18
    loan.refresh_from_db()
    assert loan.schedule_versions.get().installments.get(number=1).billed
    assert jobs[0].done == jobs[0].total == 4
