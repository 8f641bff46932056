"""Boarding every loan kind through the API: MCA, custom, SCF, CRE, construction, LOC."""

import datetime as dt
from decimal import Decimal as D

import pytest

from loans.models import CreditLine, Installment, LedgerEntry, Loan, Product, ScfInvoice
from loans.services.payments import post_payment
from servicing.business_date import set_business_date
from tests.loans.factories import InvestorFactory, ProductFactory
from tests.loans.payloads import loc_payload, term_payload

URL = "/api/v1/loans/onboard"


@pytest.fixture
def los(token_client):
    InvestorFactory()
    for code, kind, frequency in [
        ("TERM", Product.Kind.TERM, "monthly"),
        ("MCA", Product.Kind.MCA, "daily"),
        ("SCF", Product.Kind.SCF, "monthly"),
        ("CRE", Product.Kind.CRE, "monthly"),
        ("CONSTRUCTION", Product.Kind.CONSTRUCTION, "monthly"),
        ("LOC", Product.Kind.LOC, "monthly"),
    ]:
        ProductFactory(code=code, kind=kind, payment_frequency=frequency, day_count="ACT/360")
    set_business_date(dt.date(2026, 3, 2))
    return token_client("onboarding", "read")


def mca_payload(**overrides):
    payload = term_payload(
        application_number="APP-MCA-1",
        product_code="MCA",
        funded_amount="50000.00",
        funded_date="2026-03-02",
        schedule_type="mca",
        number_of_payments=249,
        fees=[{"name": "Underwriting fee", "amount": "500.00", "amortized": True}],
        mca={"factor_rate": "1.1716", "allocation": "reducing_balance"},
    )
    for key in ("interest_rate", "day_count", "payment_frequency", "first_payment_date"):
        payload.pop(key)
    payload.update(overrides)
    return payload


def rows_of(loan):
    return list(Installment.objects.filter(schedule_version__loan=loan).order_by("number"))


def test_mca_reducing_balance_boards_seed_002s_example(los):
    response = los.post(URL, mca_payload(), format="json")
    assert response.status_code == 201, response.json()
    loan = Loan.objects.get(loan_number=response.json()["loan_number"])
    assert (loan.kind, loan.funded_amount, loan.loan_amount) == ("mca", D("50000"), D("50500"))
    rows = rows_of(loan)
    assert len(rows) == 249 and {r.total for r in rows[:-1]} == {D("235.26")}
    assert rows[-1].total == D("235.52")  # 58,580 - 248 x 235.26
    assert (rows[0].interest, rows[0].principal) == (D("61.54"), D("173.72"))
    assert sum(r.principal for r in rows) == D("50500.00")
    assert sum(r.total for r in rows) == D("58580.00")
    assert all(r.fixed_interest for r in rows)
    # Daily payments on business days: the first is the next business day after funding.
    assert rows[0].due_date == dt.date(2026, 3, 3)
    assert all(r.due_date.weekday() < 5 for r in rows)
    # The amortised fee is principal (seed 002), not a fee assessed.
    assert LedgerEntry.objects.get(loan=loan, kind="disbursement").principal == D("50500.00")
    assert not LedgerEntry.objects.filter(loan=loan, kind="fee_assessed").exists()
    assert loan.terms["facts"]["payback"] == "58580.00"


def test_mca_bills_its_fixed_finance_charge_and_takes_payments(los):
    number = los.post(URL, mca_payload(), format="json").json()["loan_number"]
    loan = Loan.objects.get(loan_number=number)
    set_business_date(dt.date(2026, 3, 5))  # rows due 03-03, 03-04 and 03-05 are billed
    post_payment(
        loan,
        amount=D("470.52"),
        effective_date=dt.date(2026, 3, 5),
        payment_date=dt.date(2026, 3, 5),
        instrument="ach",
        hierarchy="schedule",
    )
    loan.refresh_from_db()
    first, second, third = rows_of(loan)[:3]
    assert first.billed_interest == first.interest == D("61.54")  # fixed, not accrued
    assert (first.status, second.status, third.status) == ("paid", "paid", "due")
    assert loan.principal_balance == D("50500.00") - first.principal - second.principal
    assert loan.interest_balance == third.interest and loan.dpd == 0
    assert loan.amount_due == D("235.26")
    # No daily accrual on a factor-rate loan: each row's charge is recognized when billed.
    accruals = LedgerEntry.objects.filter(loan=loan, kind="interest_accrual").order_by("id")
    assert [(a.effective_date, a.interest) for a in accruals] == [
        (r.due_date, r.interest) for r in (first, second, third)
    ]


