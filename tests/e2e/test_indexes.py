import datetime as dt
from decimal import Decimal

from playwright.sync_api import expect

from loans.models import IndexSource, IndexValue
from loans.services.indexes import load_index_history
from servicing.business_date import set_business_date

BD = dt.date(2026, 3, 20)


def test_ops_records_an_index_value_and_sees_it_in_the_history(page, login, screenshot):
    login("ops")
    set_business_date(BD)
    prime = IndexSource.objects.create(
        code="PRIME", name="WSJ Prime Rate", refresh_frequency="manual"
    )
    load_index_history(
        prime,
        values=[(dt.date(2025, 10, 20), Decimal("8.5")), (dt.date(2026, 3, 8), Decimal("8.25"))],
    )
    IndexSource.objects.create(code="SOFR30", name="30-day average SOFR")

    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Indexes").click()
    expect(page.get_by_role("heading", name="Indexes", exact=True)).to_be_visible()
    expect(page.get_by_test_id("current-PRIME")).to_have_text("8.250000%")
    screenshot("indexes-list")
    page.get_by_role("link", name="PRIME").click()

    # A date after the business date is refused on the field, nothing is recorded.
    page.get_by_label("Value (%)").fill("8.00")
    page.get_by_label("Effective from").fill("2026-03-21")
    page.get_by_role("button", name="Record value").click()
    expect(page.get_by_role("alert")).to_contain_text("after the business date 2026-03-20")
    screenshot("indexes-error")

    page.get_by_label("Effective from").fill("2026-03-19")
    page.get_by_label("Note").fill("WSJ 2026-03-19")
    page.get_by_role("button", name="Record value").click()
    expect(page.get_by_text("PRIME 8.000000% effective 2026-03-19 recorded.")).to_be_visible()
    expect(page.get_by_test_id("current-value")).to_contain_text("8.000000% from 2026-03-19")
    history = page.get_by_test_id("index-history")
    first_row = history.get_by_role("row").nth(1)
    expect(first_row).to_contain_text("2026-03-19")
    expect(first_row).to_contain_text("8.000000%")
    expect(first_row).to_contain_text("e2e-ops")
    expect(first_row).to_contain_text("WSJ 2026-03-19")
    screenshot("indexes-recorded")
    assert IndexValue.objects.filter(source=prime).count() == 3
