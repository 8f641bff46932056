"""escrow/ledger.py: the rows move the cached balance; one reversal per row."""

from decimal import Decimal as D

import pytest

from escrow import ledger
from escrow.models import EscrowEntry
from servicing.errors import DomainError
from tests.escrow.conftest import BD


def test_post_moves_the_balance_by_the_kind_and_rebuild_agrees(tax):
    ledger.post(tax, kind="withdrawn", amount=D("100.00"), effective_date=BD, business_date=BD)
    ledger.post(tax, kind="transfer_in", amount=D("5.50"), effective_date=BD, business_date=BD)
    tax.refresh_from_db()
    assert tax.balance == D("905.50") == ledger.rebuild_balance(tax)


def test_a_row_is_reversed_once(tax):
    row = ledger.post(tax, kind="withdrawn", amount=D("10.00"), effective_date=BD, business_date=BD)
    back = ledger.reverse(row, account=tax, business_date=BD)
    assert back.kind == EscrowEntry.Kind.WITHDRAWAL_REVERSED and back.reversal_of == row
    with pytest.raises(DomainError) as err:
        ledger.reverse(row, account=tax, business_date=BD)
    assert err.value.code == "already_reversed"
    with pytest.raises(DomainError) as err:
        ledger.reverse(back, account=tax, business_date=BD)
    assert err.value.code == "not_reversible"
    tax.refresh_from_db()
    assert tax.balance == D("1000.00") == ledger.rebuild_balance(tax)


def test_amounts_are_positive(tax):
    with pytest.raises(ValueError):
        ledger.post(tax, kind="withdrawn", amount=D("0"), effective_date=BD, business_date=BD)
