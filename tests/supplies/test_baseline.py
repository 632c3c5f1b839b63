"""Baseline demand and days of supply: the pure rules (supplies.baseline), their words, and a community's
figures read from the register and the stock (selectors.community_supply)."""

import math

import pytest

from gongzhi.core.errors import Problem
from gongzhi.supplies import baseline, selectors
from gongzhi.supplies.baseline import ALERT_DAYS, BAD_AMOUNT, LOW, NONE_HELD, People
from gongzhi.supplies.messages import alert_text
from gongzhi.supplies.models import SupplyPoint
from tests.factories import BuildingFactory, GridFactory, HouseholdFactory, ResidentFactory, make_user_with_role
from tests.supplies.factories import make_item, make_point, receive

# The pure rules


def test_daily_need_is_residents_times_the_guidelines_amounts_plus_the_chronic_patients_medicine():
    need = baseline.daily_need(People(residents=100, chronic=5))
    assert need == pytest.approx(
        {"grain": 32.5, "vegetables": 40.0, "meat": 5.75, "eggs": 4.5, "milk": 40.0, "oil": 2.75, "medicine": 0.1}
    )
    assert baseline.daily_need(People(0)) == {c: 0.0 for c in need}


def test_daily_need_with_amounts_given_adds_a_category_both_need():
    need = baseline.daily_need(People(10, 2), {"grain": 0.5, "medicine": 0.01}, {"medicine": 0.02})
    assert need == pytest.approx({"grain": 5.0, "medicine": 0.14})  # 10 × 0.01 + 2 × 0.02
    assert baseline.daily_need(People(10, 2), {}, {}) == {}


def test_days_of_supply_per_needed_category():
    days = baseline.days_of_supply(
        {"grain": 65.0, "vegetables": 2.0, "toys": 100.0},
        {"grain": 3.25, "vegetables": 4.0, "meat": 0.5, "medicine": 0},
    )
    assert days == {"grain": pytest.approx(20.0), "vegetables": 0.5, "meat": 0.0, "medicine": None}


def test_alerts_name_the_categories_below_the_threshold_lowest_first():
    days = {"grain": 20.0, "vegetables": 2.96, "meat": 0.0, "eggs": 0.0, "oil": 3.0, "milk": 1.04, "medicine": None}
    assert baseline.alerts(days) == [
        Problem(NONE_HELD, {"category": "eggs", "days": 0.0, "threshold": 3.0}),
        Problem(NONE_HELD, {"category": "meat", "days": 0.0, "threshold": 3.0}),
        Problem(LOW, {"category": "milk", "days": 1.0, "threshold": 3.0}),
        Problem(LOW, {"category": "vegetables", "days": 3.0, "threshold": 3.0}),  # 2.96 is below 3, shown rounded
    ]  # oil at exactly 3 days is not below the threshold; medicine is needed by nobody
    assert [p.params["category"] for p in baseline.alerts(days, threshold=25)] == [
        "eggs", "meat", "milk", "vegetables", "oil", "grain",
    ]  # fmt: skip
    assert baseline.alerts(days, threshold=0) == [] and baseline.alerts({}) == [] and ALERT_DAYS == 3.0


def test_lowest_is_what_runs_out_first_and_none_when_nothing_is_needed():
    assert baseline.lowest({"grain": 20.0, "milk": 1.5, "medicine": None}) == 1.5
    assert baseline.lowest({"grain": 0.0, "milk": 1.5}) == 0.0
    assert baseline.lowest({"medicine": None}) is None and baseline.lowest({}) is None


def test_the_amounts_shipped_pass_their_own_check():
    assert baseline.checked_amounts(baseline.DAILY_KG) == []
    assert baseline.checked_amounts(baseline.CHRONIC_DAILY_KG) == []
    assert baseline.checked_amounts({"grain": 0.001, "milk": 9.99, "oil": 1}) == []


@pytest.mark.parametrize("value", [0, -0.3, 10, 12.5, "0.3", None, math.nan, math.inf, -math.inf, [0.3]])
def test_a_configured_amount_that_is_not_a_positive_number_below_10_kg_is_named(value):
    problems = baseline.checked_amounts({"grain": 0.3, "vegetables": value})
    assert len(problems) == 1
    assert problems[0].code == BAD_AMOUNT and problems[0].params["category"] == "vegetables"
    assert problems[0].params["value"] is value


def test_a_boolean_is_not_an_amount():
    # True == 1 in Python; a setting of `True` is a mistake, not 1 kg a person a day (route_plan's settings
    # refuse booleans the same way).
    assert [p.params["category"] for p in baseline.checked_amounts({"grain": True, "oil": False})] == ["grain", "oil"]


def test_the_alerts_in_words():
    labels = selectors.category_labels()
    low, none = baseline.alerts({"vegetables": 2.5, "meat": 0.0})[::-1]
    assert alert_text(low, labels) == "蔬菜仅够2.5天（低于3天）"
    assert alert_text(none, labels) == "肉类没有库存"


