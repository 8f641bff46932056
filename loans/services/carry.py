"""``Loan.carry``: the replay's accrual state at the opening of the business date, as JSON
(written by a full replay and by the close of business, read by a same-day payment and by
the next close, which continue from it instead of replaying from the funding)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache

from loans.engine.accrual import Window
from loans.engine.default_interest import DefaultCarry
from loans.engine.replay import Opening


def carry_json(
    opening: Opening, business_date: dt.date, version_id: int, *, charged: bool = False
) -> dict:
    """``Loan.carry``: the opening of ``business_date`` (the close of business reads it).
    ``charged``: the loan is charged default interest."""
    window = opening.window
    return {
        "date": business_date.isoformat(),
        "version": version_id,
        "sums": [[basis, str(total)] for basis, total in opening.period_sums],
        "posted": str(opening.period_posted),
        "accrued": str(opening.accrued),
        "window": window
        and [window.start.isoformat(), window.regular_start.isoformat(), window.end.isoformat()],
        "rate": str(opening.rate),
        "accruing": opening.accruing,
        # Default interest: charged on this loan ("di"), its running episode, its total.
        "di": charged,
        "default": default_json(opening.default),
        "default_accrued": str(opening.default_accrued),
        "carried": str(opening.carried),
    }


def default_json(carry: DefaultCarry | None) -> dict | None:
    if carry is None:
        return None
    return {
        "sums": [[basis, str(total)] for basis, total in carry.sums],
        "posted": str(carry.posted),
        "pending": [
            [key, [[basis, str(total)] for basis, total in sums]] for key, sums in carry.pending
        ],
    }


def _default_carry(data: dict | None) -> DefaultCarry | None:
    if not data:
        return None
    return DefaultCarry(
        _sums(data["sums"]),
        Decimal(data["posted"]),
        tuple((int(key), _sums(sums)) for key, sums in data["pending"]),
    )


def _sums(pairs: list) -> tuple[tuple[int, Decimal], ...]:
    return tuple((int(basis), Decimal(total)) for basis, total in pairs)


def opening_from_json(carry: dict) -> Opening:
    window = carry["window"]
    return Opening(
        tuple((int(basis), Decimal(total)) for basis, total in carry["sums"]),
        Decimal(carry["posted"]),
        Decimal(carry["accrued"]),
        window and window_from_json(*window),
        _rate(carry["rate"]),
        carry.get("accruing", True),
        _default_carry(carry.get("default")),
        Decimal(carry.get("default_accrued", "0")),
        Decimal(carry.get("carried", "0")),
    )


@lru_cache(maxsize=4096)
def window_from_json(start: str, regular_start: str, end: str) -> Window:
    """Windows recur across a portfolio's carries (the close of business reads them all)."""
    return Window(*map(dt.date.fromisoformat, (start, regular_start, end)))


@lru_cache(maxsize=4096)
def _rate(text: str) -> Decimal:
    return Decimal(text)
