import pytest
from django.core.exceptions import ValidationError

from loans.models.config import validate_default_interest, validate_fee_definitions


@pytest.mark.parametrize(
    "value",
    [
        {"name": "x"},
        [{"amount": "10.00"}],
        [{"name": "Fee", "amount": "-1"}],
        [{"name": "Fee", "amount": "1.001"}],
        [{"name": "Fee", "amount": "abc"}],
        [{"name": "Fee", "amount": "NaN"}],
        [{"name": "Fee", "amount": "10", "amortized": "yes"}],
    ],
)
def test_bad_fee_definitions_are_refused(value):
    with pytest.raises(ValidationError):
        validate_fee_definitions(value)


def test_good_fee_definitions_and_default_interest_pass():
    validate_fee_definitions([{"name": "Origination", "amount": "250.00", "amortized": True}])
    validate_default_interest({"enabled": True, "method": "per_payment", "spread": "5"})
    with pytest.raises(ValidationError, match="Unknown"):
        validate_default_interest({"rate": "5"})
