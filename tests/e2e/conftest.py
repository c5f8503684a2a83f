"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

Playwright never downloads a browser here: it launches /usr/bin/chromium. When that browser is missing
or does not start, the tests skip with a visible reason (or fail when REQUIRE_SERVICES=1).
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import Browser, BrowserContext, Error, Page, sync_playwright

from tests.conftest import service_missing
from tests.e2e.helpers import PageFactory

# Playwright's sync API runs an event loop in this thread; the tests still use the ORM synchronously.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
# The machine has no network: without these flags Chromium keeps retrying refused connections.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        service_missing(f"Chromium is not installed at {CHROMIUM}; the browser tests need it.")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    except Error as exc:
        playwright.stop()
        service_missing(f"Chromium at {CHROMIUM} did not start: {exc.message.splitlines()[0]}")
    yield browser
    # Once Playwright has started, tests that use the database open Django's connection anew (Playwright's
    # sync API switches the context they run in, and Django keeps a connection per context). Close it here,
    # before the test database is dropped, or the drop fails with "being accessed by other users".
    connections.close_all()
    browser.close()
    playwright.stop()


@pytest.fixture
def new_page(browser: Browser, live_server) -> Iterator[PageFactory]:
    """Open a page in a fresh browser context (own cookies, Finnish browser) for each person in a test."""
    contexts: list[BrowserContext] = []

    def open_page(*, javascript: bool = True) -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            locale="fi-FI",
            java_script_enabled=javascript,
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.javascript_enabled = javascript  # axe_violations refuses to hang on a script-less page
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: PageFactory) -> Page:
    """A page in a fresh browser context for this test."""
    return new_page()
