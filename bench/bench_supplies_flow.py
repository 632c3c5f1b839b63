"""A community's supplies day, end to end in the product: 600 orders → accepted → packed (stock issued)
→ packing list (page and .xlsx) → delivery runs routed for 40 volunteers.

    .venv/bin/python bench/bench_supplies_flow.py               # SQLite
    .venv/bin/python bench/bench_supplies_flow.py --postgres

One real community (水井坊社区) gets --buildings buildings at seeded places in an 800 m square and
--households households spread over them; --volunteers accounts with the volunteer role (25 on foot, 10
carts, 4 tricycles, 1 van when 40); a catalogue, two packages and a distribution point holding enough.
--orders households order through their door code (one or two packages, some items; 5 % with insulin,
so urgent; 10 % with a one-hour window in the next four hours). Each step is one service or selector
call as the pages make it; what is timed is the community worker's part after the orders are in
(accept, pack, the packing list, the routes: the issue's "orders → packing lists → routes", goal 30 s).
Placing the orders is timed too, apart: residents do that over the day.
"""

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time

ARGS = argparse.ArgumentParser()
ARGS.add_argument("--postgres", action="store_true")
ARGS.add_argument("--buildings", type=int, default=60)
ARGS.add_argument("--households", type=int, default=3000)
ARGS.add_argument("--orders", type=int, default=600)
ARGS.add_argument("--volunteers", type=int, default=40)
ARGS.add_argument("--route-seconds", type=float, default=20.0)
ARGS.add_argument("--seed", type=int, default=2022)
ARGS = ARGS.parse_args()

