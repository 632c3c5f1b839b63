"""The staff pages of living supplies: the catalogue, a point's stock, the order list's bulk steps, the
packing list (.xlsx), the panel, planning runs. Each answers bad input with its words and writes nothing."""

import io

import openpyxl
import pytest

from gongzhi.supplies import services
from gongzhi.supplies.models import DeliveryRun, Item, Order, StockMovement
from tests.factories import ResidentFactory, make_user_with_role
from tests.supplies.factories import (
    balance,
    household_in,
    located_building,
    make_item,
    make_point,
    make_volunteer,
    receive,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(community_a):
    worker = make_user_with_role("worker_p", "community_worker", community_a.code)
    rice = make_item("大米", kg="5")
    point = make_point(community_a.code, name="水井坊分发点")
    receive(worker, point, rice, 10)
    building = located_building(community_a)
    orders = []
    for room in ("101", "102"):
        household = household_in(building, room)
        ResidentFactory(household=household)
        orders.append(services.order_place(household=household, lines=[services.LineIn("item", rice.public_id, 2)]))
    return worker, rice, point, orders


def test_district_staff_add_items_and_packages_a_community_worker_cannot(client, community_a):
    district = make_user_with_role("district_p", "district_staff", community_a.code[:6])
    client.force_login(district)
    client.post(
        "/supplies/catalogue/",
        {"name": "胰岛素笔芯", "category": "medicine", "unit": "盒", "kg_per_unit": "0.1", "urgent_medical": "on"},
    )
    insulin = Item.objects.get(name="胰岛素笔芯")
    assert insulin.urgent_medical and insulin.price is None
    client.post(
        "/supplies/catalogue/",
        {"action": "package", "name": "糖尿病包", "item": [insulin.public_id], f"quantity:{insulin.public_id}": "2"},
    )
    assert "糖尿病包" in client.get("/supplies/catalogue/").content.decode()
    worker = make_user_with_role("worker_c", "community_worker", community_a.code)
    client.force_login(worker)
    page = client.post(
        "/supplies/catalogue/", {"name": "面粉", "category": "grain", "unit": "袋", "kg_per_unit": "2.5"}, follow=True
    ).content.decode()
    assert "物资目录由区县或市级工作人员维护" in page and not Item.objects.filter(name="面粉").exists()


def test_a_bad_weight_is_refused_in_words(client, community_a):
    client.force_login(make_user_with_role("district_w", "district_staff", community_a.code[:6]))
    page = client.post(
        "/supplies/catalogue/", {"name": "面粉", "category": "grain", "unit": "袋", "kg_per_unit": "-1"}, follow=True
    ).content.decode()
    assert "每单位重量须在" in page and not Item.objects.filter(name="面粉").exists()


def test_the_stock_page_records_movements_and_refuses_bad_ones_writing_nothing(client, desk):
    worker, rice, point, _orders = desk
    client.force_login(worker)
    url = f"/supplies/points/{point.public_id}/"
    client.post(url, {"action": "receive", "item": rice.public_id, "quantity": "5", "reason": "到货"})
    assert balance(point, rice) == 15
    before = StockMovement.objects.count()
    for form, words in (
        ({"action": "issue", "item": rice.public_id, "quantity": "16"}, "库存不足"),
        ({"action": "issue", "item": "NOSUCHITEM", "quantity": "1"}, "请选择物资品项"),
        ({"action": "receive", "item": rice.public_id, "quantity": "0"}, "数量须大于0"),
        ({"action": "receive", "item": rice.public_id, "quantity": "9999999"}, "过大"),
    ):
        page = client.post(url, form, follow=True).content.decode()
        assert words in page, form
    assert StockMovement.objects.count() == before and balance(point, rice) == 15
    page = client.get(url).content.decode()
    assert "到货" in page  # the ledger shows the line


def test_bulk_steps_on_the_order_list_and_the_packing_list_as_xlsx(client, desk, community_b):
    worker, rice, point, orders = desk
    elsewhere = make_user_with_role("worker_b", "community_worker", community_b.code)
    client.force_login(elsewhere)
    client.post("/supplies/orders/", {"action": "accept", "order": [o.public_id for o in orders]})
    assert set(Order.objects.values_list("status", flat=True)) == {"placed"}  # not theirs: nothing moved
    client.force_login(worker)
    ids = [o.public_id for o in orders]
    client.post(f"/supplies/orders/?area={point.community_code}", {"action": "accept", "order": ids})
    client.post(f"/supplies/orders/?area={point.community_code}", {"action": "pack", "order": ids})
    assert set(Order.objects.values_list("status", flat=True)) == {"packed"} and balance(point, rice) == 6
    response = client.get(f"/supplies/points/{point.public_id}/packing/?format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 3 and {r[1] for r in rows[1:]} == {o.household.address for o in orders}
    assert all(r[5] == "大米" and r[6] == 2 for r in rows[1:])


def test_the_panel_shows_days_of_supply_an_alert_and_the_orders(
    client, desk, community_a, django_assert_max_num_queries
):
    worker, *_ = desk
    client.force_login(worker)
    with django_assert_max_num_queries(25):
        page = client.get(f"/supplies/?area={community_a.code}").content.decode()
    # 50 kg of rice for 2 residents at 0.325 kg a day: 76.9 days; five food categories held not at all:
    # the two lowest named (eggs and meat, in category order), three more counted.
    assert "76.9" in page and "蛋类没有库存" in page and "肉类没有库存" in page and "另有3类" in page
    assert 'id="building-orders"' in page


def test_planning_runs_from_the_page(client, desk, community_a):
    worker, rice, point, orders = desk
    volunteer = make_volunteer(community_a.code)
    services.order_accept(actor=worker, order=orders[0])
    services.orders_pack(actor=worker, orders=[orders[0]])
    client.force_login(worker)
    response = client.post(
        f"/supplies/runs/?area={community_a.code}",
        {
            "area": community_a.code,
            "point": point.public_id,
            "courier": [volunteer.pk],
            f"vehicle:{volunteer.pk}": "foot",
        },
    )
    assert response.status_code == 200 and "排出 1 趟配送" in response.content.decode()
    run = DeliveryRun.objects.get()
    assert run.courier == volunteer and run.stops.count() == 1
    page = client.post(
        f"/supplies/runs/?area={community_a.code}",
        {
            "area": community_a.code,
            "point": point.public_id,
            "courier": [volunteer.pk],
            f"vehicle:{volunteer.pk}": "foot",
        },
    ).content.decode()
    assert "没有待配送的订单" in page and DeliveryRun.objects.count() == 1


@pytest.mark.parametrize(
    ("courier", "capacity", "words"),
    [
        ("self", "²", "载重请填整数（公斤）"),  # a digit to str.isdigit, not to int()
        ("self", "20kg", "载重请填整数（公斤）"),
        ("self", "-5", "载重请填整数（公斤）"),
        ("gone", "", "所选的志愿者已不在本社区的配送名单中"),  # left the list since the page was drawn
    ],
)
def test_planning_runs_with_a_bad_courier_or_capacity_is_refused_in_words_and_plans_nothing(
    client, desk, community_a, courier, capacity, words
):
    worker, _rice, point, orders = desk
    volunteer = make_volunteer(community_a.code)
    services.order_accept(actor=worker, order=orders[0])
    services.orders_pack(actor=worker, orders=[orders[0]])
    pk = volunteer.pk if courier == "self" else 999_999
    client.force_login(worker)
    response = client.post(
        f"/supplies/runs/?area={community_a.code}",
        {"point": point.public_id, "courier": [pk], f"vehicle:{pk}": "foot", f"capacity:{pk}": capacity},
    )
    assert response.status_code == 200 and words in response.content.decode()
    assert not DeliveryRun.objects.exists()
    if courier == "self":  # the form comes back as it was sent
        page = response.content.decode()
        assert f'name="courier" value="{pk}" checked' in page
        assert f'name="capacity:{pk}" inputmode="numeric" size="4" value="{capacity}"' in page


def test_a_refused_household_order_comes_back_with_what_was_typed(client, desk):
    _worker, rice, _point, orders = desk
    household = orders[0].household
    page = client.post(
        f"/o/H:{household.door_key}/",
        {f"item:{rice.public_id}": "3", "payment": "paid", "note": "放门口", "window_day": "2022-09-05"},
    ).content.decode()
    assert "希望送达时间须填日期和起止时刻" in page  # a day without its hours
    assert f'name="item:{rice.public_id}" inputmode="numeric" size="3" value="3"' in page
    assert 'value="放门口"' in page and 'value="paid" selected' in page
    assert Order.objects.filter(household=household).count() == 1  # nothing new written
