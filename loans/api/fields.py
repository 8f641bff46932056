"""Input fields of the REST contract: money and rates are decimal strings (spec/api.md)."""

from decimal import Decimal

from rest_framework import serializers

# One amount of a request. Balance and schedule columns hold 12 digits before the point:
# a cap 100 times lower leaves room for the interest, fees and totals built from it.
MAX_AMOUNT = Decimal("9999999999.99")


class _DecimalStringField(serializers.DecimalField):
    """A decimal sent as a string; a JSON float is refused (binary fractions lose cents).

    Subclasses give the ``float`` message with an example of the expected string.
    """

    def to_internal_value(self, data):
        if isinstance(data, float):
            self.fail("float")
        return super().to_internal_value(data)


class MoneyField(_DecimalStringField):
    """A cent amount sent as a string ("1199.10"); JSON floats are refused (binary fractions)."""

    default_error_messages = {
        "float": 'Send amounts as decimal strings, e.g. "1199.10".',
    }

    def __init__(self, *, min_value=Decimal("0.00"), max_value=MAX_AMOUNT, **kwargs):
        super().__init__(
            max_digits=14, decimal_places=2, min_value=min_value, max_value=max_value, **kwargs
        )


class RateField(_DecimalStringField):
    """An annual percentage with up to 6 places ("7.250000"); floats refused."""

    default_error_messages = {"float": 'Send rates as decimal strings, e.g. "7.250000".'}

    def __init__(self, *, min_value=Decimal("0"), max_value=Decimal("100"), **kwargs):
        super().__init__(
            max_digits=9, decimal_places=6, min_value=min_value, max_value=max_value, **kwargs
        )


class FactorRateField(_DecimalStringField):
    """An MCA factor rate ("1.2500"), 1 to 5 with up to 4 places; floats refused."""

    default_error_messages = {"float": 'Send factor rates as decimal strings, e.g. "1.2500".'}

    def __init__(self, *, min_value=Decimal("1"), max_value=Decimal("5"), **kwargs):
        super().__init__(
            max_digits=6, decimal_places=4, min_value=min_value, max_value=max_value, **kwargs
        )
