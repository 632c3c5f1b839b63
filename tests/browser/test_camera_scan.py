"""The collector page reads a household's door code from the phone's camera: chromium is fed a fake
camera stream showing the code (--use-file-for-fake-video-capture), and the household's members go
into the open tube, as the server recorded them."""

import pytest
from playwright.sync_api import expect

from gongzhi.testing import services
from gongzhi.testing.models import Sample
from tests.browser.camera_video import camera_showing
from tests.browser.conftest import CHROMIUM, login
from tests.factories import HouseholdFactory, ResidentFactory, make_user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CAMERA_STATE = """(box) => {
  const v = document.querySelector(box + ' video'), c = document.querySelector(box + ' canvas');
  let luma = null;
  if (c && c.width && c.height) {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let sum = 0, dark = 0;
    for (let i = 0; i < d.length; i += 4) { sum += d[i]; if (d[i] < 64) dark += 1; }
    luma = [Math.round(sum / (d.length / 4)), dark];
  }
  return v ? {ready: v.readyState, time: v.currentTime, paused: v.paused, video: [v.videoWidth, v.videoHeight],
              shown: [v.clientWidth, v.clientHeight], canvas: c && [c.width, c.height], luma: luma} : null;
}"""


def camera_state(page, box: str):
    """What the camera's video and the reader's canvas hold (said when a read is missed): whether frames
    arrive, at what size, and whether the frame drawn for the reader is blank or shows the code."""
    return page.evaluate(CAMERA_STATE, box)


def read_by_camera(page, toggle: str, box: str, answered) -> None:
    """Wait for the camera to read the code (`answered`: the page showing the server's answer). If it
    has not in 20 s, the camera is turned off and on again, as a collector would, and given 30 s
    more; the first miss is printed with what the camera and the reader's canvas held, so a camera
    that never reads still fails, and one that needs the second start is seen in the log. (Before
    the video showed the code at several sizes, a code the reader could not decode at the one size
    drawn missed on both starts: once in CI, twice here in 32 runs of this file.)"""
    try:
        answered(20_000)
        return
    except AssertionError as exc:
        first = str(exc).splitlines()[0]
        print(f"camera: no read on the first start ({first}); {camera_state(page, box)}; starting it again")
    page.click(toggle)
    expect(page.locator(box)).to_be_hidden()
    page.click(toggle)
    expect(page.locator(f"{box} video")).to_be_visible()
    answered(30_000)


def chromium_with_camera(browser, video):
    """A second chromium whose camera shows the video (and which may use it without asking)."""
    return browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )


def test_a_door_code_read_by_the_camera_puts_the_household_in_the_tube(browser, live_server, community_a, tmp_path):
    collector = make_user_with_role("collector_cam", "collector", community_a.code)
    household = HouseholdFactory()
    members = [ResidentFactory(household=household) for _ in range(3)]
    worker = make_user_with_role("worker_cam", "community_worker", community_a.code)
    round_ = services.round_create(actor=worker, name="摄像头轮", area_code=community_a.code, pool_size=10)
    services.round_collector_assign(actor=worker, round_=round_, user=collector)
    video = tmp_path / "door.y4m"
    camera_showing(f"H:{household.door_key}", video)
    with_camera = chromium_with_camera(browser, video)
    try:
        context = with_camera.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
        context.grant_permissions(["camera"], origin=live_server.url)
        page = context.new_page()
        page.set_default_timeout(20_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        login(page, live_server, "collector_cam")
        page.goto(f"{live_server.url}/rounds/{round_.public_id}/collect/")
        page.fill("#barcode", "TUBECAM001")  # the tube typed (or scanned by a hand-held scanner)
        page.click("#open-tube")
        expect(page.locator("#current")).to_have_text("TUBECAM001")
        page.click("#camera-toggle")
        expect(page.locator("#camera video")).to_be_visible()
        try:
            read_by_camera(
                page,
                "#camera-toggle",
                "#camera",
                lambda ms: expect(page.locator("#people")).to_have_text(str(len(members)), timeout=ms),
            )  # the server's answer
        except AssertionError as exc:  # say what the page said, not only what it did not show
            said = page.evaluate(
                "() => [document.getElementById('message').textContent,"
                " document.getElementById('refused').textContent, document.getElementById('queued').textContent,"
                " document.getElementById('code').value]"
            )
            raise AssertionError(f"{exc}\npage said: {said!r}; camera: {camera_state(page, '#camera')}") from exc
        assert sorted(Sample.objects.filter(round=round_).values_list("resident_id", flat=True)) == sorted(
            m.pk for m in members
        )
        page.click("#camera-toggle")
        expect(page.locator("#camera")).to_be_hidden()
        expect(page.locator("#camera video")).to_have_count(0)  # the camera let go
        # On and off again in one go, before the camera has started (a double tap): the off waits for
        # the start and then lets the camera go. (The page's old code lost that off with an error,
        # and the camera stayed on.)
        page.evaluate("() => { const t = document.getElementById('camera-toggle'); t.click(); t.click(); }")
        expect(page.locator("#camera")).to_be_hidden()
        expect(page.locator("#camera-toggle")).to_have_text("用摄像头扫码")
        page.wait_for_timeout(1_500)  # long enough for the start that was under way to have finished
        expect(page.locator("#camera video")).to_have_count(0)
        page.click("#camera-toggle")  # and it starts again as usual
        expect(page.locator("#camera video")).to_be_visible()
        expect(page.locator("#message")).to_have_text("摄像头已打开：对准管号条码、居民码或户码")
        page.click("#camera-toggle")
        expect(page.locator("#camera video")).to_have_count(0)
        assert errors == []
        context.close()
    finally:
        with_camera.close()


def test_a_door_code_read_by_the_camera_confirms_the_delivery(browser, live_server, community_a, tmp_path):
    from gongzhi.supplies import services as supplies
    from gongzhi.supplies.models import DeliveryStop
    from tests.supplies.factories import located_building, make_item, make_point, make_volunteer, receive

    worker = make_user_with_role("worker_door", "community_worker", community_a.code)
    courier = make_volunteer(community_a.code, phone="13911112222", name="扫码员")
    rice = make_item("大米", kg="5")
    point = make_point(community_a.code)
    receive(worker, point, rice, 5)
    household = HouseholdFactory(building=located_building(community_a))
    order = supplies.order_place(household=household, lines=[supplies.LineIn("item", rice.public_id, 1)])
    supplies.order_accept(actor=worker, order=order)
    supplies.orders_pack(actor=worker, orders=[order])
    run = supplies.runs_plan(
        actor=worker, point=point, couriers=[supplies.CourierIn(user=courier, vehicle="foot")], seconds=0.5
    ).runs[0]
    video = tmp_path / "door.y4m"
    camera_showing(f"H:{household.door_key}", video)
    with_camera = chromium_with_camera(browser, video)
    try:
        context = with_camera.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
        context.grant_permissions(["camera"], origin=live_server.url)
        page = context.new_page()
        page.set_default_timeout(20_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        login(page, live_server, "13911112222")
        page.goto(f"{live_server.url}/supplies/runs/{run.public_id}/")
        page.click("#door-camera-toggle")
        expect(page.locator("#door-camera video")).to_be_visible()
        stop = page.locator(f"#stop-{household.public_id}")
        read_by_camera(
            page,
            "#door-camera-toggle",
            "#door-camera",
            lambda ms: expect(stop).to_have_attribute("data-outcome", "delivered", timeout=ms),
        )  # the server's answer
        assert DeliveryStop.objects.get(run=run).outcome == "delivered"
        page.click("#door-camera-toggle")
        expect(page.locator("#door-camera")).to_be_hidden()
        assert errors == []
        context.close()
    finally:
        with_camera.close()
