"""servicing.orm.SavesChangedFields: a loan written back after a payment UPDATEs only the
columns that changed since it was read or saved."""

import re
from decimal import Decimal as D

from django.db import connection
from django.test.utils import CaptureQueriesContext

from loans.models import Loan
from tests.loans.conftest import board  # noqa: F401  (the fixture, shared)

JSON_COLUMNS = {"default_interest", "terms", "custom_fields", "carry"}


def updated_columns(ctx) -> set[str]:
    (update,) = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("UPDATE")]
    assignments = update.split(" SET ", 1)[1].split(" WHERE ", 1)[0]
    return set(re.findall(r'"(\w+)" = ', assignments))


def test_only_changed_columns_and_json_are_written(board):  # noqa: F811
    loan = Loan.objects.get(pk=board().pk)
    loan.dpd = 7
    loan.amount_due = D("12.34")
    with CaptureQueriesContext(connection) as ctx:
        loan.save_changed()
    assert updated_columns(ctx) == {"dpd", "amount_due"} | JSON_COLUMNS
    stored = Loan.objects.get(pk=loan.pk)
    assert (stored.dpd, stored.amount_due) == (7, D("12.34"))


def test_a_saved_instance_compares_with_what_it_wrote(board):  # noqa: F811
    loan = board()  # inserted by Loan.objects.create, then saved by the catch-up
    loan.fees_balance += D("5.00")
    with CaptureQueriesContext(connection) as ctx:
        loan.save_changed()
    assert updated_columns(ctx) == {"fees_balance"} | JSON_COLUMNS
    with CaptureQueriesContext(connection) as ctx:
        loan.save_changed()  # nothing left to write but the JSON columns
    assert updated_columns(ctx) == JSON_COLUMNS
    assert Loan.objects.get(pk=loan.pk).fees_balance == loan.fees_balance


def test_a_column_nobody_changed_in_memory_is_not_written_back(board):  # noqa: F811
    loan = Loan.objects.get(pk=board().pk)
    Loan.objects.filter(pk=loan.pk).update(grace_days=9)  # not through this instance
    loan.dpd = 3
    loan.save_changed()
    stored = Loan.objects.get(pk=loan.pk)
    assert (stored.grace_days, stored.dpd) == (9, 3)


def test_refresh_from_db_is_the_new_reference(board):  # noqa: F811
    loan = Loan.objects.get(pk=board().pk)
    Loan.objects.filter(pk=loan.pk).update(grace_days=9)
    loan.refresh_from_db()
    with CaptureQueriesContext(connection) as ctx:
        loan.save_changed()
    assert updated_columns(ctx) == JSON_COLUMNS


def test_a_partly_read_instance_is_saved_whole(board):  # noqa: F811
    pk = board().pk
    loan = Loan.objects.only("pk", "dpd").get(pk=pk)
    assert loan.changed_fields() is None
    loan.dpd = 4
    loan.save_changed()
    assert Loan.objects.get(pk=pk).dpd == 4
