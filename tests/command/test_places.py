"""The command view below a community: its grids and a grid's buildings, each counted live from that
one community's rows by the apps' inside counters (core.figures.count_inside): the current round's
expected, sampled, exempted, untested residents and open recalls; zones in force and proposals on a
building (counted for its grid too) or a grid; open, late and urgent orders and open, critical and
lapsed requests by the household's building. Figures no app counts inside a community (volunteers,
positive tubes, the stock behind days of supply) are not known there and shown as "—". The page as
each role opens it: the grids' table, a grid's buildings, a building alone, the breadcrumb down to it
and the zones that apply there."""

import datetime as dt
import html
import re

import pytest
from django.core.cache import cache
from django.utils import timezone

from gongzhi.appeals import services as appeal_services
from gongzhi.command import selectors
from gongzhi.command.services import figures_refresh
from gongzhi.core import events, figures
from gongzhi.core.models import AuditEvent
from gongzhi.supplies import services as supply_services
from gongzhi.supplies.models import Order
from gongzhi.supplies.services import LineIn
from gongzhi.testing import figures as testing_figures
from gongzhi.testing import services as testing_services
from gongzhi.testing.models import Recall
from gongzhi.testing.selectors import RECALL_OPEN
from gongzhi.volunteers import services as volunteer_services
from gongzhi.volunteers.models import Assignment
from gongzhi.zones import figures as zone_figures
from gongzhi.zones import rules
from gongzhi.zones import services as zone_services
from gongzhi.zones.models import Zone
from tests.appeals.factories import set_clock
from tests.factories import BuildingFactory, GridFactory, HouseholdFactory, ResidentFactory, make_user_with_role
from tests.supplies.factories import make_item, make_point, receive
from tests.testing.test_services import sampled_tube
from tests.volunteers.test_services import approved, at

pytestmark = pytest.mark.django_db

STREET = "510104017"
A, B = "510104017001", "510104017002"

# The keys the apps count inside a community (testing's positive tubes are not among them).
KNOWN = frozenset(
    {
        "testing.expected", "testing.sampled", "testing.exempted", "testing.untested", "testing.open_recalls",
        "zones.lockdown", "zones.control", "zones.prevention", "zones.proposed",
        "supplies.open_orders", "supplies.late_orders", "supplies.urgent_open",
        "appeals.open", "appeals.critical", "appeals.lapsed",
    }
)  # fmt: skip