def test_mca_straight_spreads_the_finance_charge_evenly(los):
    payload = mca_payload(
        application_number="APP-MCA-2",
        fees=[],
        number_of_payments=4,
        mca={"factor_rate": "1.2500", "allocation": "straight"},
        funded_amount="1000.00",
    )
    loan = Loan.objects.get(loan_number=los.post(URL, payload, format="json").json()["loan_number"])
    assert [(r.principal, r.interest) for r in rows_of(loan)] == [
        (D("250.00"), D("62.50")),
    ] * 4


def custom_rows(*rows):
    return [
        {"due_date": d, "amount": a, "principal": p, "finance_charge": f} for d, a, p, f in rows
    ]


def test_custom_schedule_rows_are_boarded_as_given(los):
    payload = mca_payload(
        application_number="APP-MCA-3",
        schedule_type="custom",
        fees=[],
        funded_amount="1000.00",
        number_of_payments=None,
        mca={
            "factor_rate": "1.2000",
            "allocation": "custom",
            "custom_schedule": custom_rows(
                ("2026-04-01", "700.00", "600.00", "100.00"),
                ("2026-05-01", "500.00", "400.00", "100.00"),
            ),
        },
    )
    payload.pop("number_of_payments")
    response = los.post(URL, payload, format="json")
    assert response.status_code == 201, response.json()
    loan = Loan.objects.get(loan_number=response.json()["loan_number"])
    assert [(r.due_date, r.principal, r.interest) for r in rows_of(loan)] == [
        (dt.date(2026, 4, 1), D("600.00"), D("100.00")),
        (dt.date(2026, 5, 1), D("400.00"), D("100.00")),
    ]
    assert loan.maturity_date == dt.date(2026, 5, 1)


@pytest.mark.parametrize(
    "rows, message",
    [
        (  # sums to 1,100, payback is 1,200
            (("2026-04-01", "600.00", "500.00", "100.00"), ("2026-05-01", "500.00", "500.00", "0")),
            "not the payback",
        ),
        (  # amount is not principal + charge
            (
                ("2026-04-01", "700.00", "600.00", "90.00"),
                ("2026-05-01", "500.00", "400.00", "100"),
            ),
            "is not principal",
        ),
        (  # principal adds up to 900, not the loan amount 1,000
            (
                ("2026-04-01", "700.00", "500.00", "200.00"),
                ("2026-05-01", "500.00", "400.00", "100"),
            ),
            "not the loan",
        ),
        (  # dates not rising
            (
                ("2026-05-01", "700.00", "600.00", "100.00"),
                ("2026-04-01", "500.00", "400.00", "100"),
            ),
            "rising",
        ),
    ],
)
def test_custom_rows_that_do_not_add_up_are_refused(los, rows, message):
    payload = mca_payload(
        application_number="APP-MCA-BAD",
        schedule_type="custom",
        fees=[],
        funded_amount="1000.00",
        mca={"factor_rate": "1.2", "allocation": "custom", "custom_schedule": custom_rows(*rows)},
    )
    response = los.post(URL, payload, format="json")
    assert response.status_code == 400, response.json()
    assert message in " ".join(response.json()["errors"]["mca"])
    assert not Loan.objects.exists()


def test_mca_product_and_schedule_type_must_match(los):
    response = los.post(URL, term_payload(product_code="MCA"), format="json")
    assert response.status_code == 400
    assert "schedule_type" in response.json()["errors"]
    response = los.post(URL, mca_payload(product_code="TERM"), format="json")
    assert response.status_code == 400
    assert "merchant cash advance product" in response.json()["errors"]["schedule_type"][0]


def scf_payload(**overrides):
    payload = term_payload(
        application_number="APP-SCF-1",
        product_code="SCF",
        funded_amount="8000.00",
        funded_date="2026-03-02",
        interest_rate="9.000000",
        day_count="ACT/360",
        scf={
            "invoice_number": "INV-77",
            "invoice_date": "2026-02-27",
            "invoice_due_date": "2026-04-01",
            "invoice_amount": "10000.00",
            "buyer_name": "Acme Retail Corp",
            "borrower_limit": "20000.00",
        },
    )
    payload.pop("first_payment_date")
    payload.pop("number_of_payments")
    payload.update(overrides)
    return payload


