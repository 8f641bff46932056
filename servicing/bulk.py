"""Bulk writes for hot paths: one INSERT of many rows without building model instances.

On PostgreSQL rows go through COPY (one statement);
elsewhere (the embedded SQLite default) through ``bulk_create``. Rows are dicts with the
same keys (foreign keys by attname: ``loan_id``); every NOT NULL column without a
database default must be given.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from operator import itemgetter

from django.db import connection, models

PAGE_SIZE = 1000


def asynchronous_commit() -> None:
    """Inside a batch chunk's transaction on PostgreSQL: its commit does not wait for the
    WAL to reach the disk (``SET LOCAL synchronous_commit = off``). A crash can lose the
    last such transactions, whole and in order (never a part of one, never one before a
    later synchronous commit), so this is only for chunks whose selection leaves out what
    is done: a lost chunk is done again when the job resumes."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def bulk_insert(model: type[models.Model], rows: Sequence[dict]) -> None:
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(model(**row) for row in rows)
        return
    names = list(rows[0])
    get = itemgetter(*names)
    values = map(get, rows) if len(names) > 1 else ((get(row),) for row in rows)
    insert_columns(model, dict(zip(names, zip(*values, strict=True), strict=True)))


def bulk_insert_with_ids(model: type[models.Model], rows: Sequence[dict]) -> list[int]:
    """``bulk_insert`` of rows that need their ids back: on PostgreSQL the ids are drawn
    from the table's sequence first (one query), then the rows go in by COPY with them;
    elsewhere ``bulk_create``. The ids, in the rows' order."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        return [obj.pk for obj in model.objects.bulk_create(model(**row) for row in rows)]
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    bulk_insert(model, [{meta.pk.attname: pk, **row} for pk, row in zip(ids, rows, strict=True)])
    return ids


def insert_columns(model: type[models.Model], columns: Mapping[str, Sequence]) -> None:
    """``bulk_insert`` of rows given a column at a time: {name: the values, row by row}
    (all of one length), for a caller that has them so (no dict per row to build)."""
    count = len(next(iter(columns.values()), ()))
    if not count:
        return
    if connection.vendor != "postgresql":
        names = list(columns)
        rows = (dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True))
        model.objects.bulk_create(model(**row) for row in rows)
        return
    fields = [model._meta.get_field(name) for name in columns]
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    # COPY with values formatted here: psycopg2's per-value adaptation (mogrify) and
    # Django's per-value preparation are what made a 360-row schedule slow to insert.
    buffer = io.StringIO(copy_lines(columns.values()))
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        # Table and column names come from the model, never from input.
        cursor.cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", buffer)


def copy_lines(columns: Iterable[Sequence]) -> str:
    """Rows in COPY's text format, one line each, from their columns' values.

    Formatted a column at a time, the same text as ``_copy_text`` of each value: a column
    of one repeated object is formatted once, a column of one type gets that type's
    formatter mapped over it (C loops, no type test per value), any other column goes
    value by value through ``_copy_text``. A 360-row schedule formats in about 1 ms.
    """
    texts = [_copy_column(column) for column in columns]
    return "\n".join(map("\t".join, zip(*texts, strict=True))) + "\n"


def _copy_column(column: Sequence) -> Sequence[str]:
    first = column[0]
    if len(set(map(id, column))) == 1:  # the same object all along (a default, an id)
        return (_copy_text(first),) * len(column)
    kinds = set(map(type, column))
    formatter = _FORMATTERS.get(kinds.pop()) if len(kinds) == 1 else None
    if formatter is None:
        return list(map(_copy_text, column))
    return formatter(column)


def _text_column(column: Sequence[str]) -> Sequence[str]:
    joined = "".join(column)
    if any(char in joined for char in COPY_SPECIAL):
        return [value.translate(COPY_ESCAPES) for value in column]
    return column


def _bool_column(column: Sequence[bool]) -> list[str]:
    return ["t" if value else "f" for value in column]


def _copy_text(value) -> str:
    """A value in COPY's text format."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value)
    if isinstance(value, bytes | memoryview):  # bytea's hex format, its backslash escaped
        return "\\\\x" + bytes(value).hex()
    return str(value).translate(COPY_ESCAPES)


