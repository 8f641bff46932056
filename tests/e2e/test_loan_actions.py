"""The agent's main path on a loan: find it, pay, reverse, quote the payoff, get the letter."""

import datetime as dt
import re
from io import BytesIO

from playwright.sync_api import expect
from pypdf import PdfReader

from servicing.business_date import set_business_date
from tests.e2e.test_loan_pages import board


def pdf_text(path) -> str:
    with open(path, "rb") as handle:
        reader = PdfReader(BytesIO(handle.read()))
    return "\n".join(page.extract_text() for page in reader.pages)


def row(table, header: str):
    """The table row whose header cell is exactly ``header``."""
    return table.get_by_role("row").filter(
        has=table.page.get_by_role("rowheader", name=header, exact=True)
    )


def find_and_open(page, loan):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Loans").click()
    page.get_by_label("Find a loan").fill("Doe")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("row").filter(has_text=loan.loan_number)).to_contain_text("Jane Doe")
    page.get_by_role("link", name=loan.loan_number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(loan.loan_number)


def make_payment(page, screenshot):
    page.get_by_role("link", name="Make payment").click()
    expect(page.get_by_role("heading", name="Make payment")).to_be_visible()
    page.get_by_label("Amount").fill("408.03")
    page.get_by_label("Effective date").fill("2025-12-01")  # before funding: refused inline
    page.get_by_role("button", name="Preview allocation").click()
    expect(page.get_by_role("alert")).to_have_text(
        "The effective date cannot be before the funded date 2026-01-01."
    )
    expect(page.locator(".topbar")).to_have_count(1)  # the form was swapped, not a whole page
    screenshot("payment-preview-error")
    page.get_by_label("Effective date").fill("2026-02-01")
    page.get_by_label("Payment date").fill("2026-02-02")
    page.get_by_label("Instrument").select_option(label="Wire")
    page.get_by_label("Hierarchy").select_option("schedule")
    page.get_by_label("External reference").fill("WIRE-77")
    page.get_by_role("button", name="Preview allocation").click()
    preview = page.get_by_test_id("allocation-preview")
    expect(row(preview, "Principal")).to_contain_text("396.03")
    expect(row(preview, "Interest")).to_contain_text("12.00")
    expect(row(preview, "Additional interest")).to_contain_text("0.00")
    screenshot("payment-preview")
    page.get_by_role("button", name="Post payment").click()
    expect(page).to_have_url(re.compile(r"/transactions/$"))
    expect(page.get_by_role("listitem").filter(has_text="Payment of 408.03 posted")).to_be_visible()


def reverse_payment(page, screenshot):
    table = page.get_by_test_id("transactions")
    payment = table.locator("tbody tr").filter(has_text="WIRE-77").filter(has_text="Payment")
    expect(payment).to_contain_text("408.03")
    expect(payment).to_contain_text("396.03")
    expect(payment).to_contain_text("wire")
    expect(table).not_to_contain_text("Interest accrual")  # hidden unless asked for
    screenshot("transactions-after-payment")
    payment.get_by_role("link", name="Reverse").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Reverse payment #")
    expect(page.get_by_text("Reverse the payment of 408.03 effective 2026-02-01?")).to_be_visible()
    page.get_by_label("Reason").fill("   ")  # passes the browser's `required`, not ours
    page.get_by_role("button", name="Reverse payment").click()
    expect(page.get_by_role("alert")).to_contain_text("This field is required.")
    screenshot("reverse-missing-reason")
    page.get_by_label("Reason").fill("Returned ACH R01 (NSF)")
    page.get_by_role("button", name="Reverse payment").click()
    expect(page.get_by_text("reversed; the loan was replayed")).to_be_visible()
    reversal = table.locator("tbody tr").filter(has_text="Payment reversal")
    expect(reversal).to_contain_text("Returned ACH R01 (NSF)")
    expect(reversal).to_contain_text(re.compile(r"reverses #\d+"))
    expect(reversal).to_contain_text("408.03")
    expect(payment).to_contain_text("reversed")
    expect(payment.get_by_role("link", name="Reverse")).to_have_count(0)
    screenshot("transactions-after-reversal")
    page.get_by_role("link", name="Show daily accruals").click()
    expect(table).to_contain_text("Interest accrual")
    expect(reversal).to_be_visible()


def download_payoff_letter(page, screenshot, loan):
    page.get_by_role("link", name="Payoff quote").click()
    expect(page.get_by_label("Payoff date")).to_have_value("2026-02-03")
    page.get_by_role("button", name="Quote").click()
    total = page.get_by_test_id("payoff-total")
    expect(total).to_have_text(re.compile(r"^\d{1,3}(,\d{3})*\.\d{2}$"))
    amount = total.inner_text()
    screenshot("payoff-quote")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download payoff letter (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"payoff-{loan.loan_number}-2026-02-03.pdf"
    text = pdf_text(download.path())
    assert "Payoff statement" in text and loan.loan_number in text
    assert re.search(rf"Payoff amount\s*{re.escape(amount)}", text), (amount, text)


def test_agent_pays_reverses_and_downloads_the_payoff_letter(page, login, screenshot):
    loan = board()
    set_business_date(dt.date(2026, 2, 3))
    login("agent")
    find_and_open(page, loan)
    make_payment(page, screenshot)
    reverse_payment(page, screenshot)
    download_payoff_letter(page, screenshot, loan)
