"""A pooled tube from one building is positive → the zones it calls for are proposed → the street's
staff confirm the building's lockdown zone → the households inside read it on their own page → the
collector's next pooled scan of a resident of that building is refused (one to a tube) → the
street's command view shows the zone. In chromium, each person in their own browser context."""

import time

import pytest

from gongzhi.command.services import figures_refresh
from gongzhi.core import events
from gongzhi.notices.models import Notice
from gongzhi.testing import services
from gongzhi.testing.collection import CLOSE, OPEN, SCAN, Event
from gongzhi.testing.models import Sample
from gongzhi.zones.models import Zone
from tests.browser.conftest import login
from tests.factories import BuildingFactory, GridFactory, HouseholdFactory, ResidentFactory, make_user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait_until(page, expression: str, timeout: int = 15_000) -> None:
    """Poll a JavaScript expression until it is true (page.wait_for_function needs eval, which the
    site's Content-Security-Policy forbids)."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} ms: {expression}")
        time.sleep(0.05)


def test_a_positive_pool_seals_its_building_told_at_the_door_and_kept_out_of_pooled_tubes(
    page, live_server, community_a
):
    code = community_a.code
    grid = GridFactory(community=community_a, number=1)
    sealed = BuildingFactory(grid=grid, number=1)
    homes = [HouseholdFactory(building=sealed, room=room) for room in ("101", "102", "103")]
    pooled = [ResidentFactory(household=homes[0], name=n) for n in ("刘一", "刘二")]
    pooled += [ResidentFactory(household=homes[1], name=n) for n in ("陈一", "陈二")]
    later = ResidentFactory(household=homes[2], name="赵敏")  # not sampled in the positive tube
    neighbour = ResidentFactory(household=HouseholdFactory(building=BuildingFactory(grid=grid, number=2)))
    worker = make_user_with_role("worker_z", "community_worker", code)
    collector = make_user_with_role("collector_z", "collector", code)
    lab = make_user_with_role("lab_z", "lab", "5101")
    make_user_with_role("street_z", "street_staff", code[:9])
    round_ = services.round_create(actor=worker, name="第1轮全员核酸", area_code=code, pool_size=10)
    services.round_collector_assign(actor=worker, round_=round_, user=collector)

    # Four residents of the building go into one tube; the lab finds it positive.
    scans = [Event("z0", OPEN, "TUBE0001")]
    scans += [Event(f"z{i}", SCAN, "TUBE0001", "R:" + r.public_id) for i, r in enumerate(pooled, start=1)]
    scans.append(Event("z9", CLOSE, "TUBE0001"))
    outcomes = services.scan_batch_ingest(round_=round_, collector=collector, events=scans)
    assert [o.status for o in outcomes] == ["ok"] * len(scans)
    answers = services.tube_results_record(actor=lab, round_=round_, results=[("TUBE0001", "positive")])
    assert [a["status"] for a in answers] == ["ok"]
    # What the Huey consumer does after the commit (in these transactional tests the queue may
    # already have delivered it at the commit: delivering again changes nothing).
    events.deliver_pending()
    zones = {(z.kind, z.level): z for z in Zone.objects.all()}
    assert set(zones) == {("lockdown", "building"), ("control", "grid"), ("prevention", "street")}
    lockdown = zones[("lockdown", "building")]
    assert (lockdown.status, lockdown.building_id, lockdown.cases) == ("proposed", sealed.pk, ["TUBE0001"])
    assert not Notice.objects.filter(building=sealed).exists()  # a proposal tells nobody yet

    # The street's staff open the list, open the lockdown zone and confirm it.
    login(page, live_server, "street_z")
    page.goto(f"{live_server.url}/zones/")
    rows = page.locator("#zones tbody tr")
    assert rows.count() == 3
    assert "封控区" in rows.first.inner_text()  # the strictest first
    page.locator("#zones tbody tr.zone-lockdown a").click()
    page.wait_for_url(f"{live_server.url}/zones/{lockdown.public_id}/")
    assert page.locator("#zone-status").inner_text() == "待确认"
    assert page.locator("#release-problems").count() == 0
    page.click("button[value=confirm]")
    page.wait_for_load_state()
    assert page.locator("#zone-status").inner_text() == "生效中"
    problems = page.locator("#release-problems").inner_text()
    assert "尚不能解除" in problems and "封控区须连续7天无新增阳性" in problems
    assert page.locator("button[value=confirm]").count() == 0
    assert page.locator("button[value=release]").count() == 0  # not while the rules say no
    lockdown.refresh_from_db()
    assert lockdown.status == "active" and lockdown.decided_by.username == "street_z"

    # A resident of the building opens the household's page from the door code: the zone is told there.
    notice = Notice.objects.get(building=sealed)
    assert notice.title.endswith("划为封控区")
    resident = page.context.browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    door = resident.new_page()
    door.goto(f"{live_server.url}/h/H:{homes[2].door_key}/")
    notices = door.locator("#household-notices")
    assert notices.locator("a", has_text=notice.title).count() == 1
    assert "划为封控区" in notices.inner_text() and "未读" in notices.inner_text()
    resident.close()

    # The collector opens a new tube with the neighbour in it; the sealed building's resident may
    # not join it: refused by the server, and the screen says so.
    scanned: list[tuple[str, str]] = []  # (status, code) of each scan the server answered

    def keep_answers(response):
        if "/scans" in response.url and response.request.method == "POST" and response.ok:
            scans = {e["event_id"] for e in response.request.post_data_json["events"] if e["kind"] == "scan"}
            scanned.extend((o["status"], o["code"]) for o in response.json()["outcomes"] if o["event_id"] in scans)

    login(page, live_server, "collector_z")
    page.on("response", keep_answers)
    page.goto(f"{live_server.url}/rounds/{round_.public_id}/collect/")
    page.fill("#barcode", "TUBE0002")
    page.click("#open-tube")
    wait_until(page, "document.getElementById('current').textContent === 'TUBE0002'")
    page.fill("#code", "R:" + neighbour.public_id)
    page.click("#scan")
    wait_until(page, "document.getElementById('people').textContent === '1'")
    page.fill("#code", "R:" + later.public_id)
    page.click("#scan")
    wait_until(page, "document.getElementById('refused-count').textContent === '1'")
    message = page.locator("#message")
    assert "封控区居民须单人单管，请换新管" in message.inner_text()
    assert "error" in (message.get_attribute("class") or "")
    assert "封控区居民须单人单管" in page.locator("#refused li").first.inner_text()
    assert page.locator("#in-tube").inner_text() == "1"
    assert scanned == [("ok", "ok"), ("error", "single_tube")]
    assert list(
        Sample.objects.filter(round=round_, tube__barcode="TUBE0002").values_list("resident_id", flat=True)
    ) == [neighbour.pk]
    assert not Sample.objects.filter(round=round_, resident=later).exists()

    # The street's command view (its figures recounted, as the queue does every minute) shows the
    # zone in force and counts it; the community's row goes down a level, where it counts too.
    figures_refresh()
    login(page, live_server, "street_z")
    page.goto(f"{live_server.url}/command/")
    in_force = page.locator("#command-zones li.zone-lockdown")
    assert in_force.count() == 1 and lockdown.area_name in in_force.inner_text()
    assert page.locator("[data-figure='zones.lockdown'] .work-count").inner_text() == "1"
    assert page.locator("[data-figure='testing.positive_tubes'] .work-count").inner_text() == "1"
    page.locator(f"#command-children tr[data-code='{code}'] a").click()
    page.wait_for_url(f"**/command/?area={code}")
    assert page.locator("[data-figure='zones.lockdown'] .work-count").inner_text() == "1"
    # Its grids, then the grid's buildings, counted live: the sealed building shows its zone.
    page.locator(f"#command-children tr[data-code='{grid.public_id}'] a").click()
    page.wait_for_url(f"**/command/?grid={grid.public_id}")
    page.locator(f"#command-children tr[data-code='{sealed.public_id}'] a").click()
    page.wait_for_url(f"**/command/?building={sealed.public_id}")
    assert page.locator("[data-figure='zones.lockdown'] .work-count").inner_text() == "1"
    assert page.locator("#command-zones li.zone-lockdown").count() == 1
