"""The command view (gongzhi.command) against the database: each app's figures counted per community
from what its own services wrote (rounds and their rollup, zones, stock and orders, requests,
check-ins and the hour ledger), kept in the rollup by `figures_refresh`, summed up the area tree with
the derived figures (coverage, days of supply) computed from the summed parts at the level shown; a
zone on a street's own code counting for the street and above but in none of its communities (stored
under the street's 9 digits, never as a 12-digit row); and the page as each role opens it."""

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongzhi.appeals import services as appeal_services
from gongzhi.command import selectors
from gongzhi.command.models import AreaFigure, FigureRefresh
from gongzhi.command.services import figures_refresh, official_code
from gongzhi.core import access, events, figures, roles
from gongzhi.people.models import Resident, ResidentTag
from gongzhi.places.models import Area, Grid
from gongzhi.supplies import baseline
from gongzhi.supplies import services as supply_services
from gongzhi.supplies.models import Order
from gongzhi.supplies.services import LineIn
from gongzhi.testing import services as testing_services
from gongzhi.testing.models import Recall, Round, RoundProgress
from gongzhi.volunteers import services as volunteer_services
from gongzhi.volunteers.models import Assignment
from gongzhi.zones import rules
from gongzhi.zones import selectors as zone_selectors
from gongzhi.zones import services as zone_services
from gongzhi.zones.models import Zone
from tests.appeals.factories import set_clock
from tests.factories import BuildingFactory, GridFactory, HouseholdFactory, ResidentFactory, make_user_with_role
from tests.supplies.factories import make_item, make_point, receive
from tests.testing.test_services import sampled_tube
from tests.volunteers.test_services import approved, at

pytestmark = pytest.mark.django_db

CITY, DISTRICT, STREET = "5101", "510104", "510104017"  # 成都市 锦江区 锦官驿街道
STREET_OWN = "510104017000"  # the street's own 12-digit code: a street-level zone or request lives there
A, B, C = "510104017001", "510104017002", "510104017003"  # 水井坊, 崇德里, 合江亭 (C: nothing in it)


@pytest.fixture(autouse=True)
def fresh_limits():
    """Sign-up and order limits count in the cache: each test starts with none used."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def street_staff(areas):
    return make_user_with_role("street_a", "street_staff", STREET)


@pytest.fixture
def district_staff(areas):
    return make_user_with_role("district_a", "district_staff", DISTRICT)


@pytest.fixture
def building_a(community_a):
    return BuildingFactory(grid=GridFactory(community=community_a, community_code=A))


@pytest.fixture
def building_b(community_b):
    return BuildingFactory(grid=GridFactory(community=community_b, community_code=B), address="崇德里2号")


def residents_in(building, n):
    return [ResidentFactory(household=HouseholdFactory(building=building)) for _ in range(n)]


def counted(prefix: str) -> dict[str, dict[str, float]]:
    """What the apps' counters give now, per community (or a street's own code), zeros left out."""
    return {k: v for k, v in figures.count_all().items() if k.startswith(prefix) and v}


def rolled(prefix: str, *codes: str) -> dict[str, dict[str, float]]:
    """The counted figures of these codes as the rollup holds them (read through the selectors),
    in the same shape, zeros left out. The street's own code has no rows of its own (its counts are
    stored under the street's 9 digits): its part is what the street holds beyond its communities."""
    keys = [f.key for f in figures.all_figures() if f.derived is None and f.key.startswith(prefix)]
    street, communities = selectors.area_figures(STREET), children(STREET)
    out: dict[str, dict[str, float]] = {}
    for code in codes:
        if code == STREET_OWN:
            values = {key: street[key] - sum(row[key] for row in communities.values()) for key in keys}
        else:
            values = selectors.area_figures(code)
        for key in keys:
            if values[key]:
                out.setdefault(key, {})[code] = values[key]
    return out


SHOWN_CODES = (A, B, C, STREET_OWN)


def refreshed_as(prefix: str, expected: dict[str, dict[str, float]]) -> None:
    """The counters give exactly `expected` (nothing anywhere else), and the refresh stored it: each
    community's on its own row, the street's own code's only in the street's (and the district's and
    the city's) sums, never as a row of its own."""
    assert counted(prefix) == expected
    assert rolled(prefix, *SHOWN_CODES) == expected
    assert not AreaFigure.objects.filter(area_code=STREET_OWN).exists()
    assert not any(v for k, v in selectors.area_figures(STREET_OWN).items() if k.startswith(prefix))
    street, district, city = (selectors.area_figures(code) for code in (STREET, DISTRICT, CITY))
    for key, per_code in expected.items():  # everything counted here lies in the street
        assert street[key] == district[key] == city[key] == sum(per_code.values()), key


def children(code: str) -> dict[str, dict]:
    return {row["code"]: row["values"] for row in selectors.children_figures(code)}


def case(n, building):
    return rules.Case(f"X{n}", rules.Place(str(building.pk), str(building.grid_id), building.community_code))


# --- what each app counts ---------------------------------------------------------------------------


