"""Browser fixtures: one Chromium for the browser tests, a fresh context per test, the D-8 record.

Playwright's sync API runs an event loop in the test thread for as long as it is started;
Django then refuses ORM calls from that thread (SynchronousOnlyOperation). The documented
workaround is DJANGO_ALLOW_ASYNC_UNSAFE=true. It is set only while Chromium runs, not at import
time: set for the whole session, it leaks into the subprocesses of other tests (`check --deploy`
then fails with async.E001). For the same reason Chromium is stopped once the browser tests
are done rather than at the end of the session, which would leave the event loop running
under every test collected after them. `browser` is module-scoped: Chromium starts once per
browser test module and stops when that module is done.
"""

import os
from pathlib import Path

import pytest

ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _no_browser(reason: str) -> None:
    """Skip, unless CI demands the browser tests run (D8COOP_REQUIRE_BROWSER=1): then fail."""
    if os.environ.get("D8COOP_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (D8COOP_REQUIRE_BROWSER=1: browser tests must run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, launched once for the browser test module (the only one)."""
    if not CHROMIUM.exists():
        _no_browser(f"Chromium not found at {CHROMIUM}; install Debian's chromium package")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _no_browser("Playwright for Python is not installed")
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            del os.environ[ASYNC_UNSAFE]
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture
def loaded_portal(transactional_db):
    """The shipped D-8 record, in a database the live server thread can see."""
    from d8coop.reference_data.loader import load_reference_data

    return load_reference_data()


def _new_page(browser, live_server, viewport):
    context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="en-GB")
    context.set_default_timeout(10_000)
    return context, context.new_page()


@pytest.fixture
def page(browser, live_server):
    """A desktop-sized page (1280x900) in a fresh context; relative URLs hit the live server."""
    context, new_page = _new_page(browser, live_server, DESKTOP)
    yield new_page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    """A phone-sized page (390x844) in a fresh context."""
    context, new_page = _new_page(browser, live_server, PHONE)
    yield new_page
    context.close()
