"""The demo's living supplies: building locations, the catalogue and packages, the street's reserve, a
supermarket and each community's distribution point with stock (the first community short of
vegetables and meat, so its alert shows), and in the first community orders in every state with one
routed run, part delivered, one failed and re-queued. Made with the services, as staff would; run once
(skipped when the catalogue exists)."""

import math
import random
from collections.abc import Sequence

from django.contrib.auth import get_user_model

from gongzhi.places.models import Area, Building, Household
from gongzhi.supplies import services
from gongzhi.supplies.models import Item

# Around 牛市口, 锦江区, Chengdu: the demo's buildings spread over about 800 m per community.
ORIGIN = (30.6420, 104.1030)
METRES_PER_DEGREE_LAT = 111_320.0

ITEMS = [
    # name, category, unit, kg per unit, price (None: not sold), urgent medical
    ("大米（5公斤袋）", "grain", "袋", "5", "32.00", False),
    ("面粉（2.5公斤袋）", "grain", "袋", "2.5", "15.00", False),
    ("菜籽油（1.8升）", "oil", "桶", "1.65", "29.90", False),
    ("猪肉（1公斤）", "meat", "份", "1", "28.00", False),
    ("鸡蛋（30枚）", "eggs", "盒", "1.8", "24.00", False),
    ("时令蔬菜（5公斤）", "vegetables", "箱", "5", "25.00", False),
    ("纯牛奶（250毫升×12）", "milk", "箱", "3.1", "36.00", False),
    ("胰岛素笔芯", "medicine", "盒", "0.1", None, True),
    ("腹膜透析液（2升×6）", "medicine", "箱", "12.5", None, True),
    ("处方药代购", "medicine", "袋", "0.3", None, True),
    ("婴儿配方奶粉（800克）", "infant", "罐", "0.9", "198.00", False),
    ("卫生用品包", "sanitary", "包", "1.2", "18.00", False),
]

RESERVE_STOCK = [
    ("大米（5公斤袋）", 3000),
    ("菜籽油（1.8升）", 1500),
    ("时令蔬菜（5公斤）", 1200),
    ("猪肉（1公斤）", 800),
    ("鸡蛋（30枚）", 900),
    ("纯牛奶（250毫升×12）", 800),
    ("胰岛素笔芯", 200),
    ("腹膜透析液（2升×6）", 60),
]
DISTRIBUTION_STOCK = [
    ("大米（5公斤袋）", 60),
    ("菜籽油（1.8升）", 30),
    ("时令蔬菜（5公斤）", 40),
    ("猪肉（1公斤）", 30),
    ("鸡蛋（30枚）", 30),
    ("纯牛奶（250毫升×12）", 40),
    ("胰岛素笔芯", 20),
    ("腹膜透析液（2升×6）", 6),
    ("处方药代购", 20),
]


def _metres_to_degrees(x: float, y: float) -> tuple[float, float]:
    lat = ORIGIN[0] + y / METRES_PER_DEGREE_LAT
    lon = ORIGIN[1] + x / (METRES_PER_DEGREE_LAT * math.cos(math.radians(ORIGIN[0])))
    return round(lat, 6), round(lon, 6)