def test_testing_figures_are_the_current_rounds_rollup_recalls_and_exemptions(
    community_a, community_b, worker_a, street_staff, building_a, building_b
):
    a = residents_in(building_a, 6)
    b = residents_in(building_b, 4)
    collector = make_user_with_role("c1", "collector", A)
    # an older round over B, still open: B's current round is the street's, which started later
    older = testing_services.round_create(
        actor=street_staff, name="第1轮", area_code=B, pool_size=10, starts_at=timezone.now() - dt.timedelta(days=2)
    )
    sampled_tube(older, collector, b[:3], "TUBE0009")
    current = testing_services.round_create(actor=street_staff, name="第2轮", area_code=STREET, pool_size=10)
    sampled_tube(current, collector, a[:3], "TUBE0001")
    sampled_tube(current, collector, b[:2], "TUBE0002")
    testing_services.exemption_record(actor=worker_a, round_=current, resident=a[5], reason="away")
    testing_services.tube_results_record(
        actor=worker_a, round_=current, results=[("TUBE0001", "positive"), ("TUBE0002", "negative")]
    )
    events.deliver_pending()  # the consumer after the commit: recalls opened, zones proposed
    assert Recall.objects.filter(round=current, status="open").count() == 3

    done = figures_refresh()

    refreshed_as(
        "testing.",
        {
            "testing.expected": {A: 6, B: 4},
            "testing.sampled": {A: 3, B: 2},
            "testing.exempted": {A: 1},  # zeros are left out of the rollup
            "testing.untested": {A: 2, B: 2},  # 6 - 3 sampled - 1 exempted; 4 - 2
            "testing.positive_tubes": {A: 1},
            "testing.open_recalls": {A: 3},
        },
    )
    # the positive pool proposed its building's and grid's zones in A and the street's own zone
    refreshed_as("zones.", {"zones.proposed": {A: 2, STREET_OWN: 1}})
    assert done.rows == AreaFigure.objects.count()

    street = selectors.area_figures(STREET)
    assert (street["testing.expected"], street["testing.sampled"], street["testing.untested"]) == (10, 5, 4)
    assert street["testing.coverage"] == pytest.approx((5 + 1) / 10)  # sampled and exempted over expected
    assert selectors.area_figures(A)["testing.coverage"] == pytest.approx(4 / 6)
    assert selectors.area_figures(B)["testing.coverage"] == pytest.approx(2 / 4)
    nothing = selectors.area_figures(C)
    assert nothing["testing.expected"] == 0 and nothing["testing.coverage"] is None  # nobody expected
    assert children(STREET)[C]["testing.coverage"] is None

    # the street's round closed: B's current round is the older one, A has none
    testing_services.round_transition(actor=street_staff, round_=current, to_status="closed")
    figures_refresh()
    refreshed_as("testing.", {"testing.expected": {B: 4}, "testing.sampled": {B: 3}, "testing.untested": {B: 1}})
    assert selectors.area_figures(A)["testing.coverage"] is None
    assert selectors.area_figures(STREET)["testing.coverage"] == pytest.approx(3 / 4)


def test_zone_figures_count_zones_in_force_by_kind_and_proposals(
    community_a, community_b, street_staff, building_a, building_b
):
    zone_services.zones_propose(cases=[case(1, building_a), case(2, building_b)])
    lockdown_a = Zone.objects.get(kind="lockdown", community_code=A)
    zone_services.zone_confirm(actor=street_staff, zone=lockdown_a)
    zone_services.zone_confirm(actor=street_staff, zone=Zone.objects.get(kind="control", community_code=A))
    zone_services.zone_confirm(actor=street_staff, zone=Zone.objects.get(level="street"))
    zone_services.zone_reject(
        actor=street_staff, zone=Zone.objects.get(kind="control", community_code=B), reason="已排查"
    )

    figures_refresh()

    refreshed_as(
        "zones.",
        {
            "zones.lockdown": {A: 1},
            "zones.control": {A: 1},
            "zones.prevention": {STREET_OWN: 1},  # one zone for the street, both cases in it
            "zones.proposed": {B: 1},  # B's lockdown; its control zone was rejected
        },
    )


def test_supplies_figures_count_stock_people_and_open_late_and_urgent_orders(
    community_a, community_b, worker_a, worker_b, building_a, building_b
):
    items = {c: make_item(f"{c}品", category=c, kg="1") for c in baseline.DAILY_KG}
    items["medicine"] = make_item("胰岛素", category="medicine", kg="1", urgent_medical=True)
    point_a, point_b = make_point(A), make_point(B)
    held_a = {"grain": 40, "meat": 10, "eggs": 10, "milk": 50, "oil": 5, "medicine": 1}
    for category, n in held_a.items():
        receive(worker_a, point_a, items[category], n)
    receive(worker_b, point_b, items["vegetables"], 30)
    a = residents_in(building_a, 6)
    residents_in(building_b, 4)
    ResidentTag.objects.create(resident=a[0], community_code=A, tag="insulin")
    ResidentTag.objects.create(resident=a[0], community_code=A, tag="chronic")  # the same person, counted once

    homes = [HouseholdFactory(building=building_a) for _ in range(3)]
    home_b = HouseholdFactory(building=building_b)

    def order(household, category, actor):
        return supply_services.order_place(
            household=household, lines=[LineIn("item", items[category].public_id, 1)], actor=actor
        )

    order(homes[0], "grain", worker_a)
    assert order(homes[1], "medicine", worker_a).urgent
    late = order(homes[2], "grain", worker_a)
    Order.objects.filter(pk=late.pk).update(created_at=timezone.now() - dt.timedelta(hours=25))
    supply_services.order_cancel(actor=worker_a, order=order(homes[2], "oil", worker_a), reason="住户不需要了")
    order(home_b, "grain", worker_b)

    figures_refresh()

    refreshed_as(
        "supplies.",
        {
            "supplies.residents": {A: 6, B: 4},
            "supplies.chronic": {A: 1},
            "supplies.stock.grain": {A: 40},
            "supplies.stock.vegetables": {B: 30},
            "supplies.stock.meat": {A: 10},
            "supplies.stock.eggs": {A: 10},
            "supplies.stock.milk": {A: 50},
            "supplies.stock.oil": {A: 5},
            "supplies.stock.medicine": {A: 1},
            "supplies.open_orders": {A: 3, B: 1},  # the cancelled one is not open
            "supplies.late_orders": {A: 1},
            "supplies.urgent_open": {A: 1},
        },
    )

    # days of supply: the category that runs out first, over the summed stock and need at each level
    need = baseline.daily_need(baseline.People(10, 1), baseline.DAILY_KG, baseline.CHRONIC_DAILY_KG)
    stock = {**{c: float(n) for c, n in held_a.items()}, "vegetables": 30.0}
    expected = baseline.lowest(baseline.days_of_supply(stock, need))
    assert expected == pytest.approx(30 / (10 * baseline.DAILY_KG["vegetables"]))  # 7.5: vegetables first
    street = selectors.area_figures(STREET)
    assert street["supplies.days"] == pytest.approx(expected)
    assert selectors.area_figures(DISTRICT)["supplies.days"] == pytest.approx(expected)
    # each community alone runs out at once (A holds no vegetables, B no grain): not a min or sum of theirs
    assert selectors.area_figures(A)["supplies.days"] == 0.0
    assert selectors.area_figures(B)["supplies.days"] == 0.0
    a_alone = baseline.lowest(
        baseline.days_of_supply(
            {c: float(n) for c, n in held_a.items()},
            baseline.daily_need(baseline.People(6, 1), baseline.DAILY_KG, baseline.CHRONIC_DAILY_KG),
        )
    )
    assert a_alone == 0.0
    assert selectors.area_figures(C)["supplies.days"] is None  # nobody to feed
    rows = children(STREET)
    assert (rows[A]["supplies.days"], rows[B]["supplies.days"], rows[C]["supplies.days"]) == (0.0, 0.0, None)
    assert rows[A]["supplies.late_orders"] == 1 and rows[B]["supplies.open_orders"] == 1


