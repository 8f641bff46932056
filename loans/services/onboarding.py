"""Boarding a funded loan from the LOS (spec/api.md "Onboarding")."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from django.db import IntegrityError, models
from django.db.models import Subquery, Sum

from loans import ledger
from loans.default_interest import loan_default_terms
from loans.default_interest import resolve as resolve_default_interest
from loans.engine.replay import LoanTerms, ScheduledRow
from loans.models import (
    Borrower,
    Installment,
    Investor,
    Loan,
    LoanTier,
    Product,
    ScfInvoice,
    ScheduleVersion,
)
from loans.numbering import next_loan_number
from loans.registry import BOARDING_BLOCKS
from loans.schedules import FACTOR_RATE_TYPES, BuiltSchedule, build_schedule, terms_from_input
from loans.services.lines import board_line
from loans.services.replay import sync_loan
from loans.services.schedule_versions import NOT_BILLED
from servicing.activity import record_activity
from servicing.bulk import insert_columns
from servicing.business_date import get_business_date
from servicing.errors import DomainError, InvalidInput
from servicing.money import round_rate
from servicing.transactions import service_atomic

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


def _existing(application_number: str) -> str | None:
    """The loan number boarded for the application, if any."""
    numbers = Loan.objects.filter(application_number=application_number)
    return numbers.values_list("loan_number", flat=True).first()


def _already_onboarded(application_number: str, loan_number: str) -> DomainError:
    return DomainError(
        "already_onboarded",
        f"Application {application_number} is already boarded as loan {loan_number}.",
        loan_number=loan_number,
    )


def product_for_code(code: str, *, investor_code: str | None = None) -> Product:
    """The active product of ``code``; its ``investor_pk`` is the id of the investor of
    ``investor_code`` (or the default investor), read in the same query."""
    investors = (
        Investor.objects.filter(code=investor_code)
        if investor_code
        else Investor.objects.filter(is_default=True)
    )
    product = (
        Product.objects.filter(code=code, is_active=True)
        .annotate(
            investor_pk=Subquery(investors.order_by("pk").values("pk")[:1]),
            investor_default_interest=Subquery(
                investors.order_by("pk").values("default_interest")[:1],
                output_field=models.JSONField(),
            ),
        )
        .first()
    )
    if product is None:
        raise InvalidInput(f"No active product with code {code!r}.", field="product_code")
    return product


def _check_investor(product: Product, code: str | None) -> int:
    if product.investor_pk is None:
        raise InvalidInput(
            f"No investor with code {code!r}." if code else "No default investor is configured.",
            field="investor_code",
        )
    return product.investor_pk


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
    application = data["application_number"]
    existing = _existing(application)
    if existing is not None:
        raise _already_onboarded(application, existing)
    try:
        with service_atomic():
            return _board(data, actor=actor)
    except IntegrityError:
        existing = _existing(application)
        if existing is not None:  # a concurrent request boarded it first
            raise _already_onboarded(application, existing) from None
        raise


def _board(data: dict, *, actor) -> Loan:
    business_date = get_business_date()
    if data["funded_date"] > business_date:
        raise InvalidInput(
            f"A loan is boarded after funding: funded_date is after the business date "
            f"{business_date.isoformat()}.",
            field="funded_date",
        )
    product = product_for_code(data["product_code"], investor_code=data.get("investor_code"))
    check_product_kind(data, product)
    investor_id = _check_investor(product, data.get("investor_code"))
    borrower = upsert_borrower(data["borrower"])
    if data.get("scf"):
        _check_scf_limit(borrower, data)
    terms = terms_from_input(data, product)
    built = build_schedule(terms)
    rows = built.rows
    loan = Loan.objects.create(
        loan_number=f"~{secrets.token_hex(9)}",  # placeholder: the number is taken last
        application_number=data["application_number"],
        loan_type=data["loan_type"],
        product=product,
        investor_id=investor_id,
        borrower=borrower,
        kind=product.kind,
        funded_amount=data["funded_amount"],
        loan_amount=built.loan_amount,
        funded_date=data["funded_date"],
        first_payment_date=rows[0].due_date,
        number_of_payments=len(rows),
        maturity_date=rows[-1].due_date,
        schedule_type=data["schedule_type"],
        rate_type=data["rate_type"],
        interest_rate=terms.rate,
        index_code=data.get("index", ""),
        index_value=data.get("index_value"),
        spread=data.get("spread"),
        rate_floor=data["rate_floor"] if data.get("rate_floor") is not None else product.rate_floor,
        rate_cap=data["rate_cap"] if data.get("rate_cap") is not None else product.rate_cap,
        day_count=terms.day_count,
        payment_frequency=terms.frequency,
        payment_hierarchy=data.get("payment_hierarchy") or product.payment_hierarchy,
        broken_period=data["broken_period"],
        grace_days=product.grace_days,
        # A line's payments beyond what is due pay principal down (spec/loc.md: that is
        # what restores a revolving line's availability and pays a line off).
        prepay_to_principal=product.prepay_to_principal or product.kind == Product.Kind.LOC,
        default_interest=resolve_default_interest(
            ("investor", product.investor_default_interest),
            ("product", product.default_interest),
            ("loan", data.get("default_interest")),
        ),
        terms={**terms.to_json(), "facts": _plain(built.facts)},
        custom_fields=data.get("custom_fields") or {},
        last_closed_date=data["funded_date"] - dt.timedelta(days=1),
    )
    _create_tiers(loan, data.get("tiers") or [])
    replay_terms = _create_schedule(loan, built)
    if data.get("scf"):
        _create_invoice(loan, data["scf"])
    if data.get("loc"):
        board_line(loan, data["loc"])
    for key, handler in BOARDING_BLOCKS.items():  # blocks other apps handle (escrows)
        if data.get(key):
            handler(loan, data[key], actor)
    _post_boarding_entries(loan, _fees(data, product), built, business_date, actor)
    # A loan funded in the past is caught up to the business date (accrual, billing, DPD).
    sync_loan(loan, business_date=business_date, actor=actor, terms=replay_terms)
    # The counter row stays locked until the commit: taken last, concurrent boardings wait
    # for each other's COMMIT only, not for each other's whole boarding.
    loan.loan_number = next_loan_number()
    loan.save(update_fields=["loan_number"])
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


def _create_schedule(loan: Loan, built: BuiltSchedule) -> LoanTerms:
    """Store schedule version 1 and its rows; return the replay's terms for them."""
    version = ScheduleVersion.objects.create(
        loan=loan,
        version=1,
        effective_date=loan.funded_date,
        reason="Boarding",
        period_start=built.period_start,
    )
    rows = built.rows
    loan_rate = loan.interest_rate
    # As the column stores it (6 places), so the replay's terms equal a read-back; rows
    # share a few rates: each is rounded once.
    rates = [loan_rate if row.rate is None else row.rate for row in rows]
    stored_rate = {rate: round_rate(rate) for rate in set(rates)}
    rates = [stored_rate[rate] for rate in rates]
    insert_columns(
        Installment,
        {
            "schedule_version_id": [version.pk] * len(rows),
            "number": [row.number for row in rows],
            "due_date": [row.due_date for row in rows],
            "principal": [row.principal for row in rows],
            "interest": [row.interest for row in rows],
            "fees": [row.fees for row in rows],
            "escrow": [row.escrow for row in rows],
            "total": [row.total for row in rows],
            "balance_after": [row.balance_after for row in rows],
            "rate": rates,
            "interest_only": [row.interest_only for row in rows],
            "fixed_interest": [built.fixed_interest] * len(rows),
            **{name: [value] * len(rows) for name, value in NOT_BILLED.items()},
        },
    )
    return _replay_terms(loan, version, built, rates)


