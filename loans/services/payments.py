"""Payments and their reversal (spec/loans.md "Payments")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Sum

from loans import ledger
from loans.engine.replay import Event, replay
from loans.locks import lock_loan
from loans.models import LedgerEntry, Loan
from loans.schedules import FACTOR_RATE_TYPES
from loans.selectors import current_schedule_version
from loans.services.catch_up import is_behind
from loans.services.lines import close_if_paid_off
from loans.services.replay import (
    opened_state,
    replay_loan,
    resplit_payments,
    sync_loan,
    write_state,
)
from loans.services.replay_inputs import load_schedule
from servicing.activity import record_activity
from servicing.business_date import get_business_date
from servicing.errors import DomainError, InvalidInput
from servicing.money import ZERO, round_cents
from servicing.transactions import service_atomic

INSTRUMENTS = ("cash", "ach", "check", "wire", "card")
NEW = "new-payment"


def _check_dates(
    loan: Loan,
    effective_date: dt.date,
    business_date: dt.date,
    payment_date: dt.date | None = None,
) -> None:
    if payment_date is not None and payment_date > business_date:
        raise InvalidInput(
            f"The payment date cannot be after the business date {business_date.isoformat()}: "
            "money is recorded once received.",
            field="payment_date",
        )
    if effective_date > business_date:
        raise InvalidInput(
            f"The effective date cannot be after the business date {business_date.isoformat()}.",
            field="effective_date",
        )
    if effective_date < loan.funded_date:
        raise InvalidInput(
            f"The effective date cannot be before the funded date {loan.funded_date.isoformat()}.",
            field="effective_date",
        )


def preview_payment(
    loan: Loan, *, amount: Decimal, effective_date: dt.date, hierarchy: str | None = None
) -> dict[str, Decimal]:
    """The split a payment would get, without storing anything."""
    business_date = get_business_date()
    _check_amount(amount)
    _check_dates(loan, effective_date, business_date)
    event = Event(NEW, "payment", effective_date, amount, hierarchy)
    return replay_loan(loan, through=business_date, extra=[event]).split_of(NEW)


def _check_amount(amount: Decimal) -> None:
    if amount <= 0:
        raise InvalidInput("A payment must be positive.", field="amount")


def _check_not_above_payoff(loan: Loan, amount: Decimal) -> None:
    """A payment may not exceed what the loan owes (a typo, not a prepayment).

    Owed = the outstanding balance plus a day of interest (the business date's accrual
    is posted by its close of business): the most any payment can need to pay off.
    """
    per_diem = loan.principal_balance * loan.interest_rate / 100 / 360
    most = loan.outstanding + round_cents(per_diem) + Decimal("0.01")
    if loan.schedule_type in FACTOR_RATE_TYPES:  # the finance charges not billed yet
        most += (
            current_schedule_version(loan)
            .installments.filter(billed=False)
            .aggregate(total=Sum("interest"))["total"]
            or ZERO
        )
    if amount > most:
        raise InvalidInput(
            f"A payment of {amount} is more than the loan owes ({loan.outstanding} "
            "outstanding). Post at most the payoff amount.",
            field="amount",
        )


def post_payment(
    loan: Loan,
    *,
    amount: Decimal,
    effective_date: dt.date,
    payment_date: dt.date | None = None,
    instrument: str = "ach",
    hierarchy: str | None = None,
    external_reference: str = "",
    actor=None,
    durable: bool = True,  # False: one step of a caller's use case (Make Payment from Escrow)
) -> LedgerEntry:
    """Post a payment at its effective date; a backdated one replays the loan from that date."""
    _check_amount(amount)
    if instrument not in INSTRUMENTS:
        raise InvalidInput(f"Use one of: {', '.join(INSTRUMENTS)}.", field="instrument")
    with service_atomic(durable=durable):
        loan = lock_loan(loan.pk)
        business_date = get_business_date()
        _check_dates(loan, effective_date, business_date, payment_date)
        if loan.status != Loan.Status.OPEN or is_behind(loan, business_date):
            # inline catch-up (refuses a loan that is not open); an up-to-date loan's
            # ledger already agrees with its replay.
            sync_loan(loan, business_date=business_date, actor=actor)
        _check_not_above_payoff(loan, amount)
        schedule = load_schedule(loan)
        hierarchy = hierarchy or loan.payment_hierarchy
        event = Event(NEW, "payment", effective_date, amount, hierarchy)
        opened = None
        if effective_date == business_date:  # a backdated one replays: no opening to read
            opened = opened_state(loan, schedule, business_date)
        if opened is not None:
            # The common case: the payment is the last event of the business date, so it
            # continues from the day's opening state; no earlier split can change.
            state = replay(schedule.terms, [event], business_date, since=opened)
        else:
            state = resplit_payments(
                loan, business_date=business_date, extra=[event], actor=actor, terms=schedule.terms
            )
        split = state.split_of(NEW)
        entry = ledger.post_entry(
            loan,
            kind=LedgerEntry.Kind.PAYMENT,
            effective_date=effective_date,
            business_date=business_date,
            split=split,
            actor=actor,
            external_reference=external_reference,
            details={
                "instrument": instrument,
                "hierarchy": hierarchy,
                "payment_date": (payment_date or effective_date).isoformat(),
            },
        )
        backdated = effective_date < business_date
        # ``state`` is the replay with this payment in it, in the place it now has (last of
        # its day) and its re-split payments re-posted: no second replay is needed.
        write_state(
            loan,
            state,
            schedule,
            business_date=business_date,
            actor=actor,
            # Nothing before the payment's effective date changed (and a loan that was
            # behind was synced above): the accrual days before it are settled.
            since=effective_date,
        )
        record_activity(
            actor=actor,
            action="payment.posted",
            summary=f"Payment {amount} effective {effective_date.isoformat()} ({instrument})"
            + (" backdated: loan replayed" if backdated else ""),
            target=loan,
            details={"ledger_entry": entry.pk, "split": split},
            business_date=business_date,
        )
        close_if_paid_off(loan, business_date=business_date, actor=actor)
    return entry


def reverse_payment(
    entry: LedgerEntry, *, reason: str, actor=None, durable: bool = True
) -> LedgerEntry:
    """Reverse a payment (e.g. returned ACH) and replay the loan from its effective date."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Give the reason for the reversal.", field="reason")
    with service_atomic(durable=durable):
        loan = lock_loan(entry.loan_id)
        entry = LedgerEntry.objects.get(pk=entry.pk)
        if entry.kind != LedgerEntry.Kind.PAYMENT:
            raise DomainError("not_a_payment", "Only payments can be reversed here.")
        if hasattr(entry, "reversed_by"):
            raise DomainError("already_reversed", "This payment was already reversed.")
        business_date = get_business_date()
        reversal = ledger.reverse_entry(
            entry, loan=loan, business_date=business_date, actor=actor, note=reason
        )
        sync_loan(loan, business_date=business_date, actor=actor)
        record_activity(
            actor=actor,
            action="payment.reversed",
            summary=f"Payment #{entry.pk} of {entry.amount} reversed: {reason}",
            target=loan,
            details={"ledger_entry": entry.pk, "reversal": reversal.pk},
            business_date=business_date,
        )
    return reversal
