"""Orders (supplies.services.orders): placed through the household's own code or by staff on its behalf,
checked line by line, accepted, packed from the distribution point's stock (urgent first), cancelled with
what was packed returned; the household's page and the API reached through the door code."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from gongzhi.core import transitions
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import WorkflowEvent
from gongzhi.supplies import flows, services
from gongzhi.supplies.models import Order, OrderLine, StockMovement, SupplyPoint
from gongzhi.supplies.services import LineIn
from tests.factories import BuildingFactory, GridFactory, HouseholdFactory, make_user_with_role
from tests.supplies.factories import balance, ledger, ledger_sum, make_item, make_package, make_point, receive

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_order_limits():
    """The door-code order limits count in the cache: each test starts with none used."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def catalogue():
    rice = make_item("大米", category="grain", unit="袋", kg="5", price="30")
    oil = make_item("菜籽油", category="oil", unit="桶", kg="1", price="15.50")
    insulin = make_item("胰岛素笔芯", category="medicine", unit="盒", kg="0.1", urgent_medical=True)
    elderly = make_package("长者7日包", [(rice, 1), (oil, 2)])
    chronic = make_package("慢病包", [(rice, 1), (insulin, 1)])
    return {"rice": rice, "oil": oil, "insulin": insulin, "elderly": elderly, "chronic": chronic}


@pytest.fixture
def point(community_a):
    return make_point(community_a.code, name="水井坊社区分发点")


@pytest.fixture
def grid(community_a):
    return GridFactory(community=community_a)


@pytest.fixture
def building(grid):
    return BuildingFactory(grid=grid)


@pytest.fixture
def household(building, point):
    return HouseholdFactory(building=building)


def item(row, n=1):
    return LineIn("item", row.public_id, n)


def package(row, n=1):
    return LineIn("package", row.public_id, n)


def place(household, *lines, **kwargs):
    return services.order_place(household=household, lines=list(lines), **kwargs)


def refusal(call):
    with pytest.raises(ApplicationError) as refused:
        call()
    return refused.value


# Placing


def test_a_household_orders_through_its_code(household, point, catalogue):
    order = place(household, item(catalogue["rice"], 2), package(catalogue["elderly"]), note="  放门口 ")
    assert (order.status, order.channel, order.payment) == (flows.PLACED, Order.Channel.HOUSEHOLD, Order.Payment.FREE)
    assert order.placed_by is None and order.placed_by_name == ""  # the page says 住户本人 in the reader's language
    assert order.point == point and order.community_code == household.community_code and not order.urgent
    assert order.note == "放门口"
    assert order.total_price == 0 and order.kg == Decimal("17.000")  # 2 bags of 5 kg, 5 kg + 2 × 1 kg
    lines = list(OrderLine.objects.filter(order=order).values_list("item__name", "package__name", "quantity"))
    assert lines == [("大米", None, 2), (None, "长者7日包", 1)]
    (event,) = WorkflowEvent.objects.filter(flow="order", row_key=order.public_id)
    assert (event.from_status, event.to_status, event.actor, event.area_code) == (
        "",
        "placed",
        None,
        order.community_code,
    )
    assert event.detail == {"channel": "household", "urgent": False}


@pytest.mark.parametrize("how", ["item", "package"])
def test_an_order_holding_an_urgent_medical_item_is_urgent_also_inside_a_package(household, point, catalogue, how):
    wanted = item(catalogue["insulin"]) if how == "item" else package(catalogue["chronic"])
    order = place(household, item(catalogue["oil"]), wanted)
    assert order.urgent
    event = WorkflowEvent.objects.get(flow="order", row_key=order.public_id)
    assert event.detail["urgent"] is True
    assert not place(household, item(catalogue["oil"]), package(catalogue["elderly"])).urgent


def test_a_paid_order_is_priced_at_the_shops_prices(household, point, catalogue):
    order = place(household, package(catalogue["elderly"], 2), item(catalogue["oil"]), payment="paid")
    assert order.payment == Order.Payment.PAID
    assert order.total_price == Decimal("137.50")  # the pack 30 + 2 × 15.50 = 61, twice; one oil 15.50
    prices = list(OrderLine.objects.filter(order=order).values_list("unit_price", "quantity"))
    assert prices == [(Decimal("61.00"), 2), (Decimal("15.50"), 1)]


