"""Each demo role opens gongzhi in chromium on a phone and on a desktop: the workbench is the first
thing on the screen (on a phone the menu is folded away), and every item on it leads to its list,
with no JavaScript error, no English word in the Chinese page, and a way back (no dead end).

`GONGZHI_SCREENSHOTS=docs/screenshots` also saves each role's workbench at both sizes (the README's
command)."""

import datetime as dt
import importlib
import io
import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from gongzhi.demo.users import DEMO_PASSWORD, DEMO_USERNAMES
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = ("worker", "grid", "leader", "street", "district", "city", "collector", "lab", "volunteer")
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
# Latin words that belong in a Chinese page: the product's name, file kinds, codes people know.
# neg and pos: how lab systems write results, listed on the results page as accepted values.
ALLOWED = {"gongzhi", "English", "Excel", "xlsx", "csv", "xlsm", "txt", "PDF", "QR", "ID", "CSV", "neg", "pos"}
ALLOWED |= {"CAP", "XML"}  # a notice's alert for public alerting systems: the standard's own names
WORD = re.compile(r"[A-Za-z]{3,}")


@pytest.fixture
def demo_street(areas):
    from gongzhi.volunteers.models import Course

    standard = importlib.import_module("gongzhi.volunteers.migrations.0002_standard_courses").COURSES
    for code, name, days in standard:  # a transactional test flushed the migration's courses
        Course.objects.get_or_create(code=code, defaults={"name": name, "valid_days": days})
    call_command(
        "demo", "--street", "510104017", "--communities", "3", "--residents-per-community", "300",
        "--seed", "7", "--as-of", dt.date(2025, 1, 1).isoformat(), stdout=io.StringIO(),
    )  # fmt: skip


def english_words(page) -> list[str]:
    """Latin words in the page's text, but for the allowed ones and the demo's account names (data,
    not words of the UI: a username in the top bar, the collectors assigned to a round)."""
    text = page.locator("body").inner_text()
    return sorted({w for w in WORD.findall(text) if w not in ALLOWED and w not in DEMO_USERNAMES})


def open_on(browser, size):
    context = browser.new_context(locale="zh-CN", viewport=SIZES[size])
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return context, page, errors


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_finds_its_work_on_the_first_screen_and_follows_it(browser, live_server, demo_street, role, size):
    context, page, errors = open_on(browser, size)
    try:
        login(page, live_server, role, DEMO_PASSWORD)
        items = page.locator("a.work-item")
        assert items.count() > 0, f"{role} has nothing on the workbench"
        first = items.first.bounding_box()
        assert first is not None and first["y"] + first["height"] <= SIZES[size]["height"], "not on the first screen"
        nav = page.locator("nav.nav")
        if size == "phone":
            assert not nav.is_visible(), "the menu is folded away on a phone"
            page.click("label.menu-button")
            assert nav.is_visible()
            page.click("label.menu-button")
        else:
            assert nav.is_visible() and not page.locator("label.menu-button").is_visible()
        assert english_words(page) == [], "English words on the workbench"
        shots = os.environ.get("GONGZHI_SCREENSHOTS")
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(shots) / f"workbench-{role}-{size}.png"), full_page=False)
        links = [(a.inner_text().split("\n")[0], a.get_attribute("href")) for a in items.all()]
        for label, href in links:
            page.goto("about:blank")  # two items may differ only by their #part: load each afresh
            response = page.goto(f"{live_server.url}{href}")
            assert response is not None and response.status == 200, (role, label, href)
            assert english_words(page) == [], (role, label, href)
            # not a dead end: the page links somewhere inside the product besides the menu
            assert page.locator("a[href^='/']:not(header a)").count() > 0, (role, label, href, "dead end")
        assert errors == [], errors
    finally:
        context.close()