def test_appeal_figures_count_open_critical_and_lapsed_requests(community_a, community_b, building_a, building_b):
    h1, h2, h3 = (HouseholdFactory(building=building_a) for _ in range(3))
    hb = HouseholdFactory(building=building_b)
    appeal_services.appeal_submit(household=h1, category="food", text="家里没有米了")
    critical = appeal_services.appeal_submit(household=h2, category="medical_emergency", text="老人胸痛")
    assert critical.urgency == "critical"
    set_clock(
        appeal_services.appeal_submit(household=h3, category="food", text="没有菜了"), due_in=-dt.timedelta(hours=1)
    )
    merged = appeal_services.appeal_submit(household=h1, category="food", text="还是没有米")
    assert merged.status == "merged"  # kept as its own row, not open
    appeal_services.appeal_submit(household=hb, category="elderly_care", text="老人需要照看")
    waiting = appeal_services.appeal_unplaced(
        actor=None, area_code=STREET_OWN, category="other", text="小区门口垃圾没人清运", caller_name="王五",
        caller_phone="13800000009", address_text="锦江区某小区", received_at=timezone.now(), hotline_ref="H-1",
    )  # fmt: skip
    assert waiting.status == "unplaced" and waiting.urgency_rank != 0

    figures_refresh()

    refreshed_as(
        "appeals.",
        {
            "appeals.open": {A: 3, B: 1, STREET_OWN: 1},  # the unplaced one waits at the street
            "appeals.critical": {A: 1},
            "appeals.lapsed": {A: 1},
        },
    )
    street = selectors.area_figures(STREET)
    assert (street["appeals.open"], street["appeals.critical"], street["appeals.lapsed"]) == (5, 1, 1)
    rows = children(STREET)
    assert sum(r["appeals.open"] for r in rows.values()) == 4  # the street's own request is in no child row
    assert (rows[A]["appeals.open"], rows[B]["appeals.open"]) == (3, 1)


def test_volunteer_figures_count_those_on_duty_and_this_months_hours(community_a, community_b, worker_a, worker_b):
    day = timezone.localdate()
    v1, v2 = approved(community_a, worker_a, 1), approved(community_a, worker_a, 2)
    v3 = approved(community_b, worker_b, 3)
    post_a = volunteer_services.post_create(actor=worker_a, community_code=A, name="楼栋配送", group="transport")
    post_b = volunteer_services.post_create(actor=worker_b, community_code=B, name="核酸扫码", group="screening")
    shift_a = volunteer_services.shift_create(
        actor=worker_a, post=post_a, starts_at=at(day, 8), ends_at=at(day, 12), needed=2
    )
    shift_b = volunteer_services.shift_create(
        actor=worker_b, post=post_b, starts_at=at(day, 8), ends_at=at(day, 12), needed=1
    )
    for shift, volunteer, code in ((shift_a, v1, A), (shift_a, v2, A), (shift_b, v3, B)):
        Assignment.objects.create(shift=shift, volunteer=volunteer, community_code=code, source="manual")
    volunteer_services.checkin(volunteer=v1, post=post_a, now=at(day, 8))  # on duty
    volunteer_services.checkin(volunteer=v2, post=post_a, now=at(day, 8))
    record = volunteer_services.checkout(volunteer=v2, post=post_a, now=at(day, 12))
    volunteer_services.checkin_confirm(actor=worker_a, record=record)  # 4 hours, off duty
    volunteer_services.checkin(volunteer=v3, post=post_b, now=at(day, 9))  # on duty
    volunteer_services.hours_correct(
        actor=worker_b, volunteer=v3, hours=Decimal("2.5"), reason="补录本月服务", served_on=day
    )
    last_month = day.replace(day=1) - dt.timedelta(days=1)
    volunteer_services.hours_correct(
        actor=worker_a, volunteer=v1, hours=Decimal("6"), reason="补录上月服务", served_on=last_month
    )

    figures_refresh()

    refreshed_as(
        "volunteers.",
        {
            "volunteers.on_duty": {A: 1, B: 1},
            "volunteers.hours_month": {A: 4.0, B: 2.5},  # last month's 6 hours are not this month's
        },
    )
    street = selectors.area_figures(STREET)
    assert (street["volunteers.on_duty"], street["volunteers.hours_month"]) == (2, 6.5)


