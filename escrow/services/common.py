"""Checks every escrow action shares: the loan locked and open, amounts, dates, accounts
of the loan. Each raises the InvalidInput (400, field) or DomainError (409) the pages and
the API show."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from escrow.models import EscrowAccount
from loans.locks import lock_loan
from loans.models import Loan
from servicing.errors import DomainError, InvalidInput, NotFound
from servicing.money import format_money

CENT = Decimal("0.01")
# One amount of an action: as the API's MoneyField, 100 times below the balance columns.
MAX_AMOUNT = Decimal("9999999999.99")


money = format_money  # "1,234.50", as the messages show amounts


def locked_open_loan(loan_id: int) -> Loan:
    """The loan row locked (every account of the loan changes only under it); 409 if not open."""
    loan = lock_loan(loan_id)
    if loan.status != Loan.Status.OPEN:
        raise DomainError(
            "loan_not_open", f"Loan {loan.loan_number} is {loan.status}: escrow is read-only."
        )
    return loan


def locked_account(account: EscrowAccount | int) -> tuple[Loan, EscrowAccount]:
    """The account's loan locked and open, then the account read fresh under that lock."""
    account_id = account if isinstance(account, int) else account.pk
    loan_id = EscrowAccount.objects.filter(pk=account_id).values_list("loan_id", flat=True).first()
    if loan_id is None:
        raise NotFound("escrow_account_not_found", f"No escrow account {account_id}.")
    loan = locked_open_loan(loan_id)
    return loan, EscrowAccount.objects.select_related("category").get(pk=account_id)


def check_amount(amount, field: str = "amount", *, allow_zero: bool = False) -> Decimal:
    if amount is None:
        raise InvalidInput("Give an amount.", field=field)
    amount = Decimal(amount)
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise InvalidInput("Use an amount in cents, e.g. 1250.00.", field=field)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise InvalidInput(
            "The amount cannot be negative." if allow_zero else "The amount must be positive.",
            field=field,
        )
    if amount > MAX_AMOUNT:
        raise InvalidInput(f"The amount cannot exceed {money(MAX_AMOUNT)}.", field=field)
    return amount


def check_date(loan: Loan, day: dt.date | None, business_date: dt.date, field: str) -> dt.date:
    """Money moves once it moved: not after the business date, not before the funding."""
    if day is None:
        raise InvalidInput("Give a date.", field=field)
    if day > business_date:
        raise InvalidInput(
            f"The date cannot be after the business date {business_date.isoformat()}.",
            field=field,
        )
    if day < loan.funded_date:
        raise InvalidInput(
            f"The date cannot be before the loan's funded date {loan.funded_date.isoformat()}.",
            field=field,
        )
    return day


def check_available(
    account: EscrowAccount, amount: Decimal, *, confirm: bool, field: str = "amount"
) -> None:
    """spec/escrow.md: an amount above balance - minimum is warned about and needs an
    explicit confirmation; more than the balance itself is never taken (no negative escrow)."""
    if amount > account.balance:
        raise DomainError(
            "insufficient_escrow_balance",
            f"{money(amount)} is more than the {account.category.name} account's balance "
            f"{money(account.balance)}.",
            field=field,
            balance=str(account.balance),
        )
    available = account.balance - account.minimum_balance
    if amount > available and not confirm:
        raise DomainError(
            "below_minimum_balance",
            f"{money(amount)} would take the {account.category.name} account below its minimum "
            f"balance: balance {money(account.balance)}, minimum "
            f"{money(account.minimum_balance)}, so at most {money(max(available, 0))} keeps the "
            "minimum. Confirm to pay it anyway.",
            field=field,
            balance=str(account.balance),
            minimum_balance=str(account.minimum_balance),
            amount=str(amount),
        )


def clean_text(value: str | None, field: str, *, max_length: int, required: bool = False) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise InvalidInput("Text cannot contain NUL characters.", field=field)
    if required and not value:
        raise InvalidInput("This field is required.", field=field)
    if len(value) > max_length:
        raise InvalidInput(f"At most {max_length} characters.", field=field)
    return value
