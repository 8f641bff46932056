"""Payoff quotes (spec/loans.md "Dues, delinquency, payoff")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from loans.engine.daycount import day_basis
from loans.models import Loan
from loans.services.catch_up import catch_up
from loans.services.replay import replay_loan
from servicing.business_date import get_business_date
from servicing.errors import DomainError, InvalidInput
from servicing.money import ZERO, round_cents

MAX_QUOTE_DAYS = 366


@dataclass(frozen=True)
class PayoffQuote:
    loan_number: str
    payoff_date: dt.date
    interest_through: bool
    principal: Decimal
    interest: Decimal
    additional_interest: Decimal
    fees: Decimal
    escrow: Decimal
    excess: Decimal
    per_diem: Decimal
    default_per_diem: Decimal  # additional (default) interest of the payoff date
    total: Decimal
    business_date: dt.date

    def as_json(self) -> dict:
        money = (
            "principal",
            "interest",
            "additional_interest",
            "fees",
            "escrow",
            "excess",
            "per_diem",
            "default_per_diem",
            "total",
        )
        data = {name: f"{getattr(self, name):.2f}" for name in money}
        data.update(
            loan_number=self.loan_number,
            payoff_date=self.payoff_date.isoformat(),
            interest_through=self.interest_through,
            business_date=self.business_date.isoformat(),
        )
        return data


def payoff_quote(loan: Loan, *, payoff_date: dt.date | None = None) -> PayoffQuote:
    """What it takes to close the loan on ``payoff_date`` (default: the business date).

    Interest runs to the payoff date (that day's per diem excluded) or through it,
    per the investor's setting (seed 001).
    """
    loan = catch_up(loan)
    business_date = get_business_date()
    payoff_date = payoff_date or business_date
    if loan.status != Loan.Status.OPEN:
        raise DomainError("loan_not_open", f"Loan {loan.loan_number} is not open.")
    if payoff_date < business_date:
        raise InvalidInput("A payoff date cannot be in the past.", field="date")
    if (payoff_date - business_date).days > MAX_QUOTE_DAYS:
        raise InvalidInput("Quote at most a year ahead.", field="date")
    through = loan.investor.payoff_interest_through
    state = replay_loan(loan, through=payoff_date)
    interest, additional = state.interest, state.additional_interest
    default_per_diem = dict(state.default_accruals).get(payoff_date, ZERO)
    if not through:
        interest -= dict(state.accruals).get(payoff_date, ZERO)
        additional -= default_per_diem
    # The per diem shown is principal x rate / basis (a 30/360 day is 1/360 of a year).
    basis = day_basis(payoff_date, loan.day_count)
    per_diem = round_cents(state.principal * loan.interest_rate / 100 / basis)
    total = state.principal + interest + additional + state.fees + state.escrow - state.excess
    return PayoffQuote(
        loan_number=loan.loan_number,
        payoff_date=payoff_date,
        interest_through=through,
        principal=state.principal,
        interest=interest,
        additional_interest=additional,
        fees=state.fees,
        escrow=state.escrow,  # assessed, not paid yet
        excess=state.excess,
        per_diem=per_diem,
        default_per_diem=default_per_diem,
        total=max(total, ZERO),
        business_date=business_date,
    )