def _replay_terms(
    loan: Loan, version: ScheduleVersion, built: BuiltSchedule, rates: list
) -> LoanTerms:
    """What ``loans.services.replay_inputs.loan_terms(loan)`` reads back from the rows just
    stored, built in memory from the same values: the catch-up reads no rows back
    (tests/loans/test_boarding_perf_terms.py holds the two equal for every schedule type).
    """
    fixed = built.fixed_interest
    return LoanTerms(
        funded_date=loan.funded_date,
        principal=loan.loan_amount,
        rate=loan.interest_rate,
        day_count=loan.day_count,
        rows=tuple(
            ScheduledRow(
                row.number,
                row.due_date,
                row.principal + row.interest,
                row.interest_only,
                rate,
                row.interest if fixed else None,
            )
            for row, rate in zip(built.rows, rates, strict=True)
        ),
        hierarchy=loan.payment_hierarchy,
        prepay_to_principal=loan.prepay_to_principal,
        frequency=loan.payment_frequency,
        regular_start=version.period_start,
        default=loan_default_terms(loan),
    )


def _post_boarding_entries(
    loan: Loan, fees: list[dict], built: BuiltSchedule, business_date, actor
):
    amortised = [f for f in fees if f["amortized"]]
    note = "Funded amount"
    if amortised:  # seed 002: an amortised fee is part of the principal (the loan amount)
        note += " + amortised fees: " + ", ".join(f"{f['name']} {f['amount']}" for f in amortised)
    if built.loan_amount:  # 0: a line of credit boarded before its first draw
        ledger.post_entry(
            loan,
            kind="disbursement",
            effective_date=loan.funded_date,
            business_date=business_date,
            split={"principal": built.loan_amount},
            actor=actor,
            note=note,
        )
    for fee in fees:
        if fee["amortized"]:
            continue
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


