import datetime as dt

import pytest

from servicing.business_date import set_business_date
from servicing.errors import DomainError


def test_business_date_cannot_move_behind_a_closed_loan(board):
    loan = board(dt.date(2026, 3, 15), funded_date="2026-01-01")
    assert loan.last_closed_date == dt.date(2026, 3, 14)
    with pytest.raises(DomainError, match="closed through 2026-03-14"):
        set_business_date(dt.date(2026, 3, 14))
    assert set_business_date(dt.date(2026, 3, 16)) == dt.date(2026, 3, 16)
