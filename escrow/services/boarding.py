"""The onboarding ``escrows`` block (spec/api.md): the accounts boarded with the loan,
inside the boarding transaction (``loans.registry.register_boarding_block``)."""

from __future__ import annotations

from escrow.services.accounts import create_account
from loans.models import Loan
from servicing.business_date import get_business_date
from servicing.errors import InvalidInput


def board_escrows(loan: Loan, block: list[dict], actor=None) -> None:
    """Each account with its sub-type, disbursement items and opening balance (a
    ``replenished`` row effective on the funded date). A bad one refuses the boarding (400
    naming ``escrows[k].field``)."""
    business_date = get_business_date()
    for k, escrow in enumerate(block):
        sub_type = (escrow.get("sub_type") or "").strip()
        try:
            create_account(
                loan,
                category=escrow["category"],
                business_date=business_date,
                effective_date=loan.funded_date,
                sub_types=[sub_type] if sub_type else [],
                opening_balance=escrow.get("opening_balance"),
                minimum_balance=escrow.get("minimum_balance"),
                monthly_amount=escrow.get("monthly_amount"),
                schedule_replenishment=escrow.get("schedule_replenishment", False),
                auto_analysis=escrow.get("auto_analysis", False),
                cushion_months=escrow.get("cushion_months"),
                items=escrow.get("disbursements") or [],
                actor=actor,
                activity=False,
            )
        except InvalidInput as exc:
            field = exc.field.replace("items[", "disbursements[")
            raise InvalidInput(exc.message, field=f"escrows[{k}].{field}") from None
