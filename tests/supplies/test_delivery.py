"""Delivery runs (supplies.services.delivery): a distribution point's packed orders routed over its
volunteers (PyVRP, 1 s here), urgent doors first; the volunteer confirms each door by the household's code
or records why it failed, and a failed order goes back to the queue for the next run."""

import threading

import pytest
from django.db import connection

from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import WorkflowEvent
from gongzhi.supplies import flows, services
from gongzhi.supplies.models import DeliveryRun, DeliveryStop, Order
from gongzhi.supplies.services import CourierIn, LineIn
from gongzhi.supplies.services import delivery as delivery_module
from tests.factories import GridFactory, make_user_with_role
from tests.supplies.factories import household_in, located_building, make_item, make_point, make_volunteer, receive

pytestmark = pytest.mark.django_db
POSTGRESQL = connection.vendor == "postgresql"
METRES_NORTH, METRES_EAST = 1 / 111_195, 1 / 95_650  # degrees of latitude and longitude a metre, here


@pytest.fixture
def world(community_a, worker_a):
    """Three doors of community A on a square 400 m from the point (north, north-east, east: the shortest
    round visits the north-east one second either way), the north-east one urgent; a fourth door in a
    building without a location. One order each, accepted and packed; one volunteer with a cart."""
    point = make_point(community_a.code, name="水井坊社区分发点")
    rice = make_item("大米", kg="5")
    insulin = make_item("胰岛素笔芯", category="medicine", unit="盒", kg="0.1", urgent_medical=True)
    receive(worker_a, point, rice, 50)
    receive(worker_a, point, insulin, 5)
    grid = GridFactory(community=community_a)
    north = household_in(located_building(community_a, dlat=400 * METRES_NORTH, grid=grid))
    corner = household_in(located_building(community_a, dlat=400 * METRES_NORTH, dlon=400 * METRES_EAST, grid=grid))
    east = household_in(located_building(community_a, dlon=400 * METRES_EAST, grid=grid))
    nowhere = household_in(located_building(community_a, located=False, grid=grid))
    orders = {}
    for name, household, wanted in (
        ("north", north, rice), ("corner", corner, insulin), ("east", east, rice), ("nowhere", nowhere, rice)
    ):  # fmt: skip
        order = services.order_place(household=household, lines=[LineIn("item", wanted.public_id, 1)])
        services.order_accept(actor=worker_a, order=order)
        orders[name] = order
    packed = services.orders_pack(actor=worker_a, orders=Order.objects.all())
    assert len(packed.packed) == 4
    return {
        "point": point, "rice": rice, "insulin": insulin, "orders": orders, "worker": worker_a,
        "households": {"north": north, "corner": corner, "east": east, "nowhere": nowhere},
        "volunteer": make_volunteer(community_a.code, "13900000001", "李志愿"),
    }  # fmt: skip


def plan(world, couriers=None, **kwargs):
    couriers = couriers or [CourierIn(world["volunteer"], "cart")]
    return services.runs_plan(actor=world["worker"], point=world["point"], couriers=couriers, seconds=1, **kwargs)


def order(world, name):
    return Order.objects.get(pk=world["orders"][name].pk)


def door(household):
    return f"H:{household.door_key}"


def fresh(run):
    return DeliveryRun.objects.get(pk=run.pk)


@pytest.fixture
def run(world):
    (planned,) = plan(world).runs
    return planned