# --- up the area tree ---------------------------------------------------------------------------------


@pytest.fixture
def spread(community_a, community_b, worker_a, worker_b, street_staff, building_a, building_b):
    """Something of every app in A and B (a round over the street, a sealed building and the
    street's prevention zone, requests, stock and an order, a volunteer on duty and hours), and a
    request waiting on the street's own code."""
    residents_in(building_a, 4)
    residents_in(building_b, 2)
    round_ = testing_services.round_create(actor=street_staff, name="第1轮", area_code=STREET, pool_size=10)
    zone_services.zones_propose(cases=[case(1, building_a)])
    zone_services.zone_confirm(actor=street_staff, zone=Zone.objects.get(level="street"))
    zone_services.zone_confirm(actor=street_staff, zone=Zone.objects.get(kind="lockdown"))
    appeal_services.appeal_submit(household=HouseholdFactory(building=building_a), category="food", text="没有米了")
    appeal_services.appeal_submit(household=HouseholdFactory(building=building_a), category="medicine", text="断药了")
    appeal_services.appeal_submit(household=HouseholdFactory(building=building_b), category="food", text="没有菜了")
    appeal_services.appeal_unplaced(
        actor=None, area_code=STREET_OWN, category="other", text="路灯坏了", caller_name="王五",
        caller_phone="13800000009", address_text="锦江区某小区", received_at=timezone.now(), hotline_ref="H-9",
    )  # fmt: skip
    rice = make_item("大米", category="grain", kg="1")
    point_a, point_b = make_point(A), make_point(B)
    receive(worker_a, point_a, rice, 12)
    receive(worker_b, point_b, rice, 3)
    supply_services.order_place(
        household=HouseholdFactory(building=building_b), lines=[LineIn("item", rice.public_id, 1)], actor=worker_b
    )
    day = timezone.localdate()
    volunteer = approved(community_a, worker_a, 7)
    post = volunteer_services.post_create(actor=worker_a, community_code=A, name="1号门", group="safety")
    shift = volunteer_services.shift_create(
        actor=worker_a, post=post, starts_at=at(day, 8), ends_at=at(day, 12), needed=1
    )
    Assignment.objects.create(shift=shift, volunteer=volunteer, community_code=A, source="manual")
    volunteer_services.checkin(volunteer=volunteer, post=post, now=at(day, 8))
    volunteer_services.hours_correct(
        actor=worker_b, volunteer=approved(community_b, worker_b, 8), hours=Decimal("2.5"), reason="补录", served_on=day
    )
    return round_


def test_an_areas_figure_is_the_sum_of_its_communities_and_its_own_code(spread):
    figures_refresh()
    counted_keys = [f.key for f in figures.all_figures() if f.derived is None]
    per_code = figures.count_all()
    street, district, city = (selectors.area_figures(c) for c in (STREET, DISTRICT, CITY))
    rows = children(STREET)
    assert list(rows) == list(Area.objects.filter(parent__code=STREET).order_by("code").values_list("code", flat=True))
    assert not any(selectors.area_figures(STREET_OWN).values())  # not an area: no rows, nothing derived
    for key in counted_keys:
        assert street[key] == sum(per_code[key].values()), key  # everything here lies in the street
        assert street[key] == sum(r[key] for r in rows.values()) + per_code[key].get(STREET_OWN, 0), key
        assert district[key] == city[key] == street[key], key
        for code in (A, B, C):
            assert rows[code][key] == selectors.area_figures(code)[key] == per_code[key].get(code, 0), key
    assert street["appeals.open"] == 4 and street["zones.lockdown"] == 1 and street["testing.expected"] == 6
    assert street["supplies.stock.grain"] == 15 and street["supplies.open_orders"] == 1
    assert street["volunteers.on_duty"] == 1 and street["volunteers.hours_month"] == 2.5
    assert (rows[A]["supplies.stock.grain"], rows[B]["supplies.stock.grain"]) == (12, 3)

    # the street's own zone and request: the street's, the district's, the city's, in no community
    assert per_code["zones.prevention"] == {STREET_OWN: 1}
    assert street["zones.prevention"] == district["zones.prevention"] == city["zones.prevention"] == 1
    assert all(r["zones.prevention"] == 0 for r in rows.values())
    assert selectors.area_figures(A)["zones.prevention"] == 0
    assert (street["appeals.open"], sum(r["appeals.open"] for r in rows.values())) == (4, 3)
    # one level up the street is a child row, its own code's figures in it
    district_rows = children(DISTRICT)
    assert district_rows[STREET]["zones.prevention"] == 1 and district_rows[STREET]["appeals.open"] == 4
    assert sum(r["appeals.open"] for r in district_rows.values()) == 4
    city_rows = children(CITY)
    assert city_rows[DISTRICT]["zones.lockdown"] == 1 and city_rows[DISTRICT]["appeals.open"] == 4
    # another street of the district counts none of it
    assert selectors.area_figures("510104018")["appeals.open"] == 0 and district_rows["510104018"]["appeals.open"] == 0
    # the derived figures at each level, from that level's sums
    assert street["testing.coverage"] == district["testing.coverage"] == 0.0  # 6 expected, none sampled yet
    assert rows[A]["testing.coverage"] == 0.0 and rows[C]["testing.coverage"] is None
    # below a community there are no children in the rollup
    assert selectors.children_figures(A) == []


