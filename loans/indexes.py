"""Read side of index sources: the value of a date, current values, history."""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, QuerySet, Subquery

from loans.models import IndexSource, IndexValue


def index_value_on(code: str, on: dt.date) -> IndexValue | None:
    """The value of index ``code`` on a date: the latest effective on or before it."""
    return (
        IndexValue.objects.filter(source__code=code, effective_from__lte=on)
        .order_by("-effective_from")
        .first()
    )


def index_source(code: str) -> IndexSource | None:
    return IndexSource.objects.filter(code=code).first()


def sources_with_current_values(on: dt.date) -> QuerySet[IndexSource]:
    """Every source by code, annotated with ``current_value``/``current_effective_from``
    (None without a value on or before ``on``)."""
    current = IndexValue.objects.filter(source=OuterRef("pk"), effective_from__lte=on).order_by(
        "-effective_from"
    )
    return IndexSource.objects.annotate(
        current_value=Subquery(current.values("value")[:1]),
        current_effective_from=Subquery(current.values("effective_from")[:1]),
    ).order_by("code")


def index_history(source: IndexSource) -> QuerySet[IndexValue]:
    """The source's values, newest effective date first."""
    return source.values.order_by("-effective_from")