def test_packed_orders_are_routed_urgent_door_first_and_the_unlocated_one_left_with_its_reason(world):
    planned = plan(world)
    (run,) = planned.runs
    assert (run.courier, run.courier_name, run.vehicle, run.capacity_kg) == (
        world["volunteer"],
        "李志愿 139****0001",
        "cart",
        60,
    )
    assert run.status == flows.PLANNED and run.point == world["point"] and run.distance_m > 1600
    stops = list(DeliveryStop.objects.filter(run=run).order_by("sequence"))
    h = world["households"]
    assert [s.sequence for s in stops] == [1, 2, 3]
    assert stops[0].household == h["corner"] and stops[0].urgent  # first, though not on the shortest round
    assert {s.household_id for s in stops[1:]} == {h["north"].pk, h["east"].pk} and not any(s.urgent for s in stops[1:])
    assert all(s.outcome == DeliveryStop.Outcome.PENDING and s.trip == 1 for s in stops)
    assert [s.arrival_minute for s in stops] == sorted(s.arrival_minute for s in stops)
    assert planned.left == [(h["nowhere"], "楼栋没有位置")]
    for name in ("north", "corner", "east"):
        routed = order(world, name)
        assert (routed.status, routed.run, routed.attempts) == (flows.OUT, run, 1)
    left = order(world, "nowhere")
    assert (left.status, left.run, left.attempts) == (flows.PACKED, None, 0)
    event = WorkflowEvent.objects.get(flow="delivery_run", row_key=run.public_id)
    assert (event.to_status, event.actor) == ("planned", world["worker"])
    assert WorkflowEvent.objects.filter(flow="order", to_status="out", detail__run=run.public_id).count() == 3


def test_a_second_plan_routes_nothing_already_on_a_run(world, run, worker_a):
    again = plan(world)
    assert again.runs == [] and again.left == [(world["households"]["nowhere"], "楼栋没有位置")]
    assert DeliveryRun.objects.count() == 1 and DeliveryStop.objects.count() == 3
    services.order_cancel(actor=worker_a, order=order(world, "nowhere"), reason="住户外出")
    with pytest.raises(ApplicationError) as refused:
        plan(world)
    assert refused.value.status == 409 and refused.value.message == "没有待配送的订单（已分拣或待重新配送）"
    assert DeliveryRun.objects.count() == 1


def test_a_household_too_heavy_for_every_vehicle_is_left_with_its_reason(world, worker_a):
    heavy = world["households"]["north"]
    extra = services.order_place(household=heavy, lines=[LineIn("item", world["rice"].public_id, 4)])  # 20 kg
    services.orders_pack(actor=worker_a, orders=[services.order_accept(actor=worker_a, order=extra)])
    planned = plan(world, [CourierIn(world["volunteer"], "foot")])  # 15 kg at most
    left = dict(planned.left)
    assert set(left) == {heavy, world["households"]["nowhere"]} and left[heavy]
    assert Order.objects.get(pk=extra.pk).run is None and order(world, "north").run is None
    assert order(world, "corner").status == flows.OUT


def test_couriers_are_volunteers_of_this_community_each_once(world, community_b, worker_a):
    stranger = make_volunteer(community_b.code, "13900000009", "外社区")
    for couriers, status, words in (
        ([CourierIn(stranger, "cart")], 422, "外社区 139****0009不是本社区的配送志愿者"),
        ([CourierIn(worker_a, "cart")], 422, "worker_a不是本社区的配送志愿者"),
        ([], 422, "请至少选择一位配送志愿者"),
        ([CourierIn(world["volunteer"], "cart")] * 2, 422, "同一位志愿者只能选一次"),
        ([CourierIn(world["volunteer"], "rocket")], 422, "请选择交通工具"),
        ([CourierIn(world["volunteer"], "foot", capacity_kg=16)], 422, "步行的载重须在1到15千克之间"),
    ):
        with pytest.raises(ApplicationError) as refused:
            plan(world, couriers) if couriers else services.runs_plan(
                actor=worker_a, point=world["point"], couriers=[], seconds=1
            )
        assert (refused.value.status, refused.value.message) == (status, words)
    assert not DeliveryRun.objects.exists() and order(world, "north").status == flows.PACKED


def test_only_the_communitys_staff_plan_its_runs(world, worker_b, community_a):
    for outsider in (worker_b, world["volunteer"], make_user_with_role("s", "street_staff", community_a.code[:9])):
        with pytest.raises(ApplicationError) as refused:
            services.runs_plan(actor=outsider, point=world["point"], couriers=[CourierIn(world["volunteer"], "cart")])
        assert refused.value.status == 403
    assert not DeliveryRun.objects.exists()


