"""The first page a newcomer opens: no console error (the tab's icon is the site's own, not a
/favicon.ico that is not there), and a page that is not there says so in Chinese."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_login_page_loads_its_icon_and_logs_no_error(page, live_server):
    errors, icons = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: icons.append((r.url, r.status)) if "favicon" in r.url else None)
    page.goto(f"{live_server.url}/login/")
    page.wait_for_load_state("networkidle")
    assert errors == []
    assert icons and all(url.endswith("/favicon.svg") and status == 200 for url, status in icons)


def test_a_missing_page_is_answered_in_chinese(page, live_server):
    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "找不到该页面"
