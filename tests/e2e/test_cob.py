import datetime as dt

import pytest
from playwright.sync_api import expect

from servicing.business_date import get_business_date, set_business_date
from servicing.cob import isolated_cob_steps, register_cob_step

BD = dt.date(2026, 11, 23)


@pytest.fixture
def steps():
    with isolated_cob_steps():
        register_cob_step(
            "accrual",
            order=1,
            label="Regular interest accrual",
            select=lambda d: range(1, 8),
            run_chunk=lambda ids, d: [(f"L-{i:07d}", "no index value") for i in ids if i == 4],
        )
        register_cob_step("month_end", order=5, label="Credit file", run_once=lambda d: None)
        yield


def test_ops_runs_close_of_business_and_sees_the_job_finish(page, login, steps, screenshot):
    login("ops")
    set_business_date(BD)
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Close of business"
    ).click()
    expect(page.get_by_role("heading", name="Close of business", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="Regular interest accrual accrual")).to_be_visible()
    page.get_by_label("Close through").fill("2026-11-24")
    screenshot("cob-form")
    page.get_by_role("button", name="Run close of business").click()

    page.wait_for_url("**/ops/jobs/*/")
    expect(
        page.get_by_text("Close of business started for 2026-11-23 through 2026-11-24.")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Close of business · 2026-11-23")).to_be_visible()
    expect(page.get_by_test_id("job-state")).to_have_text("Completed with errors")
    expect(page.get_by_test_id("job-counts")).to_contain_text("6 done of 7")
    expect(
        page.get_by_role("cell", name="Regular interest accrual: no index value")
    ).to_be_visible()
    expect(page.get_by_test_id("business-date")).to_have_text("2026-11-25")
    screenshot("cob-finished")
    assert get_business_date() == dt.date(2026, 11, 25)

    # Back on the page: both dates are listed, a past date is refused inline.
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Close of business"
    ).click()
    expect(page.get_by_role("link", name="2026-11-24")).to_be_visible()
    page.get_by_label("Close through").fill("2026-11-20")
    page.get_by_role("button", name="Run close of business").click()
    expect(page.get_by_role("alert")).to_contain_text("dates before it are closed")