def test_the_runs_volunteer_confirms_a_door_by_its_code(world, run):
    corner = world["households"]["corner"]
    result = services.stop_confirm(actor=world["volunteer"], run=run, code=door(corner))
    assert not result.already and not result.run_done
    assert (result.stop.household, result.stop.outcome) == (corner, DeliveryStop.Outcome.DELIVERED)
    assert result.stop.confirmed_at is not None
    delivered = order(world, "corner")
    assert delivered.status == flows.DELIVERED and delivered.delivered_at == result.stop.confirmed_at
    assert fresh(run).status == flows.ON_ROUTE
    steps = WorkflowEvent.objects.filter(
        row_key__in=[run.public_id, delivered.public_id], at__gte=result.stop.confirmed_at
    )
    assert sorted(steps.values_list("flow", "from_status", "to_status", "actor")) == [
        ("delivery_run", "planned", "on_route", world["volunteer"].pk),
        ("order", "out", "delivered", world["volunteer"].pk),
    ]
    assert order(world, "north").status == flows.OUT  # the other doors wait for their own scans


def test_a_second_scan_of_the_same_door_writes_nothing(world, run):
    corner = world["households"]["corner"]
    first = services.stop_confirm(actor=world["volunteer"], run=run, code=door(corner))
    events, updated = WorkflowEvent.objects.count(), order(world, "corner").updated_at
    for code in (door(corner), corner.door_key, f" h:{corner.door_key.upper()} "):
        again = services.stop_confirm(actor=world["volunteer"], run=fresh(run), code=code)
        assert again.already and again.stop.confirmed_at == first.stop.confirmed_at
    assert WorkflowEvent.objects.count() == events and order(world, "corner").updated_at == updated


def test_the_households_public_id_is_no_door_code(world, run):
    """The route sheet and staff pages show households' public ids: holding one proves nothing about
    having been at the door (the door key is printed on the door only)."""
    corner = world["households"]["corner"]
    for code in (corner.public_id, f"H:{corner.public_id}"):
        with pytest.raises(ApplicationError) as refused:
            services.stop_confirm(actor=world["volunteer"], run=fresh(run), code=code)
        assert refused.value.status == 404
    assert fresh(run).stops.get(household=corner).outcome == "pending"
    failed = services.stop_fail(
        actor=world["volunteer"], run=fresh(run), household=corner.public_id, reason="nobody_home"
    )
    assert failed.stop.outcome == "failed"


def test_a_household_not_on_the_run_and_someone_else_are_refused(world, run, community_a):
    nowhere = world["households"]["nowhere"]
    with pytest.raises(ApplicationError) as refused:
        services.stop_confirm(actor=world["volunteer"], run=run, code=door(nowhere))
    assert (refused.value.status, refused.value.message) == (404, "这一户不在本趟配送中，请核对门牌码")
    corner = world["households"]["corner"]
    for someone_else in (world["worker"], make_volunteer(community_a.code, "13900000002", "另一位")):
        for act in (
            lambda who=someone_else: services.stop_confirm(actor=who, run=run, code=door(corner)),
            lambda who=someone_else: services.stop_fail(actor=who, run=run, code=door(corner), reason="nobody_home"),
        ):
            with pytest.raises(ApplicationError) as refused:
                act()
            assert (refused.value.status, refused.value.message) == (403, "只有本趟配送的志愿者可以确认")
    assert not DeliveryStop.objects.exclude(outcome=DeliveryStop.Outcome.PENDING).exists()
    assert fresh(run).status == flows.PLANNED


