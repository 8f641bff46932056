from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicing.money import (
    fraction_to_percent,
    percent_to_fraction,
    round_cents,
    round_rate,
    split_evenly,
    to_decimal,
)

amounts = st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=6)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1.005", "1.01"), ("1.004", "1.00"), ("-1.005", "-1.01"), ("2.675", "2.68"), (7, "7.00")],
)
def test_round_cents_is_half_up(value, expected):
    assert round_cents(value) == Decimal(expected)


def test_floats_are_refused():
    with pytest.raises(TypeError):
        to_decimal(0.1)
    with pytest.raises(TypeError):
        round_cents(1.5)
    with pytest.raises(TypeError):
        to_decimal(True)


@pytest.mark.parametrize("bad", ["abc", "", "NaN", "Infinity"])
def test_non_numbers_are_refused(bad):
    with pytest.raises(ValueError):
        to_decimal(bad)


def test_rates_are_percentages_with_six_places():
    assert percent_to_fraction("7.25") == Decimal("0.0725")
    assert fraction_to_percent(Decimal("0.0725")) == Decimal("7.250000")
    assert round_rate("5.1234565") == Decimal("5.123457")


@given(amounts)
def test_round_cents_moves_at_most_half_a_cent(value):
    assert abs(round_cents(value) - value) <= Decimal("0.005")


@given(st.decimals(min_value=0, max_value=Decimal("1e8"), places=2), st.integers(1, 500))
def test_split_evenly_loses_no_cent(total, parts):
    shares = split_evenly(total, parts)
    assert len(shares) == parts
    assert sum(shares) == total
    assert len(set(shares[:-1])) <= 1