def test_a_request_waiting_at_a_districts_own_code_counts_for_the_district_and_no_street(spread, district_staff):
    """A district's hotline import whose address names no street waits at 510104000000."""
    appeal_services.appeal_unplaced(
        actor=district_staff, area_code="510104000000", category="other", text="某地噪音扰民", caller_name="李四",
        caller_phone="13800000008", address_text="锦江区", received_at=timezone.now(), hotline_ref="H-10",
    )  # fmt: skip
    figures_refresh()
    assert counted("appeals.open") == {"appeals.open": {A: 2, B: 1, STREET_OWN: 1, "510104000000": 1}}
    assert selectors.area_figures(DISTRICT)["appeals.open"] == 5
    assert selectors.area_figures(CITY)["appeals.open"] == 5
    assert selectors.area_figures(STREET)["appeals.open"] == 4
    district_rows = children(DISTRICT)
    assert sum(r["appeals.open"] for r in district_rows.values()) == 4  # in none of its streets
    assert "510104000" not in district_rows
    assert children(CITY)[DISTRICT]["appeals.open"] == 5
    # stored under the district's 6 digits: no stray row for the district's own 9- or 12-digit code
    assert not AreaFigure.objects.filter(area_code__in=("510104000", "510104000000")).exists()
    assert not any(selectors.area_figures("510104000").values())  # not a street: nothing


def test_official_code_takes_a_streets_or_districts_own_code_to_the_area_itself():
    assert official_code(STREET_OWN) == STREET
    assert official_code("510104000000") == DISTRICT
    assert official_code("510104000") == DISTRICT
    for code in (A, "510104018001", STREET, "510104018", DISTRICT, CITY):
        assert official_code(code) == code, code


def test_every_stored_row_is_an_official_area_at_its_own_depth(spread, district_staff):
    """The street's own zone and request, and a request at the district's own code, each counted at
    their area and every area above it; no row at a 12-digit code that is no community."""
    appeal_services.appeal_unplaced(
        actor=district_staff, area_code="510104000000", category="other", text="某地噪音扰民", caller_name="李四",
        caller_phone="13800000008", address_text="锦江区", received_at=timezone.now(), hotline_ref="H-11",
    )  # fmt: skip
    assert counted("zones.prevention") == {"zones.prevention": {STREET_OWN: 1}}
    assert counted("appeals.open") == {"appeals.open": {A: 2, B: 1, STREET_OWN: 1, "510104000000": 1}}
    done = figures_refresh()

    stored = list(AreaFigure.objects.values_list("area_code", "depth"))
    assert len(stored) == done.rows > 0
    assert all(len(code) == depth and depth in (4, 6, 9, 12) for code, depth in stored)
    codes = {code for code, _depth in stored}
    assert set(Area.objects.filter(code__in=codes).values_list("code", flat=True)) == codes  # all official
    assert not AreaFigure.objects.filter(depth=12, area_code__endswith="000").exists()
    assert not AreaFigure.objects.filter(area_code__in=(STREET_OWN, "510104000", "510104000000")).exists()

    def rows_of(key):
        return dict(AreaFigure.objects.filter(key=key).values_list("area_code", "value"))

    # the street's own zone: the street's, the district's and the city's, in no community
    assert rows_of("zones.prevention") == {STREET: 1, DISTRICT: 1, CITY: 1}
    # the district's own request: the district's and the city's, in no street
    assert rows_of("appeals.open") == {A: 2, B: 1, STREET: 4, DISTRICT: 5, CITY: 5}
    assert rows_of("zones.lockdown") == {A: 1, STREET: 1, DISTRICT: 1, CITY: 1}
    # read through the selectors: an own code is no area of its own
    for code in (STREET_OWN, "510104000", "510104000000"):
        assert not any(selectors.area_figures(code).values()), code
    assert selectors.area_figures(STREET)["zones.prevention"] == 1
    assert children(STREET)[A]["zones.prevention"] == 0
    assert children(DISTRICT)[STREET]["appeals.open"] == 4


# --- the refresh ----------------------------------------------------------------------------------


def test_a_refresh_replaces_the_rollup_and_records_itself(community_a, street_staff, building_a):
    assert selectors.refreshed() is None
    found = timezone.now() - dt.timedelta(days=10)
    zone_services.zones_propose(cases=[case(1, building_a)], found_at=found)
    lockdown = zone_services.zone_confirm(actor=street_staff, zone=Zone.objects.get(kind="lockdown"))
    first = figures_refresh()
    record = selectors.refreshed()
    assert record is not None and record.rows == first.rows == AreaFigure.objects.count() > 0
    refreshed_as("zones.", {"zones.lockdown": {A: 1}, "zones.proposed": {A: 1, STREET_OWN: 1}})
    assert selectors.area_figures(STREET)["zones.lockdown"] == 1

    # two closed rounds over the community since, no positive in them; eight days later it is released
    for n in (1, 2):
        round_ = Round.objects.create(
            name=f"第{n}轮", area_code=A, status="closed", starts_at=timezone.now() + dt.timedelta(hours=n)
        )
        RoundProgress.objects.create(round=round_, community_code=A, sampled=10, tubes=1)
    zone_services.zone_release(actor=street_staff, zone=lockdown, now=timezone.now() + dt.timedelta(days=8))
    assert selectors.area_figures(A)["zones.lockdown"] == 1  # the page reads the rollup until it is recounted

    second = figures_refresh()
    refreshed_as("zones.", {"zones.proposed": {A: 1, STREET_OWN: 1}})
    assert not AreaFigure.objects.filter(key="zones.lockdown").exists()
    assert selectors.area_figures(STREET)["zones.lockdown"] == selectors.area_figures(CITY)["zones.lockdown"] == 0
    assert children(STREET)[A]["zones.lockdown"] == 0
    assert FigureRefresh.objects.count() == 1
    again = selectors.refreshed()
    assert again.rows == second.rows == AreaFigure.objects.count() < first.rows
    assert again.finished_at >= record.finished_at and again.seconds >= 0

    # nothing left open: the rollup is emptied, and the record says so
    for zone in Zone.objects.filter(status="proposed"):
        zone_services.zone_reject(actor=street_staff, zone=zone, reason="已排查")
    assert figures_refresh().rows == 0
    assert AreaFigure.objects.count() == 0 and selectors.refreshed().rows == 0
    assert selectors.area_figures(STREET)["zones.proposed"] == 0


