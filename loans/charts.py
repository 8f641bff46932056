"""Geometry of the loan page's balance chart: pure Python, no Django (the template draws it).

Money stays ``Decimal``; only pixel coordinates are floats, rounded to a tenth of a pixel.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

WIDTH, HEIGHT = 920, 320
LEFT, RIGHT, TOP, BOTTOM = 72, 48, 56, 52  # plot margins: y labels, x labels, legend, x labels
MAX_X_LABELS = 7
MAX_DOTS = 60  # beyond this a dot per installment is a smear: the line alone reads better
ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Tick:
    pos: float
    label: str


@dataclass(frozen=True, slots=True)
class Dot:
    x: float
    y: float
    label: str


@dataclass(frozen=True, slots=True)
class BalanceChart:
    width: int
    height: int
    left: int
    top: int
    right: float
    bottom: float
    balance_points: str  # polyline "x,y x,y ..." of the projected principal balance
    balance_dots: tuple[Dot, ...]  # one per due date, with a tooltip (none past MAX_DOTS)
    paid_line: str  # polyline of the cumulative principal paid (a step per payment)
    paid_area: str  # the same, closed down to the x axis
    paid_to_date: Decimal
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    today: Tick  # the business date marker (the x range always includes it)
    today_anchor: str  # where its label hangs: "middle", or "start"/"end" near an edge
    title: str
    desc: str


def nice_step(top: Decimal, count: int = 5) -> Decimal:
    """The smallest 1, 2, 2.5 or 5 x 10^k step that covers ``top`` in ``count`` steps."""
    if top <= 0:
        return Decimal(1)
    raw = top / count
    power = Decimal(10) ** (raw.adjusted())
    for factor in (1, 2, Decimal("2.5"), 5, 10):
        if power * factor >= raw:
            return power * factor
    return power * 10  # pragma: no cover - the loop always returns


def axis_money(value: Decimal, y_max: Decimal) -> str:
    """Axis label in one unit per axis: 1,200 / 250k / 1.5M (the tables carry the cents)."""
    if not value:
        return "0"
    if y_max >= 2_000_000:
        return f"{value / 1_000_000:,.4g}M"
    if y_max >= 100_000:
        return f"{value / 1000:,.4g}k"
    return f"{value:,.0f}"


def labelled_indexes(count: int, most: int = MAX_X_LABELS) -> list[int]:
    """Which due dates get an x label: evenly spaced, the first and the maturity always."""
    if count <= most:
        return list(range(count))
    every = -(-(count - 1) // (most - 1))
    picked = list(range(0, count, every))
    if count - 1 - picked[-1] <= every / 2:
        picked.pop()  # too close to maturity: its label would collide
    return [*picked, count - 1] if picked[-1] != count - 1 else picked


def cumulative_paid(
    payments: Sequence[tuple[dt.date, Decimal]], through: dt.date
) -> list[tuple[dt.date, Decimal]]:
    """Running total of principal paid, one point per effective date up to ``through``."""
    total, steps = ZERO, []
    for day, amount in sorted(payments):
        if day > through:
            break
        total += amount
        if steps and steps[-1][0] == day:
            steps[-1] = (day, total)
        else:
            steps.append((day, total))
    return steps


def balance_chart(
    *,
    start: dt.date,
    opening_balance: Decimal,
    due: Sequence[tuple[dt.date, Decimal]],
    payments: Sequence[tuple[dt.date, Decimal]],
    business_date: dt.date,
) -> BalanceChart:
    """Projected balance after each due date and principal paid to the business date.

    ``due`` is (due date, balance after) per installment; ``payments`` is (effective
    date, principal) per payment, a reversal negative, so a reversed payment nets out.
    """
    end = max([start, *(day for day, _ in due)])
    first, last = min(start, business_date), max(end, business_date)
    span = max((last - first).days, 1)
    steps = cumulative_paid(payments, business_date)
    paid = steps[-1][1] if steps else ZERO
    top = max([opening_balance, paid, *(b for _, b in due)])
    step = nice_step(top)
    y_max = step * max(1, (top / step).to_integral_value(rounding=ROUND_CEILING))
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM

    def x(day: dt.date) -> float:
        return round(LEFT + (right - LEFT) * (day - first).days / span, 1)

    def y(value: Decimal) -> float:
        return round(bottom - (bottom - TOP) * float(value / y_max), 1)

    # The principal holds until a due date, then drops by that row's principal: a step
    # line (a straight line would show a one-payment invoice loan amortizing daily).
    balance, held = [(start, opening_balance)], opening_balance
    for day, after in due:
        balance += [(day, held), (day, after)]
        held = after
    paid_xy = [(x(first), y(ZERO))]
    for day, total in steps:
        previous = paid_xy[-1][1]
        paid_xy += [(x(max(day, first)), previous), (x(max(day, first)), y(total))]
    paid_xy.append((x(business_date), y(paid)))
    paid_line = " ".join(f"{px},{py}" for px, py in paid_xy)
    return BalanceChart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        top=TOP,
        right=right,
        bottom=bottom,
        balance_points=" ".join(f"{x(d)},{y(b)}" for d, b in balance),  # steps
        balance_dots=tuple(
            Dot(x(d), y(b), f"{d:%Y-%m-%d}: {b:,.2f}") for d, b in due if len(due) <= MAX_DOTS
        ),
        paid_line=paid_line,
        paid_area=f"M{paid_line.replace(' ', ' L')} L{x(business_date)},{y(ZERO)} Z",
        paid_to_date=paid,
        x_ticks=tuple(
            Tick(x(due[i][0]), f"{due[i][0]:%Y-%m-%d}") for i in labelled_indexes(len(due))
        ),
        y_ticks=tuple(
            Tick(y(step * i), axis_money(step * i, y_max)) for i in range(int(y_max / step) + 1)
        ),
        today=Tick(x(business_date), f"{business_date:%Y-%m-%d}"),
        today_anchor=_anchor(x(business_date), right),
        title="Projected principal balance and principal paid to date",
        desc=(
            f"Projected principal balance falls from {opening_balance:,.2f} on {start:%Y-%m-%d} "
            f"to {due[-1][1] if due else opening_balance:,.2f} on {end:%Y-%m-%d} over "
            f"{len(due)} installments. Principal paid to the business date "
            f"{business_date:%Y-%m-%d}: {paid:,.2f}."
        ),
    )


def _anchor(pos: float, right: float, room: float = 90) -> str:
    """Keep an edge label inside the plot: hang it left or right of its line near an edge."""
    if pos - LEFT < room:
        return "start"
    if right - pos < room:
        return "end"
    return "middle"