def test_a_paid_order_of_an_item_without_a_price_is_refused(household, point, catalogue):
    for asked in (item(catalogue["insulin"]), package(catalogue["chronic"])):
        refused = refusal(lambda a=asked: place(household, item(catalogue["rice"]), a, payment="paid"))
        assert (refused.status, refused.message) == (422, "“胰岛素笔芯”没有商户价格，只能政府免费发放")
    assert place(household, package(catalogue["chronic"])).total_price == 0  # free: it may be handed out
    assert Order.objects.count() == 1


def test_a_payment_not_offered_is_refused(household, point, catalogue):
    refused = refusal(lambda: place(household, item(catalogue["rice"]), payment="credit"))
    assert (refused.status, refused.message) == (422, "请选择付费方式")


def test_a_building_leader_orders_for_households_of_their_building_only(community_a, grid, household, point, catalogue):
    leader = make_user_with_role("leader", "building_leader", community_a.code, building=household.building)
    order = place(household, item(catalogue["rice"]), actor=leader)
    assert (order.channel, order.placed_by, order.placed_by_name) == (Order.Channel.ON_BEHALF, leader, "leader")
    assert WorkflowEvent.objects.get(flow="order", row_key=order.public_id).actor == leader
    next_door = HouseholdFactory(building=BuildingFactory(grid=grid))
    refused = refusal(lambda: place(next_door, item(catalogue["rice"]), actor=leader))
    assert (refused.status, refused.message) == (403, "您不能为这一户下单")
    assert not Order.objects.filter(household=next_door).exists()


def test_grid_and_community_workers_order_inside_their_place_only(
    community_a, grid, household, point, catalogue, worker_a, worker_b
):
    gridder = make_user_with_role("gridder", "grid_worker", community_a.code, grid=grid)
    other_grid = make_user_with_role(
        "other_grid", "grid_worker", community_a.code, grid=GridFactory(community=community_a)
    )
    assert place(household, item(catalogue["rice"]), actor=gridder).channel == Order.Channel.ON_BEHALF
    assert place(household, item(catalogue["rice"]), actor=worker_a).placed_by == worker_a
    for outsider in (other_grid, worker_b):
        assert refusal(lambda o=outsider: place(household, item(catalogue["rice"]), actor=o)).status == 403
    volunteer = make_user_with_role("v", "volunteer", community_a.code)
    assert refusal(lambda: place(household, item(catalogue["rice"]), actor=volunteer)).status == 403
    assert Order.objects.count() == 2


def test_an_unknown_line_is_refused_naming_it(household, point, catalogue):
    for bad in (LineIn("item", "01NOSUCHITEM0000000000000", 1), LineIn("package", catalogue["rice"].public_id, 1)):
        refused = refusal(lambda b=bad: place(household, item(catalogue["rice"]), b))
        assert (refused.status, refused.message, refused.extra) == (422, "第2项：目录中没有这样物资", {"line": 2})
    assert not Order.objects.exists()


def test_empty_too_many_lines_and_too_many_of_one_are_refused(household, point, catalogue):
    many = [make_item(f"品{n}") for n in range(21)]
    cases = [
        ([], "请至少选择一样物资"),
        ([item(i) for i in many], "一个订单最多20项"),
        ([item(catalogue["oil"]), item(catalogue["rice"], 100)], "第2项数量过多（每项最多99）"),
        ([item(catalogue["rice"], 0)], "数量须大于0"),
        ([item(catalogue["rice"], "2.5")], "数量须为整数，不是“2.5”"),
        ([item(catalogue["rice"]), item(catalogue["oil"]), item(catalogue["rice"], 3)], "第3项与前面重复，请合并数量"),
    ]
    for lines, words in cases:
        refused = refusal(lambda ls=lines: place(household, *ls))
        assert (refused.status, refused.message) == (422, words)
    assert not Order.objects.exists()
    assert place(household, *[item(i, 99) for i in many[:20]]).lines.count() == 20  # the limits themselves pass


def test_a_household_with_five_open_orders_may_not_place_a_sixth(household, point, catalogue, worker_a):
    orders = [place(household, item(catalogue["rice"])) for _ in range(5)]
    refused = refusal(lambda: place(household, item(catalogue["oil"])))
    assert (refused.status, refused.message) == (409, "这一户还有5个订单未完成，请等送达后再下单")
    assert Order.objects.count() == 5
    services.order_cancel(actor=worker_a, order=orders[0], reason="重复下单")
    assert place(household, item(catalogue["oil"])).status == flows.PLACED  # a cancelled order is not open
    other = HouseholdFactory(building=household.building)
    assert place(other, item(catalogue["oil"])).household == other  # the limit is per household