@pytest.fixture(autouse=True)
def fresh_limits():
    """Sign-up and order limits count in the cache: each test starts with none used."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def street_staff(areas):
    return make_user_with_role("street_a", "street_staff", STREET)


def residents_in(building, n):
    return [ResidentFactory(household=HouseholdFactory(building=building)) for _ in range(n)]


def case(n, building):
    return rules.Case(f"X{n}", rules.Place(str(building.pk), str(building.grid_id), building.community_code))


@pytest.fixture
def inside(community_a, community_b, worker_a, worker_b, street_staff):
    """Community A: grid 1 with buildings 11 (4 residents) and 12 (3), grid 2 with building 21 (2),
    an empty grid 3; community B with one building (2 residents), to be left out of A's counts.

    Testing: a round over the street; two of 11 in a positive tube (their two recalls open, and the
    rules propose 11's lockdown, grid 1's control and the street's prevention zone), one of 12 and one
    of 21 in a negative tube, one of 12 exempted, one of B sampled too.
    Zones: 11's lockdown confirmed; a case in 21 proposes its lockdown and grid 2's control, confirmed.
    Supplies: open orders in 11 (one urgent), a late one in 21, a cancelled one in 12, one in B.
    Requests: two in 12 (one critical), a lapsed one in 21, one on A's code with no household, one in B.
    Volunteers: one on duty in A."""
    g1, g2 = (GridFactory(community=community_a, community_code=A) for _ in range(2))
    g3 = GridFactory(community=community_a, community_code=A)  # nothing in it
    b11, b12, b21 = BuildingFactory(grid=g1), BuildingFactory(grid=g1), BuildingFactory(grid=g2)
    bb = BuildingFactory(grid=GridFactory(community=community_b, community_code=B), address="崇德里2号")
    people = {
        "11": residents_in(b11, 4),
        "12": residents_in(b12, 3),
        "21": residents_in(b21, 2),
        "B": residents_in(bb, 2),
    }

    round_ = testing_services.round_create(actor=street_staff, name="第1轮", area_code=STREET, pool_size=10)
    collector = make_user_with_role("c1", "collector", STREET)
    sampled_tube(round_, collector, people["11"][:2], "TUBE0001")
    sampled_tube(round_, collector, [people["12"][0], people["21"][0]], "TUBE0002")
    sampled_tube(round_, collector, people["B"][:1], "TUBE0003")
    testing_services.exemption_record(actor=worker_a, round_=round_, resident=people["12"][2], reason="away")
    testing_services.tube_results_record(
        actor=worker_a, round_=round_,
        results=[("TUBE0001", "positive"), ("TUBE0002", "negative"), ("TUBE0003", "negative")],
    )  # fmt: skip
    events.deliver_pending()  # the consumer after the commit: recalls opened, zones proposed
    assert Recall.objects.filter(round=round_, status="open").count() == 2

    zone_services.zones_propose(cases=[case(1, b21)])
    zones = {
        "b11": Zone.objects.get(level="building", building=b11),
        "g1": Zone.objects.get(level="grid", grid=g1),
        "b21": Zone.objects.get(level="building", building=b21),
        "g2": Zone.objects.get(level="grid", grid=g2),
        "street": Zone.objects.get(level="street"),
    }
    assert Zone.objects.count() == 5
    zones["b11"] = zone_services.zone_confirm(actor=street_staff, zone=zones["b11"])
    zones["g2"] = zone_services.zone_confirm(actor=street_staff, zone=zones["g2"])

    rice = make_item("大米", category="grain", kg="1")
    oil = make_item("菜籽油", category="oil", kg="1")
    insulin = make_item("胰岛素", category="medicine", kg="1", urgent_medical=True)
    point_a = make_point(A)
    for item in (rice, oil, insulin):
        receive(worker_a, point_a, item, 20)
    receive(worker_b, make_point(B), rice, 5)

    def order(building, item, actor):
        return supply_services.order_place(
            household=HouseholdFactory(building=building), lines=[LineIn("item", item.public_id, 1)], actor=actor
        )

    order(b11, rice, worker_a)
    assert order(b11, insulin, worker_a).urgent
    late = order(b21, rice, worker_a)
    Order.objects.filter(pk=late.pk).update(created_at=timezone.now() - dt.timedelta(hours=25))
    supply_services.order_cancel(actor=worker_a, order=order(b12, oil, worker_a), reason="住户不需要了")
    order(bb, rice, worker_b)

    appeal_services.appeal_submit(household=HouseholdFactory(building=b12), category="food", text="家里没有米了")
    critical = appeal_services.appeal_submit(
        household=HouseholdFactory(building=b12), category="medical_emergency", text="老人胸痛"
    )
    assert critical.urgency == "critical"
    lapsed = appeal_services.appeal_submit(household=HouseholdFactory(building=b21), category="food", text="没有菜了")
    set_clock(lapsed, due_in=-dt.timedelta(hours=1))
    unplaced = appeal_services.appeal_unplaced(
        actor=None, area_code=A, category="other", text="小区门口垃圾没人清运", caller_name="王五",
        caller_phone="13800000009", address_text="水井坊某小区", received_at=timezone.now(), hotline_ref="H-1",
    )  # fmt: skip
    assert unplaced.household_id is None and unplaced.community_code == A and unplaced.urgency_rank != 0
    appeal_services.appeal_submit(household=HouseholdFactory(building=bb), category="food", text="没有米了")

    day = timezone.localdate()
    volunteer = approved(community_a, worker_a, 7)
    post = volunteer_services.post_create(actor=worker_a, community_code=A, name="1号门", group="safety")
    shift = volunteer_services.shift_create(
        actor=worker_a, post=post, starts_at=at(day, 8), ends_at=at(day, 12), needed=1
    )
    Assignment.objects.create(shift=shift, volunteer=volunteer, community_code=A, source="manual")
    volunteer_services.checkin(volunteer=volunteer, post=post, now=at(day, 8))

    return {
        "grids": {"g1": g1, "g2": g2, "g3": g3},
        "buildings": {"b11": b11, "b12": b12, "b21": b21, "bb": bb},
        "zones": zones,
        "round": round_,
    }


def place(world, name):
    kind = "grid" if name.startswith("g") else "building"
    return (kind, (world["grids"] if kind == "grid" else world["buildings"])[name].pk)


# --- the inside counters ----------------------------------------------------------------------------


EXPECTED = {
    # building 11: 4 residents, 2 sampled (the positive tube), their 2 recalls; its lockdown in force,
    # its grid's control zone proposed; a plain and an urgent order open
    "b11": {
        "testing.expected": 4, "testing.sampled": 2, "testing.untested": 2, "testing.open_recalls": 2,
        "zones.lockdown": 1, "zones.proposed": 1, "supplies.open_orders": 2, "supplies.urgent_open": 1,
    },
    # building 12: 3 residents, 1 sampled, 1 exempted; its grid's control zone proposed; two requests,
    # one critical (its order cancelled)
    "b12": {
        "testing.expected": 3, "testing.sampled": 1, "testing.exempted": 1, "testing.untested": 1,
        "zones.proposed": 1, "appeals.open": 2, "appeals.critical": 1,
    },
    # building 21: 2 residents, 1 sampled; its lockdown proposed, its grid's control zone in force; a
    # late order, a lapsed request
    "b21": {
        "testing.expected": 2, "testing.sampled": 1, "testing.untested": 1, "zones.proposed": 1, "zones.control": 1,
        "supplies.open_orders": 1, "supplies.late_orders": 1, "appeals.open": 1, "appeals.lapsed": 1,
    },
    # grid 1: its two buildings, plus its own control zone (proposed)
    "g1": {
        "testing.expected": 7, "testing.sampled": 3, "testing.exempted": 1, "testing.untested": 3,
        "testing.open_recalls": 2, "zones.lockdown": 1, "zones.proposed": 1,
        "supplies.open_orders": 2, "supplies.urgent_open": 1, "appeals.open": 2, "appeals.critical": 1,
    },
    # grid 2: building 21, plus its own control zone (in force)
    "g2": {
        "testing.expected": 2, "testing.sampled": 1, "testing.untested": 1, "zones.proposed": 1, "zones.control": 1,
        "supplies.open_orders": 1, "supplies.late_orders": 1, "appeals.open": 1, "appeals.lapsed": 1,
    },
}  # fmt: skip


def test_each_grid_and_building_counts_what_was_created_there(inside):
    per_place, known = selectors.places_counted(A)
    assert known == KNOWN
    # nothing else anywhere: not the empty grid 3 or building 12's cancelled order, none of B's
    assert per_place == {place(inside, name): {k: float(v) for k, v in want.items()} for name, want in EXPECTED.items()}
    assert (per_place, known) == figures.count_inside(A)  # the selector is core's count, as is

    # B's counts are B's alone
    b_places, _known = selectors.places_counted(B)
    bb = inside["buildings"]["bb"]
    assert b_places[("building", bb.pk)] == {
        "testing.expected": 2, "testing.sampled": 1, "testing.untested": 1,
        "supplies.open_orders": 1, "appeals.open": 1,
    }  # fmt: skip
    assert b_places[("grid", bb.grid_id)] == b_places[("building", bb.pk)]


def test_each_apps_inside_counter_returns_its_keys_even_for_places_with_nothing(inside):
    assert set(testing_figures.inside(A)) == {
        "testing.expected", "testing.sampled", "testing.exempted", "testing.untested", "testing.open_recalls"
    }  # fmt: skip
    assert "testing.positive_tubes" not in testing_figures.inside(A)
    zones = zone_figures.inside(A)
    assert zones["zones.lockdown"] == {place(inside, "b11"): 1, place(inside, "g1"): 1}
    # a grid's zone counts for the grid and each of its buildings
    assert zones["zones.control"] == {place(inside, "g2"): 1, place(inside, "b21"): 1}
    assert zones["zones.proposed"] == {
        place(inside, "g1"): 1, place(inside, "b11"): 1, place(inside, "b12"): 1,
        place(inside, "b21"): 1, place(inside, "g2"): 1,
    }  # fmt: skip
    assert zones["zones.prevention"] == {}  # the street's zone lies on no grid or building
    # a community with no round open: testing's keys, empty
    assert testing_figures.inside("510104017003") == {
        f"testing.{k}": {} for k in ("expected", "sampled", "exempted", "untested", "open_recalls")
    }


def test_a_grids_and_buildings_sum_to_the_communitys_but_for_the_request_with_no_household(inside):
    figures_refresh()
    community = selectors.area_figures(A)
    counted = selectors.places_counted(A)
    grids = {row["grid"]: row["values"] for row in selectors.grids_figures(A, counted)}
    assert list(grids) == [inside["grids"][g].public_id for g in ("g1", "g2", "g3")]  # in number order
    for key in ("testing.expected", "testing.sampled", "testing.exempted", "testing.untested", "testing.open_recalls",
                "supplies.open_orders", "supplies.late_orders", "supplies.urgent_open",
                "appeals.critical", "appeals.lapsed"):  # fmt: skip
        assert sum(v[key] for v in grids.values()) == community[key], key
    assert community["appeals.open"] == 4  # the hotline request on A's code, in no building
    assert sum(v["appeals.open"] for v in grids.values()) == 3
    assert community["testing.positive_tubes"] == 1 and community["volunteers.on_duty"] == 1
    for key in ("supplies.open_orders", "appeals.open", "testing.expected"):
        for grid in ("g1", "g2"):
            buildings = selectors.buildings_figures(inside["grids"][grid], counted)
            assert sum(b["values"][key] for b in buildings) == grids[inside["grids"][grid].public_id][key]


def test_figures_not_counted_inside_a_community_are_not_known_there(inside):
    counted = selectors.places_counted(A)
    unknown = {"testing.positive_tubes", "volunteers.on_duty", "volunteers.hours_month", "supplies.residents",
               "supplies.chronic"}  # fmt: skip
    for name in ("g1", "g2", "b11", "b12", "b21"):
        values = selectors.place_figures(counted, place(inside, name))
        for key in unknown:
            assert values[key] is None, (name, key)
        assert values["supplies.days"] is None, name  # no stock or people known below a community
        assert not any(values[k] is not None for k in values if k.startswith("supplies.stock.")), name
        for key in KNOWN:
            assert values[key] == EXPECTED[name].get(key, 0), (name, key)
    # coverage, derived: sampled and exempted over expected at the place shown
    assert selectors.place_figures(counted, place(inside, "g1"))["testing.coverage"] == pytest.approx(4 / 7)
    assert selectors.place_figures(counted, place(inside, "b12"))["testing.coverage"] == pytest.approx(2 / 3)
    assert selectors.place_figures(counted, place(inside, "b21"))["testing.coverage"] == pytest.approx(1 / 2)
    empty = selectors.place_figures(counted, place(inside, "g3"))
    assert empty["testing.coverage"] is None and empty["testing.expected"] == 0 and empty["appeals.open"] == 0
    assert empty["volunteers.on_duty"] is None
    # the community itself knows every figure
    figures_refresh()
    community = selectors.area_figures(A)
    assert community["volunteers.on_duty"] == 1 and community["supplies.days"] is not None


def test_a_zone_released_or_rejected_counts_no_more(inside, street_staff):
    zone_services.zone_reject(actor=street_staff, zone=inside["zones"]["g1"], reason="已排查")
    zone_services.zone_reject(actor=street_staff, zone=inside["zones"]["b21"], reason="已排查")
    per_place, _known = selectors.places_counted(A)
    assert "zones.proposed" not in per_place[place(inside, "g1")]
    assert "zones.proposed" not in per_place[place(inside, "b21")]
    assert (
        per_place[place(inside, "g2")]["zones.control"] == 1 and "zones.proposed" not in per_place[place(inside, "g2")]
    )
    assert per_place[place(inside, "b11")]["zones.lockdown"] == 1


# --- the page -------------------------------------------------------------------------------------


FIGURE = re.compile(
    r'<(?:a|span) class="work-item( urgent)?"(?: href="([^"]*)")? data-figure="([^"]+)">\s*'
    r'<span class="work-label">[^<]*</span>\s*<strong class="work-count">([^<]*)</strong>'
)


def shown(page: str) -> dict[str, str]:
    """Every figure on the page: key -> value shown."""
    return {key: value for _urgent, _href, key, value in FIGURE.findall(page)}


def child_cells(page: str) -> dict[str, dict[str, str]]:
    """The children's table: row key (a grid's or building's public id) -> {column key: cell}; "link" is
    the first cell."""
    keys = [f.key for f in figures.all_figures() if f.in_children]
    table = page.split('id="command-children"', 1)[1].split("</table>", 1)[0]
    out = {}
    for code, row in re.findall(r'<tr data-code="([^"]+)">(.*?)</tr>', table, re.S):
        cells = re.findall(r"<td(?: class=\"urgent\")?>(.*?)</td>", row, re.S)
        out[code] = {"link": html.unescape(cells[0]), **dict(zip(keys, cells[1:], strict=True))}
    return out


def zones_listed(page: str) -> set[str]:
    section = page.split('id="command-zones"', 1)[1].split("</section>", 1)[0]
    return set(re.findall(r'href="/zones/([^"/]+)/"', section))


def crumbs(page: str) -> str:
    return page.split('class="breadcrumb"', 1)[1].split("</nav>", 1)[0]


def get(client, user, **params):
    client.force_login(user)
    return client.get("/command/", params)


def test_the_community_page_lists_its_grids_each_linking_down(client, street_staff, inside):
    figures_refresh()
    answer = get(client, street_staff, area=A)
    assert answer.status_code == 200
    page = answer.content.decode()
    rows = child_cells(page)
    grids = inside["grids"]
    assert list(rows) == [grids[g].public_id for g in ("g1", "g2", "g3")]
    for name, grid in grids.items():
        assert rows[grid.public_id]["link"] == f'<a href="?grid={grid.public_id}">{grid.name}</a>', name
    g1, g2, g3 = (rows[grids[g].public_id] for g in ("g1", "g2", "g3"))
    assert (g1["testing.coverage"], g1["testing.untested"], g1["zones.lockdown"]) == ("57.1%", "3", "1")
    assert (g1["appeals.open"], g1["appeals.lapsed"], g1["supplies.late_orders"]) == ("2", "0", "0")
    assert (g2["testing.coverage"], g2["testing.untested"], g2["zones.lockdown"]) == ("50.0%", "1", "0")
    assert (g2["appeals.open"], g2["appeals.lapsed"], g2["supplies.late_orders"]) == ("1", "1", "1")
    assert (g3["testing.coverage"], g3["testing.untested"], g3["appeals.open"]) == ("—", "0", "0")
    for row in (g1, g2, g3):  # not counted below a community
        assert row["testing.positive_tubes"] == row["supplies.days"] == row["volunteers.on_duty"] == "—"
    # the community's own figures are the rollup's, every one known
    values = shown(page)
    assert values["testing.positive_tubes"] == "1" and values["volunteers.on_duty"] == "1"
    assert values["appeals.open"] == "4" and values["supplies.days"] != "—"
    assert "?building=" not in page.split('id="command-children"', 1)[1]


def test_a_grids_page_shows_its_figures_and_lists_its_buildings(client, street_staff, inside):
    g1 = inside["grids"]["g1"]
    answer = get(client, street_staff, grid=g1.public_id)
    assert answer.status_code == 200
    page = answer.content.decode()
    assert f"指挥视图 · {g1.name}" in page
    values = shown(page)
    assert values["testing.coverage"] == "57.1%"
    assert (values["testing.expected"], values["testing.sampled"], values["testing.untested"]) == ("7", "3", "3")
    assert values["testing.open_recalls"] == "2"
    assert (values["zones.lockdown"], values["zones.control"], values["zones.proposed"]) == ("1", "0", "1")
    assert (values["supplies.open_orders"], values["supplies.late_orders"], values["supplies.urgent_open"]) == (
        "2", "0", "1",
    )  # fmt: skip
    assert (values["appeals.open"], values["appeals.critical"], values["appeals.lapsed"]) == ("2", "1", "0")
    # not known on a grid
    for key in ("testing.positive_tubes", "supplies.days", "volunteers.on_duty", "volunteers.hours_month"):
        assert values[key] == "—", key

    rows = child_cells(page)
    b11, b12 = inside["buildings"]["b11"], inside["buildings"]["b12"]
    assert list(rows) == [b11.public_id, b12.public_id]  # not building 21 of grid 2
    for building in (b11, b12):
        assert rows[building.public_id]["link"] == f'<a href="?building={building.public_id}">{building.label}</a>'
    assert (rows[b11.public_id]["testing.coverage"], rows[b11.public_id]["testing.untested"]) == ("50.0%", "2")
    assert rows[b11.public_id]["zones.lockdown"] == "1" and rows[b12.public_id]["zones.lockdown"] == "0"
    assert (rows[b12.public_id]["testing.coverage"], rows[b12.public_id]["appeals.open"]) == ("66.7%", "2")
    assert rows[b11.public_id]["testing.positive_tubes"] == rows[b12.public_id]["supplies.days"] == "—"
    assert "?grid=" not in page.split('id="command-children"', 1)[1]

    g2 = get(client, street_staff, grid=inside["grids"]["g2"].public_id).content.decode()
    assert list(child_cells(g2)) == [inside["buildings"]["b21"].public_id]
    assert shown(g2)["zones.control"] == "1" and shown(g2)["supplies.late_orders"] == "1"


def test_a_buildings_page_has_its_figures_and_no_table(client, street_staff, inside):
    b21 = inside["buildings"]["b21"]
    answer = get(client, street_staff, building=b21.public_id)
    assert answer.status_code == 200
    page = answer.content.decode()
    assert f"指挥视图 · {b21.label}" in page
    assert 'id="command-children"' not in page
    values = shown(page)
    assert (values["testing.coverage"], values["testing.expected"], values["testing.untested"]) == ("50.0%", "2", "1")
    assert (values["zones.proposed"], values["zones.control"], values["zones.lockdown"]) == ("1", "1", "0")
    assert (values["supplies.open_orders"], values["supplies.late_orders"]) == ("1", "1")
    assert (values["appeals.open"], values["appeals.lapsed"], values["appeals.critical"]) == ("1", "1", "0")
    for key in ("testing.positive_tubes", "supplies.days", "volunteers.on_duty"):
        assert values[key] == "—", key
    b11 = get(client, street_staff, building=inside["buildings"]["b11"].public_id).content.decode()
    assert shown(b11)["zones.lockdown"] == "1" and shown(b11)["testing.open_recalls"] == "2"
    assert shown(b11)["supplies.urgent_open"] == "1"


def test_the_breadcrumb_goes_community_grid_building(client, street_staff, inside):
    g1, b11 = inside["grids"]["g1"], inside["buildings"]["b11"]
    trail = crumbs(get(client, street_staff, building=b11.public_id).content.decode())
    community, grid, building = (
        trail.index(f'<a href="?area={A}">水井坊社区居委会</a>'),
        trail.index(f'<a href="?grid={g1.public_id}">{g1.name}</a>'),
        trail.index(f"<span>{b11.label}</span>"),
    )
    assert community < grid < building
    assert f'href="?area={STREET}"' in trail  # the viewer's own street links up
    assert 'href="?area=5101"' not in trail and "?building=" not in trail  # the city is not theirs; the last is plain

    trail = crumbs(get(client, street_staff, grid=g1.public_id).content.decode())
    assert trail.index(f'<a href="?area={A}">') < trail.index(f"<span>{g1.name}</span>")
    assert f"?grid={g1.public_id}" not in trail


def test_a_grid_or_building_page_lists_only_the_zones_that_apply_there(client, street_staff, inside):
    z = {name: zone.public_id for name, zone in inside["zones"].items()}
    g = inside["grids"]
    b = inside["buildings"]

    def listed(**params):
        return zones_listed(get(client, street_staff, **params).content.decode())

    assert listed(area=A) == set(z.values())  # the community's page: all of them
    assert listed(grid=g["g1"].public_id) == {z["b11"], z["g1"], z["street"]}
    assert listed(grid=g["g2"].public_id) == {z["b21"], z["g2"], z["street"]}
    assert listed(building=b["b11"].public_id) == {z["b11"], z["g1"], z["street"]}
    assert listed(building=b["b12"].public_id) == {z["g1"], z["street"]}  # not its neighbour's lockdown
    assert listed(building=b["b21"].public_id) == {z["b21"], z["g2"], z["street"]}
    assert listed(grid=g["g3"].public_id) == {z["street"]}

    # a zone on A's own code applies to every grid and building of A
    community_zone = Zone.objects.create(
        kind="prevention", level="community", area_key=A, area_name="水井坊社区居委会", community_code=A,
        status="active", rules_version="default-1", first_positive_at=timezone.now(),
        last_positive_at=timezone.now(), since=timezone.now(),
    )  # fmt: skip
    assert listed(grid=g["g3"].public_id) == {z["street"], community_zone.public_id}
    assert listed(building=b["b12"].public_id) == {z["g1"], z["street"], community_zone.public_id}


def test_who_may_open_a_grid_or_building_page(client, inside, worker_a, worker_b, community_a):
    g1, b11 = inside["grids"]["g1"], inside["buildings"]["b11"]
    elsewhere = make_user_with_role("street_x", "street_staff", "510104018")
    grid_worker = make_user_with_role("grid_1", "grid_worker", A, grid=g1)
    leader = make_user_with_role("leader_11", "building_leader", A, building=b11)
    for user, status in ((elsewhere, 404), (worker_b, 404), (grid_worker, 404), (leader, 404), (worker_a, 200)):
        assert get(client, user, grid=g1.public_id).status_code == status, user.username
        assert get(client, user, building=b11.public_id).status_code == status, user.username
    # community B's building: the street's staff open it, A's worker does not
    bb = inside["buildings"]["bb"]
    assert get(client, worker_a, building=bb.public_id).status_code == 404
    assert get(client, worker_a, grid=bb.grid.public_id).status_code == 404
    assert get(client, worker_b, building=bb.public_id).status_code == 200
    for params in ({"grid": "nosuchgrid"}, {"building": "nosuchbuilding"}, {"grid": "x" * 40}):
        assert get(client, worker_a, **params).status_code == 404, params
    client.logout()
    answer = client.get("/command/", {"grid": g1.public_id})
    assert answer.status_code == 302 and answer["Location"].startswith("/login/")


# --- the lists behind a grid's and a building's figures ---------------------------------------------
# Following a figure's link lands on a list narrowed to that grid or building (`?grid=` / `?building=`)
# that holds exactly what the figure counted there. A figure whose list cannot narrow, or that is not
# known below a community, has no link there, never one to the whole community's list. A grid or
# building the viewer does not hold is a 404 on every list.

PLACES = ["g1", "g2", "b11", "b12", "b21"]


def _place_of(world, name):
    if name.startswith("g"):
        grid = world["grids"][name]
        return grid, {"grid": grid.public_id}
    building = world["buildings"][name]
    return building, {"building": building.public_id}


def links_on(page: str) -> dict[str, str]:
    """Figure key -> its link ("" when it has none)."""
    return {key: href.replace("&amp;", "&") for _urgent, href, key, _value in FIGURE.findall(page)}


def counted_by_list(key: str, context) -> int:
    """How many rows the list the link landed on holds (the coverage page: its summary's figure)."""
    if key in ("testing.expected", "testing.sampled", "testing.untested"):
        return context["summary"][key.split(".")[1]]
    if key == "testing.open_recalls":
        assert all(recall.status in RECALL_OPEN for recall, _pii, _steps in context["recalls"])
        return len(context["recalls"])
    if key.startswith("supplies."):
        return len(context["orders"])
    if key.startswith("appeals."):
        return len(context["rows"])
    if key.startswith("zones."):
        return len(context["rows"])
    raise AssertionError(f"no list reader for {key}")


@pytest.mark.parametrize("name", PLACES)
def test_each_figure_of_a_place_links_to_its_list_narrowed_to_that_place(client, street_staff, inside, name):
    _place, query = _place_of(inside, name)
    client.force_login(street_staff)
    page = client.get("/command/", query).content.decode()
    links = links_on(page)
    followed = 0
    for figure in figures.all_figures():
        if figure.hidden or figure.key not in links:
            continue
        href = links[figure.key]
        if not figure.places:
            assert href == "", f"{figure.key} links to a list that does not narrow to the place"
            continue
        assert href, f"{figure.key} has no link at {name}"
        assert href.endswith("&" + "&".join(f"{k}={v}" for k, v in query.items())), href
        if figure.derived is not None:  # coverage: the share of the page's own figures
            continue
        landed = client.get(href, follow=True)
        assert landed.status_code == 200, (figure.key, href)
        assert landed.context["place"] is not None, f"{figure.key}: the list was not narrowed"
        assert counted_by_list(figure.key, landed.context) == EXPECTED[name].get(figure.key, 0), (figure.key, name)
        followed += 1
    assert followed >= 10  # testing, zones, supplies and requests all followed


def test_figures_not_known_below_a_community_do_not_link(client, street_staff, inside):
    client.force_login(street_staff)
    page = client.get("/command/", {"grid": inside["grids"]["g1"].public_id}).content.decode()
    links = links_on(page)
    for key in ("volunteers.on_duty", "testing.positive_tubes"):
        assert links.get(key, "") == "", key
    community = client.get("/command/", {"area": A}).content.decode()
    assert links_on(community)["testing.positive_tubes"]  # it does link where it is known


def test_the_untested_page_of_a_building_lists_its_residents_only(client, street_staff, inside):
    building = inside["buildings"]["b11"]
    client.force_login(street_staff)
    landed = client.get("/rounds/current/untested/", {"area": A, "building": building.public_id}, follow=True)
    listed = [resident for resident, _pii in landed.context["untested"]]
    assert len(listed) == 2 and {r.household.building_id for r in listed} == {building.pk}
    page = landed.content.decode()
    assert "data-place-filter" in page and building.label in page
    export = re.search(r'href="([^"]*/untested\.xlsx[^"]*)"', page).group(1).replace("&amp;", "&")
    assert f"building={building.public_id}" in export
    client.force_login(street_staff)
    sheet = client.get(export)
    assert sheet.status_code == 200
    audit = AuditEvent.objects.filter(entity="untested", action="export").latest("id")
    assert audit.detail["building"] == building.public_id and len(audit.row_ids) == 2  # the building's two
    clear = re.search(r'data-place-filter>.*?<a href="([^"]+)"', page, re.S).group(1).replace("&amp;", "&")
    whole = client.get(landed.request["PATH_INFO"] + clear)
    assert whole.context["place"] is None and whole.context["summary"]["expected"] == 9  # A's residents


def test_the_lists_keep_the_place_in_their_forms_and_clear_it_on_request(client, street_staff, inside):
    grid = inside["grids"]["g1"]
    client.force_login(street_staff)
    for url in ("/appeals/", "/supplies/orders/", "/zones/"):
        page = client.get(url, {"area": A, "grid": grid.public_id}).content.decode()
        assert f'<input type="hidden" name="grid" value="{grid.public_id}">' in page, url
        clear = re.search(r'data-place-filter>.*?<a href="([^"]+)"', page, re.S).group(1).replace("&amp;", "&")
        assert "grid=" not in clear and f"area={A}" in clear, url
        whole = client.get(url + clear).context
        assert whole["place"] is None


@pytest.mark.parametrize(
    "url", ["/appeals/", "/supplies/orders/", "/zones/", "/rounds/current/untested/", "/rounds/current/recalls/"]
)
def test_a_grid_or_building_the_viewer_does_not_hold_is_a_404_on_every_list(client, inside, url):
    g1, g2 = inside["grids"]["g1"], inside["grids"]["g2"]
    grid_worker = make_user_with_role("grid_g1", "grid_worker", A, grid=g1)
    other = make_user_with_role("worker_b2", "community_worker", "510104017002")
    client.force_login(grid_worker)
    assert client.get(url, {"grid": g2.public_id}).status_code == 404
    assert client.get(url, {"building": inside["buildings"]["b21"].public_id}).status_code == 404
    assert client.get(url, {"grid": "NOT-A-GRID"}).status_code == 404
    client.force_login(other)  # another community's worker
    assert client.get(url, {"grid": g1.public_id}).status_code == 404


def test_a_communitys_open_recalls_link_to_that_communitys_recalls_only(client, street_staff, inside):
    client.force_login(street_staff)
    for code, n in ((A, 2), ("510104017002", 0)):
        landed = client.get("/rounds/current/recalls/", {"area": code}, follow=True)
        assert landed.context["area"] == code
        assert len(landed.context["recalls"]) == n, code
    everything = client.get(f"/rounds/{inside['round'].public_id}/recalls/")
    assert len(everything.context["recalls"]) == 2 and everything.context["area"] == ""


def test_a_building_leader_cannot_narrow_a_list_to_the_grid_around_their_building(client, inside):
    building = inside["buildings"]["b11"]
    leader = make_user_with_role("leader_b11", "building_leader", A, building=building)
    client.force_login(leader)
    assert client.get("/appeals/", {"grid": building.grid.public_id}).status_code == 404
    assert client.get("/appeals/", {"building": building.public_id}).status_code == 200


def test_a_recall_step_and_a_door_visit_go_back_to_the_list_they_came_from(client, street_staff, inside):
    g1 = inside["grids"]["g1"]
    worker = make_user_with_role("worker_steps", "community_worker", A)
    client.force_login(worker)
    page = client.get("/rounds/current/recalls/", {"area": A, "grid": g1.public_id, "open": "1"}, follow=True)
    recall, _pii, steps = page.context["recalls"][0]
    form = page.content.decode().split(f"/recalls/{recall.public_id}/transition/", 1)[1].split("</form>", 1)[0]
    kept = dict(re.findall(r'<input type="hidden" name="(area|grid|building|open)" value="([^"]*)">', form))
    assert kept == {"area": A, "grid": g1.public_id, "open": "1"}
    answer = client.post(f"/recalls/{recall.public_id}/transition/", {"to_status": steps[0][0], **kept})
    assert answer.status_code == 302
    assert answer["Location"].endswith(f"/recalls/?area={A}&grid={g1.public_id}&open=1")
    resident = inside["buildings"]["b11"].households.first().residents.first()
    visit = client.post(
        f"/rounds/{inside['round'].public_id}/door-to-door/{resident.public_id}/",
        {"action": "visited", "note": "不在家", "area_code": A, "building": inside["buildings"]["b11"].public_id},
    )
    assert visit["Location"].endswith(
        f"coverage/?area_code={A}&building={inside['buildings']['b11'].public_id}#door-to-door"
    )