def test_two_refreshes_in_a_row_each_replace_every_row(spread):
    first = figures_refresh()
    stored = set(AreaFigure.objects.values_list("area_code", "depth", "key", "value"))
    record = selectors.refreshed()
    assert len(stored) == first.rows == record.rows > 0
    # rows the recount does not give (a stale row of an old layout, a value changed since) go
    AreaFigure.objects.create(area_code=STREET_OWN, depth=12, key="zones.prevention", value=9)
    AreaFigure.objects.filter(area_code=STREET, key="appeals.open").update(value=99)
    AreaFigure.objects.filter(area_code=A, key="zones.lockdown").delete()

    second = figures_refresh()  # straight after: no collision with the first's rows (area, key unique)
    assert set(AreaFigure.objects.values_list("area_code", "depth", "key", "value")) == stored
    assert second.rows == first.rows == AreaFigure.objects.count()
    third = figures_refresh()
    assert set(AreaFigure.objects.values_list("area_code", "depth", "key", "value")) == stored
    assert third.rows == first.rows == AreaFigure.objects.count()
    assert FigureRefresh.objects.count() == 1
    again = selectors.refreshed()
    assert again.rows == third.rows and again.finished_at >= record.finished_at
    assert selectors.area_figures(STREET)["appeals.open"] == 4 and selectors.area_figures(A)["zones.lockdown"] == 1


def test_a_refresh_locks_the_refresh_record_before_it_replaces_the_rows(spread):
    figures_refresh()  # the record exists: the lock is on it
    with CaptureQueriesContext(connection) as queries:
        figures_refresh()
    sql = [q["sql"] for q in queries.captured_queries]
    locks = [n for n, q in enumerate(sql) if "FOR UPDATE" in q]
    if connection.features.has_select_for_update:  # PostgreSQL: a second refresh waits here
        assert locks and all('FROM "command_figurerefresh"' in sql[n] for n in locks)  # only the record
        deletes = [n for n, q in enumerate(sql) if q.startswith("DELETE") and "command_areafigure" in q]
        assert deletes and locks[0] < deletes[0]
    else:  # SQLite writes one transaction at a time anyway
        assert locks == []
    assert FigureRefresh.objects.count() == 1


def test_the_management_command_and_the_task_refresh(community_a, street_staff, building_a):
    from io import StringIO

    from gongzhi.command.tasks import refresh_figures

    zone_services.zones_propose(cases=[case(1, building_a)])
    out = StringIO()
    call_command("command_refresh", stdout=out)
    assert re.fullmatch(rf"{AreaFigure.objects.count()} figures in \d+\.\d\d s\n", out.getvalue())
    refreshed_as("zones.", {"zones.proposed": {A: 2, STREET_OWN: 1}})
    zone_services.zone_confirm(actor=street_staff, zone=Zone.objects.get(kind="lockdown"))
    refresh_figures.call_local()
    refreshed_as("zones.", {"zones.lockdown": {A: 1}, "zones.proposed": {A: 1, STREET_OWN: 1}})


# --- the page -------------------------------------------------------------------------------------


FIGURE = re.compile(
    r'<(?:a|span) class="work-item( urgent)?"(?: href="([^"]*)")? data-figure="([^"]+)">\s*'
    r'<span class="work-label">[^<]*</span>\s*<strong class="work-count">([^<]*)</strong>'
)


def shown(page: str) -> dict[str, tuple[str, str, bool]]:
    """Every figure on the page: key -> (value shown, link or "", shown as urgent)."""
    return {key: (value, html.unescape(href or ""), bool(urgent)) for urgent, href, key, value in FIGURE.findall(page)}


def child_cells(page: str) -> dict[str, dict[str, str]]:
    """The children's table: code (a grid's or building's public id below a community) -> {column
    key: cell}; the first cell is the link down."""
    keys = [f.key for f in figures.all_figures() if f.in_children]
    table = page.split('id="command-children"', 1)[1].split("</table>", 1)[0]
    out = {}
    for code, row in re.findall(r'<tr data-code="([^"]+)">(.*?)</tr>', table, re.S):
        cells = re.findall(r"<td(?: class=\"urgent\")?>(.*?)</td>", row, re.S)
        out[code] = {"link": cells[0], **dict(zip(keys, cells[1:], strict=True))}
    return out


def link_of(key: str, code: str) -> str:
    """The link a figure gives for an area (the app decides where its lists are)."""
    return next(f for f in figures.all_figures() if f.key == key).link(code)


def open_page(client, user, area=None):
    client.force_login(user)
    return client.get("/command/", {"area": area} if area else {})


@pytest.fixture
def page_data(spread):
    """`spread`, with two of A's four residents sampled; refreshed."""
    round_ = spread
    residents = list(Resident.objects.filter(community_code=A).order_by("id"))
    collector = make_user_with_role("c1", "collector", A)
    for n, resident in enumerate(residents[:2], start=1):  # their building is sealed: a tube each
        sampled_tube(round_, collector, [resident], f"TUBE000{n}")
    figures_refresh()
    return {"round": round_}


