"""Allocation of living supplies (supplies.allocation): vulnerable people first, then days of supply evened out,
then the nearest point; optimal on the full graph (an independent LP gives the same objective), and refused input
named by its code. Pure: no database."""

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.linear_solver import pywraplp

from gongzhi.core.errors import Problem
from gongzhi.supplies import allocation
from gongzhi.supplies.allocation import (
    CODES,
    DISTANCE_STEPS,
    FEASIBLE,
    LEVEL_WEIGHT,
    OPTIMAL,
    AllocationInputError,
    Category,
    Community,
    SupplyPoint,
    allocate,
)
from gongzhi.supplies.allocation import model as m

EPS = 1e-9


def units_for(amount: float) -> int:
    return math.ceil(amount - EPS * max(1.0, amount))


def segments(community: Community, category: Category, horizon: float, step: float) -> list[tuple[int, int]]:
    """(capacity, cost) of the vulnerable people's steps of days, then everyone's, from the definitions."""
    rate, held = category.daily_units_per_person, community.stock.get(category.key, 0)
    levels = math.ceil(horizon / step - EPS)
    out, below = [], 0
    for j in range(1, levels + 1):
        reach_ = units_for(community.vulnerable_people * rate * min(j * step, horizon))
        out.append((max(0, reach_ - max(held, below)), -(2 * levels + 1 - j) * LEVEL_WEIGHT))
        below = reach_
    base, below = max(held, below), 0
    for k in range(1, levels + 1):
        reach_ = units_for(community.people * rate * min(k * step, horizon))
        out.append((max(0, reach_ - max(base, below)), -(levels + 1 - k) * LEVEL_WEIGHT))
        below = reach_
    return out


def reach(community: Community, category: Category, horizon: float, step: float, k: int, vulnerable=False) -> int:
    """Units the community must hold to have k steps of days for everyone (or for its vulnerable people)."""
    persons = community.vulnerable_people if vulnerable else community.people
    return units_for(persons * category.daily_units_per_person * min(k * step, horizon)) if k else 0


def costed(km: np.ndarray) -> np.ndarray:
    longest = km.max() if km.size else 0
    return np.rint(km * (DISTANCE_STEPS / longest)).astype(int) if longest > 0 else np.zeros(km.shape, dtype=int)


def lp_objective(communities, points, categories, km, horizon, step) -> float:
    """The same objective as an LP over every pair (GLOP): an independent formulation and solver."""
    cost = costed(km)
    total = 0.0
    for category in categories:
        solver = pywraplp.Solver.CreateSolver("GLOP")
        objective = solver.Objective()
        x = {}
        for p in range(len(points)):
            for c in range(len(communities)):
                x[p, c] = solver.NumVar(0, solver.infinity(), "")
                objective.SetCoefficient(x[p, c], float(cost[p, c]))
        for p, point in enumerate(points):
            solver.Add(sum(x[p, c] for c in range(len(communities))) <= point.stock.get(category.key, 0))
        for c, community in enumerate(communities):
            taken = []
            for capacity, weight in segments(community, category, horizon, step):
                y = solver.NumVar(0, capacity, "")
                objective.SetCoefficient(y, float(weight))
                taken.append(y)
            solver.Add(sum(x[p, c] for p in range(len(points))) == sum(taken))
        objective.SetMinimization()
        assert solver.Solve() == pywraplp.Solver.OPTIMAL
        total += objective.Value()
    return total


def sent(result, category: str) -> tuple[dict[str, int], dict[str, int]]:
    by_point: dict[str, int] = {}
    by_community: dict[str, int] = {}
    for s in result.shipments:
        if s.category == category:
            by_point[s.point] = by_point.get(s.point, 0) + s.units
            by_community[s.community] = by_community.get(s.community, 0) + s.units
    return by_point, by_community


