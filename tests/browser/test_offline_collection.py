"""The collector keeps scanning with the network off, reloads, and nothing is lost or doubled."""

import time

import pytest
from playwright.sync_api import expect

from gongzhi.testing import services
from gongzhi.testing.models import Sample, Tube
from tests.browser.conftest import login
from tests.factories import HouseholdFactory, ResidentFactory, make_user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait_until(page, expression: str, timeout: int = 15_000) -> None:
    """Poll a JavaScript expression until it is true. page.wait_for_function builds its predicate
    with eval, which the site's Content-Security-Policy forbids; page.evaluate does not need it."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} ms: {expression}")
        time.sleep(0.05)


# Puts one event straight into the page's queue (IndexedDB), numbered just after the last one, as a
# page that did not check codes would have queued it.
INJECT_EVENT = """async (extra) => {
  const root = document.getElementById("collect");
  const key = "gongzhi-collect-" + root.dataset.round + "-" + root.dataset.user;
  const seq = JSON.parse(localStorage.getItem(key)).seq;
  const event = {n: seq + 0.5, round: root.dataset.round, event_id: "injected-" + seq, kind: "scan",
                 barcode: extra.barcode || "TUBEBAD001", code: extra.code, at: new Date().toISOString()};
  const db = await new Promise((ok, no) => {
    const r = indexedDB.open(key, 1); r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
  await new Promise((ok, no) => {
    const t = db.transaction("events", "readwrite"); t.objectStore("events").put(event);
    t.oncomplete = ok; t.onerror = () => no(t.error); });
  db.close();
  return true;
}"""


def _queued(page) -> int:
    return int(page.locator("#queued").inner_text())


def test_offline_scans_survive_reload_and_sync_exactly_once(page, phone_network, community_a):
    collector = make_user_with_role("collector_a", "collector", community_a.code)
    residents = []
    for _ in range(20):
        household = HouseholdFactory()
        residents += [ResidentFactory(household=household) for _ in range(10)]
    worker = make_user_with_role("worker_a", "community_worker", community_a.code)
    round_ = services.round_create(actor=worker, name="第一轮", area_code=community_a.code, pool_size=10)
    services.round_collector_assign(actor=worker, round_=round_, user=collector)

    login(page, phone_network, "collector_a")
    url = f"{phone_network.url}/rounds/{round_.public_id}/collect/"
    page.goto(url)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now the service worker controls the page and keeps a copy of it
    wait_until(page, "navigator.serviceWorker.controller !== null")
    # the copy is kept once the worker says so: cutting the network before could cut its fetches
    wait_until(page, "document.getElementById('collect').dataset.cached === '1'")

    phone_network.off(page)

    wait_until(page, "navigator.onLine === false")  # the page knows before it scans
    for t in range(20):
        page.fill("#barcode", f"TUBE{t:06d}")
        page.click("#open-tube")
        wait_until(page, f"document.getElementById('current').textContent === 'TUBE{t:06d}'")
        for resident in residents[t * 10 : t * 10 + 10]:
            page.fill("#code", "R:" + resident.public_id)
            page.click("#scan")
        page.click("#close-tube")
    wait_until(page, "document.getElementById('queued').textContent === '240'")
    assert Sample.objects.count() == 0

    page.reload()  # offline: served by the service worker, the queue is in IndexedDB
    wait_until(page, "document.getElementById('queued').textContent === '240'")
    assert page.locator("#net").inner_text() == "离线"

    phone_network.on(page)
    wait_until(page, "document.getElementById('queued').textContent === '0'", timeout=30_000)
    assert Sample.objects.filter(round=round_).count() == 200
    assert Tube.objects.filter(round=round_).count() == 20
    assert sorted(Tube.objects.filter(round=round_).values_list("sample_count", flat=True)) == [10] * 20
    assert set(Tube.objects.filter(round=round_).values_list("status", flat=True)) == {"closed"}


def _collector_round(community_a, pool_size=10):
    collector = make_user_with_role("collector_a", "collector", community_a.code)
    worker = make_user_with_role("worker_a", "community_worker", community_a.code)
    round_ = services.round_create(actor=worker, name="第一轮", area_code=community_a.code, pool_size=pool_size)
    services.round_collector_assign(actor=worker, round_=round_, user=collector)
    return round_


def test_the_screen_shows_what_the_server_recorded_not_what_the_phone_hoped(page, live_server, community_a):
    # issue 9, point 1: a household that does not fit is refused by the server, and the screen says so
    round_ = _collector_round(community_a, pool_size=3)
    single = ResidentFactory(name="王小明")
    household = HouseholdFactory()
    family = [ResidentFactory(household=household, name=n) for n in ("李华", "李明", "李强")]
    console = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    login(page, live_server, "collector_a")
    page.goto(f"{live_server.url}/rounds/{round_.public_id}/collect/")
    page.fill("#barcode", "TUBE000001")
    page.click("#open-tube")
    page.fill("#code", "R:" + single.public_id)
    page.click("#scan")
    wait_until(page, "document.getElementById('people').textContent === '1'")
    assert "王*明" in page.locator("#message").inner_text()
    assert page.locator("#in-tube").inner_text() == "1"
    # the family of 3 does not fit in the 2 places left: nobody of it is recorded, loudly
    page.fill("#code", "H:" + household.door_key)
    page.click("#scan")
    wait_until(page, "document.getElementById('refused-count').textContent === '1'")
    message = page.locator("#message")
    assert "3人均未扫入" in message.inner_text() and "error" in (message.get_attribute("class") or "")
    assert page.locator("#refused-box").is_visible()
    assert "3人均未扫入" in page.locator("#refused li").first.inner_text()
    # people, not scans: still 1 person recorded, in this tube as in the database
    assert page.locator("#people").inner_text() == "1" and page.locator("#in-tube").inner_text() == "1"
    assert Sample.objects.filter(round=round_).count() == 1
    assert not Sample.objects.filter(resident__in=family).exists()
    # and the collector is asked for a new tube before scanning on
    page.fill("#code", "R:" + family[0].public_id)
    page.click("#scan")
    assert "封管" in page.locator("#message").inner_text()
    assert not [text for text in console if "pattern" in text.lower()]


def test_a_bad_event_among_200_offline_scans_is_refused_and_every_good_one_arrives(page, live_server, community_a):
    # issue 9, point 2
    round_ = _collector_round(community_a)
    residents = []
    for _ in range(20):
        household = HouseholdFactory()
        residents += [ResidentFactory(household=household) for _ in range(10)]
    login(page, live_server, "collector_a")
    page.goto(f"{live_server.url}/rounds/{round_.public_id}/collect/")
    wait_until(page, "document.getElementById('collect').dataset.cached === '1'")
    page.context.set_offline(True)
    wait_until(page, "navigator.onLine === false")  # the page knows before it scans
    for t in range(20):
        page.fill("#barcode", f"TUBE{t:06d}")
        page.click("#open-tube")
        wait_until(page, f"document.getElementById('current').textContent === 'TUBE{t:06d}'")
        for resident in residents[t * 10 : t * 10 + 10]:
            page.fill("#code", "R:" + resident.public_id)
            page.click("#scan")
        page.click("#close-tube")
        if t == 9:  # in the middle of the day, a code the phone cannot judge and the server refuses
            page.fill("#barcode", "TUBEBAD001")
            page.click("#open-tube")
            wait_until(page, "document.getElementById('current').textContent === 'TUBEBAD001'")
            page.fill("#code", "R:01NOSUCHRESIDENT0000000000")
            page.click("#scan")
            page.click("#close-tube")
            # and an event the page of the day before queued without checking it: a health-code
            # URL over 64 characters, which made the old server refuse the whole batch (422)
            page.evaluate(INJECT_EVENT, {"code": "https://hc.example.gov.cn/q?uid=" + "7" * 70})
    wait_until(page, "document.getElementById('queued').textContent === '244'")
    page.context.set_offline(False)
    wait_until(page, "document.getElementById('queued').textContent === '0'", timeout=30_000)
    assert Sample.objects.filter(round=round_).count() == 200
    wait_until(page, "document.getElementById('people').textContent === '200'")
    assert page.locator("#refused-count").inner_text() == "2"
    refused = page.locator("#refused li").all_inner_texts()
    assert any("未找到该居民" in text for text in refused)
    assert any("不是居民码" in text for text in refused)
    # a health-code URL scanned by mistake is refused on the phone at once, and never queued
    page.fill("#barcode", "TUBE999999")
    page.click("#open-tube")
    page.fill("#code", "https://hc.example.gov.cn/q?uid=" + "7" * 70)
    page.click("#scan")
    assert "不是居民码" in page.locator("#message").inner_text()
    wait_until(page, "document.getElementById('refused-count').textContent === '3'")  # kept in view
    wait_until(page, "document.getElementById('queued').textContent === '0'")


def test_a_batch_the_server_cannot_read_is_split_and_only_the_unreadable_event_is_refused(
    page, live_server, community_a
):
    # issue 9, point 2: when a batch is refused whole (400/422), the page finds the event at fault
    round_ = _collector_round(community_a)
    residents = [ResidentFactory() for _ in range(8)]

    def refuse_the_poisoned(route):
        body = route.request.post_data or ""
        if "POISON" in body:
            route.fulfill(status=422, content_type="application/json", body='{"message": "bad"}')
        else:
            route.continue_()

    login(page, live_server, "collector_a")
    page.route("**/api/rounds/*/scans", refuse_the_poisoned)
    page.goto(f"{live_server.url}/rounds/{round_.public_id}/collect/")
    page.context.set_offline(True)
    wait_until(page, "navigator.onLine === false")  # the page knows before it scans
    page.fill("#barcode", "TUBE000001")
    page.click("#open-tube")
    for i, resident in enumerate(residents):
        page.fill("#code", "R:" + resident.public_id if i != 3 else "R:POISON000")
        page.click("#scan")
    wait_until(page, "document.getElementById('queued').textContent === '9'")
    page.context.set_offline(False)
    wait_until(page, "document.getElementById('queued').textContent === '0'", timeout=30_000)
    assert Sample.objects.filter(round=round_).count() == 7
    assert page.locator("#refused-count").inner_text() == "1"
    assert "POISON" in page.locator("#refused li").first.inner_text()


def test_a_page_opened_once_reloads_offline(page, live_server, community_a):
    # issue 9, point 3: no second visit needed; and the page's inputs raise no console errors
    round_ = _collector_round(community_a)
    console = []
    page.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
    login(page, live_server, "collector_a")
    page.goto(f"{live_server.url}/rounds/{round_.public_id}/collect/")
    wait_until(page, "document.getElementById('collect').dataset.cached === '1'")
    page.context.set_offline(True)
    wait_until(page, "navigator.onLine === false")  # the page knows before it scans
    page.reload()
    page.wait_for_selector("#collect")
    assert page.locator("#net").inner_text() == "离线"
    page.fill("#barcode", "TUBE000001")
    page.click("#open-tube")
    wait_until(page, "document.getElementById('current').textContent === 'TUBE000001'")
    assert not [text for text in console if "pattern" in text.lower() or "regular expression" in text.lower()]


def test_two_rounds_queued_on_one_phone_each_reach_their_own_round(page, phone_network, community_a):
    # nothing is ever lost: each round keeps its own queue (event numbers count per round)
    first = _collector_round(community_a)
    worker = first.created_by
    second = services.round_create(actor=worker, name="第二轮", area_code=community_a.code, pool_size=10)
    collector = first.collectors.get().user
    services.round_collector_assign(actor=worker, round_=second, user=collector)
    residents = [ResidentFactory() for _ in range(6)]
    login(page, phone_network, "collector_a")
    pages = {}
    for round_ in (first, second):
        pages[round_.pk] = f"{phone_network.url}/rounds/{round_.public_id}/collect/"
        page.goto(pages[round_.pk])
        wait_until(page, "document.getElementById('collect').dataset.cached === '1'")
    phone_network.off(page)
    wait_until(page, "navigator.onLine === false")  # the page knows before it scans
    for round_, tube, group in ((second, "TUBEB00001", residents[3:]), (first, "TUBEA00001", residents[:3])):
        page.goto(pages[round_.pk])  # offline: from the service worker's cache
        page.fill("#barcode", tube)
        page.click("#open-tube")
        for resident in group:
            page.fill("#code", "R:" + resident.public_id)
            page.click("#scan")
        page.click("#close-tube")
        wait_until(page, "document.getElementById('queued').textContent === '5'")
    phone_network.on(page)
    wait_until(page, "document.getElementById('people').textContent === '3'", timeout=30_000)
    page.goto(pages[second.pk])
    wait_until(page, "document.getElementById('people').textContent === '3'", timeout=30_000)
    assert sorted(Sample.objects.filter(round=first).values_list("resident_id", flat=True)) == sorted(
        r.pk for r in residents[:3]
    )
    assert sorted(Sample.objects.filter(round=second).values_list("resident_id", flat=True)) == sorted(
        r.pk for r in residents[3:]
    )


def test_scanning_the_same_person_twice_counts_one_person(page, live_server, community_a):
    round_ = _collector_round(community_a)
    resident = ResidentFactory(name="王小明")
    login(page, live_server, "collector_a")
    page.goto(f"{live_server.url}/rounds/{round_.public_id}/collect/")
    page.fill("#barcode", "TUBE000001")
    page.click("#open-tube")
    for _ in range(2):
        page.fill("#code", "R:" + resident.public_id)
        page.click("#scan")
    wait_until(page, "document.getElementById('queued').textContent === '0'")
    wait_until(page, "document.getElementById('sent').textContent === '3'")
    assert page.locator("#people").inner_text() == "1" and page.locator("#in-tube").inner_text() == "1"
    assert Sample.objects.filter(round=round_).count() == 1


def test_a_tube_filled_on_another_phone_is_counted_from_what_the_server_holds(page, live_server, community_a):
    # given a tube another phone of the collector's opened and put two people in
    from django.contrib.auth import get_user_model

    from gongzhi.testing import collection

    round_ = _collector_round(community_a)
    first, second, third = (ResidentFactory() for _ in range(3))
    services.scan_batch_ingest(
        round_=round_,
        collector=get_user_model().objects.get(username="collector_a"),
        events=[collection.Event("other-1", collection.OPEN, "TUBE000007")]
        + [
            collection.Event(f"other-{r.pk}", collection.SCAN, "TUBE000007", "R:" + r.public_id)
            for r in (first, second)
        ],
    )
    # when this phone, which never saw that tube, opens it and scans one of them again and a third
    login(page, live_server, "collector_a")
    page.goto(f"{live_server.url}/rounds/{round_.public_id}/collect/")
    page.fill("#barcode", "TUBE000007")
    page.click("#open-tube")
    for resident in (second, third):
        page.fill("#code", "R:" + resident.public_id)
        page.click("#scan")
    wait_until(page, "document.getElementById('queued').textContent === '0'")
    # then the tube counts the three people the server holds in it, and this phone added one
    assert Sample.objects.filter(round=round_, tube__barcode="TUBE000007").count() == 3
    expect(page.locator("#in-tube")).to_have_text("3")
    expect(page.locator("#people")).to_have_text("1")
    expect(page.locator("#message")).to_contain_text("TUBE000007（3/10）")