def test_a_failed_door_requeues_its_orders_for_the_next_run(world, run):
    north, volunteer = world["households"]["north"], world["volunteer"]
    with pytest.raises(ApplicationError) as refused:
        services.stop_fail(actor=volunteer, run=run, code=door(north), reason="asleep")
    assert (refused.value.status, refused.value.message) == (422, "请选择未送达原因")
    result = services.stop_fail(actor=volunteer, run=run, code=door(north), reason="nobody_home")
    assert (result.stop.outcome, result.stop.failure, result.already) == ("failed", "nobody_home", False)
    failed = order(world, "north")
    assert (failed.status, failed.run, failed.attempts, failed.failure_reason) == (
        flows.REQUEUED,
        None,
        1,
        "nobody_home",
    )
    steps = WorkflowEvent.objects.filter(flow="order", row_key=failed.public_id).order_by("id")
    assert [(e.from_status, e.to_status, e.actor_id) for e in steps][-2:] == [
        ("out", "failed", volunteer.pk),
        ("failed", "requeued", None),
    ]
    assert steps.filter(to_status="failed").get().reason == "无人在家"
    events = WorkflowEvent.objects.count()
    replay = services.stop_fail(actor=volunteer, run=fresh(run), code=door(north), reason="nobody_home")
    assert replay.already and WorkflowEvent.objects.count() == events
    assert Order.objects.get(pk=failed.pk).updated_at == failed.updated_at
    with pytest.raises(ApplicationError) as refused:
        services.stop_confirm(actor=volunteer, run=fresh(run), code=door(north))
    assert refused.value.status == 409
    with pytest.raises(ApplicationError) as refused:
        services.stop_fail(actor=volunteer, run=fresh(run), code=door(north), reason="refused")
    assert refused.value.status == 409
    # the next plan takes it (and the unlocated door stays behind)
    second = plan(world)
    (next_run,) = second.runs
    assert list(DeliveryStop.objects.filter(run=next_run).values_list("household", flat=True)) == [north.pk]
    again = order(world, "north")
    assert (again.status, again.run, again.attempts) == (flows.OUT, next_run, 2)
    assert order(world, "east").run == run  # the first run's other doors are still on it


def test_the_run_is_done_when_no_stop_is_pending(world, run):
    volunteer, h = world["volunteer"], world["households"]
    assert not services.stop_confirm(actor=volunteer, run=fresh(run), code=door(h["corner"])).run_done
    assert not services.stop_fail(actor=volunteer, run=fresh(run), code=door(h["east"]), reason="refused").run_done
    assert fresh(run).status == flows.ON_ROUTE
    last = services.stop_confirm(actor=volunteer, run=fresh(run), code=door(h["north"]))
    assert last.run_done and fresh(run).status == flows.DONE
    done = WorkflowEvent.objects.get(flow="delivery_run", row_key=run.public_id, to_status="done")
    assert (done.from_status, done.actor) == ("on_route", None)
    assert [o.status for o in Order.objects.filter(run=run).order_by("id")] == [flows.DELIVERED, flows.DELIVERED]


def test_doors_confirmed_one_after_another_with_the_run_as_first_read(world, run):
    # The route sheet read the run once (planned) and sends door after door: each is recorded.
    volunteer, h = world["volunteer"], world["households"]
    services.stop_confirm(actor=volunteer, run=run, code=door(h["corner"]))
    services.stop_confirm(actor=volunteer, run=run, code=door(h["north"]))
    last = services.stop_confirm(actor=volunteer, run=run, code=door(h["east"]))
    assert last.run_done and fresh(run).status == flows.DONE
    assert not DeliveryStop.objects.filter(run=run, outcome=DeliveryStop.Outcome.PENDING).exists()