def check_properties(result, communities, points, categories, km, horizon, step) -> None:
    """Conservation, integers, and the three priorities, checked from the definitions."""
    cost = costed(km)
    point_index = {p.key: i for i, p in enumerate(points)}
    community_index = {c.code: i for i, c in enumerate(communities)}
    for s in result.shipments:
        assert isinstance(s.units, int) and s.units > 0
    levels = math.ceil(horizon / step - EPS)
    for category in categories:
        key = category.key
        by_point, by_community = sent(result, key)
        left = {p.key: p.stock.get(key, 0) - by_point.get(p.key, 0) for p in points}
        assert all(v >= 0 for v in left.values())  # a point never gives more than it has
        after, base, top = {}, {}, {}
        for c in communities:
            supply = result.supplies[(c.code, key)]
            held = c.stock.get(key, 0)
            assert supply.units_before == held and supply.units_received == by_community.get(c.code, 0)
            after[c.code] = held + supply.units_received
            need = units_for(c.vulnerable_people * category.daily_units_per_person * horizon)
            assert supply.vulnerable_need == need and supply.vulnerable_covered == (after[c.code] >= need)
            base[c.code] = max(held, need)
            # the highest step of days the community received units in (0: none beyond the vulnerable need)
            top[c.code] = max(
                [
                    k
                    for k in range(1, levels + 1)
                    if after[c.code] > max(base[c.code], reach(c, category, horizon, step, k - 1))
                ],  # noqa: E501
                default=0,
            )
        outcome = result.categories[key]
        assert outcome.allocated == sum(by_point.values()) == sum(by_community.values())
        short = [c for c in communities if not result.supplies[(c.code, key)].vulnerable_covered]
        if short:  # 1. no unit beyond a vulnerable need while another community's vulnerable need is short
            assert all(v == 0 for v in left.values())
            for c in communities:
                assert after[c.code] <= base[c.code]
        for b in communities:  # and among the vulnerable, the lowest days first
            held = b.stock.get(key, 0)
            steps = [
                k
                for k in range(1, levels + 1)
                if after[b.code] > max(held, reach(b, category, horizon, step, k - 1, True))
            ]  # noqa: E501
            if steps and after[b.code] > held:
                for a in communities:
                    assert after[a.code] >= reach(a, category, horizon, step, max(steps) - 1, True)
        for b in communities:  # 2. nobody left below level L - step while someone got units above L - step
            if top[b.code]:
                for a in communities:
                    assert after[a.code] >= reach(a, category, horizon, step, top[b.code] - 1)
        if any(v > 0 for v in left.values()):  # stock stays at a point only when everyone has the horizon
            for c in communities:
                assert after[c.code] >= reach(c, category, horizon, step, levels)
        if outcome.status == OPTIMAL:  # 3. a farther point only once every nearer one holding stock gave it all
            for s in result.shipments:
                if s.category == key:
                    p, c = point_index[s.point], community_index[s.community]
                    for q, other in enumerate(points):
                        if cost[q, c] < cost[p, c] and other.stock.get(key, 0) > 0:
                            assert left[other.key] == 0, (s, other.key)
                    assert s.nearer_points_left == 0


@st.composite
def instances(draw):
    horizon = draw(st.sampled_from([2.0, 3.0, 7.0]))
    step = draw(st.sampled_from([0.5, 1.0, horizon]))
    categories = [Category(f"c{i}", draw(st.sampled_from([0.5, 1.0, 2.0]))) for i in range(draw(st.integers(1, 2)))]
    n_points = draw(st.integers(1, 4))
    n_communities = draw(st.integers(1, 6))
    communities = []
    for i in range(n_communities):
        people = draw(st.integers(0, 40))
        vulnerable = draw(st.integers(0, people))
        held = {
            c.key: draw(st.integers(0, int(people * c.daily_units_per_person * horizon * 1.2) + 1))
            for c in categories
            if draw(st.booleans())
        }
        communities.append(Community(f"C{i}", people, vulnerable, held))
    points = [SupplyPoint(f"P{i}", {c.key: draw(st.integers(0, 150)) for c in categories}) for i in range(n_points)]
    at = draw(
        st.lists(
            st.tuples(st.integers(0, 20), st.integers(0, 20)),
            min_size=n_points + n_communities,
            max_size=n_points + n_communities,
        )
    )  # noqa: E501
    where = np.array(at, dtype=float)
    km = np.sqrt(((where[:n_points, None, :] - where[None, n_points:, :]) ** 2).sum(axis=2))
    neighbours = draw(st.integers(1, 4))
    return communities, points, categories, km, horizon, step, neighbours


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_the_allocation_is_optimal_and_keeps_the_priorities(data):
    communities, points, categories, km, horizon, step, neighbours = data
    result = allocate(communities, points, categories, km, horizon, step, neighbours=neighbours)
    assert result.status == OPTIMAL and result.objective == result.bound and result.gap == 0
    assert round(lp_objective(communities, points, categories, km, horizon, step)) == result.objective
    check_properties(result, communities, points, categories, km, horizon, step)
    for community in communities:
        assert {r.code for r in result.explain(community.code)} <= set(CODES)
    again = allocate(communities, points, categories, km, horizon, step, neighbours=neighbours)
    assert without_times(again) == without_times(result)  # deterministic


def without_times(result):
    categories = {k: replace(r, seconds=0, solve_seconds=0) for k, r in result.categories.items()}
    return replace(result, categories=categories, seconds=0)


