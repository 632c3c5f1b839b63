"""Playwright (Python) driving Debian's chromium against the live test server.

Outside CI a missing chromium skips these tests; under CI=true it fails them (and any skip fails the
session, see tests/conftest.py)."""

import contextlib
import os
import shutil
import socket
import struct
import threading
from urllib.parse import urlsplit

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


class PhoneNetwork:
    """The phone's network, between the browser and the live server: a TCP relay that `off()` cuts, every
    open connection dropped and every new one reset, the way a dead network fails a request; and chromium's
    offline emulation with it, so that the page knows (navigator.onLine false). The emulation alone is not
    a dead network: a page loaded offline (a reload served from the service worker's cache) can run before
    chromium applies the emulation to it, and its first send, passed through the service worker, is
    neither emulated nor routed. CI saw a door scan reach the server that way. Pages are opened at `url`."""

    def __init__(self, live_server):
        target = urlsplit(live_server.url)
        self._target = (target.hostname, target.port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://{target.hostname}:{self._listener.getsockname()[1]}"
        self._up = True
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def off(self, page) -> None:
        page.context.set_offline(True)
        with self._lock:
            self._up = False
            for sock in self._open:
                _drop(sock)
            self._open.clear()

    def on(self, page) -> None:
        with self._lock:
            self._up = True
        page.context.set_offline(False)

    def close(self) -> None:
        self._listener.close()
        with self._lock:
            self._up = False
            for sock in self._open:
                _drop(sock)

    def _accept(self) -> None:
        while True:
            try:
                browser_side, _ = self._listener.accept()
            except OSError:
                return  # closed
            with self._lock:
                if not self._up:
                    _drop(browser_side)
                    continue
                try:
                    server_side = socket.create_connection(self._target)
                except OSError:  # the live server is gone: the browser sees a reset, the relay goes on
                    _drop(browser_side)
                    continue
                self._open |= {browser_side, server_side}
            threading.Thread(target=_pump, args=(browser_side, server_side), daemon=True).start()
            threading.Thread(target=_pump, args=(server_side, browser_side), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    for sock in (source, sink):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _drop(sock: socket.socket) -> None:
    """Reset the connection (no orderly close) and wake the thread reading it."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


@pytest.fixture
def phone_network(live_server):
    network = PhoneNetwork(live_server)
    yield network
    network.close()
