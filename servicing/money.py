"""Money and rate helpers: Decimal only, cents rounded half-up.

Amounts are ``Decimal`` with two places; rates are annual percentages
(``Decimal("7.250000")``) with up to six places. A float is refused everywhere:
``to_decimal(0.1)`` raises ``TypeError`` so binary fractions never reach the ledger.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
RATE_QUANTUM = Decimal("0.000001")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def to_decimal(value: Decimal | int | str) -> Decimal:
    """Convert an int, a decimal string or a Decimal to Decimal; floats are refused."""
    if isinstance(value, bool | float):
        raise TypeError(f"money must not be a {type(value).__name__}: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(value.strip() if isinstance(value, str) else value)
        except InvalidOperation as exc:
            raise ValueError(f"not a decimal number: {value!r}") from exc
    else:
        raise TypeError(f"cannot use {type(value).__name__} as money: {value!r}")
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def round_cents(value: Decimal | int | str) -> Decimal:
    """Round to the cent, half-up (away from zero on .5): 1.005 -> 1.01, -1.005 -> -1.01."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def round_rate(value: Decimal | int | str) -> Decimal:
    """Round an annual percentage rate to six places, half-up."""
    return to_decimal(value).quantize(RATE_QUANTUM, rounding=ROUND_HALF_UP)


def percent_to_fraction(rate_percent: Decimal | int | str) -> Decimal:
    """An annual percentage (7.25) as a fraction (0.0725), unrounded."""
    return to_decimal(rate_percent) / HUNDRED


def fraction_to_percent(fraction: Decimal | int | str) -> Decimal:
    """A fraction (0.0725) as an annual percentage rounded to six places (7.250000)."""
    return round_rate(to_decimal(fraction) * HUNDRED)


def split_evenly(total: Decimal, parts: int) -> list[Decimal]:
    """Split ``total`` into ``parts`` cent amounts that add up exactly.

    Every part is total/parts rounded half-up; the last part absorbs the rounding
    difference (the convention the schedules use for their last row).
    """
    if parts <= 0:
        raise ValueError("parts must be positive")
    total = round_cents(total)
    share = round_cents(total / parts)
    return [share] * (parts - 1) + [total - share * (parts - 1)]


def format_money(value: Decimal | None) -> str:
    """1234.5 -> '1,234.50'; None -> ''."""
    if value is None:
        return ""
    return f"{round_cents(value):,.2f}"


def split_by_weight(total: Decimal, weights: dict) -> dict:
    """``total`` split in proportion to ``weights``, half-up to the cent; the rounding
    left over goes to the largest weight (the first of equals). No weight: the first key."""
    keys = list(weights)
    whole = sum(weights.values(), ZERO)
    if whole <= 0:
        return {k: (total if n == 0 else ZERO) for n, k in enumerate(keys)}
    shares = {k: round_cents(total * weights[k] / whole) for k in keys}
    largest = max(keys, key=lambda k: (weights[k], -keys.index(k)))
    shares[largest] += total - sum(shares.values(), ZERO)
    return shares
