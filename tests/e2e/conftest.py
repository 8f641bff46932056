"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live server."""

import os
import shutil

import pytest
from playwright.sync_api import sync_playwright

from tests.factories import PASSWORD, UserFactory

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between page actions are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: run `make test`, which installs it.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login(page, transactional_db):
    """``login(role)`` creates a user with that role and logs in through the form."""

    def do_login(role: str, username: str | None = None):
        username = username or f"e2e-{role}"
        UserFactory(username=username, roles=[role], is_staff=role in ("ops", "admin"))
        page.goto("/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/")
        return username

    return do_login


@pytest.fixture
def screenshot(page, request):
    """Save a PNG of the page under var/screenshots/ (to look at what the agent sees)."""

    def take(name: str | None = None):
        folder = os.path.join("var", "screenshots")
        os.makedirs(folder, exist_ok=True)
        page.screenshot(
            path=os.path.join(folder, f"{name or request.node.name}.png"), full_page=True
        )

    return take