# A community's figures: residents from the register, stock held in the community in kilograms


@pytest.fixture
def small_world(community_a, community_b, worker_a):
    grid = GridFactory(community=community_a)
    home = HouseholdFactory(building=BuildingFactory(grid=grid))
    people = [ResidentFactory(household=home) for _ in range(10)]
    for resident, tags in (
        (people[0], ["insulin", "chronic"]),
        (people[1], ["dialysis"]),
        (people[2], ["elderly_alone"]),
    ):
        for tag in tags:
            resident.tags.create(tag=tag, community_code=community_a.code)
    away = HouseholdFactory(building=BuildingFactory(grid=GridFactory(community=community_b)))
    for _ in range(4):
        ResidentFactory(household=away)
    rice = make_item("大米", category="grain", kg="5")
    greens = make_item("青菜", category="vegetables", unit="箱", kg="2")
    oil = make_item("菜籽油", category="oil", unit="桶", kg="1")
    insulin = make_item("胰岛素笔芯", category="medicine", unit="盒", kg="0.1", urgent_medical=True)
    point = make_point(community_a.code, name="水井坊社区分发点")
    shop = make_point(community_a.code, kind=SupplyPoint.Kind.SUPERMARKET, name="红旗超市")
    street = make_user_with_role("street", "street_staff", community_a.code[:9])
    reserve = make_point(community_a.code[:9], kind=SupplyPoint.Kind.RESERVE, name="街道储备库")
    for where, item, n in ((point, rice, 20), (point, greens, 5), (shop, oil, 3), (point, insulin, 2)):
        receive(worker_a, where, item, n)
    receive(street, reserve, rice, 1000)  # the street's reserve is not held in any community
    point_b = make_point(community_b.code, name="崇德里社区分发点")
    receive(street, point_b, rice, 4)
    return {"street": street, "worker": worker_a}


def by_code(rows):
    return {row.code: row for row in rows}


@pytest.mark.django_db
def test_community_supply_reads_residents_stock_and_days(small_world, community_a, community_b):
    rows = by_code(selectors.community_supply(user=small_world["street"], area_code=community_a.code[:9]))
    a, b = rows[community_a.code], rows[community_b.code]
    assert (a.name, a.residents, b.residents) == (community_a.name, 10, 4)
    # A: 100 kg of rice over 10 × 0.325 kg; 10 kg of greens over 10 × 0.4; the shop's 3 kg of oil over
    # 10 × 0.0275; 0.2 kg of insulin over 2 chronic patients × 0.02 kg (one with two tags counts once)
    assert a.days == pytest.approx(
        {
            "grain": 100 / 3.25,
            "vegetables": 2.5,
            "meat": 0.0,
            "eggs": 0.0,
            "milk": 0.0,
            "oil": 3 / 0.275,
            "medicine": 5.0,
        }
    )
    assert a.lowest == 0.0
    assert [(p.code, p.params["category"], p.params["days"]) for p in a.alerts] == [
        (NONE_HELD, "eggs", 0.0), (NONE_HELD, "meat", 0.0), (NONE_HELD, "milk", 0.0), (LOW, "vegetables", 2.5),
    ]  # fmt: skip
    assert b.days["grain"] == pytest.approx(20 / 1.3) and b.days["medicine"] is None  # B has no chronic patients
    empty = [row for code, row in rows.items() if code not in (community_a.code, community_b.code)]
    assert empty and all(row.residents == 0 and row.lowest is None and row.alerts == [] for row in empty)


@pytest.mark.django_db
def test_community_supply_shows_only_the_communities_the_user_sees(small_world, community_a):
    rows = selectors.community_supply(user=small_world["worker"], area_code=community_a.code[:9])
    assert [row.code for row in rows] == [community_a.code]
    outsider = make_user_with_role("lab", "lab", community_a.code)
    assert selectors.community_supply(user=outsider, area_code=community_a.code[:9]) == []


@pytest.mark.django_db
def test_the_threshold_and_the_amounts_follow_settings(settings, small_world, community_a):
    settings.GONGZHI_SUPPLY_ALERT_DAYS = 1
    settings.GONGZHI_SUPPLY_DAILY_KG = {"vegetables": 1.0, "medicine": 0.1}
    (a,) = selectors.community_supply(user=small_world["worker"], area_code=community_a.code)
    assert a.days["vegetables"] == pytest.approx(1.0) and a.days["medicine"] == pytest.approx(1.0)
    assert [p.params["category"] for p in a.alerts] == ["eggs", "meat", "milk"]  # 1 day is not below 1


@pytest.mark.django_db
def test_community_supply_costs_the_same_few_queries_for_a_whole_street(
    small_world, community_a, django_assert_num_queries
):
    street = small_world["street"]
    selectors.community_supply(user=street, area_code=community_a.code)  # the user's roles read once
    with django_assert_num_queries(5):  # communities, residents, chronic patients, stock, orders
        rows = selectors.community_supply(user=street, area_code=community_a.code[:9])
    assert len(rows) > 2