PG_DB = "gongzhi_bench_supplies"
if ARGS.postgres:
    for sql in (f"DROP DATABASE IF EXISTS {PG_DB}", f"CREATE DATABASE {PG_DB}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
else:
    os.environ.pop("DATABASE_URL", None)
    os.environ["GONGZHI_VAR_DIR"] = tempfile.mkdtemp(prefix="gongzhi-bench-supplies-")
os.environ["DJANGO_SETTINGS_MODULE"] = "gongzhi.config.settings.base"
sys.argv = sys.argv[:1]

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from gongzhi.core import workbook  # noqa: E402
from gongzhi.core.models import RoleAssignment  # noqa: E402
from gongzhi.demo.supplies import _metres_to_degrees  # noqa: E402
from gongzhi.places.models import Area, Building, Grid, Household  # noqa: E402
from gongzhi.places.services import areas_load  # noqa: E402
from gongzhi.supplies import selectors, services  # noqa: E402
from gongzhi.supplies.models import DeliveryStop, Order, SupplyPoint  # noqa: E402

CODE = "510104017001"


def load(rng: random.Random):
    call_command("migrate", verbosity=0)
    areas_load()
    community = Area.objects.get(code=CODE)
    grids = Grid.objects.bulk_create(
        [Grid(community=community, community_code=CODE, number=n, name=f"第{n}网格") for n in range(1, 7)]
    )
    buildings = []
    for n in range(1, ARGS.buildings + 1):
        lat, lon = _metres_to_degrees(rng.uniform(0, 800), rng.uniform(0, 800))
        buildings.append(
            Building(grid=grids[n % len(grids)], community_code=CODE, number=n, name=f"{n}栋", address="水井坊小区",
                     latitude=lat, longitude=lon)
        )  # fmt: skip
    buildings = Building.objects.bulk_create(buildings)
    households = []
    for i in range(ARGS.households):
        building, floor = buildings[i % len(buildings)], i // len(buildings)
        households.append(
            Household(building=building, community_code=CODE, unit=1 + floor % 3, room=f"{floor}",
                      address=f"水井坊小区{building.name}{floor}号")
        )  # fmt: skip
    Household.objects.bulk_create(households, batch_size=1000)
    User = get_user_model()
    worker = User.objects.create_user(username="worker")
    district = User.objects.create_user(username="district")
    RoleAssignment.objects.create(user=worker, role="community_worker", area_code=CODE)
    RoleAssignment.objects.create(user=district, role="district_staff", area_code=CODE[:6])
    couriers = [User.objects.create_user(username=f"v{n:03d}", first_name=f"志愿者{n}") for n in range(ARGS.volunteers)]
    RoleAssignment.objects.bulk_create([RoleAssignment(user=u, role="volunteer", area_code=CODE) for u in couriers])
    item = {}
    for name, category, kg, urgent in [
        ("大米", "grain", "5", False), ("菜籽油", "oil", "1.65", False), ("鸡蛋", "eggs", "1.8", False),
        ("蔬菜", "vegetables", "5", False), ("牛奶", "milk", "3.1", False), ("猪肉", "meat", "1", False),
        ("胰岛素笔芯", "medicine", "0.1", True),
    ]:  # fmt: skip
        item[name] = services.item_create(
            actor=district, name=name, category=category, unit="份", kg_per_unit=kg, urgent_medical=urgent
        )
    veg = services.package_create(actor=district, name="5公斤蔬菜包", lines=[(item["蔬菜"], 1)])
    week = services.package_create(
        actor=district, name="7天老人包", lines=[(item[n], 1) for n in ("大米", "菜籽油", "鸡蛋", "牛奶")]
    )
    point = SupplyPoint.objects.create(
        kind="distribution", name="分发点", community_code=CODE, latitude=_metres_to_degrees(400, 400)[0],
        longitude=_metres_to_degrees(400, 400)[1],
    )  # fmt: skip
    for it in item.values():
        services.stock_receive(actor=worker, point=point, item=it, quantity=100_000)
    return worker, couriers, item, veg, week, point


def main():
    rng = random.Random(ARGS.seed)
    started = time.perf_counter()
    worker, couriers, item, veg, week, point = load(rng)
    print(f"loaded in {time.perf_counter() - started:.1f} s ({'PostgreSQL' if ARGS.postgres else 'SQLite'})")
    households = list(Household.objects.filter(community_code=CODE).select_related("building").order_by("id"))
    chosen = rng.sample(households, ARGS.orders)
    line = services.LineIn
    now = timezone.now()
    t = time.perf_counter()
    for n, household in enumerate(chosen):
        asked = [line("package", veg.public_id if n % 2 else week.public_id, rng.randint(1, 2))]
        if rng.random() < 0.4:
            asked.append(line("item", item["猪肉"].public_id, rng.randint(1, 3)))
        if rng.random() < 0.05:
            asked.append(line("item", item["胰岛素笔芯"].public_id, 2))
        start = end = None
        if rng.random() < 0.10:
            start = now + dt.timedelta(minutes=rng.randint(10, 180))
            end = start + dt.timedelta(hours=1)
        services.order_place(household=household, lines=asked, window_start=start, window_end=end)
    placing = time.perf_counter() - t
    steps = {}
    t = time.perf_counter()
    for order in Order.objects.filter(community_code=CODE).select_related("household__building"):
        services.order_accept(actor=worker, order=order)
    steps["accept"] = time.perf_counter() - t
    t = time.perf_counter()
    accepted = list(Order.objects.filter(community_code=CODE, status="accepted").select_related("point"))
    with CaptureQueriesContext(connection) as packing_queries:
        outcome = services.orders_pack(actor=worker, orders=accepted)
    steps["pack"] = time.perf_counter() - t
    t = time.perf_counter()
    groups = selectors.packing_list(point=point)
    book = workbook.new_workbook()
    sheet = book.active
    for group in groups:
        for order, wanted in group.orders:
            for it, n in wanted.items():
                sheet.append([group.label, order.household.address, order.public_id, it.name, n])
    workbook.workbook_bytes(book)
    steps["packing list"] = time.perf_counter() - t
    kinds = ["foot"] * 25 + ["cart"] * 10 + ["tricycle"] * 4 + ["van"]
    fleet = [services.CourierIn(user=u, vehicle=kinds[i % len(kinds)]) for i, u in enumerate(couriers)]
    t = time.perf_counter()
    planned = services.runs_plan(actor=worker, point=point, couriers=fleet, seconds=ARGS.route_seconds, seed=ARGS.seed)
    steps["routes"] = time.perf_counter() - t
    stops = DeliveryStop.objects.filter(run__in=planned.runs)
    urgent_stops = stops.filter(urgent=True)
    on_time = urgent_stops.filter(arrival_minute__lte=60).count()
    windows_late = (
        Order.objects.filter(urgent=True, window_start__gt=now + dt.timedelta(minutes=60))
        .values("household")
        .distinct()
        .count()
    )
    total = sum(steps.values())
    print(f"orders placed: {ARGS.orders} in {placing:.2f} s ({ARGS.orders / placing:.0f}/s, one service call each)")
    for name, seconds in steps.items():
        print(f"  {name:<13} {seconds:7.2f} s")
    print(f"  {'total':<13} {total:7.2f} s  (goal 30 s)")
    print(
        f"packed {len(outcome.packed)} ({len(packing_queries) / max(1, len(accepted)):.1f} queries an order), "
        f"refused {len(outcome.refused)}; {len(groups)} buildings on the packing list; "
        f"{len(planned.runs)} runs, {stops.count()} stops, {len(planned.left)} households left; "
        f"urgent stops by minute 60: {on_time}/{urgent_stops.count()} "
        f"({windows_late} asked for a window opening later; "
        f"late although their window allowed: {planned.late_urgent}); plan {planned.plan_status}"
    )


if __name__ == "__main__":
    main()