def test_no_distribution_point_no_order(community_b, catalogue):
    household = HouseholdFactory(building=BuildingFactory(grid=GridFactory(community=community_b)))
    make_point(community_b.code, kind=SupplyPoint.Kind.SUPERMARKET, name="超市")  # a shop is not where orders go
    refused = refusal(lambda: place(household, item(catalogue["rice"])))
    assert (refused.status, refused.message) == (409, "本社区还没有设置物资分发点，暂时不能下单")
    assert not Order.objects.exists()


def test_the_delivery_window_is_checked(household, point, catalogue):
    now = timezone.now()
    hour = dt.timedelta(hours=1)
    cases = [
        ((now + hour, None), "希望送达时间须同时填写开始和结束"),
        ((None, now + hour), "希望送达时间须同时填写开始和结束"),
        ((now + 2 * hour, now + hour), "希望送达时间的结束须晚于开始"),
        ((now + hour, now + hour), "希望送达时间的结束须晚于开始"),
        ((now - 3 * hour, now - hour), "希望送达时间须在今后7天内"),
        ((now + dt.timedelta(days=8), now + dt.timedelta(days=8, hours=2)), "希望送达时间须在今后7天内"),
    ]
    for (start, end), words in cases:
        refused = refusal(
            lambda s=start, e=end: place(household, item(catalogue["rice"]), window_start=s, window_end=e)
        )
        assert (refused.status, refused.message) == (422, words)
    assert not Order.objects.exists()
    order = place(household, item(catalogue["rice"]), window_start=now - hour, window_end=now + hour)
    assert (order.window_start, order.window_end) == (now - hour, now + hour)  # under way now: still welcome


# Accepting, packing, cancelling


@pytest.fixture
def stocked(worker_a, point, catalogue):
    for name, n in (("rice", 20), ("oil", 20), ("insulin", 5)):
        receive(worker_a, point, catalogue[name], n)
    return point


def accepted(worker_a, household, *lines):
    return services.order_accept(actor=worker_a, order=place(household, *lines))


def test_accepting_then_packing_issues_the_items_from_the_point(worker_a, household, stocked, catalogue):
    order = place(household, package(catalogue["elderly"], 2), item(catalogue["rice"]))
    taken = services.order_accept(actor=worker_a, order=order)
    assert taken.status == flows.ACCEPTED
    outcome = services.orders_pack(actor=worker_a, orders=[taken])
    assert [o.pk for o in outcome.packed] == [order.pk] and outcome.refused == []
    order.refresh_from_db()
    assert order.status == flows.PACKED
    issues = StockMovement.objects.filter(reference=order.public_id).order_by("item_id")
    assert [(m.item.name, m.kind, m.quantity, m.reason) for m in issues] == [
        ("大米", "issue", -3, "订单分拣"),  # 2 packs of one bag, and one bag
        ("菜籽油", "issue", -4, "订单分拣"),
    ]
    assert (balance(stocked, catalogue["rice"]), balance(stocked, catalogue["oil"])) == (17, 16)
    steps = list(transitions.timeline(flow=flows.ORDER_FLOW, row=order).values_list("to_status", "actor"))
    assert steps == [("placed", None), ("accepted", worker_a.pk), ("packed", worker_a.pk)]


def test_packing_many_orders_keeps_the_ledger_a_running_sum_of_the_balance(worker_a, household, stocked, catalogue):
    wanted = [
        [package(catalogue["elderly"])],
        [item(catalogue["rice"], 3), item(catalogue["oil"])],
        [package(catalogue["chronic"], 2)],  # urgent
        [item(catalogue["oil"], 4)],
    ]
    orders = [accepted(worker_a, household, *lines) for lines in wanted]
    outcome = services.orders_pack(actor=worker_a, orders=orders)
    assert sorted(o.pk for o in outcome.packed) == sorted(o.pk for o in orders) and outcome.refused == []
    assert set(Order.objects.values_list("status", flat=True)) == {flows.PACKED}
    expected = {"rice": 20 - 1 - 3 - 2, "oil": 20 - 2 - 1 - 4, "insulin": 5 - 2}
    for name, left in expected.items():
        assert balance(stocked, catalogue[name]) == left == ledger_sum(stocked, catalogue[name])
        running = 0
        for _kind, quantity, after in ledger(stocked, catalogue[name]):
            running += quantity
            assert after == running
    urgent = orders[2]
    assert StockMovement.objects.filter(reference=urgent.public_id).count() == 2  # rice and insulin
    first_issue = StockMovement.objects.filter(kind="issue", item=catalogue["rice"]).order_by("id").first()
    assert first_issue.reference == urgent.public_id  # urgent first
    for o in orders:
        assert [e.to_status for e in transitions.timeline(flow=flows.ORDER_FLOW, row=o)][-1] == "packed"


