"""The Summary tab's projected balance / paid-to-date chart, as the agent sees it."""

import datetime as dt

from playwright.sync_api import expect

from loans.services.payments import post_payment
from servicing.business_date import set_business_date
from tests.e2e.test_loan_pages import board


def test_summary_chart_shows_balance_and_paid_to_date(page, login, screenshot):
    loan = board(funded_amount="12000.00", number_of_payments=12)
    set_business_date(dt.date(2026, 5, 10))
    rows = list(loan.schedule_versions.get(is_current=True).installments.order_by("number"))
    for row in rows[:3]:
        post_payment(loan, amount=row.total, effective_date=row.due_date)
    paid = sum(row.principal for row in rows[:3])
    login("agent")
    page.goto(f"/loans/{loan.loan_number}/")

    chart = page.get_by_test_id("balance-chart")
    svg = chart.get_by_role("img", name="Projected principal balance and principal paid to date")
    expect(svg).to_be_visible()
    expect(svg.locator("desc")).to_contain_text("12,000.00")
    expect(svg.locator('[data-series="projected-balance"] polyline')).to_have_count(1)
    expect(svg.locator('[data-series="projected-balance"] circle')).to_have_count(12)
    expect(svg.locator('[data-series="paid-to-date"] polyline')).to_have_count(1)
    expect(svg.get_by_test_id("business-date-marker")).to_contain_text("2026-05-10")
    expect(svg.locator(".legend")).to_contain_text("Projected balance")
    expect(svg.locator(".legend")).to_contain_text("Principal paid to date")
    expect(chart.get_by_test_id("paid-to-date")).to_have_text(f"{paid:,.2f}")
    screenshot("loan-summary-chart")
    chart.screenshot(path="var/screenshots/loan-summary-chart-detail.png")
