"""An agent pays the county tax from escrow on the loan page: the minimum-balance
warning, the explicit confirmation, the withdrawal in the escrow transactions."""

import datetime as dt
import re

from playwright.sync_api import expect

from loans.api.onboarding import OnboardingInput
from loans.services.onboarding import onboard_loan
from servicing.business_date import set_business_date
from tests.escrow.conftest import seed_categories
from tests.loans.factories import InvestorFactory, ProductFactory
from tests.loans.payloads import term_payload

ESCROWS = [
    {
        "category": "property_tax",
        "sub_type": "County tax",
        "opening_balance": "1000.00",
        "minimum_balance": "200.00",
        "monthly_amount": "100.00",
        "schedule_replenishment": True,
        "auto_analysis": True,
        "disbursements": [
            {
                "payee": "Cook County Treasurer",
                "amount": "900.00",
                "due_date": "2026-03-01",
                "frequency": "semiannual",
            }
        ],
    },
    {"category": "insurance", "sub_type": "Hazard", "opening_balance": "300.00"},
]


def board_with_escrow():
    seed_categories()
    InvestorFactory()
    ProductFactory()
    set_business_date(dt.date(2026, 1, 15))
    data = OnboardingInput(data=term_payload(escrows=ESCROWS))
    data.is_valid(raise_exception=True)
    return onboard_loan(data.validated_data)


def test_agent_pays_the_tax_from_escrow_below_the_minimum(page, login, screenshot):
    loan = board_with_escrow()
    login("agent")
    page.goto(f"/loans/{loan.loan_number}/")
    page.get_by_role("link", name="Escrow", exact=True).click()
    expect(page).to_have_url(re.compile(r"/escrow/$"))
    tax = page.locator(".escrow-account").filter(has_text="Property tax")
    expect(tax).to_contain_text("County tax")
    expect(tax).to_contain_text("Cook County Treasurer")
    expect(tax.locator("[data-testid^=escrow-balance]")).to_have_text("1,000.00")
    screenshot("escrow-tab")

    tax.get_by_role("link", name="Make Payment").click()
    expect(page.get_by_role("heading", name="Make payment from escrow")).to_be_visible()
    expect(page.get_by_text(re.compile("available above the minimum 800.00"))).to_be_visible()
    page.get_by_label("Payment towards").select_option(
        label="Property tax: Cook County Treasurer 900.00 due 2026-03-01 (semiannual)"
    )
    page.get_by_label("Amount").fill("900.00")
    page.get_by_label("Notes").fill("2026 first half")
    page.get_by_role("button", name="Make payment").click()
    warning = page.get_by_role("alert")
    expect(warning).to_contain_text("below its minimum balance")
    expect(warning).to_contain_text("balance 1,000.00, minimum 200.00")
    confirm = page.get_by_label("Yes, pay below the minimum balance")
    expect(confirm).not_to_be_checked()
    screenshot("escrow-payment-warning")
    confirm.check()
    page.get_by_role("button", name="Make payment").click()

    expect(page).to_have_url(re.compile(r"/escrow/$"))
    expect(page.get_by_text("900.00 paid from Property tax")).to_be_visible()
    expect(tax.locator("[data-testid^=escrow-balance]")).to_have_text("100.00")
    expect(tax).to_contain_text("2026-07-15")  # the item's next due date: paid + 6 months
    rows = page.get_by_test_id("escrow-transactions")
    withdrawal = rows.locator("tbody.escrow-row").filter(has_text="Withdrawn")
    expect(withdrawal).to_contain_text("Cook County Treasurer")
    expect(withdrawal).to_contain_text("900.00")
    expect(withdrawal).to_contain_text("2026 first half")
    withdrawal.get_by_text("View").click()
    expect(withdrawal.locator("dl.facts")).to_contain_text("Item was due")
    expect(withdrawal.get_by_role("link", name="Reverse")).to_be_visible()
    screenshot("escrow-withdrawal-listed")