def test_an_order_the_stock_cannot_fill_is_refused_alone(worker_a, household, point, catalogue):
    receive(worker_a, point, catalogue["rice"], 3)
    receive(worker_a, point, catalogue["oil"], 1)
    first = accepted(worker_a, household, item(catalogue["rice"], 2))
    short = accepted(worker_a, household, item(catalogue["rice"]), item(catalogue["oil"], 2))
    last = accepted(worker_a, household, item(catalogue["rice"]))
    outcome = services.orders_pack(actor=worker_a, orders=[first, short, last])
    assert sorted(o.pk for o in outcome.packed) == sorted([first.pk, last.pk])
    ((refused, why),) = outcome.refused
    assert refused.pk == short.pk and why == "水井坊社区分发点的菜籽油库存不足：现有1桶，需要2桶"
    short.refresh_from_db()
    assert short.status == flows.ACCEPTED  # its rice, issued before the oil ran short, was put back with it
    assert not StockMovement.objects.filter(reference=short.public_id).exists()
    assert balance(point, catalogue["rice"]) == 0 == ledger_sum(point, catalogue["rice"])
    assert balance(point, catalogue["oil"]) == 1


def test_when_stock_is_short_for_both_the_urgent_order_is_packed_first(worker_a, household, point, catalogue):
    receive(worker_a, point, catalogue["rice"], 1)
    receive(worker_a, point, catalogue["insulin"], 1)
    plain = accepted(worker_a, household, item(catalogue["rice"]))  # placed first
    urgent = accepted(worker_a, household, package(catalogue["chronic"]))  # rice and insulin
    assert urgent.urgent and not plain.urgent
    outcome = services.orders_pack(actor=worker_a, orders=[plain, urgent])
    assert [o.pk for o in outcome.packed] == [urgent.pk]
    assert [o.pk for o, _why in outcome.refused] == [plain.pk] and "库存不足" in outcome.refused[0][1]


def test_only_accepted_orders_are_packed(worker_a, household, stocked, catalogue):
    placed = place(household, item(catalogue["rice"]))
    outcome = services.orders_pack(actor=worker_a, orders=[placed])
    assert outcome.packed == [] and outcome.refused == [(placed, "状态不能从“已下单”变为“已分拣”")]
    assert not StockMovement.objects.filter(reference=placed.public_id).exists()


def test_cancelling_a_packed_order_returns_its_stock_and_needs_a_reason(worker_a, household, stocked, catalogue):
    order = accepted(worker_a, household, package(catalogue["elderly"]))
    (packed,) = services.orders_pack(actor=worker_a, orders=[order]).packed
    for reason in ("", " ", "x", "\x00"):
        refused = refusal(lambda r=reason: services.order_cancel(actor=worker_a, order=packed, reason=r))
        assert (refused.status, refused.message) == (422, "请写明取消原因")
    assert Order.objects.get(pk=order.pk).status == flows.PACKED
    cancelled = services.order_cancel(actor=worker_a, order=packed, reason="住户已自行购买")
    assert cancelled.status == flows.CANCELLED
    back = StockMovement.objects.filter(reference=order.public_id, kind="receipt").order_by("item_id")
    assert [(m.item.name, m.quantity, m.reason) for m in back] == [
        ("大米", 1, "订单取消退回"),
        ("菜籽油", 2, "订单取消退回"),
    ]
    assert (balance(stocked, catalogue["rice"]), balance(stocked, catalogue["oil"])) == (20, 20)
    last = transitions.timeline(flow=flows.ORDER_FLOW, row=order).last()
    assert (last.to_status, last.reason) == ("cancelled", "住户已自行购买")