def test_scf_invoice_loan_is_repaid_on_the_invoice_due_date(los):
    response = los.post(URL, scf_payload(), format="json")
    assert response.status_code == 201, response.json()
    loan = Loan.objects.get(loan_number=response.json()["loan_number"])
    (row,) = rows_of(loan)
    # 8,000 x 9% x 30 days / 360 = 60.00, with the principal, on the invoice's due date.
    assert (row.due_date, row.principal, row.interest) == (dt.date(2026, 4, 1), D("8000"), D("60"))
    invoice = ScfInvoice.objects.get(loan=loan)
    assert (invoice.invoice_number, invoice.buyer_name) == ("INV-77", "Acme Retail Corp")


def test_scf_refuses_an_advance_above_the_invoice_and_a_second_financing(los):
    response = los.post(URL, scf_payload(funded_amount="10000.01"), format="json")
    assert response.status_code == 400
    assert "invoice amount" in response.json()["errors"]["funded_amount"][0]
    assert los.post(URL, scf_payload(), format="json").status_code == 201
    again = los.post(URL, scf_payload(application_number="APP-SCF-2"), format="json")
    assert again.status_code == 409 and again.json()["code"] == "invoice_already_financed"
    assert Loan.objects.count() == 1


def test_scf_borrower_limit_counts_open_advances(los):
    assert los.post(URL, scf_payload(funded_amount="9000.00"), format="json").status_code == 201
    scf = {**scf_payload()["scf"], "invoice_number": "INV-78", "invoice_amount": "15000.00"}
    response = los.post(
        URL,
        scf_payload(application_number="APP-SCF-3", funded_amount="11000.01", scf=scf),
        format="json",
    )
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "borrower_limit_exceeded"
    assert Loan.objects.count() == 1


def test_scf_block_needs_an_scf_product_and_the_product_needs_the_block(los):
    response = los.post(URL, scf_payload(product_code="TERM"), format="json")
    assert response.status_code == 400 and "scf" in response.json()["errors"]
    payload = scf_payload()
    payload.pop("scf")
    payload.update(first_payment_date="2026-04-01", number_of_payments=1)
    response = los.post(URL, payload, format="json")
    assert response.status_code == 400 and "scf" in response.json()["errors"]


def test_construction_loan_with_an_interest_only_tier_then_amortizing(los):
    payload = term_payload(
        application_number="APP-CON-1",
        product_code="CONSTRUCTION",
        funded_amount="500000.00",
        funded_date="2026-03-01",
        day_count="30/360",
        schedule_type="tiered",
        tiers=[
            {
                "payment_start_date": "2026-04-01",
                "number_of_payments": 12,
                "schedule_type": "interest_only",
                "interest_rate_type": "fixed",
                "interest_rate": "8.000000",
            },
            {
                "payment_start_date": "2027-04-01",
                "number_of_payments": 240,
                "schedule_type": "fixed_payment",
                "interest_rate_type": "variable",
                "index": "PRIME",
                "index_value": "7.500000",
                "spread": "1.000000",
            },
        ],
    )
    for key in ("first_payment_date", "number_of_payments", "interest_rate"):
        payload.pop(key)
    response = los.post(URL, payload, format="json")
    assert response.status_code == 201, response.json()
    loan = Loan.objects.get(loan_number=response.json()["loan_number"])
    rows = rows_of(loan)
    assert loan.kind == "construction" and len(rows) == 252
    assert {r.interest for r in rows[:12]} == {D("3333.33")} and rows[0].interest_only
    assert rows[12].rate == D("8.5") and not rows[12].interest_only
    assert sum(r.principal for r in rows) == D("500000.00")


def test_cre_interest_only_with_balloon(los):
    payload = term_payload(
        application_number="APP-CRE-1",
        product_code="CRE",
        funded_amount="2000000.00",
        funded_date="2026-03-01",
        first_payment_date="2026-04-01",
        number_of_payments=60,
        interest_rate="6.500000",
        day_count="30/360",
        schedule_type="interest_only",
    )
    loan = Loan.objects.get(loan_number=los.post(URL, payload, format="json").json()["loan_number"])
    rows = rows_of(loan)
    assert loan.kind == "cre"
    assert {r.interest for r in rows} == {D("10833.33")}
    assert rows[-1].principal == D("2000000.00") and rows[-1].total == D("2010833.33")


