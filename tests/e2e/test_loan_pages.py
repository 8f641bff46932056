import datetime as dt
import re

from playwright.sync_api import expect

from loans.api.onboarding import OnboardingInput
from loans.services.onboarding import onboard_loan
from servicing.business_date import set_business_date
from tests.loans.factories import InvestorFactory, ProductFactory
from tests.loans.payloads import term_payload


def board(**overrides):
    InvestorFactory()
    ProductFactory()
    set_business_date(dt.date(2026, 1, 15))
    data = OnboardingInput(data=term_payload(**overrides))
    data.is_valid(raise_exception=True)
    return onboard_loan(data.validated_data)


def test_agent_finds_a_loan_and_reads_its_tabs(page, login, screenshot):
    loan = board()
    login("agent")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Loans").click()
    page.get_by_label("Find a loan").fill("Doe")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name=loan.loan_number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Jane Doe")
    expect(page.get_by_test_id("balances")).to_contain_text("1,200.00")
    expect(page.get_by_test_id("current-rate")).to_have_text("12 %")
    screenshot("loan-summary")

    tabs = page.get_by_role("navigation", name="Loan tabs")
    tabs.get_by_role("link", name="Schedule").click()
    rows = page.get_by_test_id("schedule").locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("408.03")
    expect(rows.nth(2)).to_contain_text("408.02")
    screenshot("loan-schedule")

    tabs.get_by_role("link", name="Transactions").click()
    expect(page.get_by_test_id("transactions")).to_contain_text("Disbursement")
    tabs.get_by_role("link", name="Activity").click()
    expect(page.locator("table")).to_contain_text("loan.onboarded")


def test_global_search_jumps_to_the_loan(page, login):
    loan = board()
    login("agent")
    page.get_by_role("search").get_by_role("searchbox").fill(loan.loan_number)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/loans/{loan.loan_number}/$"))


def test_borrower_page_lists_the_loans(page, login, screenshot):
    loan = board()
    login("agent")
    page.goto("/borrowers/?q=B-1001")
    page.get_by_role("link", name="Jane Doe").click()
    expect(page.get_by_role("link", name=loan.loan_number)).to_be_visible()
    screenshot("borrower")