def random_city(seed: int, n_communities: int, n_points: int, share: float):
    rng = np.random.default_rng(seed)
    rice = Category("rice", 0.5)
    people = rng.integers(200, 1_500, n_communities)
    communities = [
        Community(f"C{i}", int(n), int(n * rng.uniform(0.05, 0.12)), {"rice": int(n * 0.5 * rng.uniform(0, 5))})
        for i, n in enumerate(people)
    ]
    total = people.sum() * 0.5 * 7 * share
    sizes = rng.lognormal(0, 1, n_points)
    points = [SupplyPoint(f"P{i}", {"rice": int(s / sizes.sum() * total)}) for i, s in enumerate(sizes)]
    km = np.sqrt(((rng.uniform(0, 30, (n_points, 1, 2)) - rng.uniform(0, 30, (1, n_communities, 2))) ** 2).sum(2))
    return communities, points, [rice], km


@pytest.mark.parametrize("share", [0.02, 0.5, 1.5])
def test_pricing_from_the_nearest_pairs_reaches_the_full_graph_optimum(share):
    # share 0.02: not even the vulnerable are covered; 1.5: more than anyone needs, stock stays at the points.
    communities, points, categories, km = random_city(7, 60, 12, share)
    pruned = allocate(communities, points, categories, km, neighbours=1)
    full = allocate(communities, points, categories, km, neighbours=12)
    rice, every = pruned.categories["rice"], full.categories["rice"]
    assert rice.rounds > 1 and rice.arcs < rice.full_arcs
    assert every.rounds == 1 and every.arcs == every.full_arcs == 720
    assert pruned.status == full.status == OPTIMAL
    assert pruned.objective == full.objective == pruned.bound
    assert round(lp_objective(communities, points, categories, km, 7.0, 0.5)) == full.objective
    check_properties(pruned, communities, points, categories, km, 7.0, 0.5)


def test_out_of_time_the_result_is_feasible_with_a_bound():
    communities, points, categories, km = random_city(3, 60, 12, 0.5)
    hurried = allocate(communities, points, categories, km, neighbours=1, seconds=1e-9)
    best = allocate(communities, points, categories, km)
    assert hurried.status == FEASIBLE and hurried.categories["rice"].rounds == 1
    assert hurried.bound <= best.objective < hurried.objective and hurried.gap > 0
    by_point, _ = sent(hurried, "rice")
    assert all(by_point.get(p.key, 0) <= p.stock["rice"] for p in points)


# A worked example. Rice, 1 unit a day each, 4 days in steps of 1 day. A: 10 people, 2 vulnerable, holds nothing;
# B: 10 people, holds 3 days; E: nobody lives there. P1 (25 units) is 1 km from A, 5 from B; P2 (10) 3 km from A,
# 2 from B. First A's vulnerable need (2 x 4 = 8), then A up to 3 days (30), then 5 units are left for the 4th day
# of A or B: B is nearer to P2, so B gets them. A: 25 from P1 + 5 from P2 (P1 is empty); B: 5 from P2.
RICE = Category("rice", 1.0)
A = Community("A", 10, 2, {})
B = Community("B", 10, 0, {"rice": 30})
E = Community("E", 0, 0, {})
P1 = SupplyPoint("P1", {"rice": 25})
P2 = SupplyPoint("P2", {"rice": 10})
KM = {("P1", "A"): 1.0, ("P1", "B"): 5.0, ("P1", "E"): 5.0, ("P2", "A"): 3.0, ("P2", "B"): 2.0, ("P2", "E"): 5.0}


