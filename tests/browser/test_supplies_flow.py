"""A building leader orders for an elderly resident → the community accepts and packs it → routes the
run → the volunteer confirms at the door on a phone by the household's door code → the order shows
delivered on the supplies panel. In chromium, each person in their own browser context."""

import pytest

from gongzhi.supplies import services
from gongzhi.supplies.models import DeliveryStop, Order, SupplyPoint
from tests.browser.conftest import login
from tests.factories import BuildingFactory, GridFactory, HouseholdFactory, ResidentFactory, make_user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_order_for_an_elderly_resident_reaches_the_door(page, live_server, community_a):
    code = community_a.code
    grid = GridFactory(community=community_a, number=1)
    building = BuildingFactory(grid=grid, number=1, latitude=30.6425, longitude=104.1035)
    household = HouseholdFactory(building=building, room="301")
    resident = ResidentFactory(household=household, name="王奶奶")
    resident.tags.create(community_code=code, tag="elderly_alone")
    district = make_user_with_role("district_a", "district_staff", code[:6])
    worker = make_user_with_role("worker_a", "community_worker", code)
    make_user_with_role("leader_a", "building_leader", code, building=building)
    courier = make_user_with_role("courier_a", "volunteer", code)
    courier.first_name = "赵志愿"
    courier.save()
    rice = services.item_create(actor=district, name="大米（5公斤袋）", category="grain", unit="袋", kg_per_unit="5")
    eggs = services.item_create(actor=district, name="鸡蛋（30枚）", category="eggs", unit="盒", kg_per_unit="1.8")
    services.package_create(actor=district, name="7天老人包", lines=[(rice, 1), (eggs, 1)])
    point = SupplyPoint.objects.create(
        kind="distribution", name="水井坊分发点", community_code=code, latitude=30.642, longitude=104.103
    )
    services.stock_receive(actor=worker, point=point, item=rice, quantity=20)
    services.stock_receive(actor=worker, point=point, item=eggs, quantity=20)

    # The building leader orders on the resident's behalf (a phone).
    login(page, live_server, "leader_a")
    page.goto(f"{live_server.url}/supplies/orders/new/")
    page.select_option("select[name=building]", building.public_id)
    page.click("form.filters button")
    page.click(f"#households a:has-text('{household.address}')")
    page.locator("label.order-line", has_text="7天老人包").locator("input").fill("1")
    page.click("#order-form button.primary")
    assert page.locator("#order-status").inner_text() == "已下单"
    order = Order.objects.get(household=household)
    assert order.channel == "on_behalf" and order.placed_by.username == "leader_a"

    # The community worker accepts, packs (stock issued), prints the packing list and routes the run.
    staff = page.context.browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    desk = staff.new_page()
    login(desk, live_server, "worker_a")
    desk.goto(f"{live_server.url}/supplies/orders/?area={code}")
    desk.check(f"input[name=order][value='{order.public_id}']")
    desk.click("button[value=accept]")
    desk.check(f"input[name=order][value='{order.public_id}']")
    desk.click("button[value=pack]")
    assert "已分拣" in desk.locator("#orders").inner_text()
    desk.goto(f"{live_server.url}/supplies/points/{point.public_id}/packing/")
    assert household.address in desk.locator(".packing-building").inner_text()
    desk.goto(f"{live_server.url}/supplies/points/{point.public_id}/")
    assert "19" in desk.locator("#balances").inner_text()  # 20 rice received, 1 issued by the packing
    desk.goto(f"{live_server.url}/supplies/runs/?area={code}")
    plan = desk.locator(f"#plan-{point.public_id}")
    plan.locator(f"input[name=courier][value='{courier.pk}']").check()
    plan.locator(f"select[name='vehicle:{courier.pk}']").select_option("cart")
    plan.locator("button.primary").click()
    desk.wait_for_selector("#planned")
    assert "赵志愿" in desk.locator("#runs").inner_text()

    # The volunteer opens the run on a phone and scans the door code at the door.
    login(page, live_server, "courier_a")
    page.goto(f"{live_server.url}/supplies/runs/mine/")
    page.click("#my-runs a")
    page.fill("#door-code", f"H:{household.door_key}")
    page.click("#door-scan button.primary")
    stop = page.locator(f"#stop-{household.public_id}")
    page.wait_for_selector(f"#stop-{household.public_id}[data-outcome=delivered]")
    assert "已送达" in stop.inner_text()  # what the server recorded, sent back by the API
    assert DeliveryStop.objects.get(household=household).outcome == "delivered"

    # The panel shows it delivered, down to the building.
    desk.goto(f"{live_server.url}/supplies/?area={code}")
    row = desk.locator("#building-orders tbody tr", has_text=building.name)
    assert row.locator("td").nth(3).inner_text() == "1"
    desk.goto(f"{live_server.url}/supplies/orders/{order.public_id}/")
    assert desk.locator("#order-status").inner_text() == "已送达"
    staff.close()


def test_the_route_sheet_keeps_door_scans_while_offline_and_after_a_reload(page, phone_network, community_a):
    from tests.browser.test_offline_collection import wait_until
    from tests.supplies.factories import located_building, make_item, make_point, make_volunteer, receive

    worker = make_user_with_role("worker_off", "community_worker", community_a.code)
    courier = make_volunteer(community_a.code, phone="13922224444", name="送货员")
    rice = make_item("大米", kg="5")
    point = make_point(community_a.code)
    receive(worker, point, rice, 10)
    building = located_building(community_a)
    households = [HouseholdFactory(building=building, room=str(n)) for n in (101, 102)]
    orders = [services.order_place(household=h, lines=[services.LineIn("item", rice.public_id, 1)]) for h in households]
    for order in orders:
        services.order_accept(actor=worker, order=order)
    services.orders_pack(actor=worker, orders=orders)
    run = services.runs_plan(
        actor=worker, point=point, couriers=[services.CourierIn(user=courier, vehicle="foot")], seconds=0.5
    ).runs[0]
    login(page, phone_network, "13922224444")
    page.goto(f"{phone_network.url}/supplies/runs/{run.public_id}/")
    wait_until(page, "document.getElementById('door-scan').dataset.cached === '1'")

    phone_network.off(page)

    wait_until(page, "navigator.onLine === false")  # the page knows before it scans
    page.fill("#door-code", f"H:{households[0].door_key}")
    page.click("#door-scan button.primary")
    wait_until(page, "!document.getElementById('door-queue').hidden")  # kept on the phone, waiting
    page.reload()  # still offline: the page comes from the service worker's cache, the scan from storage
    assert "1" in page.locator("#door-queue").inner_text()
    assert DeliveryStop.objects.get(household=households[0]).outcome == "pending"  # nothing reached the server

    phone_network.on(page)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector(f"#stop-{households[0].public_id}[data-outcome=delivered]")
    assert DeliveryStop.objects.get(household=households[0]).outcome == "delivered"
    assert DeliveryStop.objects.get(household=households[1]).outcome == "pending"
    wait_until(page, "document.getElementById('door-queue').hidden")