def test_cancelling_an_order_not_packed_moves_no_stock(worker_a, household, stocked, catalogue):
    order = place(household, item(catalogue["rice"]))
    services.order_cancel(actor=worker_a, order=order, reason="住户取消")
    assert not StockMovement.objects.filter(reference=order.public_id).exists()
    assert balance(stocked, catalogue["rice"]) == 20


def test_cancelling_returns_the_stock_even_when_the_callers_copy_of_the_order_is_older(
    worker_a, household, stocked, catalogue
):
    # The list page read the order while it was accepted; someone packed it before the cancel was pressed.
    # The cancel decides on the order as it is now (packed): its stock goes back.
    order = accepted(worker_a, household, item(catalogue["rice"], 4))
    services.orders_pack(actor=worker_a, orders=[Order.objects.get(pk=order.pk)])
    services.order_cancel(actor=worker_a, order=order, reason="住户已自行购买")
    assert Order.objects.get(pk=order.pk).status == flows.CANCELLED
    assert balance(stocked, catalogue["rice"]) == 20 == ledger_sum(stocked, catalogue["rice"])


def test_illegal_steps_are_refused_409(worker_a, household, stocked, catalogue):
    order = place(household, item(catalogue["rice"]))
    deliver = refusal(
        lambda: transitions.transition(
            flow=flows.ORDER_FLOW, row=order, to=flows.DELIVERED, actor=worker_a, owner_id=worker_a.pk
        )
    )
    assert (deliver.status, deliver.message) == (409, "状态不能从“已下单”变为“已送达”")
    services.order_accept(actor=worker_a, order=order)
    again = refusal(lambda: services.order_accept(actor=worker_a, order=order))
    assert (again.status, again.message) == (409, "状态不能从“已受理”变为“已受理”")
    services.order_cancel(actor=worker_a, order=order, reason="住户取消")
    assert refusal(lambda: services.order_cancel(actor=worker_a, order=order, reason="再取消")).status == 409
    assert refusal(lambda: services.order_accept(actor=worker_a, order=order)).status == 409
    assert Order.objects.get(pk=order.pk).status == flows.CANCELLED


def test_only_community_staff_of_the_orders_community_accept_it(community_a, household, point, catalogue, worker_b):
    order = place(household, item(catalogue["rice"]))
    leader = make_user_with_role("leader", "building_leader", community_a.code, building=household.building)
    street = make_user_with_role("street", "street_staff", community_a.code[:9])
    for outsider in (leader, worker_b, street):
        assert refusal(lambda o=outsider: services.order_accept(actor=o, order=order)).status == 403
    assert Order.objects.get(pk=order.pk).status == flows.PLACED


# The household's page and the API, reached through the door code


def test_the_household_page_shows_its_address_and_orders_for_that_household_only(client, household, point, catalogue):
    other = HouseholdFactory(building=household.building)
    page = client.get(f"/o/{household.door_key}/")
    assert page.status_code == 200 and household.address in page.content.decode()
    assert page["Referrer-Policy"] == "same-origin"  # no-referrer made chromium send Origin: null, refused by CSRF
    assert client.get(f"/o/H:{household.door_key}/").status_code == 200  # the code as the door's QR holds it
    form = {
        f"item:{catalogue['rice'].public_id}": "2",
        f"item:{catalogue['oil'].public_id}": "0",  # none
        f"package:{catalogue['elderly'].public_id}": "",
        "payment": "free",
        "household": other.public_id,  # no such field: ignored
        "household_id": str(other.pk),
    }
    placed = client.post(f"/o/{household.door_key}/", form)
    text = placed.content.decode()
    assert placed.status_code == 200 and 'id="placed"' in text and "大米×2" in text
    (order,) = Order.objects.all()
    assert order.household == household and order.channel == Order.Channel.HOUSEHOLD
    assert list(order.lines.values_list("item__name", "quantity")) == [("大米", 2)]
    assert not Order.objects.filter(household=other).exists()


def test_the_household_page_shows_a_refusal_with_its_status(client, household, point, catalogue):
    form = {f"item:{catalogue['rice'].public_id}": "100", "payment": "free"}
    refused = client.post(f"/o/{household.door_key}/", form)
    assert refused.status_code == 422 and "第1项数量过多（每项最多99）" in refused.content.decode()
    assert not Order.objects.exists()


