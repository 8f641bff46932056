"""Lines of credit (spec/loc.md): the available amount, an auto-funded draw's disbursement
date and an open-term line's due dates after a draw. Pure: no Django."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time
from decimal import Decimal

from loans.engine.dates import due_dates
from servicing.dates import BusinessCalendar
from servicing.money import ZERO


def available_amount(
    *,
    credit_limit: Decimal,
    revolving: bool,
    principal_outstanding: Decimal,
    approved_not_funded: Decimal,
    drawn: Decimal,
) -> Decimal:
    """What a new draw may take, never negative.

    Revolving: limit - principal outstanding - approved draws not funded yet (payments of
    principal restore it). Non-revolving: limit - everything ever drawn (``drawn``: the
    principal boarded and every approved or funded draw's approved amount).
    """
    if revolving:
        available = credit_limit - principal_outstanding - approved_not_funded
    else:
        available = credit_limit - drawn
    return max(ZERO, available)


def disbursement_date(
    *,
    approved_on: date,
    approved_at: time,
    cutoff: time,
    processing_days: int,
    calendar: BusinessCalendar,
) -> date:
    """The date an auto-funded draw is paid out (and funded).

    The approval counts on its business date if that is a business day and the approval
    came before the cut-off time; otherwise on the next business day. Then the payment
    processing days are added in business days (holidays and weekends skipped).
    """
    if processing_days < 0:
        raise ValueError("payment processing days cannot be negative")
    day = calendar.following(approved_on)
    if day == approved_on and approved_at >= cutoff:
        day = calendar.next_business_day(day)
    return calendar.add_business_days(day, processing_days) if processing_days else day


def open_term_due_dates(
    current: Sequence[date],
    *,
    funded_date: date,
    draw_term_payments: int,
    frequency: str,
    calendar: BusinessCalendar | None = None,
) -> list[date]:
    """An open-term line's due dates after a draw funded on ``funded_date``: the current
    dates, extended so that ``draw_term_payments`` of them fall after the funded date
    (maturity moves out to the funded date plus the draw term, never in). The series goes
    on from the second due date (the first may be a broken-period stub), so the due day
    does not change."""
    if draw_term_payments < 1:
        raise ValueError("the draw term needs at least one payment")
    if not current:
        raise ValueError("a line has at least one due date")
    kept = sum(1 for d in current if d <= funded_date)
    count = max(len(current), kept + draw_term_payments)
    if count == len(current):
        return list(current)
    if len(current) == 1:
        series = due_dates(current[0], count, frequency, calendar=calendar)
    else:
        series = [current[0], *due_dates(current[1], count - 1, frequency, calendar=calendar)]
    return list(current) + series[len(current) :]
