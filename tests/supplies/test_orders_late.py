"""Late orders (open, placed more than 24 hours ago): `selectors.order_list(late=True)`, the order
list's ?late=1 with its note (#orders-only, shown for ?urgent=1 too), and the command view's "late
orders" figure, which links there with the same count."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone

from gongzhi.core import figures
from gongzhi.supplies import selectors, services
from gongzhi.supplies.models import Order
from gongzhi.supplies.services import LineIn
from tests.factories import make_user_with_role
from tests.supplies.factories import household_in, located_building, make_item, make_point, receive

pytestmark = pytest.mark.django_db

STREET = "510104017"


@pytest.fixture(autouse=True)
def fresh_order_limits():
    """The order limits count in the cache: each test starts with none used."""
    cache.clear()
    yield
    cache.clear()


def placed(worker, building, room, item, *, hours_ago=0):
    order = services.order_place(
        household=household_in(building, room), lines=[LineIn("item", item.public_id, 1)], actor=worker
    )
    if hours_ago:
        Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - dt.timedelta(hours=hours_ago))
        order.refresh_from_db()
    return order


@pytest.fixture
def orders(community_a, community_b):
    """In A: open orders new and old, placed or accepted, urgent or not, one cancelled; one late in B."""
    worker_a = make_user_with_role("worker_la", "community_worker", community_a.code)
    worker_b = make_user_with_role("worker_lb", "community_worker", community_b.code)
    rice = make_item("大米", kg="5")
    insulin = make_item("胰岛素笔芯", category="medicine", kg="0.1", urgent_medical=True)
    for worker, code in ((worker_a, community_a.code), (worker_b, community_b.code)):
        point = make_point(code)
        receive(worker, point, rice, 50)
        receive(worker, point, insulin, 10)
    in_a, in_b = located_building(community_a), located_building(community_b)
    made = {
        "fresh": placed(worker_a, in_a, "101", rice),
        "almost": placed(worker_a, in_a, "102", rice, hours_ago=23),  # not yet 24 hours
        "late": placed(worker_a, in_a, "103", rice, hours_ago=25),
        "late_accepted": placed(worker_a, in_a, "104", rice, hours_ago=30),
        "cancelled": placed(worker_a, in_a, "105", rice, hours_ago=40),
        "urgent_late": placed(worker_a, in_a, "106", insulin, hours_ago=26),
        "urgent_new": placed(worker_a, in_a, "107", insulin),
        "late_b": placed(worker_b, in_b, "201", rice, hours_ago=25),
    }
    services.order_accept(actor=worker_a, order=made["late_accepted"])
    services.order_cancel(actor=worker_a, order=made["cancelled"], reason="住户不需要了")
    assert made["urgent_late"].urgent and made["urgent_new"].urgent and not made["late"].urgent
    return {"worker_a": worker_a, "worker_b": worker_b, **made}


def ids(*rows):
    return [o.public_id for o in rows]


def test_the_late_ones_are_open_and_older_than_a_day_urgent_first(orders, community_a):
    worker, code = orders["worker_a"], community_a.code
    late = selectors.order_list(user=worker, area_code=code, late=True)
    assert ids(*late) == ids(orders["urgent_late"], orders["late_accepted"], orders["late"])
    both = selectors.order_list(user=worker, area_code=code, late=True, urgent=True)
    assert ids(*both) == ids(orders["urgent_late"])
    accepted = selectors.order_list(user=worker, area_code=code, late=True, status="accepted")
    assert ids(*accepted) == ids(orders["late_accepted"])
    assert not selectors.order_list(user=worker, area_code=code, late=True, status="cancelled").exists()
    # not late: every order of A
    assert len(selectors.order_list(user=worker, area_code=code)) == 7
    # the street's: only those the user sees
    assert ids(*selectors.order_list(user=worker, area_code=STREET, late=True)) == ids(*late)
    assert ids(*selectors.order_list(user=orders["worker_b"], area_code=STREET, late=True)) == ids(orders["late_b"])


def listed(page: str) -> list[str]:
    table = page.split('id="orders"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'name="order" value="([^"]+)"', table)


def note(page: str) -> str:
    return page.split('id="orders-only"', 1)[1].split("</p>", 1)[0] if 'id="orders-only"' in page else ""


def test_the_order_list_filters_the_late_ones_and_says_so(client, orders, community_a):
    code = community_a.code
    client.force_login(orders["worker_a"])
    page = client.get("/supplies/orders/", {"area": code, "late": "1"}).content.decode()
    assert listed(page) == ids(orders["urgent_late"], orders["late_accepted"], orders["late"])
    said = note(page)
    assert "超过24小时未送达" in said and "急需医疗未送达" not in said
    assert f'href="?area={code}"' in said  # back to every order
    filters = page.split('class="filters"', 1)[1].split("</form>", 1)[0]
    assert '<input type="hidden" name="late" value="1">' in filters  # a status chosen keeps the filter
    assert 'name="urgent"' not in filters

    page = client.get("/supplies/orders/", {"area": code, "late": "1", "status": "placed"}).content.decode()
    assert listed(page) == ids(orders["urgent_late"], orders["late"])

    page = client.get("/supplies/orders/", {"area": code, "urgent": "1"}).content.decode()
    assert listed(page) == ids(orders["urgent_late"], orders["urgent_new"])
    said = note(page)
    assert "急需医疗未送达" in said and "超过24小时未送达" not in said

    page = client.get("/supplies/orders/", {"area": code, "urgent": "1", "late": "1"}).content.decode()
    assert listed(page) == ids(orders["urgent_late"])
    assert "急需医疗未送达、超过24小时未送达" in note(page)

    page = client.get("/supplies/orders/", {"area": code}).content.decode()
    assert note(page) == "" and 'id="orders-only"' not in page  # no filter on: no note
    assert len(listed(page)) == 7
    page = client.get("/supplies/orders/", {"area": code, "late": "0"}).content.decode()
    assert 'id="orders-only"' not in page and len(listed(page)) == 7


def test_another_communitys_late_orders_are_not_the_workers(client, orders, community_b):
    client.force_login(orders["worker_a"])
    assert client.get("/supplies/orders/", {"area": community_b.code, "late": "1"}).status_code == 404
    client.force_login(orders["worker_b"])
    page = client.get("/supplies/orders/", {"area": community_b.code, "late": "1"}).content.decode()
    assert listed(page) == ids(orders["late_b"])


def test_the_command_views_late_figure_links_to_the_same_orders(client, orders, community_a, community_b):
    late_figure = next(f for f in figures.all_figures() if f.key == "supplies.late_orders")
    counted = figures.count_all()["supplies.late_orders"]
    assert counted == {community_a.code: 3, community_b.code: 1}
    admin = get_user_model().objects.create_superuser("admin", password="pass-for-tests-1")
    client.force_login(admin)
    for code, expected in (
        (community_a.code, ids(orders["urgent_late"], orders["late_accepted"], orders["late"])),
        (STREET, ids(orders["urgent_late"], orders["late_accepted"], orders["late"], orders["late_b"])),
    ):
        link = late_figure.link(code)
        assert link == f"/supplies/orders/?area={code}&late=1"
        page = client.get(link).content.decode()
        assert sorted(listed(page)) == sorted(expected), code
        assert len(listed(page)) == sum(n for c, n in counted.items() if c.startswith(code)), code
        assert "超过24小时未送达" in note(page)
