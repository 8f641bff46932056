"""The Summary tab chart's geometry (loans/charts.py): pure, no database."""

import datetime as dt
from decimal import Decimal

from loans.charts import (
    BOTTOM,
    HEIGHT,
    LEFT,
    RIGHT,
    TOP,
    WIDTH,
    axis_money,
    balance_chart,
    cumulative_paid,
    labelled_indexes,
    nice_step,
)

D = Decimal
DUE = [
    (dt.date(2026, 2, 1), D("803.97")),
    (dt.date(2026, 3, 1), D("403.98")),
    (dt.date(2026, 4, 1), D("0.00")),
]


def points(polyline: str) -> list[tuple[float, float]]:
    return [tuple(map(float, pair.split(","))) for pair in polyline.split()]


def chart(**overrides):
    args = {
        "start": dt.date(2026, 1, 1),
        "opening_balance": D("1200.00"),
        "due": DUE,
        "payments": [(dt.date(2026, 2, 1), D("396.03"))],
        "business_date": dt.date(2026, 2, 15),
    }
    return balance_chart(**{**args, **overrides})


def test_balance_line_runs_from_the_opening_balance_to_zero_at_maturity():
    line = points(chart().balance_points)
    assert len(line) == 7  # the start, then a step (hold, drop) per due date
    assert line[1][1] == line[0][1] and line[1][0] > line[0][0]  # held until the first due
    assert line[2][0] == line[1][0] and line[2][1] > line[1][1]  # then drops on that date
    assert line[0] == (LEFT, round(TOP + (HEIGHT - BOTTOM - TOP) * (1 - 1200 / 1250), 1))
    assert line[-1] == (WIDTH - RIGHT, HEIGHT - BOTTOM)  # zero at maturity, the right edge
    assert [y for _, y in line] == sorted(y for _, y in line)  # falls (y grows downwards)


def test_paid_line_steps_up_at_each_payment_and_stops_at_the_business_date():
    result = chart(
        payments=[
            (dt.date(2026, 3, 1), D("399.99")),
            (dt.date(2026, 2, 1), D("396.03")),
            (dt.date(2026, 5, 1), D("403.98")),  # after the business date: not paid yet
        ],
        business_date=dt.date(2026, 3, 10),
    )
    assert result.paid_to_date == D("796.02")
    line = points(result.paid_line)
    heights = sorted({y for _, y in line}, reverse=True)
    assert len(heights) == 3  # zero, after the first payment, after the second
    assert line[-1][0] == result.today.pos
    assert result.paid_area.startswith("M") and result.paid_area.endswith("Z")


def test_a_reversed_payment_nets_out():
    reversed_pair = [(dt.date(2026, 2, 1), D("396.03")), (dt.date(2026, 2, 1), D("-396.03"))]
    assert cumulative_paid(reversed_pair, dt.date(2026, 3, 1)) == [(dt.date(2026, 2, 1), D(0))]
    assert chart(payments=reversed_pair).paid_to_date == 0


def test_business_date_marker_and_labels():
    result = chart()
    assert result.today.label == "2026-02-15"
    assert LEFT < result.today.pos < WIDTH - RIGHT
    assert [t.label for t in result.x_ticks] == ["2026-02-01", "2026-03-01", "2026-04-01"]
    assert [t.label for t in result.y_ticks] == ["0", "250", "500", "750", "1,000", "1,250"]
    assert "1,200.00" in result.desc and "396.03" in result.desc


def test_business_date_after_maturity_widens_the_axis():
    result = chart(business_date=dt.date(2026, 6, 1))
    assert result.today.pos == WIDTH - RIGHT and result.today_anchor == "end"
    assert result.x_ticks[-1].pos < result.today.pos


def test_long_schedules_get_few_labels_and_no_dots():
    start = dt.date(2026, 1, 1)
    due = [(start + dt.timedelta(days=30 * n), D(360 - n) * 1000) for n in range(1, 361)]
    result = chart(due=due, opening_balance=D("360000.00"), payments=[])
    assert len(result.x_ticks) == 7 and result.x_ticks[-1].label == f"{due[-1][0]:%Y-%m-%d}"
    assert result.balance_dots == ()
    assert result.y_ticks[-1].label == "400k"


def test_helpers():
    assert nice_step(D("12000")) == D("2500")
    assert nice_step(D("1200")) == D("250")
    assert nice_step(D("0")) == 1
    assert axis_money(D("1500000"), D("2500000")) == "1.5M"
    assert axis_money(D("0"), D("2500000")) == "0"
    assert labelled_indexes(3) == [0, 1, 2]
    assert labelled_indexes(12) == [0, 2, 4, 6, 8, 11]
    assert labelled_indexes(360) == [0, 60, 120, 180, 240, 300, 359]


def test_an_empty_schedule_still_draws():
    result = chart(due=[], payments=[], business_date=dt.date(2026, 1, 1))
    assert len(points(result.balance_points)) == 1 and result.x_ticks == ()