def test_a_line_of_credit_boards_before_its_first_draw(los):
    response = los.post(URL, loc_payload(), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["funded_amount"] == "0.00"
    line = los.get(f"/api/v1/loans/{response.json()['loan_number']}/loc").json()
    assert (line["loc_status"], line["credit_limit"], line["available_amount"]) == (
        "active",
        "10000.00",
        "10000.00",
    )


def test_a_line_boarded_with_a_first_amount_and_an_open_term(los):
    loc = {"term_type": "open", "draw_term_payments": 24, "valid_till_date": "2026-12-31"}
    response = los.post(URL, loc_payload(funded_amount="2500.00", loc=loc), format="json")
    assert response.status_code == 201, response.json()
    line = los.get(f"/api/v1/loans/{response.json()['loan_number']}/loc").json()
    assert (line["principal_outstanding"], line["available_amount"]) == ("2500.00", "7500.00")
    assert (line["term_type"], line["draw_term_payments"], line["valid_till_date"]) == (
        "open",
        24,
        "2026-12-31",
    )


# payload overrides -> where the error is (a nested block's field as "loc.field")
BAD_LINES = [
    ({"loc": None, "funded_amount": "1000.00"}, "loc"),  # a LOC product needs the block
    ({"product_code": "TERM"}, "loc"),  # the block needs a LOC product
    ({"loc": {"term_type": "open"}}, "loc.draw_term_payments"),
    ({"funded_amount": "10000.01"}, "funded_amount"),
    ({"funded_amount": "-1.00"}, "funded_amount"),
    ({"loc": {"credit_limit": "0.00"}}, "loc.credit_limit"),
    ({"loc": {"credit_limit": "-5.00"}}, "loc.credit_limit"),
    ({"loc": {"credit_limit": 10000.0}}, "loc.credit_limit"),  # a JSON float
    ({"loc": {"valid_till_date": "2025-12-31"}}, "loc"),  # before the funded date
    ({"schedule_type": "mca", "mca": {"factor_rate": "1.2000"}}, "schedule_type"),
]


@pytest.mark.parametrize(("overrides", "where"), BAD_LINES)
def test_bad_lines_of_credit_are_400_and_board_nothing(los, overrides, where):
    payload = loc_payload(**{k: v for k, v in overrides.items() if v is not None})
    if overrides.get("loc", {}) is None:
        payload.pop("loc")
    response = los.post(URL, payload, format="json")
    assert response.status_code == 400, response.json()
    errors = response.json()["errors"]
    for key in where.split("."):
        errors = errors[key]
    assert errors and all(isinstance(message, str) for message in errors)
    assert not Loan.objects.exists() and not CreditLine.objects.exists()


def test_product_fee_definitions_apply_when_the_payload_lists_no_fees(los):
    Product.objects.filter(code="TERM").update(
        fee_definitions=[{"name": "Origination fee", "amount": "25.00", "amortized": False}]
    )
    loan = Loan.objects.get(
        loan_number=los.post(
            URL,
            term_payload(funded_date="2026-03-01", first_payment_date="2026-04-01"),
            format="json",
        ).json()["loan_number"]
    )
    fee = LedgerEntry.objects.get(loan=loan, kind="fee_assessed")
    assert (fee.fees, fee.note) == (D("25.00"), "Origination fee")
    assert loan.fees_balance == D("25.00")


def test_products_and_investors_list_codes_and_defaults(los, token_client):
    Product.objects.filter(code="TERM").update(
        fee_definitions=[{"name": "Origination fee", "amount": "25.00", "amortized": False}],
        rate_floor=D("3"),
    )
    products = los.get("/api/v1/products").json()
    term = next(p for p in products if p["code"] == "TERM")
    assert term["kind"] == "term" and term["rate_floor"] == "3.000000"
    assert term["fee_definitions"] == [
        {"name": "Origination fee", "amount": "25.00", "amortized": False}
    ]
    investors = los.get("/api/v1/investors").json()
    assert [(i["code"], i["is_default"]) for i in investors] == [("LENDER", True)]
    assert token_client("payments").get("/api/v1/products").status_code == 403


def test_loan_page_shows_mca_and_invoice_facts(los, agent_client):
    mca = los.post(URL, mca_payload(), format="json").json()["loan_number"]
    scf = los.post(URL, scf_payload(), format="json").json()["loan_number"]
    page = agent_client.get(f"/loans/{mca}/").content.decode()
    assert "1.1716 (reducing balance)" in page
    assert "58,580.00" in page and "incl. amortised fees" in page
    page = agent_client.get(f"/loans/{scf}/").content.decode()
    assert "INV-77 · Acme Retail Corp · 10,000.00 due 2026-04-01" in page
