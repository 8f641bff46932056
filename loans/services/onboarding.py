"""Boarding a funded loan from the LOS (spec/api.md "Onboarding")."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from loans import ledger
from loans.models import Borrower, Installment, Investor, Loan, LoanTier, Product, ScheduleVersion
from loans.numbering import next_loan_number
from loans.schedules import ScheduleTerms, build_rows, terms_from_input
from loans.services.replay import sync_loan
from servicing.activity import record_activity
from servicing.business_date import get_business_date
from servicing.errors import DomainError, InvalidInput

BORROWER_FIELDS = (
    "kind",
    "first_name",
    "last_name",
    "business_name",
    "tax_id",
    "date_of_birth",
    "email",
    "phone",
)
ADDRESS_FIELDS = {
    "line1": "address_line1",
    "line2": "address_line2",
    "city": "city",
    "state": "state",
    "postal_code": "postal_code",
    "country": "country",
}


def _existing(application_number: str) -> Loan | None:
    return Loan.objects.filter(application_number=application_number).first()


def _already_onboarded(loan: Loan) -> DomainError:
    return DomainError(
        "already_onboarded",
        f"Application {loan.application_number} is already boarded as loan {loan.loan_number}.",
        loan_number=loan.loan_number,
    )


def product_for_code(code: str) -> Product:
    product = Product.objects.filter(code=code, is_active=True).first()
    if product is None:
        raise InvalidInput(f"No active product with code {code!r}.", field="product_code")
    return product


def _investor(code: str | None) -> Investor:
    investor = (
        Investor.objects.filter(code=code).first()
        if code
        else Investor.objects.filter(is_default=True).first()
    )
    if investor is None:
        raise InvalidInput(
            f"No investor with code {code!r}." if code else "No default investor is configured.",
            field="investor_code",
        )
    return investor


def upsert_borrower(data: dict) -> Borrower:
    """An existing borrower_id is reused as it is (contact data is not overwritten)."""
    existing = Borrower.objects.filter(borrower_id=data["borrower_id"]).first()
    if existing is not None:
        return existing
    fields = {name: data[name] for name in BORROWER_FIELDS if data.get(name) is not None}
    for key, column in ADDRESS_FIELDS.items():
        value = (data.get("address") or {}).get(key)
        if value:
            fields[column] = value
    return Borrower.objects.create(borrower_id=data["borrower_id"], **fields)


def onboard_loan(data: dict, *, actor=None) -> Loan:
    """Board a loan from validated onboarding input; 409 ``already_onboarded`` on a repeat."""
    existing = _existing(data["application_number"])
    if existing is not None:
        raise _already_onboarded(existing)
    try:
        with transaction.atomic(durable=True):
            return _board(data, actor=actor)
    except IntegrityError:
        existing = _existing(data["application_number"])
        if existing is not None:  # a concurrent request boarded it first
            raise _already_onboarded(existing) from None
        raise


def _board(data: dict, *, actor) -> Loan:
    business_date = get_business_date()
    if data["funded_date"] > business_date:
        raise InvalidInput(
            f"A loan is boarded after funding: funded_date is after the business date "
            f"{business_date.isoformat()}.",
            field="funded_date",
        )
    product = product_for_code(data["product_code"])
    investor = _investor(data.get("investor_code"))
    terms = terms_from_input(data, product)
    rows = build_rows(terms)
    loan = Loan.objects.create(
        loan_number=next_loan_number(),
        application_number=data["application_number"],
        loan_type=data["loan_type"],
        product=product,
        investor=investor,
        borrower=upsert_borrower(data["borrower"]),
        funded_amount=data["funded_amount"],
        funded_date=data["funded_date"],
        first_payment_date=rows[0].due_date if terms.separate_stub else terms.first_payment_date,
        number_of_payments=len(rows),
        maturity_date=rows[-1].due_date,
        schedule_type=data["schedule_type"],
        rate_type=data["rate_type"],
        interest_rate=terms.rate,
        index_code=data.get("index", ""),
        index_value=data.get("index_value"),
        spread=data.get("spread"),
        rate_floor=data.get("rate_floor"),
        rate_cap=data.get("rate_cap"),
        day_count=terms.day_count,
        payment_frequency=terms.frequency,
        payment_hierarchy=data.get("payment_hierarchy") or product.payment_hierarchy,
        broken_period=data["broken_period"],
        grace_days=product.grace_days,
        terms=terms.to_json(),
        custom_fields=data.get("custom_fields") or {},
        last_closed_date=data["funded_date"] - dt.timedelta(days=1),
    )
    _create_tiers(loan, data.get("tiers") or [])
    _create_schedule(loan, rows)
    _post_boarding_entries(loan, data, terms, business_date, actor)
    # A loan funded in the past is caught up to the business date (accrual, billing, DPD).
    sync_loan(loan, business_date=business_date, actor=actor)
    record_activity(
        actor=actor,
        action="loan.onboarded",
        summary=f"Loan {loan.loan_number} boarded for {loan.funded_amount} "
        f"({loan.get_schedule_type_display()}, {len(rows)} payments)",
        target=loan,
        after={"application_number": loan.application_number, "funded_amount": loan.funded_amount},
        business_date=business_date,
    )
    return loan


def _create_tiers(loan: Loan, tiers: list[dict]) -> None:
    LoanTier.objects.bulk_create(
        LoanTier(
            loan=loan,
            sequence=n,
            payment_start_date=t["payment_start_date"],
            number_of_payments=t["number_of_payments"],
            schedule_type=t["schedule_type"],
            payment_amount=t.get("payment_amount"),
            interest_rate_type=t["interest_rate_type"],
            interest_rate=t.get("interest_rate"),
            index_code=t.get("index", ""),
            index_value=t.get("index_value"),
            spread=t.get("spread"),
            reprice_at=t["reprice_at"],
        )
        for n, t in enumerate(tiers, start=1)
    )


def _create_schedule(loan: Loan, rows) -> None:
    version = ScheduleVersion.objects.create(
        loan=loan, version=1, effective_date=loan.funded_date, reason="Boarding"
    )
    Installment.objects.bulk_create(
        Installment(
            schedule_version=version,
            number=row.number,
            due_date=row.due_date,
            principal=row.principal,
            interest=row.interest,
            fees=row.fees,
            escrow=row.escrow,
            total=row.total,
            balance_after=row.balance_after,
        )
        for row in rows
    )


def _post_boarding_entries(loan: Loan, data: dict, terms: ScheduleTerms, business_date, actor):
    ledger.post_entry(
        loan,
        kind="disbursement",
        effective_date=loan.funded_date,
        business_date=business_date,
        split={"principal": terms.principal},
        actor=actor,
        note="Funded amount",
    )
    for fee in data.get("fees") or []:
        if fee["amortized"]:
            continue  # seed 002: an amortised fee is part of the principal (MCA loan amount)
        ledger.post_entry(
            loan,
            kind="fee_assessed",
            effective_date=loan.funded_date,
            business_date=business_date,
            split={"fees": fee["amount"]},
            actor=actor,
            note=fee["name"],
            details={"fee_name": fee["name"]},
        )
