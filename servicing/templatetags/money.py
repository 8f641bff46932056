"""Fast formatting for big tables: ``humanize.intcomma`` and ``date`` go through Django's
localisation machinery (about 50 µs a value), too slow for 360 x 8 cells."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def money(value) -> str:
    """1234.5 -> '1,234.50' (what ``intcomma`` gives for a 2-dp Decimal); '' for None."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value):,.2f}"


@register.filter
def iso(value) -> str:
    """A date as YYYY-MM-DD ('' for None): ``|date:"Y-m-d"`` without the format parser."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    return ""


@register.filter
def rate(value) -> str:
    """An annual % without trailing zeros: 10.500000 -> '10.5', 12.000000 -> '12'."""
    if value is None or value == "":
        return ""
    text = f"{Decimal(str(value)).normalize():f}"
    return text