@pytest.mark.django_db(transaction=True)
def test_the_last_two_doors_confirmed_at_once_still_finish_the_run(monkeypatch, world, run):
    # PostgreSQL: two requests of the route sheet's offline queue, each on its own connection. Each asks
    # whether a stop is still pending and is then held (a barrier) until the other has asked too, before
    # either commits: unless the doorsteps of one run are recorded one after the other, each sees the
    # other's door pending and nobody finishes the run. On SQLite, one after another.
    volunteer, h = world["volunteer"], world["households"]
    services.stop_confirm(actor=volunteer, run=run, code=door(h["corner"]))
    codes = [door(h["north"]), door(h["east"])]
    if not POSTGRESQL:
        results = [services.stop_confirm(actor=volunteer, run=fresh(run), code=c) for c in codes]
        errors = []
    else:
        both_asked = threading.Barrier(2, timeout=3)

        class HeldCheck:
            def __init__(self, rows):
                self.rows = rows

            def exists(self):
                found = self.rows.exists()
                try:
                    both_asked.wait()
                except threading.BrokenBarrierError:
                    pass  # the other one waits for a lock this one holds: recorded one after the other
                return found

        class Stops:
            def __getattr__(self, name):
                return getattr(DeliveryStop.objects, name)

            def filter(self, *args, **kwargs):
                rows = DeliveryStop.objects.filter(*args, **kwargs)
                return HeldCheck(rows) if kwargs.get("outcome") == DeliveryStop.Outcome.PENDING else rows

        class HeldDeliveryStop:
            objects = Stops()

            def __getattr__(self, name):
                return getattr(DeliveryStop, name)

        monkeypatch.setattr(delivery_module, "DeliveryStop", HeldDeliveryStop())
        results, errors = [], []

        def confirm(code):
            try:
                results.append(services.stop_confirm(actor=volunteer, run=fresh(run), code=code))
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=confirm, args=(c,)) for c in codes]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert errors == [] and len(results) == 2
    assert not DeliveryStop.objects.filter(run=run, outcome=DeliveryStop.Outcome.PENDING).exists()
    assert fresh(run).status == flows.DONE
    assert sorted(r.run_done for r in results) == [False, True]


def test_the_door_api_records_the_outcome_and_answers_a_replay(client, world, run, community_a):
    corner, north = world["households"]["corner"], world["households"]["north"]
    url = f"/api/supplies/runs/{run.public_id}/door"
    client.force_login(world["volunteer"])
    answer = client.post(url, {"code": door(corner)}, content_type="application/json")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["household"], body["address"], body["outcome"], body["outcome_label"]) == (
        corner.public_id, corner.address, "delivered", "已送达",
    )  # fmt: skip
    assert body["confirmed_at"] and body["already"] is False and body["run_done"] is False
    assert order(world, "corner").status == flows.DELIVERED
    events = WorkflowEvent.objects.count()
    replay = client.post(url, {"code": door(corner)}, content_type="application/json").json()
    assert replay["already"] is True and replay["confirmed_at"] == body["confirmed_at"]
    assert WorkflowEvent.objects.count() == events
    failed = client.post(
        url, {"code": door(north), "action": "fail", "reason": "no_access"}, content_type="application/json"
    )
    assert failed.status_code == 200 and failed.json()["outcome"] == "failed"
    assert order(world, "north").status == flows.REQUEUED
    missing = client.post(url, {"code": door(world["households"]["nowhere"])}, content_type="application/json")
    assert missing.status_code == 404 and missing.json()["message"] == "这一户不在本趟配送中，请核对门牌码"
    client.force_login(world["worker"])  # sees the run, is not its volunteer
    refused = client.post(url, {"code": door(world["households"]["east"])}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["message"] == "只有本趟配送的志愿者可以确认"
    client.force_login(make_volunteer(community_a.code, "13900000003", "旁人"))  # not even sees it
    assert (
        client.post(url, {"code": door(world["households"]["east"])}, content_type="application/json").status_code
        == 404
    )
    assert order(world, "east").status == flows.OUT


def test_the_route_sheet_names_households_without_their_door_keys(client, world, run):
    """The volunteer's route sheet lists the doors by address and public id; the door keys (the proof
    of having been at the door, and the key to the household's own pages) are nowhere on it, and a
    failure is recorded from the sheet's own line."""
    client.force_login(world["volunteer"])
    page = client.get(f"/supplies/runs/{run.public_id}/").content.decode()
    stops = list(fresh(run).stops.select_related("household"))
    assert stops and all(s.household.public_id in page for s in stops)
    assert not any(s.household.door_key in page for s in stops)
    corner = world["households"]["corner"]
    answer = client.post(
        f"/supplies/runs/{run.public_id}/", {"action": "fail", "household": corner.public_id, "reason": "nobody_home"}
    )
    assert answer.status_code == 302 and fresh(run).stops.get(household=corner).outcome == "failed"
