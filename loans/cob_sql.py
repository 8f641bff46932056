"""Close of business in SQL (PostgreSQL): the quiet days of every day count, one
statement per chunk (see ``loans.cob``'s docstring for the three ways a loan is closed)."""

from __future__ import annotations

import datetime as dt
import json

from django.db import connection, transaction

from loans.engine.accrual import window_day_units
from loans.services.carry import window_from_json
from servicing.bulk import asynchronous_commit

ONE_DAY = dt.timedelta(days=1)
SYSTEM = "system"  # the accrual rows' actor label


# The quiet days of every day count, in one statement on PostgreSQL. The engine gives the
# day's (basis, units) for each distinct (day count, frequency, window) of the chunk
# (``window_day_units``: 30/360 weights, ACT/ACT years, stub days), passed as one JSON
# object keyed "day count, frequency, window"; the database then does the integer
# arithmetic of ``accrue_day`` (cents, rate in millionths of a percent, ``div`` exact) on
# the locked rows: the accrual rows inserted and the loans updated (balances, carry, date,
# DPD) without a row going through Python. Loans it leaves out (a row due tomorrow, two
# bases in the period, past maturity, a rate with more than six decimals, default
# interest...) go through ``close_quiet_loans``.
CLOSE_IN_SQL = """
WITH picked AS (
    SELECT id, ctid, principal_balance, interest_balance, carry, oldest_unpaid_due,
           %(units)s::jsonb -> (day_count || ' ' || payment_frequency || ' ' || (carry->>'window'))
               AS unit
    FROM loans_loan
    WHERE id = ANY(%(ids)s)
      AND status = 'open'
      AND last_closed_date = %(yesterday)s
      AND carry->>'date' = %(day_text)s
      AND %(units)s::jsonb ? (day_count || ' ' || payment_frequency || ' ' || (carry->>'window'))
      AND schedule_type NOT IN ('mca', 'custom')
      AND COALESCE(carry->>'accruing', 'true') = 'true'
      AND COALESCE(carry->'default', 'null'::jsonb) = 'null'::jsonb
      AND NOT (COALESCE(carry->>'di', 'false') = 'true' AND oldest_unpaid_due IS NOT NULL)
      AND principal_balance > 0
      AND jsonb_array_length(carry->'sums') <= 1
    ORDER BY id
    FOR NO KEY UPDATE
), day AS (
    SELECT id, ctid, interest_balance, carry, oldest_unpaid_due,
           (unit->>0)::numeric AS basis, (unit->>1)::int AS units,
           COALESCE((carry->'sums'->0->>1)::numeric, 0) * 100
               + principal_balance * 100 * (unit->>1)::int AS summed,
           (carry->>'posted')::numeric * 100 AS posted,
           (carry->>'rate')::numeric * 1000000 AS rate_units
    FROM picked
), checked AS (
    SELECT * FROM day
    WHERE (carry->'sums' = '[]'::jsonb OR (carry->'sums'->0->>0)::numeric = basis)
), calc AS (
    SELECT id, ctid, interest_balance, carry, oldest_unpaid_due, basis, units, summed,
           div(2 * rate_units * summed + 100000000 * basis, 2 * 100000000 * basis) AS through,
           posted
    FROM checked
    WHERE rate_units = trunc(rate_units) AND rate_units >= 0
), amounts AS (
    SELECT *, ((through - posted) / 100)::numeric(20, 2) AS amount FROM calc
), posted_rows AS (
    INSERT INTO loans_ledgerentry ({columns})
    SELECT {values} FROM amounts WHERE amount <> 0
)
UPDATE loans_loan AS l
SET interest_balance = a.interest_balance + a.amount,
    last_closed_date = %(day)s,
    dpd = CASE WHEN a.oldest_unpaid_due IS NULL THEN 0
               ELSE GREATEST(%(tomorrow)s - a.oldest_unpaid_due, 0) END,
    carry = a.carry || jsonb_build_object(
        'date', %(tomorrow_text)s,
        'sums', CASE WHEN a.units = 0 AND a.carry->'sums' = '[]'::jsonb THEN '[]'::jsonb
                     ELSE jsonb_build_array(jsonb_build_array(
                         a.basis, ((a.summed / 100)::numeric(30, 2))::text)) END,
        'posted', ((a.through / 100)::numeric(30, 2))::text,
        'accrued', (((a.carry->>'accrued')::numeric + a.amount)::numeric(30, 2))::text
    )
FROM amounts AS a
WHERE l.ctid = a.ctid  -- the row version locked above: no index lookup
RETURNING l.id
"""
# The accrual row's columns and the SQL giving each (as ``_accrual_row`` writes them).
_SQL_ROW = {
    "loan_id": "id",
    "kind": "'interest_accrual'",
    "effective_date": "%(day)s",
    "business_date": "%(day)s",
    "posted_at": "now()",
    "actor_id": "NULL",
    "actor_label": f"'{SYSTEM}'",
    "amount": "amount",
    "principal": "0",
    "interest": "amount",
    "additional_interest": "0",
    "fees": "0",
    "escrow": "0",
    "excess": "0",
    "note": "''",
    "external_reference": "''",
    "details": "'{}'::jsonb",
    "reversal_of_id": "NULL",
    "replayed_from_id": "NULL",
}