def test_street_staff_see_their_streets_figures_and_a_row_per_community(client, street_staff, page_data):
    answer = open_page(client, street_staff, STREET)
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "锦官驿街道" in page and "数据截至" in page
    values = shown(page)
    assert set(values) == {f.key for f in figures.all_figures() if not f.hidden}  # every shown figure, once
    assert values["testing.coverage"] == ("33.3%", link_of("testing.coverage", STREET), False)  # 2 of 6
    assert values["testing.expected"] == ("6", link_of("testing.expected", STREET), False)
    assert values["testing.untested"] == ("4", link_of("testing.untested", STREET), True)
    assert values["testing.positive_tubes"] == ("0", link_of("testing.positive_tubes", STREET), False)
    assert all(values[k][1] for k in ("testing.coverage", "testing.untested", "testing.positive_tubes"))
    assert values["zones.lockdown"] == ("1", f"/zones/?area={STREET}&kind=lockdown&status=active", True)
    # the street's own zone
    assert values["zones.prevention"] == ("1", f"/zones/?area={STREET}&kind=prevention&status=active", False)
    assert values["zones.proposed"] == ("1", f"/zones/?area={STREET}&status=proposed", True)  # the grid's control
    assert values["appeals.open"] == ("4", f"/appeals/?area={STREET}", False)
    assert values["appeals.lapsed"] == ("0", f"/appeals/?area={STREET}&sla=lapsed", False)
    assert values["supplies.days"][0] == "0"  # six people, nothing held
    assert values["volunteers.on_duty"] == ("1", "", False)  # street staff do not confirm hours
    # the testing figures open the current round's pages, found when the link is followed
    assert values["testing.coverage"][1] == f"/rounds/current/coverage/?area={STREET}"
    assert values["testing.untested"][1] == f"/rounds/current/untested/?area={STREET}"
    assert values["testing.positive_tubes"][1] == f"/rounds/current/dashboard/?area={STREET}"
    assert values["testing.open_recalls"][1] == f"/rounds/current/recalls/?area={STREET}&open=1"
    assert values["supplies.late_orders"] == ("0", f"/supplies/orders/?area={STREET}&late=1", False)
    since = timezone.localdate().replace(day=1).isoformat()
    assert values["volunteers.hours_month"] == ("2.5", f"/volunteers/hours/?area_code={STREET}&since={since}", False)
    assert values["supplies.open_orders"] == ("1", f"/supplies/orders/?area={STREET}&status=open", False)
    assert values["supplies.urgent_open"] == ("0", f"/supplies/orders/?area={STREET}&urgent=1", False)
    # the parts of derived figures are not shown
    assert "testing.exempted" not in values and "supplies.residents" not in values
    assert not any(k.startswith("supplies.stock.") for k in values)

    rows = child_cells(page)
    names = dict(Area.objects.filter(parent__code=STREET).values_list("code", "name"))
    assert set(rows) == set(names) and len(rows) == 6
    for code, name in names.items():
        assert rows[code]["link"] == f'<a href="?area={code}">{name}</a>'
    assert rows[A]["testing.coverage"] == "50.0%" and rows[A]["testing.untested"] == "2"
    assert rows[A]["zones.lockdown"] == "1" and rows[A]["appeals.open"] == "2"
    assert rows[A]["volunteers.on_duty"] == "1"
    assert rows[B]["testing.coverage"] == "0.0%" and rows[B]["appeals.open"] == "1"
    assert rows[C]["testing.coverage"] == "—" and rows[C]["supplies.days"] == "—"
    assert '<td class="urgent">1</td>' in page.split(f'data-code="{A}"', 1)[1].split("</tr>", 1)[0]  # lockdown


def test_the_zones_over_and_inside_the_area_are_listed_with_their_pages(client, street_staff, page_data):
    street_zone = Zone.objects.get(level="street")
    lockdown = Zone.objects.get(kind="lockdown")
    control = Zone.objects.get(kind="control")  # proposed: listed too
    listed = lambda page: page.split('id="command-zones"', 1)[1].split("</section>", 1)[0]  # noqa: E731

    on_a = listed(open_page(client, street_staff, A).content.decode())
    for zone in (street_zone, lockdown, control):
        assert f'href="/zones/{zone.public_id}/"' in on_a
    on_b = listed(open_page(client, street_staff, B).content.decode())
    assert f'href="/zones/{street_zone.public_id}/"' in on_b  # the street's zone is over B as well
    assert f"/zones/{lockdown.public_id}/" not in on_b and f"/zones/{control.public_id}/" not in on_b


def test_a_figures_link_needs_the_figures_capability_over_the_area(client, street_staff, worker_a, page_data):
    # a community worker of A holds volunteers.confirm_hours there
    values = shown(open_page(client, worker_a, A).content.decode())
    assert values["volunteers.on_duty"] == ("1", f"/volunteers/checkins/?area={A}", False)
    assert values["appeals.open"] == ("2", f"/appeals/?area={A}", False)

    values = shown(open_page(client, street_staff, A).content.decode())
    assert values["volunteers.on_duty"] == ("1", "", False)  # street staff do not confirm hours
    assert values["appeals.open"] == ("2", f"/appeals/?area={A}", False)
    assert values["zones.prevention"] == (
        "0",
        f"/zones/?area={A}&kind=prevention&status=active",
        False,
    )  # the street's zone is not A's count
    assert values["testing.coverage"] == ("50.0%", link_of("testing.coverage", A), False)


def test_a_superuser_sees_the_city_with_a_row_per_district_and_every_link(client, page_data):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("admin", password="pass-for-tests-1")
    page = open_page(client, admin).content.decode()  # no area of their own: the city
    assert "指挥视图 · 成都市" in page
    values = shown(page)
    assert values["zones.prevention"] == ("1", f"/zones/?area={CITY}&kind=prevention&status=active", False)
    assert values["appeals.open"][0] == "4"
    assert values["volunteers.on_duty"] == ("1", f"/volunteers/checkins/?area={CITY}", False)  # at every level
    rows = child_cells(page)
    assert set(rows) == set(Area.objects.filter(parent__code=CITY).values_list("code", flat=True))
    assert rows[DISTRICT]["appeals.open"] == "4" and rows["510105"]["appeals.open"] == "0"
    values = shown(open_page(client, admin, A).content.decode())
    assert values["volunteers.on_duty"] == ("1", f"/volunteers/checkins/?area={A}", False)


