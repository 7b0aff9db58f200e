"""Named test users for permission tests (after healthchecks' alice, bob, charlie).

- root: administrator          - leader: sales leadership
- alice: key account manager   - bob: field rep who reports to alice
- carol: another key account manager, nothing to do with alice
- sam: customer service
"""

import os
from pathlib import Path

import pytest

from kam.testing.factories import UserFactory
from kam.users.models import Role


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: database ids repeat from test to test."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Every test ends in the site's language (LANGUAGE_CODE): a test client's request
    activates its user's language in the thread and leaves it active after the response."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture
def root(db):
    return UserFactory(username="root", role=Role.ADMIN)


@pytest.fixture
def leader(db):
    return UserFactory(username="leader", role=Role.LEADERSHIP)


@pytest.fixture
def alice(db, leader):
    return UserFactory(username="alice", role=Role.KEY_ACCOUNT_MANAGER, manager=leader)


@pytest.fixture
def bob(db, alice):
    return UserFactory(username="bob", role=Role.FIELD_SALES, manager=alice)


@pytest.fixture
def carol(db, leader):
    return UserFactory(username="carol", role=Role.KEY_ACCOUNT_MANAGER, manager=leader)


@pytest.fixture
def sam(db):
    return UserFactory(username="sam", role=Role.CUSTOMER_SERVICE)


# --- browser tests: Playwright driving Debian's chromium (never a browser download)

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs it with apt-get")
        pytest.skip("browser tests need Debian's chromium: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make
    # between browser steps are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.base_url = live_server.url
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def browser_login(page, username: str, password: str = "secret-pass") -> None:
    page.goto(f"{page.base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{page.base_url}/")
