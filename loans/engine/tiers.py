"""Flexible tiers (seed 002): consecutive segments with their own type, payment and rate."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise
from typing import TYPE_CHECKING

from loans.engine.dates import step
from loans.engine.errors import ScheduleError
from servicing.money import to_decimal

if TYPE_CHECKING:
    from loans.engine.schedule import Terms, Tier


def tier_rate(
    *,
    rate_type: str,
    rate: Decimal | None = None,
    index_value: Decimal | None = None,
    spread: Decimal | None = None,
    floor: Decimal | None = None,
    cap: Decimal | None = None,
) -> Decimal:
    """Fixed: the rate. Variable: index value + spread, clamped to [floor, cap]."""
    if rate_type == "fixed":
        if rate is None:
            raise ScheduleError("a fixed-rate tier needs interest_rate")
        return to_decimal(rate)
    if rate_type != "variable":
        raise ScheduleError("interest_rate_type must be fixed or variable")
    if index_value is None or spread is None:
        raise ScheduleError("a variable-rate tier needs index_value and spread")
    from loans.engine.reprice import clamp_rate  # reprice builds on the schedule module

    return clamp_rate(index_value, spread, floor, cap)


def tier_segments(terms: Terms) -> list[Tier]:
    """Check that tiers follow each other period by period and cover the loan's payments."""
    tiers = list(terms.tiers)
    if not tiers:
        raise ScheduleError("a tiered schedule needs at least one tier")
    if tiers[0].payment_start_date != terms.first_payment_date:
        raise ScheduleError("the first tier must start on the first payment date")
    for previous, tier in pairwise(tiers):
        expected = step(previous.payment_start_date, previous.number_of_payments, terms.frequency)
        if tier.payment_start_date != expected:
            raise ScheduleError(
                f"tier starting {tier.payment_start_date.isoformat()} should start on "
                f"{expected.isoformat()}, the period after the previous tier"
            )
    if sum(t.number_of_payments for t in tiers) != terms.number_of_payments:
        raise ScheduleError("the tiers' payments must add up to number_of_payments")
    for tier in tiers:
        if tier.schedule_type not in ("fixed_payment", "interest_only"):
            raise ScheduleError("tier schedule_type must be fixed_payment or interest_only")
        if tier.number_of_payments < 1:
            raise ScheduleError("each tier needs at least one payment")
    return tiers