def _fees(data: dict, product: Product) -> list[dict]:
    """The payload's fees; when it lists none, the product's fee definitions."""
    if "fees" in data:
        return data["fees"]
    return [
        {
            "name": f["name"],
            "amount": Decimal(str(f["amount"])),
            "amortized": f.get("amortized", False),
        }
        for f in product.fee_definitions
    ]


def check_product_kind(data: dict, product: Product) -> None:
    """The payload must fit the product's kind (spec/loans.md "Product")."""
    factor_rate = data["schedule_type"] in FACTOR_RATE_TYPES
    if product.kind == Product.Kind.LOC and not data.get("loc"):
        raise InvalidInput(
            "A line of credit needs the loc block (credit_limit, revolving, term_type).",
            field="loc",
        )
    if data.get("loc") and product.kind != Product.Kind.LOC:
        raise InvalidInput(
            f"The loc block needs a line-of-credit product, not {product.code}.", field="loc"
        )
    if product.kind == Product.Kind.MCA and not factor_rate:
        raise InvalidInput(
            f"Product {product.code} is a merchant cash advance: schedule_type must be mca "
            "or custom.",
            field="schedule_type",
        )
    if factor_rate and product.kind != Product.Kind.MCA:
        raise InvalidInput(
            f"schedule_type {data['schedule_type']} needs a merchant cash advance product, "
            f"not {product.code} ({product.get_kind_display()}).",
            field="schedule_type",
        )
    if product.kind == Product.Kind.SCF and not data.get("scf"):
        raise InvalidInput("An SCF loan needs the scf block (the invoice).", field="scf")
    if data.get("scf") and product.kind != Product.Kind.SCF:
        raise InvalidInput(
            f"The scf block needs a supply chain finance product, not {product.code}.",
            field="scf",
        )


def _check_scf_limit(borrower: Borrower, data: dict) -> None:
    """The borrower's SCF principal outstanding plus this advance stays within the limit."""
    limit = data["scf"].get("borrower_limit")
    if limit is None:
        return
    outstanding = Loan.objects.filter(
        borrower=borrower, kind=Product.Kind.SCF, status=Loan.Status.OPEN
    ).aggregate(total=Sum("principal_balance"))["total"] or Decimal(0)
    if outstanding + data["funded_amount"] > limit:
        raise DomainError(
            "borrower_limit_exceeded",
            f"Borrower {borrower.borrower_id} has {outstanding} of SCF principal outstanding; "
            f"{data['funded_amount']} more exceeds the limit {limit}.",
        )


def _create_invoice(loan: Loan, scf: dict) -> None:
    if ScfInvoice.objects.filter(
        borrower=loan.borrower, invoice_number=scf["invoice_number"]
    ).exists():
        raise DomainError(
            "invoice_already_financed",
            f"Invoice {scf['invoice_number']} of borrower {loan.borrower.borrower_id} is "
            "already financed.",
        )
    ScfInvoice.objects.create(
        loan=loan,
        borrower=loan.borrower,
        invoice_number=scf["invoice_number"],
        invoice_date=scf["invoice_date"],
        invoice_due_date=scf["invoice_due_date"],
        invoice_amount=scf["invoice_amount"],
        buyer_name=scf["buyer_name"],
        borrower_limit=scf.get("borrower_limit"),
    )


def _plain(facts: dict) -> dict:
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in facts.items()}
