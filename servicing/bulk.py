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
from collections.abc import Sequence

from django.db import connection, models

PAGE_SIZE = 1000


def bulk_insert(model: type[models.Model], rows: Sequence[dict]) -> None:
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(model(**row) for row in rows)
        return
    fields = [model._meta.get_field(name) for name in rows[0]]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    # COPY with values formatted here: psycopg2's per-value adaptation (mogrify) and
    # Django's per-value preparation are what made a 360-row schedule slow to insert.
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_text(value) for value in row.values()))
        buffer.write("\n")
    buffer.seek(0)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        # Table and column names come from the model, never from input.
        cursor.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)


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
    return str(value).translate(COPY_ESCAPES)


COPY_ESCAPES = str.maketrans({"\\": r"\\", "\t": r"\t", "\n": r"\n", "\r": r"\r"})


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
    from psycopg2.extras import execute_values

    meta, quote = model._meta, connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
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