def test_a_worked_example():
    result = allocate([A, B, E], [P1, P2], [RICE], KM, horizon_days=4, step_days=1)
    units = {(s.point, s.community): s.units for s in result.shipments}
    assert units == {("P1", "A"): 25, ("P2", "A"): 5, ("P2", "B"): 5}
    # the vulnerable's 4 days, 2 units each: -8W .. -5W; days 1-3 of A (2 + 10 + 10 units): -4W, -3W, -2W; 5 units
    # of day 4: -W; km 1, 3 and 2 of the longest 5: 200, 600, 400 a unit
    w = LEVEL_WEIGHT
    steps = 2 * (8 + 7 + 6 + 5) + 2 * 4 + 10 * 3 + 10 * 2 + 5 * 1
    assert result.objective == -steps * w + 25 * 200 + 5 * 600 + 5 * 400
    assert result.status == OPTIMAL and result.bound == result.objective
    a, b = result.supplies[("A", "rice")], result.supplies[("B", "rice")]
    assert (a.days_before, a.days_after, b.days_before, b.days_after) == (0.0, 3.0, 3.0, 3.5)
    assert result.categories["rice"].level_days == 3.0
    assert result.explain("A") == [
        Problem(m.VULNERABLE_COVERED, {"category": "rice", "need": 8, "held": 0, "received": 30}),
        Problem(m.RAISED_TO_LEVEL, {"category": "rice", "days_before": 0.0, "days_after": 3.0, "level": 3.0}),
        Problem(m.SHORT, {"category": "rice", "days": 3.0, "horizon": 4.0, "missing": 10}),
        Problem(m.NEAREST_POINT, {"category": "rice", "point": "P1", "units": 25, "km": 1.0}),
        Problem(m.NEARER_POINTS_EMPTY, {"category": "rice", "point": "P2", "units": 5, "km": 3.0, "nearer": 1}),
    ]
    assert result.explain("B") == [
        Problem(m.RAISED_TO_LEVEL, {"category": "rice", "days_before": 3.0, "days_after": 3.5, "level": 3.0}),
        Problem(m.SHORT, {"category": "rice", "days": 3.5, "horizon": 4.0, "missing": 5}),
        Problem(m.NEAREST_POINT, {"category": "rice", "point": "P2", "units": 5, "km": 2.0}),
    ]
    assert result.explain("E") == [Problem(m.NO_PEOPLE, {"category": "rice"})]
    assert result.supplies[("E", "rice")].days_before is None


def test_the_vulnerable_come_first_when_stock_is_very_short():
    few = SupplyPoint("P1", {"rice": 5})
    result = allocate([A, B], [few], [RICE], {("P1", "A"): 9.0, ("P1", "B"): 1.0}, horizon_days=4, step_days=1)
    assert {(s.community, s.units) for s in result.shipments} == {("A", 5)}  # B is nearer but has no vulnerable
    assert result.categories["rice"].vulnerable_missing == 3
    assert result.explain("A")[0] == Problem(
        m.VULNERABLE_SHORT, {"category": "rice", "need": 8, "held": 0, "received": 5, "missing": 3, "days": 2.5}
    )
    assert [r.code for r in result.explain("B")] == [m.SHORT]


def test_a_community_above_the_level_gets_nothing_and_one_at_the_horizon_too():
    b = Community("B", 10, 0, {"rice": 35})
    full = Community("F", 10, 5, {"rice": 40})
    km = {("P1", c): d for c, d in (("A", 1.0), ("B", 5.0), ("F", 1.0))}
    km |= {("P2", c): d for c, d in (("A", 3.0), ("B", 5.0), ("F", 1.0))}
    result = allocate([A, b, full], [P1, P2], [RICE], km, horizon_days=4, step_days=1)
    assert result.supplies[("A", "rice")].units_received == 35
    assert result.explain("B") == [
        Problem(m.ALREADY_ABOVE_LEVEL, {"category": "rice", "days": 3.5, "level": 3.5}),
        Problem(m.SHORT, {"category": "rice", "days": 3.5, "horizon": 4.0, "missing": 5}),
    ]
    assert result.explain("F") == [
        Problem(m.VULNERABLE_COVERED, {"category": "rice", "need": 20, "held": 40, "received": 0}),
        Problem(m.HORIZON_COVERED, {"category": "rice", "days": 4.0, "horizon": 4.0}),
    ]


def test_the_distance_may_be_a_function_a_mapping_or_a_matrix():
    def distance(point: str, community: str) -> float:
        return KM[(point, community)]

    matrix = [[KM[(p, c)] for c in "ABE"] for p in ("P1", "P2")]
    results = [allocate([A, B, E], [P1, P2], [RICE], d, 4, 1) for d in (KM, distance, matrix, np.array(matrix))]
    assert all(r.shipments == results[0].shipments and r.objective == results[0].objective for r in results)


def test_categories_are_allocated_independently():
    oil = Category("oil", 0.5)
    a = Community("A", 10, 2, {"oil": 3})
    both = allocate([a, B], [SupplyPoint("P1", {"rice": 25, "oil": 4}), P2], [RICE, oil], KM, 4, 1)
    alone = allocate([Community("A", 10, 2, {}), B], [P1, P2], [RICE], KM, 4, 1)
    assert [s for s in both.shipments if s.category == "rice"] == list(alone.shipments)
    assert list(both.categories) == ["rice", "oil"]
    assert both.objective == alone.objective + both.categories["oil"].objective


