"""Bulk writes for hot paths: one INSERT of many rows without building model instances.

On PostgreSQL rows go through psycopg2's ``execute_values`` (one statement per page);
elsewhere (the embedded SQLite default) through ``bulk_create``. Rows are dicts with the
same keys (foreign keys by attname: ``loan_id``); every NOT NULL column without a
database default must be given.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models

PAGE_SIZE = 1000


def bulk_insert(model: type[models.Model], rows: Sequence[dict]) -> None:
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(model(**row) for row in rows)
        return
    from psycopg2.extras import Json, execute_values

    fields = [model._meta.get_field(name) for name in rows[0]]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    # psycopg2 adapts Decimal, date, bool, int and str itself; JSON needs wrapping. Going
    # around Django's per-value preparation is what makes this path fast.
    json_keys = {
        name for name, f in zip(rows[0], fields, strict=True) if isinstance(f, models.JSONField)
    }
    values = [tuple(Json(v) if k in json_keys else v for k, v in row.items()) for row in rows]
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        execute_values(
            # Table and column names come from the model, never from input.
            cursor.cursor,
            f"INSERT INTO {table} ({columns}) VALUES %s",  # noqa: S608
            values,
            page_size=PAGE_SIZE,
        )


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