def buildings_locate(communities: Sequence[Area], seed: int = 2022) -> int:
    """Give every building without a location one: each community in its own 800 m square."""
    rng = random.Random(seed)
    located = 0
    for index, community in enumerate(communities):
        ox, oy = (index % 5) * 1200.0, (index // 5) * 1200.0
        buildings = list(
            Building.objects.filter(community_code=community.code, latitude__isnull=True).order_by("number")
        )
        for building in buildings:
            building.latitude, building.longitude = _metres_to_degrees(
                ox + rng.uniform(0, 800), oy + rng.uniform(0, 800)
            )
        Building.objects.bulk_update(buildings, ["latitude", "longitude"], batch_size=500)
        located += len(buildings)
    return located


def community_centre(community_code: str) -> tuple[float, float] | tuple[None, None]:
    points = list(
        Building.objects.filter(community_code=community_code, latitude__isnull=False).values_list(
            "latitude", "longitude"
        )
    )
    if not points:
        return None, None
    return round(sum(p[0] for p in points) / len(points), 6), round(sum(p[1] for p in points) / len(points), 6)


def demo_supplies_create(*, communities: Sequence[Area]) -> int:
    """Returns the number of orders made (0 when the catalogue already exists)."""
    if Item.objects.exists() or not communities:
        return 0
    users = {
        u.username: u
        for u in get_user_model().objects.filter(username__in=["district", "street", "worker", "leader", "volunteer"])
    }
    district, street, worker = users.get("district"), users.get("street"), users.get("worker")
    if district is None or street is None or worker is None:
        return 0
    buildings_locate(communities)
    items = {
        name: services.item_create(
            actor=district, name=name, category=category, unit=unit, kg_per_unit=kg, price=price, urgent_medical=urgent
        )
        for name, category, unit, kg, price, urgent in ITEMS
    }
    vegetables = services.package_create(actor=district, name="5公斤蔬菜包", lines=[(items["时令蔬菜（5公斤）"], 1)])
    elderly = services.package_create(
        actor=district, name="7天老人包", description="独居老人一周的口粮",
        lines=[(items["大米（5公斤袋）"], 1), (items["菜籽油（1.8升）"], 1), (items["鸡蛋（30枚）"], 1),
               (items["纯牛奶（250毫升×12）"], 1), (items["时令蔬菜（5公斤）"], 1)],
    )  # fmt: skip
    street_code = communities[0].code[:9]
    reserve = services.supply_point_create(
        actor=street, area_code=street_code, kind="reserve", name="街道应急物资储备库"
    )
    for name, n in RESERVE_STOCK:
        services.stock_receive(actor=street, point=reserve, item=items[name], quantity=n, reason="区级调拨入库")
    first = communities[0]
    lat, lon = community_centre(first.code)
    shop = services.supply_point_create(
        actor=street,
        area_code=first.code,
        kind="supermarket",
        name=f"{first.name}红旗连锁",
        latitude=lat,
        longitude=lon,
    )
    for name, n in [("大米（5公斤袋）", 120), ("鸡蛋（30枚）", 60), ("婴儿配方奶粉（800克）", 20), ("卫生用品包", 80)]:
        services.stock_receive(actor=street, point=shop, item=items[name], quantity=n, reason="商超备货")
    for index, community in enumerate(c for c in communities if c.code.startswith(street_code)):
        lat, lon = community_centre(community.code)
        point = services.supply_point_create(
            actor=street, area_code=community.code, kind="distribution", name=f"{community.name}物资分发点",
            address=f"{community.name}党群服务中心", latitude=lat, longitude=lon,
        )  # fmt: skip
        scale = 1 if index == 0 else 4  # the first community runs short: its alert shows
        for name, n in DISTRIBUTION_STOCK:
            services.stock_receive(actor=street, point=point, item=items[name], quantity=n * scale, reason="首批配送")
    made = _orders(first, items, vegetables, elderly, users)
    services.allocation_propose(actor=street, area_code=street_code)  # a plan waiting for the street to confirm
    return made


def _orders(community: Area, items, vegetables, elderly, users) -> int:
    """Orders in every state in the first community, one routed run part delivered."""
    worker, leader, volunteer = users["worker"], users.get("leader"), users.get("volunteer")
    households = list(
        Household.objects.filter(community_code=community.code).select_related("building").order_by("id")[:40]
    )
    if len(households) < 20:
        return 0
    line = services.LineIn
    made = []
    for n, household in enumerate(households[:16]):
        asked = [line("package", vegetables.public_id, 1)]
        if n % 4 == 0:
            asked = [line("package", elderly.public_id, 1)]
        if n in (2, 9):
            asked.append(line("item", items["胰岛素笔芯"].public_id, 2))
        if n == 5:
            asked = [line("item", items["腹膜透析液（2升×6）"].public_id, 1)]
        made.append(
            services.order_place(household=household, lines=asked, payment="paid" if n in (3, 6, 12) else "free")
        )
    if leader is not None:
        for household in Household.objects.filter(building__in=_leader_buildings(leader)).order_by("id")[:2]:
            made.append(
                services.order_place(household=household, lines=[line("package", elderly.public_id, 1)], actor=leader)
            )
    for order in made[:14]:
        services.order_accept(actor=worker, order=order)
    services.orders_pack(actor=worker, orders=made[:11])
    services.order_cancel(actor=worker, order=made[13], reason="住户已自行解决")
    if volunteer is not None:
        planned = services.runs_plan(
            actor=worker,
            point=made[0].point,
            couriers=[services.CourierIn(user=volunteer, vehicle="tricycle")],
            seconds=2,
        )
        for run in planned.runs:
            stops = list(run.stops.select_related("household").order_by("sequence"))
            for stop in stops[:4]:
                services.stop_confirm(actor=volunteer, run=run, code=f"H:{stop.household.door_key}")
            if len(stops) > 4:
                services.stop_fail(
                    actor=volunteer, run=run, household=stops[4].household.public_id, reason="nobody_home"
                )
    services.orders_pack(actor=worker, orders=made[11:13])  # packed after the run left: waiting for the next
    return len(made)


def _leader_buildings(leader) -> list[int]:
    return [a.building_id for a in leader.role_assignments.all() if a.building_id]
