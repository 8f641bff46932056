"""servicing.bulk: bulk_update writes what it is given, small batches and COPY batches."""

import datetime as dt

import pytest

from servicing import bulk
from servicing.models import JobRun


@pytest.mark.django_db
@pytest.mark.parametrize("count", [3, bulk.COPY_UPDATE_MIN_ROWS + 100])
def test_bulk_update_writes_every_kind_of_column(count):
    JobRun.objects.bulk_create(
        JobRun(kind=JobRun.Kind.MAINTENANCE, business_date=dt.date(2026, 1, 1))
        for _ in range(count)
    )
    ids = list(JobRun.objects.order_by("pk").values_list("pk", flat=True))
    at = dt.datetime(2026, 1, 2, 9, 30, tzinfo=dt.UTC)
    rows = [
        (
            pk,
            n,
            ["plain", "tab\there", "back\\slash", "line\nbreak"][n % 4],
            {"n": n, "nested": [1, "two\t"]} if n % 2 else {},
            at if n % 3 else None,
            dt.date(2026, 2, 1) + dt.timedelta(days=n),
        )
        for n, pk in enumerate(ids)
    ]
    bulk.bulk_update(JobRun, ("total", "message", "params", "started_at", "business_date"), rows)
    stored = JobRun.objects.order_by("pk").values_list(
        "pk", "total", "message", "params", "started_at", "business_date"
    )
    assert list(stored) == rows
