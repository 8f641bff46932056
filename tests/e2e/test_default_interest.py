"""An agent sees a past-due loan's default interest: settings and where each comes from,
the current rate with the default spread, the balance, and the payoff per diem."""

import datetime as dt

from playwright.sync_api import expect

from loans.models import Investor
from servicing.business_date import set_business_date
from tests.e2e.test_loan_pages import board


def test_agent_sees_default_interest_on_a_past_due_loan(page, login, screenshot):
    board()  # creates the investor and product
    Investor.objects.update(default_interest={"enabled": True, "spread": "2"})
    loan = board(
        application_number="APP-DEFAULT",
        borrower={"borrower_id": "B-DEFAULT", "first_name": "Late", "last_name": "Payer"},
        default_interest={"grace_days": 5},
    )
    set_business_date(dt.date(2026, 3, 1))  # the February row is 28 days past due
    login("agent")
    page.goto(f"/loans/{loan.loan_number}/")
    expect(page.get_by_test_id("current-rate")).to_have_text("12 % + 2 % default")
    card = page.get_by_test_id("default-interest")
    expect(card.get_by_role("row", name="Rate")).to_contain_text("From investor")
    expect(card.get_by_role("row", name="Grace days")).to_contain_text("5")
    expect(card.get_by_role("row", name="Grace days")).to_contain_text("Loan override")
    balance = page.get_by_test_id("balances").get_by_role("row", name="Additional interest")
    expect(balance).to_contain_text("0.68")  # 408.03 x 2 % x 30/360
    screenshot("default-interest-summary")

    page.get_by_role("link", name="Payoff quote").click()
    page.get_by_role("button", name="Quote").click()
    expect(page.get_by_test_id("default-per-diem")).to_have_text("0.02")
    screenshot("default-interest-payoff")