def close_in_sql(ids: list[int], business_date: dt.date) -> set[int]:
    """The quiet loans among ``ids`` that SQL can close, closed in SQL.

    The day units of the windows met in earlier chunks of the date are known: one
    statement closes the loans on those; the windows of the loans left are then looked up
    (a small query once the common windows are known) and a second statement closes the
    loans on new ones.
    """
    known = _KNOWN_UNITS.setdefault(business_date, {})
    for day in [day for day in _KNOWN_UNITS if day != business_date]:
        del _KNOWN_UNITS[day]  # one date at a time
    closed = _close_in_sql(ids, business_date, known)
    rest = [pk for pk in ids if pk not in closed]
    new = {key: units for key, units in _day_units(rest, business_date).items() if key not in known}
    known.update(new)
    return closed | _close_in_sql(rest, business_date, new)


# {business date: {window key: (basis, units)}}: pure values, kept for the worker's next
# chunks of the same date.
_KNOWN_UNITS: dict[dt.date, dict[str, tuple[int, int]]] = {}


def _close_in_sql(
    ids: list[int], business_date: dt.date, units: dict[str, tuple[int, int]]
) -> set[int]:
    """``CLOSE_IN_SQL`` for the loans among ``ids`` on a window of ``units``."""
    if not ids or not units:
        return set()
    tomorrow = business_date + ONE_DAY
    sql = CLOSE_IN_SQL.format(columns=", ".join(_SQL_ROW), values=", ".join(_SQL_ROW.values()))
    with transaction.atomic(), connection.cursor() as cursor:
        asynchronous_commit()  # a lost chunk is closed again on resume
        cursor.execute(
            sql,
            {
                "ids": list(ids),
                "units": json.dumps(units),
                "day": business_date,
                "yesterday": business_date - ONE_DAY,
                "tomorrow": tomorrow,
                "day_text": business_date.isoformat(),
                "tomorrow_text": tomorrow.isoformat(),
            },
        )
        return {row[0] for row in cursor.fetchall()}


def _day_units(ids: list[int], business_date: dt.date) -> dict[str, tuple[int, int]]:
    """{"day count, frequency, window JSON": (basis, units) of ``business_date``} for each
    distinct accrual window of the chunk that nothing is billed at tomorrow."""
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT day_count, payment_frequency, carry->>'window' FROM loans_loan "
            "WHERE id = ANY(%s) AND jsonb_typeof(carry->'window') = 'array'",
            [list(ids)],
        )
        found = cursor.fetchall()
    units = {}
    for day_count, frequency, text in found:
        window = window_from_json(*json.loads(text))
        if window.start <= business_date and window.end > business_date + ONE_DAY:
            units[f"{day_count} {frequency} {text}"] = window_day_units(
                business_date, window, day_count, frequency
            )
    return units