def test_agent_adds_an_account_replenishes_it_and_reverses(page, login, screenshot):
    loan = board_with_escrow()
    login("agent")
    page.goto(f"/loans/{loan.loan_number}/escrow/")
    page.get_by_role("link", name="Add Escrow").click()
    page.get_by_label("Category").select_option(label="Holdback")
    page.get_by_label("Sub types").fill("Roof repair, roof repair")
    page.get_by_role("button", name="Add escrow").click()
    expect(page.get_by_role("alert")).to_have_text("Sub-types must differ.")
    page.get_by_label("Sub types").fill("Roof repair")
    page.get_by_label("Opening balance").fill("2500.00")
    page.get_by_label("Minimum balance").fill("500.00")
    screenshot("escrow-add-form")
    page.get_by_role("button", name="Add escrow").click()
    expect(page.get_by_text("Holdback escrow account added (balance 2,500.00).")).to_be_visible()
    holdback = page.locator(".escrow-account").filter(has_text="Holdback")
    expect(holdback).to_contain_text("Roof repair")

    holdback.get_by_role("link", name="Replenish").click()
    expect(page.get_by_label("Replenish to")).to_have_value(
        re.compile(r"\d+")  # the account the button came from
    )
    tax = loan.escrow_accounts.get(category__code="property_tax")
    page.get_by_label("Replenish from").select_option(value=str(tax.pk))
    page.get_by_label("Amount").fill("950.00")
    page.get_by_role("button", name="Replenish").click()
    expect(page.get_by_role("alert")).to_contain_text("minimum 200.00")
    page.get_by_label("Yes, take the source below its minimum").check()
    page.get_by_role("button", name="Replenish").click()
    expect(page.get_by_text("Holdback replenished with 950.00.")).to_be_visible()
    expect(holdback.locator("[data-testid^=escrow-balance]")).to_have_text("3,450.00")

    transfer_in = page.locator("tbody.escrow-row").filter(has_text="Transfer in")
    transfer_in.get_by_role("link", name="Reverse").click()
    page.get_by_label("Reason").fill("Wrong source account")
    page.get_by_label("Yes, reverse this escrow transaction").check()
    screenshot("escrow-reverse-form")
    page.get_by_role("button", name="Reverse").click()
    expect(page.get_by_text(re.compile(r"\(transfer in of 950.00\) reversed"))).to_be_visible()
    expect(holdback.locator("[data-testid^=escrow-balance]")).to_have_text("2,500.00")
    expect(page.locator("tbody.escrow-row").filter(has_text="of #")).to_have_count(2)
    screenshot("escrow-after-reversal")


def test_agent_assesses_escrow_and_a_payment_replenishes_it(page, login, screenshot):
    loan = board_with_escrow()
    login("agent")
    page.goto(f"/loans/{loan.loan_number}/escrow/")
    page.get_by_role("link", name="Assess Escrow").click()
    expect(page.get_by_role("heading", name="Assess escrow")).to_be_visible()
    insurance_id = loan.escrow_accounts.get(category__code="insurance").pk
    page.get_by_label("Escrow account").select_option(str(insurance_id))
    page.get_by_label("Amount").fill("120.00")
    screenshot("escrow-assess-form")
    page.get_by_role("button", name="Assess").click()
    expect(page.get_by_text("120.00 of escrow assessed for Insurance")).to_be_visible()

    page.goto(f"/loans/{loan.loan_number}/payment/")
    page.get_by_label("Amount").fill("120.00")
    page.get_by_role("button", name="Post payment").click()
    expect(page.get_by_text(re.compile("Payment of 120.00 posted"))).to_be_visible()
    page.goto(f"/loans/{loan.loan_number}/escrow/")
    insurance = page.locator(".escrow-account").filter(has_text="Insurance")
    expect(insurance.locator("[data-testid^=escrow-balance]")).to_have_text("420.00")
    replenished = re.compile(r"Payment #\d+: escrow assessed 2026-01-15")
    expect(page.get_by_text(replenished)).to_be_visible()
    screenshot("escrow-replenished-by-payment")
