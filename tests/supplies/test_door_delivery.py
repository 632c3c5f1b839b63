"""Risk zones driving supplies through core.measures.DOOR_DELIVERY: zones decide which buildings' supplies
come to the door first (zones.measures.door_delivery_buildings: the buildings whose strictest zone in force
is one whose rule delivers to the door, a lockdown zone by default); supplies routes their households'
stops first and marks them sealed on the route sheet (services.delivery.runs_plan), and the allocation
counts their residents among the vulnerable people (services.allocations.allocation_propose). A proposed
zone, a control or prevention zone, a released zone: nothing sealed."""

import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.core import measures
from gongzhi.supplies import flows, services
from gongzhi.supplies.models import DeliveryRun, DeliveryStop, Order, SupplyPoint
from gongzhi.supplies.services import CourierIn, LineIn
from gongzhi.testing.models import Round, RoundProgress
from gongzhi.zones import rules
from gongzhi.zones import services as zone_services
from gongzhi.zones.measures import door_delivery_buildings
from gongzhi.zones.models import Zone
from tests.factories import BuildingFactory, GridFactory, HouseholdFactory, ResidentFactory, make_user_with_role
from tests.supplies.factories import household_in, located_building, make_item, make_point, make_volunteer, receive

pytestmark = pytest.mark.django_db

STREET = "510104017"
A, B = "510104017001", "510104017002"
METRES_NORTH, METRES_EAST = 1 / 111_195, 1 / 95_650  # degrees of latitude and longitude a metre, here


@pytest.fixture
def street_staff(areas):
    return make_user_with_role("street_a", "street_staff", STREET)


def case(n, building):
    return rules.Case(f"X{n}", rules.Place(str(building.pk), str(building.grid_id), building.community_code))


def proposed(building, n=1):
    """The rules' zones around a case in `building`: its lockdown, its grid's control zone, the street's
    prevention zone (all proposed)."""
    zone_services.zones_propose(cases=[case(n, building)])
    return {
        "lockdown": Zone.objects.get(level="building", building=building),
        "control": Zone.objects.get(level="grid", grid=building.grid),
        "prevention": Zone.objects.get(level="street"),
    }


def zone_on(level, *, kind="lockdown", grid=None, code=A, status="active"):
    """A zone written directly (the default rules never put a lockdown on a grid or community)."""
    now = timezone.now()
    key = str(grid.pk) if level == "grid" else code if level == "community" else code[:9]
    return Zone.objects.create(
        kind=kind, level=level, area_key=key, area_name=f"测试{level}", grid=grid,
        community_code=code if level in ("grid", "community") else code[:9] + "000", status=status,
        rules_version="test", first_positive_at=now, last_positive_at=now, since=now,
    )  # fmt: skip


def released(zone, street_staff):
    """Two closed negative rounds over the zone's community since, and eight days on: released."""
    for n in (1, 2):
        round_ = Round.objects.create(
            name=f"第{n}轮", area_code=zone.community_code, status="closed",
            starts_at=timezone.now() + dt.timedelta(hours=n),
        )  # fmt: skip
        RoundProgress.objects.create(round=round_, community_code=zone.community_code, sampled=10, tubes=1)
    done = zone_services.zone_release(actor=street_staff, zone=zone, now=timezone.now() + dt.timedelta(days=8))
    assert done.status == "released"
    return done


# --- which buildings ----------------------------------------------------------------------------------


@pytest.fixture
def town(community_a, community_b):
    """Two grids of A (two buildings in the first, one in the second) and a building of B."""
    g1, g2 = GridFactory(community=community_a), GridFactory(community=community_a)
    return {
        "g1": g1,
        "g2": g2,
        "b1": BuildingFactory(grid=g1),
        "b2": BuildingFactory(grid=g1),
        "b3": BuildingFactory(grid=g2),
        "bb": BuildingFactory(grid=GridFactory(community=community_b, community_code=B), address="崇德里2号"),
    }


def test_the_measure_is_the_zones_provider_and_the_rules_deliver_to_the_door_only_in_lockdown():
    assert measures._BUILDING_PROVIDERS[measures.DOOR_DELIVERY] is door_delivery_buildings
    assert {kind: rule.door_delivery for kind, rule in zone_services.RULES.kinds.items()} == {
        "lockdown": True,
        "control": False,
        "prevention": False,
    }


