"""A supervisor sets a loan non-accrual from the loan page, then lifts it."""

from playwright.sync_api import expect

from tests.e2e.test_loan_pages import board


def test_supervisor_sets_and_lifts_non_accrual(page, login, screenshot):
    loan = board()
    login("supervisor")
    page.goto(f"/loans/{loan.loan_number}/")
    page.get_by_role("link", name="Set non-accrual").click()
    expect(page.get_by_role("heading", name="Set non-accrual")).to_be_visible()
    expect(page.get_by_label("Reason")).to_have_attribute("required", "")
    page.get_by_label("Reason").fill("Borrower filed for bankruptcy")
    screenshot("non-accrual-form")
    page.get_by_role("button", name="Set non-accrual").click()
    expect(page.get_by_text("The loan is non-accrual.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Non-accrual")
    expect(page.get_by_text("Borrower filed for bankruptcy").first).to_be_visible()
    screenshot("non-accrual-activity")

    page.get_by_role("link", name="Lift non-accrual").click()
    page.get_by_label("Reason").fill("Plan confirmed")
    page.get_by_role("button", name="Lift non-accrual").click()
    expect(page.get_by_text("Accrual resumed.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).not_to_contain_text("Non-accrual")
