"""loans.services.replay_inputs.load_schedule reads the current version with its rows in
one query; a current version with no rows still gives its own id and period start."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from loans.models import ScheduleVersion
from loans.services.replay_inputs import load_schedule
from tests.loans.conftest import board  # noqa: F401  (the fixture, shared)


def test_the_current_version_and_its_rows_in_one_query(board):  # noqa: F811
    loan = board()
    version = loan.schedule_versions.get(is_current=True)
    with CaptureQueriesContext(connection) as ctx:
        schedule = load_schedule(loan)
    assert len(ctx.captured_queries) == 1
    assert schedule.version_id == version.pk
    assert schedule.terms.regular_start == version.period_start
    numbers = list(version.installments.order_by("number").values_list("number", flat=True))
    assert [row.number for row in schedule.terms.rows] == numbers
    assert sorted(schedule.stored) == numbers


def test_a_current_version_without_rows(board):  # noqa: F811
    loan = board()
    loan.schedule_versions.update(is_current=False)
    empty = ScheduleVersion.objects.create(
        loan=loan,
        version=2,
        effective_date=loan.funded_date,
        reason="Test",
        period_start=dt.date(2026, 1, 5),
    )
    schedule = load_schedule(loan)
    assert schedule.version_id == empty.pk
    assert schedule.terms.regular_start == dt.date(2026, 1, 5)
    assert (schedule.terms.rows, schedule.stored) == ((), {})