def test_the_breadcrumb_links_only_the_areas_the_viewer_holds(client, street_staff, page_data):
    page = open_page(client, street_staff, A).content.decode()
    crumbs = page.split('class="breadcrumb"', 1)[1].split("</nav>", 1)[0]
    assert f'href="?area={STREET}"' in crumbs
    assert f'href="?area={DISTRICT}"' not in crumbs and f'href="?area={CITY}"' not in crumbs
    assert "水井坊社区居委会" in crumbs and "锦江区" in crumbs
    # a community has no child areas in the rollup; its table below lists its grids (counted live)
    assert children(A) == {}
    grids = list(Grid.objects.filter(community_code=A).values_list("public_id", flat=True))
    assert grids and set(child_cells(page)) == set(grids)
    assert all(f'href="?grid={grid}"' in page.split('id="command-children"', 1)[1] for grid in grids)


def test_without_an_area_the_page_is_the_viewers_own(client, street_staff, page_data):
    page = open_page(client, street_staff).content.decode()
    assert "指挥视图 · 锦官驿街道" in page
    assert shown(page)["appeals.open"][0] == "4"


def test_an_area_the_viewer_does_not_hold_is_404(client, street_staff, worker_b, page_data):
    for area in ("510104018", DISTRICT, CITY, "510104018001", "abc"):
        assert open_page(client, street_staff, area).status_code == 404, area
    assert open_page(client, worker_b, A).status_code == 404
    assert open_page(client, worker_b, STREET).status_code == 404
    assert open_page(client, worker_b, B).status_code == 200


def test_a_code_of_no_official_area_is_404_even_inside_the_viewers_own(client, street_staff, page_data):
    from django.contrib.auth import get_user_model

    nowhere = (STREET_OWN, "5101040170", "51010401700", "510104017999")
    for code in nowhere:
        # inside the street the viewer holds: the 404 is for the code, not the viewer's reach
        assert access.may_in_area(street_staff, roles.VIEW_COMMAND, code), code
        assert open_page(client, street_staff, code).status_code == 404, code
    assert open_page(client, street_staff, STREET).status_code == 200
    assert open_page(client, street_staff, A).status_code == 200
    admin = get_user_model().objects.create_superuser("admin", password="pass-for-tests-1")
    for code in (*nowhere, "510104000000", "510104000", "51010", "5"):
        assert open_page(client, admin, code).status_code == 404, code
    for code in (CITY, DISTRICT, STREET, A):
        assert open_page(client, admin, code).status_code == 200, code


def test_the_zone_list_shows_ten_then_links_to_all_of_them(client, community_a, street_staff):
    def building():
        return BuildingFactory(grid=GridFactory(community=community_a, community_code=A))

    def listed(area):
        page = open_page(client, street_staff, area).content.decode()
        section = page.split('id="command-zones"', 1)[1].split("</section>", 1)[0]
        return re.findall(r'href="/zones/([^"/]+)/"', section), section

    first = building()
    # four buildings in four grids: a lockdown and a control zone each, and the street's prevention zone
    zone_services.zones_propose(cases=[case(1, first), *(case(n, building()) for n in (2, 3, 4))])
    # a fifth building in the first one's grid: its lockdown zone only, ten zones in all
    fifth = BuildingFactory(grid=first.grid)
    zone_services.zones_propose(cases=[case(5, fifth)])
    assert Zone.objects.count() == 10
    shown, section = listed(A)
    assert sorted(shown) == sorted(Zone.objects.values_list("public_id", flat=True))
    assert "查看全部风险区" not in section

    zone_services.zones_propose(cases=[case(6, building())])  # two more: twelve
    assert Zone.objects.count() == 12
    in_order = zone_selectors.zone_list(user=street_staff, status="open", area_code=A)
    shown, section = listed(A)
    assert shown == [z.public_id for z in in_order[:10]]  # the strictest ten, in the list's order
    assert f'<a href="/zones/?area={A}">查看全部风险区</a>' in section
    everything = client.get("/zones/", {"area": A}).content.decode()
    assert all(f"/zones/{z.public_id}/" in everything for z in Zone.objects.all())

    # the street sees the same twelve; a community of the street with only the street's zone over it, one
    assert len(listed(STREET)[0]) == 10 and f"/zones/?area={STREET}" in listed(STREET)[1]
    shown, section = listed(B)
    assert shown == [Zone.objects.get(level="street").public_id] and "查看全部风险区" not in section


def test_roles_without_the_command_view_get_404_and_strangers_the_login(client, community_a, building_a, areas):
    others = [
        make_user_with_role("grid_a", "grid_worker", A, grid=building_a.grid),
        make_user_with_role("leader_a", "building_leader", A, building=building_a),
        make_user_with_role("vol_a", "volunteer", A),
        make_user_with_role("col_a", "collector", A),
        make_user_with_role("lab_a", "lab", DISTRICT),
    ]
    for user in others:
        assert open_page(client, user, A).status_code == 404, user.username
        assert open_page(client, user).status_code == 404, user.username
    client.logout()
    answer = client.get("/command/", {"area": A})
    assert answer.status_code == 302 and answer["Location"].startswith("/login/")
    assert not any(access.holds(user, roles.VIEW_COMMAND) for user in others)


def test_before_the_first_refresh_the_page_says_so(client, street_staff, spread):
    page = open_page(client, street_staff, STREET).content.decode()
    assert "数据尚未统计，稍候一分钟再看" in page and "数据截至" not in page
    values = shown(page)
    assert values["appeals.open"][0] == "0" and values["zones.prevention"][0] == "0"
    assert values["testing.coverage"][0] == "—" and values["supplies.days"][0] == "—"
    figures_refresh()
    page = open_page(client, street_staff, STREET).content.decode()
    assert "数据尚未统计" not in page and "数据截至" in page
    assert shown(page)["appeals.open"][0] == "4"
