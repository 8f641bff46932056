import re

from playwright.sync_api import expect

from servicing.business_date import get_business_date


def test_agent_logs_in_sees_the_dashboard_and_logs_out(page, login, screenshot):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    login("agent", username="alex")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_test_id("business-date")).to_have_text(get_business_date().isoformat())
    expect(page.locator(".user-name")).to_have_text("alex")
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Jobs")
    ).to_have_count(0)
    screenshot("dashboard-agent")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/"))


def test_wrong_password_stays_on_login_with_an_error(page, login):
    page.goto("/login/")
    page.get_by_label("Username").fill("nobody")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