def test_in_normal_times_no_building_and_one_query(town, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert door_delivery_buildings([A, B]) == set()
    assert measures.buildings_under(measures.DOOR_DELIVERY, [A, B]) == set()
    assert measures.buildings_under(measures.DOOR_DELIVERY, []) == set()


def test_a_proposed_lockdown_seals_nothing_a_confirmed_one_its_building(town, street_staff):
    zones = proposed(town["b1"])
    assert door_delivery_buildings([A]) == set()  # proposed only
    zone_services.zone_confirm(actor=street_staff, zone=zones["lockdown"])
    assert door_delivery_buildings([A]) == {town["b1"].pk}
    assert measures.buildings_under(measures.DOOR_DELIVERY, [A]) == {town["b1"].pk}
    assert door_delivery_buildings([A, B]) == {town["b1"].pk}
    assert door_delivery_buildings([B]) == set()  # asked for B only: A's building is not B's
    # the grid's control zone and the street's prevention zone in force too: their buildings are not sealed
    zone_services.zone_confirm(actor=street_staff, zone=zones["control"])
    zone_services.zone_confirm(actor=street_staff, zone=zones["prevention"])
    assert door_delivery_buildings([A, B]) == {town["b1"].pk}
    # released: nothing
    released(Zone.objects.get(pk=zones["lockdown"].pk), street_staff)
    assert door_delivery_buildings([A, B]) == set()


def test_control_and_prevention_zones_in_force_seal_nothing(town, street_staff):
    zones = proposed(town["b1"])
    zone_services.zone_reject(actor=street_staff, zone=zones["lockdown"], reason="已排查")
    zone_services.zone_confirm(actor=street_staff, zone=zones["control"])
    zone_services.zone_confirm(actor=street_staff, zone=zones["prevention"])
    assert set(Zone.objects.filter(status="active").values_list("kind", flat=True)) == {"control", "prevention"}
    assert door_delivery_buildings([A, B]) == set()
    zone_on("community", kind="prevention", code=B)
    assert door_delivery_buildings([A, B]) == set()


def test_a_lockdown_on_a_grid_seals_every_building_of_that_grid(town):
    zone_on("grid", grid=town["g1"])
    assert door_delivery_buildings([A]) == {town["b1"].pk, town["b2"].pk}  # not grid 2's building
    extra = BuildingFactory(grid=town["g1"])  # a building added to the grid later is inside too
    assert door_delivery_buildings([A, B]) == {town["b1"].pk, town["b2"].pk, extra.pk}


def test_a_lockdown_on_a_community_seals_its_buildings_and_a_proposed_one_none(town):
    zone_on("community", code=B, status="proposed")
    assert door_delivery_buildings([A, B]) == set()
    zone_on("community", code=A)
    assert door_delivery_buildings([A, B]) == {town["b1"].pk, town["b2"].pk, town["b3"].pk}
    assert door_delivery_buildings([B]) == set()


# --- delivery runs --------------------------------------------------------------------------------


@pytest.fixture
def world(community_a, worker_a):
    """Three doors of community A in one grid on a square 400 m from the point (north, north-east, east:
    the shortest round visits the north-east one second either way). One order of rice each, accepted
    and packed; one volunteer with a cart."""
    point = make_point(community_a.code, name="水井坊社区分发点")
    rice = make_item("大米", kg="5")
    insulin = make_item("胰岛素笔芯", category="medicine", unit="盒", kg="0.1", urgent_medical=True)
    receive(worker_a, point, rice, 50)
    receive(worker_a, point, insulin, 5)
    grid = GridFactory(community=community_a)
    households = {
        "north": household_in(located_building(community_a, dlat=400 * METRES_NORTH, grid=grid)),
        "corner": household_in(
            located_building(community_a, dlat=400 * METRES_NORTH, dlon=400 * METRES_EAST, grid=grid)
        ),
        "east": household_in(located_building(community_a, dlon=400 * METRES_EAST, grid=grid)),
    }
    return {
        "point": point, "rice": rice, "insulin": insulin, "worker": worker_a, "households": households,
        "volunteer": make_volunteer(community_a.code, "13900000001", "李志愿"),
    }  # fmt: skip


def packed(world, name, item=None, **window):
    order = services.order_place(
        household=world["households"][name], lines=[LineIn("item", (item or world["rice"]).public_id, 1)], **window
    )
    services.order_accept(actor=world["worker"], order=order)
    assert services.orders_pack(actor=world["worker"], orders=[order]).packed
    return order


def plan(world):
    return services.runs_plan(
        actor=world["worker"], point=world["point"], couriers=[CourierIn(world["volunteer"], "cart")], seconds=1
    )


def stops_of(run):
    return list(DeliveryStop.objects.filter(run=run).order_by("sequence").select_related("household"))


def names(world, stops):
    by_pk = {h.pk: name for name, h in world["households"].items()}
    return [by_pk[s.household_id] for s in stops]


def sealed_corner(world, street_staff):
    """The corner's building locked down; its grid's control zone in force too (it delivers to no door)."""
    zones = proposed(world["households"]["corner"].building)
    zone_services.zone_confirm(actor=street_staff, zone=zones["lockdown"])
    zone_services.zone_confirm(actor=street_staff, zone=zones["control"])
    return zones


def test_without_a_zone_in_force_the_shortest_round_decides_and_nothing_is_sealed(world, street_staff):
    proposed(world["households"]["corner"].building)  # proposed only
    for name in ("north", "corner", "east"):
        packed(world, name)
    (run,) = plan(world).runs
    stops = stops_of(run)
    assert names(world, stops)[1] == "corner"  # second, on the shortest round
    assert not any(s.sealed or s.urgent for s in stops)


def test_the_sealed_household_is_marked_and_routed_first(world, street_staff):
    sealed_corner(world, street_staff)
    for name in ("north", "corner", "east"):
        packed(world, name)
    planned = plan(world)
    assert planned.left == []
    (run,) = planned.runs
    stops = stops_of(run)
    assert [s.sequence for s in stops] == [1, 2, 3]
    assert names(world, stops)[0] == "corner"  # first, though not on the shortest round
    first, *others = stops
    assert first.sealed and not first.urgent  # sealed, not a medical urgency
    assert not any(s.sealed for s in others)  # in the grid's control zone: not sealed
    assert [s.arrival_minute for s in stops] == sorted(s.arrival_minute for s in stops)
    assert first.arrival_minute <= 60  # within the urgent hour
    assert all(o.status == flows.OUT and o.run == run for o in Order.objects.all())


def test_sealed_and_medically_urgent_doors_both_come_before_the_others(world, street_staff):
    sealed_corner(world, street_staff)
    packed(world, "north", world["insulin"])
    packed(world, "corner")
    packed(world, "east")
    (run,) = plan(world).runs
    stops = stops_of(run)
    assert set(names(world, stops[:2])) == {"north", "corner"} and names(world, stops)[2] == "east"
    by_name = dict(zip(names(world, stops), stops, strict=True))
    assert (by_name["corner"].sealed, by_name["corner"].urgent) == (True, False)
    assert (by_name["north"].sealed, by_name["north"].urgent) == (False, True)
    assert (by_name["east"].sealed, by_name["east"].urgent) == (False, False)


def test_a_sealed_door_whose_window_opens_later_waits_for_it_and_is_still_sealed(world, street_staff):
    sealed_corner(world, street_staff)
    now = timezone.now()
    packed(world, "north")
    packed(world, "corner", window_start=now + dt.timedelta(minutes=120), window_end=now + dt.timedelta(minutes=180))
    packed(world, "east")
    (run,) = plan(world).runs
    stops = stops_of(run)
    corner = next(s for s in stops if s.household_id == world["households"]["corner"].pk)
    assert corner.sealed and corner.sequence != 1 and corner.arrival_minute >= 119
    # a window already open lets it go first
    world["households"]["corner"] = household_in(world["households"]["corner"].building)
    packed(world, "corner", window_start=now - dt.timedelta(minutes=10), window_end=now + dt.timedelta(minutes=90))
    for name in ("north", "east"):
        world["households"][name] = household_in(world["households"][name].building)
        packed(world, name)
    (again,) = plan(world).runs
    stops = stops_of(again)
    assert names(world, stops)[0] == "corner" and stops[0].sealed and stops[0].sequence == 1


def test_after_the_zone_is_released_a_new_plan_seals_nothing(world, street_staff):
    zones = sealed_corner(world, street_staff)
    for name in ("north", "corner", "east"):
        packed(world, name)
    (run,) = plan(world).runs
    assert [s.sealed for s in stops_of(run)] == [True, False, False]
    corner = world["households"]["corner"]
    services.stop_fail(actor=world["volunteer"], run=run, code=f"H:{corner.door_key}", reason="nobody_home")
    assert Order.objects.get(household=corner).status == flows.REQUEUED

    released(Zone.objects.get(pk=zones["lockdown"].pk), street_staff)
    assert measures.buildings_under(measures.DOOR_DELIVERY, [A]) == set()
    neighbour = household_in(corner.building)  # a new door in the same building
    world["households"]["neighbour"] = neighbour
    packed(world, "neighbour")
    (second,) = plan(world).runs
    stops = stops_of(second)
    assert set(names(world, stops)) == {"corner", "neighbour"}  # the re-queued order and the new one
    assert not any(s.sealed for s in stops)
    assert DeliveryStop.objects.get(run=run, household=corner).sealed  # the first run's record stands


def test_the_route_sheet_says_which_door_is_sealed(client, world, street_staff):
    sealed_corner(world, street_staff)
    for name in ("north", "corner", "east"):
        packed(world, name)
    (run,) = plan(world).runs
    h = world["households"]
    for viewer in (world["worker"], world["volunteer"]):
        client.force_login(viewer)
        answer = client.get(f"/supplies/runs/{run.public_id}/")
        assert answer.status_code == 200
        page = answer.content.decode()
        assert page.count("封控户 · 送到门口") == 1
        items = {
            name: page.split(f'id="stop-{h[name].public_id}"', 1)[1].split("</li>", 1)[0]
            for name in ("north", "corner", "east")
        }
        assert "封控户 · 送到门口" in items["corner"] and "急需医疗" not in items["corner"]
        assert "封控户" not in items["north"] and "封控户" not in items["east"]
    assert DeliveryRun.objects.count() == 1


# --- allocation -----------------------------------------------------------------------------------


@pytest.fixture
def street_world(community_a, community_b, street_staff):
    """A street reserve short of a week's rice; in A a building of 5 residents (one living alone and
    elderly) and another of its grid with 10 (two tagged); in B one building of 10 (one tagged)."""
    rice = make_item("大米", category="grain", kg="5")
    reserve = make_point(STREET, kind=SupplyPoint.Kind.RESERVE, name="街道储备库")
    receive(street_staff, reserve, rice, 10)
    for community in (community_a, community_b):
        make_point(community.code, name=f"{community.name}分发点")
    sealed = located_building(community_a)
    neighbour = located_building(community_a, grid=sealed.grid)
    in_b = located_building(community_b)
    for building, people, tagged in ((sealed, 5, 1), (neighbour, 10, 2), (in_b, 10, 1)):
        for n in range(people):
            resident = ResidentFactory(household=HouseholdFactory(building=building, room=f"{n + 1}"))
            if n < tagged:
                resident.tags.create(community_code=building.community_code, tag="elderly_alone")
    return {"sealed": sealed, "neighbour": neighbour}


def vulnerable(street_staff):
    plan = services.allocation_propose(actor=street_staff, area_code=STREET, horizon_days=7)
    rows = {row["code"]: row for row in plan.result["communities"]}
    return {code: (row["people"], row["vulnerable"]) for code, row in rows.items()}


def test_the_allocation_counts_the_residents_of_sealed_buildings_as_vulnerable(street_world, street_staff):
    assert vulnerable(street_staff) == {A: (15, 3), B: (10, 1)}  # normal times: the tagged ones only
    zones = proposed(street_world["sealed"])
    assert vulnerable(street_staff) == {A: (15, 3), B: (10, 1)}  # proposed only
    zone_services.zone_confirm(actor=street_staff, zone=zones["control"])  # no door delivery: no change
    zone_services.zone_confirm(actor=street_staff, zone=zones["prevention"])
    assert vulnerable(street_staff) == {A: (15, 3), B: (10, 1)}
    zone_services.zone_confirm(actor=street_staff, zone=zones["lockdown"])
    # the sealed building's 5 (its tagged one counted once) and the neighbour's 2 tagged
    assert vulnerable(street_staff) == {A: (15, 7), B: (10, 1)}
    released(Zone.objects.get(pk=zones["lockdown"].pk), street_staff)
    assert vulnerable(street_staff) == {A: (15, 3), B: (10, 1)}


def test_a_sealed_community_gets_the_short_stock_first(street_world, street_staff):
    """A lockdown over all of B: its ten are vulnerable, and the street's 50 kg cover their week of grain
    (10 x 0.325 x 7 = 22.75 kg) before anything is evened out."""
    zone_on("community", code=B)  # all of B sealed: its 10 are vulnerable
    plan = services.allocation_propose(actor=street_staff, area_code=STREET, horizon_days=7)
    rows = {row["code"]: row for row in plan.result["communities"]}
    assert (rows[A]["vulnerable"], rows[B]["vulnerable"]) == (3, 10)
    grain_b = rows[B]["categories"]["grain"]
    assert grain_b["received_kg"] >= 10 * 0.325 * 7  # B's ten covered first
    assert any(code == "allocation_vulnerable_covered" for code, _params in rows[B]["why"])
