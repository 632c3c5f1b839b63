"""Playwright (Python) driving Debian's chromium against the live test server.

Outside CI a missing chromium skips these tests; under CI=true it fails them (and any skip fails the
session, see tests/conftest.py)."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("GONGZHI_CHROMIUM", "/usr/bin/chromium")

# Playwright's sync API runs an event loop in this thread; the test's own database calls are still
# synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        message = f"chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


# Every page reports what its Content-Security-Policy blocked (config/settings: CONTENT_SECURITY_POLICY);
# a test whose pages were refused anything fails. The listener is added by the browser, not by the page,
# so the policy does not block it.
_REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  var where = e.sourceFile + ":" + e.lineNumber;
  window.gongzhiCspViolation([e.violatedDirective, e.blockedURI, where, location.pathname].join(" "));
});
"""


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})  # a phone
    violations: list[str] = []
    context.expose_function("gongzhiCspViolation", lambda text: violations.append(text))
    context.add_init_script(_REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
    assert violations == [], "the Content-Security-Policy refused something"


def login(page, live_server, username, password="pass-for-tests-1"):
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")


def network_off(page, api: str) -> None:
    """The phone offline: chromium's emulation, and the API at `api` (a glob) unreachable as well. A page
    loaded offline (a reload, a page from the service worker's cache) can start before chromium applies
    the emulation to it, navigator.onLine true for a moment and its first send reaching the server; a
    real dead network refuses that send too (CI saw it once, on the route sheet). The context's route,
    not the page's: in chromium it also holds what passes through the service worker."""
    page.context.route(api, lambda route: route.abort("internetdisconnected"))
    page.context.set_offline(True)


def network_on(page, api: str) -> None:
    page.context.unroute(api)
    page.context.set_offline(False)
