"""A supervisor takes a draw on a line of credit from request to funding on the loan page."""

import datetime as dt
import re

from playwright.sync_api import expect

from loans.api.onboarding import OnboardingInput
from loans.models import Product
from loans.services.onboarding import onboard_loan
from servicing.business_date import set_business_date
from tests.e2e.test_loan_actions import row
from tests.loans.factories import InvestorFactory, ProductFactory
from tests.loans.payloads import loc_payload


def board_line(**overrides):
    InvestorFactory()
    ProductFactory(code="LOC", name="Line of credit", kind=Product.Kind.LOC)
    set_business_date(dt.date(2026, 1, 15))
    data = OnboardingInput(data=loc_payload(**overrides))
    data.is_valid(raise_exception=True)
    return onboard_loan(data.validated_data)


def initiate(page, screenshot):
    page.get_by_role("link", name="Initiate draw").click()
    expect(page.get_by_role("heading", name="Initiate draw")).to_be_visible()
    expect(page.get_by_label("Requested date")).to_have_value("2026-01-15")
    expect(page.get_by_text("Available 10,000.00 of the 10,000.00 limit.")).to_be_visible()
    page.get_by_label("Requested amount").fill("12000")
    page.get_by_role("button", name="Initiate draw").click()
    expect(page.get_by_role("alert")).to_have_text(
        "12,000.00 is more than the line's available amount 10,000.00 (limit 10,000.00)."
    )
    screenshot("draw-initiate-error")
    page.get_by_label("Requested amount").fill("2500.00")
    page.get_by_label("Fee").fill("25.00")
    page.get_by_label("External id").fill("LOS-REQ-1")
    page.get_by_role("button", name="Initiate draw").click()
    expect(page).to_have_url(re.compile(r"/draws/$"))
    expect(page.get_by_text(re.compile(r"Draw \d+ of 2,500.00 initiated"))).to_be_visible()


def approve_and_fund(page, draw, screenshot):
    draw.get_by_role("link", name="Approve").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Approve draw")
    expect(page.get_by_label("Approved amount")).to_have_value("2500.00")
    expect(page.get_by_label("Requested amount")).to_be_disabled()
    expect(page.get_by_label("Requested date")).to_have_value("2026-01-15")
    screenshot("draw-approve-form")
    page.get_by_role("button", name="Approve draw").click()
    expect(page.get_by_text(re.compile(r"Draw \d+ approved for 2,500.00\."))).to_be_visible()
    expect(draw.locator(".state").first).to_have_text("Approved")

    draw.get_by_role("link", name="Fund").click()
    expect(page.get_by_label("Funded date")).to_have_value("2026-01-15")
    expect(page.get_by_text(re.compile("less fee 25.00, funds 2,475.00"))).to_be_visible()
    page.get_by_label("Funded date").fill("2026-01-10")  # backdated: the loan is replayed
    page.get_by_role("button", name="Fund draw").click()
    expect(page.get_by_text(re.compile(r"funded: 2,475.00 from 2026-01-10"))).to_be_visible()


def test_supervisor_takes_a_draw_from_request_to_funding(page, login, screenshot):
    loan = board_line()
    login("supervisor")
    page.goto(f"/loans/{loan.loan_number}/")
    panel = page.get_by_test_id("line-summary")
    expect(panel).to_contain_text("Line of credit")
    expect(page.get_by_test_id("line-available")).to_have_text("10,000.00")
    expect(page.get_by_test_id("line-status")).to_contain_text("Active")

    initiate(page, screenshot)
    draw = page.locator("tbody.draw").filter(has_text="LOS-REQ-1")
    expect(draw.locator(".state").first).to_have_text("Verification")
    expect(draw).to_contain_text("Loan page")
    expect(draw.get_by_role("link", name="Delete")).to_be_visible()
    screenshot("draw-requests-verification")

    approve_and_fund(page, draw, screenshot)
    expect(draw.locator(".state").first).to_have_text("Funded")
    expect(draw).to_contain_text("2,475.00")
    draw.get_by_text("History of draw").click()
    history = draw.get_by_role("table")
    expect(history.get_by_role("row")).to_have_count(4)  # header + three status changes
    expect(history).to_contain_text("e2e-supervisor")
    expect(history).to_contain_text("Funded 2,475.00 on 2026-01-10")
    expect(draw.get_by_role("link")).to_have_count(0)  # funded: nothing left to do
    screenshot("draw-requests")

    tabs = page.get_by_role("navigation", name="Loan tabs")
    tabs.get_by_role("link", name="Summary").click()
    expect(row(page.get_by_test_id("balances"), "Principal")).to_contain_text("2,475.00")
    expect(page.get_by_test_id("line-available")).to_have_text("7,525.00")
    expect(row(panel, "Used")).to_contain_text("2,475.00")
    expect(page.get_by_test_id("line-used-percent")).to_have_text("25 % used")
    screenshot("loc-summary")

    tabs.get_by_role("link", name="Schedule").click()
    version = page.get_by_label("Version")
    expect(version.locator("option:checked")).to_have_text(
        re.compile(r"^v2 · Draw \d+ funded: re-amortized · 2026-01-10$")
    )
    expect(page.get_by_test_id("schedule").locator("tbody tr").first).not_to_contain_text(
        "No installments"
    )
    screenshot("loc-schedule")


def test_supervisor_suspends_activates_and_cancels_the_line(page, login, screenshot):
    loan = board_line()
    login("supervisor")
    page.goto(f"/loans/{loan.loan_number}/")
    line_actions = page.get_by_role("group", name="Line of credit actions")
    line_actions.get_by_role("link", name="Suspend line").click()
    page.get_by_label("Reason").fill("Covenant review")
    confirm = page.get_by_label("Yes, suspend the line")
    expect(confirm).to_have_attribute("required", "")  # the browser asks before posting
    page.get_by_role("button", name="Suspend line").click()
    expect(page.get_by_role("heading", name="Suspend line")).to_be_visible()  # not posted
    confirm.check()
    page.get_by_role("button", name="Suspend line").click()
    expect(page.get_by_text("The line is suspended: no new draws")).to_be_visible()
    expect(page.get_by_test_id("line-status")).to_contain_text("Suspended")
    expect(page.get_by_test_id("line-status")).to_contain_text("Covenant review")
    expect(line_actions.get_by_role("link", name="Initiate draw")).to_have_count(0)

    line_actions.get_by_role("link", name="Activate line").click()
    page.get_by_label("Reason").fill("Review passed")
    page.get_by_label("Yes, activate the line").check()
    page.get_by_role("button", name="Activate line").click()
    expect(page.get_by_test_id("line-status")).to_contain_text("Active")

    line_actions.get_by_role("link", name="Cancel line").click()
    expect(page.get_by_text("Canceling is final")).to_be_visible()
    page.get_by_label("Reason").fill("Borrower closed the account")
    page.get_by_label("I understand this is final").check()
    screenshot("line-cancel-form")
    page.get_by_role("button", name="Cancel line").click()
    expect(page.get_by_test_id("line-badge")).to_have_text("Line canceled")
    expect(page.get_by_role("group", name="Line of credit actions")).to_have_count(0)