@pytest.mark.parametrize("code", ["01NOSUCHHOUSEHOLD000000000", "H:", "x" * 300])
def test_a_wrong_code_is_404(client, household, point, code):
    assert client.get(f"/o/{code}/").status_code == 404
    assert client.post(f"/o/{code}/", {"payment": "free"}).status_code == 404


def test_orders_through_a_door_code_are_limited(monkeypatch, client, household, point, catalogue):
    from gongzhi.supplies.views import orders as order_views

    monkeypatch.setattr(order_views, "HOUSEHOLD_ORDERS_PER_HOUR", 2)  # 2 per household, 6 per address
    form = {f"item:{catalogue['rice'].public_id}": "1", "payment": "free"}
    url = f"/o/{household.door_key}/"
    assert client.post(url, {"payment": "free"}, REMOTE_ADDR="203.0.113.7").status_code == 422  # counts too
    assert client.post(url, form, REMOTE_ADDR="203.0.113.7").status_code == 200
    refused = client.post(url, form, REMOTE_ADDR="203.0.113.8")  # another address: the household's limit
    assert refused.status_code == 429 and "下单次数过多，请" in refused.content.decode()
    assert Order.objects.count() == 1
    assert client.get(url, REMOTE_ADDR="203.0.113.7").status_code == 200  # the page itself still opens
    neighbours = [HouseholdFactory(building=household.building) for _ in range(3)]
    codes = [200, 200, 200, 200, 429]  # the address's limit: 6 attempts, 2 used above
    answers = [client.post(f"/o/{h.door_key}/", form, REMOTE_ADDR="203.0.113.7").status_code for h in neighbours]
    answers += [client.post(f"/o/{neighbours[0].door_key}/", form, REMOTE_ADDR="203.0.113.7").status_code]
    answers += [client.post(f"/o/{neighbours[1].door_key}/", form, REMOTE_ADDR="203.0.113.7").status_code]
    assert answers == codes


def test_the_household_pages_429_says_when_to_try_again(monkeypatch, client, household, point, catalogue):
    from gongzhi.supplies.views import orders as order_views

    monkeypatch.setattr(order_views, "HOUSEHOLD_ORDERS_PER_HOUR", 1)
    form = {f"item:{catalogue['rice'].public_id}": "1", "payment": "free"}
    client.post(f"/o/{household.door_key}/", form)
    refused = client.post(f"/o/{household.door_key}/", form)
    assert refused.status_code == 429
    assert int(refused.get("Retry-After", "0")) > 0  # as the API's 429 and the volunteer sign-up page's do


def test_the_api_places_an_order_for_the_code_in_its_path(client, household, point, catalogue):
    body = {
        "lines": [{"kind": "package", "public_id": catalogue["chronic"].public_id, "quantity": 2}],
        "payment": "free",
    }
    made = client.post(f"/api/supplies/households/{household.door_key}/orders", body, content_type="application/json")
    assert made.status_code == 201
    answer = made.json()
    order = Order.objects.get()
    assert answer["public_id"] == order.public_id and order.household == household
    assert (answer["status"], answer["urgent"], answer["kg"]) == ("placed", True, 10.2)
    assert answer["household_address"] == household.address and order.channel == Order.Channel.HOUSEHOLD
    api = "/api/supplies/households/{}/orders"
    bad = client.post(api.format(household.door_key), {"lines": [{**body["lines"][0], "quantity": 100}]},
                      content_type="application/json")  # fmt: skip
    assert bad.status_code == 422
    unknown = {"lines": [{"kind": "item", "public_id": "01NOSUCH", "quantity": 1}]}
    refused = client.post(api.format(household.door_key), unknown, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["message"] == "第1项：目录中没有这样物资"
    missing = client.post(api.format("01NOSUCHHOUSEHOLD000000000"), body, content_type="application/json")
    assert missing.status_code == 404 and Order.objects.count() == 1


def test_the_api_limits_orders_through_a_door_code_with_retry_after(monkeypatch, client, household, point, catalogue):
    from gongzhi.supplies.views import orders as order_views

    monkeypatch.setattr(order_views, "HOUSEHOLD_ORDERS_PER_HOUR", 1)
    body = {"lines": [{"kind": "item", "public_id": catalogue["rice"].public_id, "quantity": 1}]}
    url = f"/api/supplies/households/{household.door_key}/orders"
    assert client.post(url, body, content_type="application/json").status_code == 201
    refused = client.post(url, body, content_type="application/json")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "下单次数过多" in refused.json()["message"] and Order.objects.count() == 1
