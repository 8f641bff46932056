from playwright.sync_api import expect


def test_agent_cannot_open_an_ops_page(page, login, screenshot):
    login("agent")
    response = page.goto("/ops/jobs/")
    assert response.status == 403
    expect(page.get_by_test_id("forbidden")).to_contain_text("ops")
    screenshot("forbidden-agent")


def test_ops_sees_ops_navigation_and_sets_the_business_date(page, login, screenshot):
    login("ops")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Business date").click()
    page.get_by_label("New business date").fill("2027-01-04")
    page.get_by_role("button", name="Set business date").click()
    expect(page.locator(".message.success")).to_contain_text("2027-01-04")
    expect(page.get_by_test_id("business-date")).to_have_text("2027-01-04")
    screenshot("business-date-ops")
