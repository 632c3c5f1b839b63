"""The collector keeps scanning with the network off, reloads, and nothing is lost or doubled."""

import pytest

from gongzhi.testing import services
from gongzhi.testing.models import Sample, Tube
from tests.browser.conftest import login
from tests.factories import HouseholdFactory, ResidentFactory, make_user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _queued(page) -> int:
    return int(page.locator("#queued").inner_text())


def test_offline_scans_survive_reload_and_sync_exactly_once(page, live_server, community_a):
    make_user_with_role("collector_a", "collector", community_a.code)
    residents = []
    for _ in range(20):
        household = HouseholdFactory()
        residents += [ResidentFactory(household=household) for _ in range(10)]
    worker = make_user_with_role("worker_a", "community_worker", community_a.code)
    round_ = services.round_create(actor=worker, name="第一轮", area_code=community_a.code, pool_size=10)

    login(page, live_server, "collector_a")
    url = f"{live_server.url}/rounds/{round_.public_id}/collect/"
    page.goto(url)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now the service worker controls the page and keeps a copy of it
    page.wait_for_function("navigator.serviceWorker.controller !== null")

    page.context.set_offline(True)
    for t in range(20):
        page.fill("#barcode", f"TUBE{t:06d}")
        page.click("#open-tube")
        page.wait_for_function(f"document.getElementById('current').textContent === 'TUBE{t:06d}'")
        for resident in residents[t * 10 : t * 10 + 10]:
            page.fill("#code", "R:" + resident.public_id)
            page.click("#scan")
        page.click("#close-tube")
    page.wait_for_function("document.getElementById('queued').textContent === '240'")
    assert Sample.objects.count() == 0

    page.reload()  # offline: served by the service worker, the queue is in IndexedDB
    page.wait_for_function("document.getElementById('queued').textContent === '240'")
    assert page.locator("#net").inner_text() == "离线"

    page.context.set_offline(False)
    page.wait_for_function("document.getElementById('queued').textContent === '0'", timeout=30_000)
    assert Sample.objects.filter(round=round_).count() == 200
    assert Tube.objects.filter(round=round_).count() == 20
    assert sorted(Tube.objects.filter(round=round_).values_list("sample_count", flat=True)) == [10] * 20
    assert set(Tube.objects.filter(round=round_).values_list("status", flat=True)) == {"closed"}
