import pytest

from tests.browser.conftest import login
from tests.factories import ResidentFactory, make_user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_worker_searches_and_sees_masked_id_other_community_cannot_open(page, live_server, community_a, community_b):
    make_user_with_role("worker_a", "community_worker", community_a.code)
    make_user_with_role("worker_b", "community_worker", community_b.code)
    resident = ResidentFactory(name="周桂芳")
    login(page, live_server, "worker_a")
    page.goto(f"{live_server.url}/residents/")
    page.fill("input[name=q]", "周桂芳")
    page.click("form.filters button.primary")
    row = page.locator("table.residents tbody tr", has_text="周桂芳")
    masked = row.locator("td.mono").first.inner_text()
    assert masked == resident.id_number[:6] + "********" + resident.id_number[-4:]
    row.locator("a").click()
    assert page.locator("#id-number").inner_text() == masked

    other = page.context.browser.new_context()
    other_page = other.new_page()
    login(other_page, live_server, "worker_b")
    response = other_page.goto(f"{live_server.url}/residents/{resident.public_id}/")
    assert response.status == 404
    other.close()