BAD = [
    ({"categories": []}, m.NO_CATEGORIES, {}),
    ({"categories": [RICE, RICE]}, m.DUPLICATE, {"kind": "category", "key": "rice"}),
    ({"communities": [A, A]}, m.DUPLICATE, {"kind": "community", "key": "A"}),
    ({"points": [P1, P1]}, m.DUPLICATE, {"kind": "point", "key": "P1"}),
    ({"communities": [Community("", 1, 0)]}, m.BAD_KEY, {"kind": "community", "key": "''"}),
    (
        {"communities": [Community("A", -1, 0)]},
        m.BAD_COUNT,
        {"kind": "community", "key": "A", "field": "people", "value": "-1"},
    ),  # noqa: E501
    (
        {"communities": [Community("A", 5, 1, {"rice": 1.5})]},
        m.BAD_COUNT,
        {"kind": "community", "key": "A", "field": "stock[rice]", "value": "1.5"},
    ),  # noqa: E501
    (
        {"points": [SupplyPoint("P1", {"rice": -3})]},
        m.BAD_COUNT,
        {"kind": "point", "key": "P1", "field": "stock[rice]", "value": "-3"},
    ),  # noqa: E501
    (
        {"points": [SupplyPoint("P1", {"rice": True})]},
        m.BAD_COUNT,
        {"kind": "point", "key": "P1", "field": "stock[rice]", "value": "True"},
    ),  # noqa: E501
    (
        {"communities": [Community("A", 5, 6)]},
        m.VULNERABLE_OVER_PEOPLE,
        {"community": "A", "vulnerable": 6, "people": 5},
    ),  # noqa: E501
    (
        {"communities": [Community("A", 5, 1, {"salt": 1})]},
        m.UNKNOWN_CATEGORY,
        {"kind": "community", "key": "A", "category": "'salt'"},
    ),  # noqa: E501
    (
        {"points": [SupplyPoint("P1", {"salt": 1})]},
        m.UNKNOWN_CATEGORY,
        {"kind": "point", "key": "P1", "category": "'salt'"},
    ),  # noqa: E501
    ({"categories": [Category("rice", 0)]}, m.BAD_RATE, {"category": "rice", "value": "0"}),
    ({"categories": [Category("rice", float("nan"))]}, m.BAD_RATE, {"category": "rice", "value": "nan"}),
    ({"horizon_days": 0}, m.BAD_HORIZON, {"value": "0", "limit": m.MAX_HORIZON_DAYS}),
    ({"horizon_days": 400}, m.BAD_HORIZON, {"value": "400", "limit": m.MAX_HORIZON_DAYS}),
    ({"step_days": 8}, m.BAD_STEP, {"value": "8", "horizon": 7.0, "limit": m.MAX_LEVELS}),
    ({"step_days": 0.001}, m.BAD_STEP, {"value": "0.001", "horizon": 7.0, "limit": m.MAX_LEVELS}),
    ({"step_days": -1}, m.BAD_STEP, {"value": "-1", "horizon": 7.0, "limit": m.MAX_LEVELS}),
    ({"seconds": 0}, m.BAD_SECONDS, {"value": "0"}),
    ({"neighbours": 0}, m.BAD_NEIGHBOURS, {"value": "0"}),
    ({"distance": {("P1", "A"): 1.0}}, m.BAD_DISTANCE, {"point": "P1", "community": "B", "value": "None"}),
    ({"distance": lambda p, c: -1.0}, m.BAD_DISTANCE, {"point": "P1", "community": "A", "value": "-1.0"}),
    (
        {"distance": [[1.0, float("inf")], [1.0, 1.0]]},
        m.BAD_DISTANCE,
        {"point": "P1", "community": "B", "value": "inf"},
    ),  # noqa: E501
    ({"distance": [[1.0, 2.0]]}, m.BAD_DISTANCE_SHAPE, {"shape": [1, 2], "expected": [2, 2]}),
    ({"points": [SupplyPoint("P1", {"rice": 2**50}), P2]}, m.TOO_LARGE, {"category": "rice"}),
]


@pytest.mark.parametrize(("change", "code", "params"), BAD, ids=[f"{code}-{i}" for i, (_, code, _) in enumerate(BAD)])
def test_bad_input_is_refused_by_name(change, code, params):
    given_ = {"communities": [A, B], "points": [P1, P2], "categories": [RICE], "distance": KM} | change
    with pytest.raises(AllocationInputError) as refused:
        allocate(**given_)
    assert refused.value.problem == Problem(code, params)
    assert code in CODES


def test_every_code_is_listed_once_and_the_package_is_pure():
    assert len(set(CODES)) == len(CODES) and all(c.startswith("allocation_") for c in CODES)
    assert allocation.allocate is allocate