COPY_SPECIAL = ("\\", "\t", "\n", "\r")
COPY_ESCAPES = str.maketrans({"\\": r"\\", "\t": r"\t", "\n": r"\n", "\r": r"\r"})
# A formatter per exact type (a bool is not an int here, a datetime not a date), each
# giving what ``_copy_text`` gives for every value of its type.
_FORMATTERS: dict[type, Callable[[Sequence], Sequence[str]]] = {
    Decimal: lambda column: list(map(str, column)),
    int: lambda column: list(map(str, column)),
    dt.date: lambda column: list(map(dt.date.isoformat, column)),
    bool: _bool_column,
    str: _text_column,
}


def bulk_update(model: type[models.Model], fields: Sequence[str], rows: Sequence[tuple]) -> None:
    """Update ``fields`` of many rows: ``rows`` are tuples (pk, value of each field).

    One ``UPDATE ... FROM (VALUES ...)`` on PostgreSQL (Django's ``bulk_update`` builds a
    CASE per field and row, slow for hundreds of rows); ``bulk_update`` elsewhere.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(
            [model(pk=pk, **dict(zip(fields, values, strict=True))) for pk, *values in rows],
            list(fields),
        )
        return
    if len(rows) >= COPY_UPDATE_MIN_ROWS:
        _update_through_copy(model, fields, rows)
        return
    from psycopg2.extras import Json, execute_values

    meta, quote = model._meta, connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    json_columns = {
        n for n, f in enumerate(columns, start=1) if f.get_internal_type() == "JSONField"
    }
    if json_columns:  # dicts and lists go in as JSON text
        rows = [
            tuple(Json(v) if n in json_columns and v is not None else v for n, v in enumerate(row))
            for row in rows
        ]
    assignments = ", ".join(
        f"{quote(f.column)} = v.{quote(f.column)}::{f.db_type(connection)}" for f in columns
    )
    names = ", ".join(["id", *(quote(f.column) for f in columns)])
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        execute_values(
            # Table, column names and types come from the model, never from input.
            cursor.cursor,
            f"UPDATE {table} AS t SET {assignments} FROM (VALUES %s) AS v({names}) "  # noqa: S608
            f"WHERE t.{quote(meta.pk.column)} = v.id",
            rows,
            page_size=PAGE_SIZE,
        )


# Below it, one UPDATE ... FROM (VALUES ...); from it on, COPY into a temporary table first.
COPY_UPDATE_MIN_ROWS = 500


def _update_through_copy(model: type[models.Model], fields: Sequence[str], rows) -> None:
    """COPY the rows into a temporary table, then one UPDATE ... FROM it: no per-value
    adaptation (what ``execute_values`` spends its time on for thousands of rows)."""
    meta, quote = model._meta, connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    pk = meta.pk
    temp = quote(f"bulk_{meta.db_table}")
    definitions = ", ".join(
        [
            f"id {pk.db_type(connection)}",
            *(f"{quote(f.column)} {f.db_type(connection)}" for f in columns),
        ]
    )
    text = copy_lines(list(zip(*rows, strict=True)))
    assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in columns)
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        # Table, column names and types come from the model, never from input.
        cursor.execute(f"DROP TABLE IF EXISTS {temp}")
        cursor.execute(f"CREATE TEMPORARY TABLE {temp} ({definitions})")
        cursor.cursor.copy_expert(f"COPY {temp} FROM STDIN", io.StringIO(text))
        cursor.execute(
            f"UPDATE {table} AS t SET {assignments} FROM {temp} AS v "  # noqa: S608
            f"WHERE t.{quote(pk.column)} = v.id"
        )
        cursor.execute(f"DROP TABLE {temp}")
