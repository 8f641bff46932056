"""An agent reads a repriced loan: current rate, rate history, the re-amortized schedule."""

import datetime as dt
from decimal import Decimal

from playwright.sync_api import expect

from loans.models import IndexSource, IndexValue
from servicing.business_date import set_business_date
from tests.e2e.test_loan_pages import board


def test_agent_sees_the_rate_history_and_the_new_schedule_version(page, login, screenshot):
    prime = IndexSource.objects.create(code="PRIME", name="WSJ Prime")
    for rate, day in (("7.5", dt.date(2025, 12, 1)), ("8.5", dt.date(2026, 2, 15))):
        IndexValue.objects.create(
            source=prime,
            value=Decimal(rate),
            effective_from=day,
            business_date=day,
            entered_by_label="ops",
        )
    loan = board(
        funded_amount="120000.00",
        rate_type="variable",
        index="PRIME",
        index_value="7.5",
        spread="2",
        number_of_payments=12,
    )
    set_business_date(dt.date(2026, 3, 10))
    login("agent")
    page.goto(f"/loans/{loan.loan_number}/")
    expect(page.get_by_test_id("current-rate")).to_have_text("10.5 %")
    history = page.get_by_test_id("rate-history").locator("tbody tr")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("9.5 %")
    expect(history.nth(1)).to_contain_text("2026-03-01")
    expect(history.nth(1)).to_contain_text("PRIME 8.5 + 2")
    screenshot("reprice-summary")

    page.get_by_role("navigation", name="Loan tabs").get_by_role("link", name="Schedule").click()
    expect(page.get_by_label("Version")).to_contain_text("Reprice: PRIME 8.5 + 2 = 10.5 %")
    screenshot("reprice-schedule")
