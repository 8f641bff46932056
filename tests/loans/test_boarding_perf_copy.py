"""Boarding's installments go through ``bulk_insert``'s COPY: the column-at-a-time text
must be what ``_copy_text`` gives value by value, for every kind of column."""

import datetime as dt
from decimal import Decimal

from servicing.bulk import _copy_text, copy_lines

ZERO = Decimal("0.00")


def by_value(rows, names):
    return "".join("\t".join(_copy_text(row[n]) for n in names) + "\n" for row in rows)


def test_copy_lines_match_value_by_value_formatting():
    rows = [
        {
            "id": 7,  # one repeated object
            "number": n,
            "due": dt.date(2026, 1, 1) + dt.timedelta(days=n),
            "at": dt.datetime(2026, 1, 1, 9, 30, tzinfo=dt.UTC),  # a datetime, not a date
            "amount": Decimal("1E+2") if n == 2 else Decimal(f"{n}.{n:02d}"),
            "zero": ZERO,  # the same object in every row
            "rate": Decimal("6.500000") if n % 2 else None,  # mixed with NULL
            "flag": n % 2 == 0,
            "same_flag": False,
            "note": ["plain", "tab\there", "back\\slash", "line\nbreak\r"][n % 4],
            "name": f"row {n}",
            "details": {"k": f"v\t{n}"} if n else {},
            "big": 10**20 + n,
            "mixed": n if n % 2 else str(n),
            "empty": "",
        }
        for n in range(6)
    ]
    names = list(rows[0])
    assert copy_lines([row[n] for row in rows] for n in names) == by_value(rows, names)


def test_copy_lines_of_one_column_and_one_row():
    assert copy_lines([[1, 2]]) == "1\n2\n"
    assert copy_lines([[None], (True,)]) == "\\N\tt\n"
