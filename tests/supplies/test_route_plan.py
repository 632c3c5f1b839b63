"""Delivery runs in a community (supplies.route_plan): small plans against brute force, every plan re-checked
here by a simulation of its own (capacity, windows, horizon, each stop once or unassigned with a reason),
urgent stops first and by the deadline, bad input refused by code. Pure: no database."""

import itertools
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.supplies import route_plan as rp
from gongzhi.supplies.route_plan import Stop, Vehicle, local_metres, plan_runs

DEPOT = (0.0, 0.0)
FOOT = Vehicle("f1", "foot", 15, 70.0)
VAN = Vehicle("v1", "van", 500, 300.0)


def metres(a: tuple[float, float], b: tuple[float, float]) -> int:
    return round(math.hypot(a[0] - b[0], a[1] - b[1]))


def simulate(plan, stops, vehicles, horizon=240, loading=5, depot=DEPOT):
    """The plan re-checked from its own figures: returns the metres it travels."""
    by_key = {s.key: s for s in stops}
    routed = [x.stop for r in plan.runs for x in r.visits]
    left = [u.stop for u in plan.unassigned]
    assert sorted(routed + left) == sorted(by_key), "each stop routed once or unassigned, never both"
    assert all(u.reason.code in rp.REASONS and u.reason.params["stop"] == u.stop for u in plan.unassigned)
    assert [r.vehicle for r in plan.runs] == [v.key for v in vehicles]
    total = 0
    for run, vehicle in zip(plan.runs, vehicles, strict=True):
        now, here, trip, on_board, distance = 0, depot, -1, 0, 0
        for x in run.visits:
            stop = by_key[x.stop]
            if x.trip != trip:
                assert x.trip == trip + 1 and on_board == 0
                if trip >= 0:
                    now += round(math.hypot(here[0] - depot[0], here[1] - depot[1]) * 60 / vehicle.metres_per_minute)
                    distance += metres(here, depot)
                    here = depot
                trip = x.trip
                on_board = sum(by_key[y.stop].load for y in run.visits if y.trip == trip)
                assert on_board <= vehicle.capacity
                now += loading * 60
            place = (stop.x, stop.y)
            now += round(math.hypot(here[0] - place[0], here[1] - place[1]) * 60 / vehicle.metres_per_minute)
            distance += metres(here, place)
            early, late = (stop.window[0] * 60, stop.window[1] * 60) if stop.window else (0, horizon * 60)
            assert x.arrival_second >= max(now, early) - 1
            assert x.arrival_second <= late
            on_board -= stop.load
            assert x.load_after == on_board
            now, here = x.arrival_second + stop.service_minutes * 60, place
        if run.visits:
            now += round(math.hypot(here[0] - depot[0], here[1] - depot[1]) * 60 / vehicle.metres_per_minute)
            distance += metres(here, depot)
            assert run.trips == trip + 1
        assert now <= horizon * 60 and run.duration_seconds == (now if run.visits else 0)
        assert run.distance_metres == distance
        total += distance
    assert plan.cost == total
    return total


def tour(points: list[tuple[float, float]]) -> int:
    path = [DEPOT, *points, DEPOT]
    return sum(metres(a, b) for a, b in itertools.pairwise(path))


FIVE = [
    Stop("a", 120, 40, 3),
    Stop("b", -80, 200, 4),
    Stop("c", 300, -150, 2),
    Stop("d", -220, -90, 5),
    Stop("e", 60, 330, 1),
]


def test_five_stops_one_van_match_the_best_tour_by_brute_force():
    best = min(tour([(s.x, s.y) for s in order]) for order in itertools.permutations(FIVE))
    plan = plan_runs(DEPOT, FIVE, [VAN], seconds=30, iterations=2000)
    assert plan.status == "complete" and plan.cost == best
    simulate(plan, FIVE, [VAN])


def test_two_small_vehicles_one_trip_each_match_brute_force():
    small = [Vehicle("c1", "cart", 8, 60.0), Vehicle("c2", "cart", 8, 60.0)]
    best = math.inf
    for side in itertools.product((0, 1), repeat=len(FIVE)):
        groups = [[s for s, g in zip(FIVE, side, strict=True) if g == k] for k in (0, 1)]
        if any(sum(s.load for s in g) > 8 for g in groups):
            continue
        best = min(best, sum(min(tour([(s.x, s.y) for s in p]) for p in itertools.permutations(g)) for g in groups))
    plan = plan_runs(DEPOT, FIVE, small, max_trips=1, seconds=30, iterations=2000)
    assert plan.status == "complete" and plan.cost == best
    assert all(r.trips <= 1 for r in plan.runs)
    simulate(plan, FIVE, small)


def test_one_vehicle_loads_again_and_matches_brute_force_over_trips():
    cart = Vehicle("c1", "cart", 8, 60.0)  # 15 units in all: at least two trips
    best = math.inf
    for order in itertools.permutations(FIVE):
        for cuts in range(1, 1 << (len(FIVE) - 1)):  # where the run goes back to load again
            trips, trip = [], [order[0]]
            for i, s in enumerate(order[1:]):
                if cuts >> i & 1:
                    trips.append(trip)
                    trip = []
                trip.append(s)
            trips.append(trip)
            if all(sum(s.load for s in t) <= 8 for t in trips):
                best = min(best, sum(tour([(s.x, s.y) for s in t]) for t in trips))
    plan = plan_runs(DEPOT, FIVE, [cart], seconds=30, iterations=2000)
    assert plan.status == "complete" and plan.cost == best and plan.runs[0].trips >= 2
    simulate(plan, FIVE, [cart])


def test_households_of_one_building_share_its_place_at_no_distance():
    stops = [Stop(f"h{i}", 200, 0, 2) for i in range(4)]
    plan = plan_runs(DEPOT, stops, [VAN], seconds=30, iterations=300)
    assert plan.cost == 400 and len(plan.runs[0].visits) == 4
    arrivals = [x.arrival_second for x in plan.runs[0].visits]
    assert arrivals == [300 + 40 + 120 * i for i in range(4)]  # loading, 200 m at 300 m/min, 2 min at each door
    simulate(plan, stops, [VAN])


def test_capacity_is_kept_on_every_trip_and_the_load_counts_down():
    stops = [Stop(f"s{i}", 50 * (i % 7) - 150, 40 * (i % 5) - 80, 1 + i % 9) for i in range(30)]
    fleet = [FOOT, Vehicle("f2", "foot", 15, 70.0), Vehicle("c1", "cart", 60, 60.0)]
    plan = plan_runs(DEPOT, stops, fleet, seconds=30, iterations=600)
    assert plan.status == "complete"
    simulate(plan, stops, fleet)  # checks each trip's load against the capacity, and each load_after
    assert sum(r.trips for r in plan.runs) >= math.ceil(sum(s.load for s in stops) / 60)


def test_windows_are_kept_and_waited_for():
    stops = [
        Stop("late", 100, 0, 2, window=(90, 100)),
        Stop("early", -100, 0, 2, window=(0, 10)),
        Stop("mid", 0, 100, 2, window=(30, 40)),
        Stop("any", 0, -100, 2),
    ]
    plan = plan_runs(DEPOT, stops, [FOOT], seconds=30, iterations=1000)
    assert plan.status == "complete"
    simulate(plan, stops, [FOOT])
    arrival = {x.stop: x.arrival_minute for x in plan.runs[0].visits}
    assert 90 <= arrival["late"] <= 100 and arrival["early"] <= 10 and 30 <= arrival["mid"] <= 40


def test_urgent_stops_come_first_and_by_the_deadline():
    # On a line: the shortest run visits the near stops on the way out; the urgent one at the far end goes first.
    stops = [Stop(f"n{i}", 60.0 * i, 0, 1) for i in range(1, 8)] + [Stop("insulin", 500, 0, 1, urgent=True)]
    plan = plan_runs(DEPOT, stops, [FOOT], urgent_within_minutes=15, seconds=30, iterations=1000)
    simulate(plan, stops, [FOOT])
    visits = plan.runs[0].visits
    assert visits[0].stop == "insulin" and visits[0].arrival_minute <= 15 and plan.late_urgent == ()


def test_many_urgent_stops_all_reach_their_deadline_when_the_fleet_can():
    stops = [
        Stop(f"s{i}", 37.0 * (i % 11) - 200, 53.0 * (i % 7) - 150, 1 + i % 5, urgent=i % 4 == 0) for i in range(40)
    ]
    fleet = [FOOT, Vehicle("f2", "foot", 15, 70.0), Vehicle("c1", "cart", 60, 60.0)]
    plan = plan_runs(DEPOT, stops, fleet, urgent_within_minutes=30, seconds=30, iterations=800)
    assert plan.status == "complete" and plan.late_urgent == ()
    simulate(plan, stops, fleet)
    urgent = {s.key for s in stops if s.urgent}
    for run in plan.runs:
        keys = [x.stop for x in run.visits]
        assert all(x.arrival_minute <= 30 for x in run.visits if x.stop in urgent)
        firsts = [k in urgent for k in keys]
        assert firsts == sorted(firsts, reverse=True), "no ordinary stop before an urgent one on a run"


def test_an_urgent_stop_too_far_for_the_deadline_is_still_delivered_and_said_late():
    stops = [Stop("far", 2000, 0, 1, urgent=True), Stop("near", 10, 0, 1)]
    plan = plan_runs(DEPOT, stops, [FOOT], urgent_within_minutes=10, seconds=30, iterations=300)
    assert plan.status == "complete" and plan.late_urgent == ("far",)
    simulate(plan, stops, [FOOT])


def test_stops_that_cannot_be_served_are_unassigned_with_their_reason():
    stops = [
        Stop("ok", 100, 0, 5),
        Stop("heavy", 50, 0, 16),
        Stop("moon", 9_000, 0, 1),  # 257 minutes there and back on foot
        Stop("dawn", 1000, 0, 1, window=(0, 5)),
        Stop("same-time-a", 300, 0, 1, window=(30, 30)),
        Stop("same-time-b", -300, 0, 1, window=(30, 30)),
    ]
    plan = plan_runs(DEPOT, stops, [FOOT], seconds=30, iterations=500)
    simulate(plan, stops, [FOOT])
    reasons = {u.stop: u.reason for u in plan.unassigned}
    assert plan.status == "partial"
    assert reasons["heavy"].code == rp.TOO_HEAVY and reasons["heavy"].params["capacity"] == 15
    assert reasons["moon"].code == rp.OUT_OF_REACH and reasons["moon"].params == {
        "stop": "moon",
        "minutes": 263,
        "horizon": 240,
    }
    assert reasons["dawn"].code == rp.WINDOW_UNREACHABLE and reasons["dawn"].params["minutes"] == 20
    assert len({"same-time-a", "same-time-b"} & set(reasons)) == 1
    assert {r.code for k, r in reasons.items() if k.startswith("same")} == {rp.NOT_PLACED}
    assert "ok" not in reasons


def test_the_same_seed_and_iterations_give_the_same_plan():
    stops = [
        Stop(f"s{i}", 31.0 * (i % 13) - 200, 47.0 * (i % 9) - 200, 1 + i % 7, urgent=i % 9 == 0) for i in range(60)
    ]
    fleet = [FOOT, Vehicle("c1", "cart", 60, 60.0), Vehicle("t1", "tricycle", 150, 150.0)]
    one, two = (plan_runs(DEPOT, stops, fleet, seconds=30, iterations=500, seed=4) for _ in range(2))
    assert (one.runs, one.unassigned, one.cost, one.iterations) == (two.runs, two.unassigned, two.cost, two.iterations)
    simulate(one, stops, fleet)


def test_no_stops_is_an_empty_plan():
    plan = plan_runs(DEPOT, [], [FOOT], seconds=1)
    assert plan.status == "empty" and plan.cost == 0 and plan.runs[0].visits == () and plan.iterations == 0


def test_local_metres_is_an_equirectangular_plane():
    x, y = local_metres(31.001, 121.0, 31.0, 121.0)
    assert x == 0 and y == pytest.approx(111.195, abs=0.01)
    x, y = local_metres(31.0, 121.001, 31.0, 121.0)
    assert x == pytest.approx(111.195 * math.cos(math.radians(31)), abs=0.01) and y == 0


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"vehicles": []}, rp.NO_VEHICLES),
        ({"vehicles": [Vehicle("x", "cart", 0, 60.0)]}, rp.BAD_CAPACITY),
        ({"vehicles": [Vehicle("x", "cart", 10, 0.0)]}, rp.BAD_SPEED),
        ({"vehicles": [Vehicle("x", "cart", 10, math.nan)]}, rp.BAD_SPEED),
        ({"vehicles": [FOOT, FOOT]}, rp.DUPLICATE_KEY),
        ({"stops": [Stop("a", 0, 0, 1), Stop("a", 1, 1, 1)]}, rp.DUPLICATE_KEY),
        ({"stops": [Stop("a", 0, 0, 0)]}, rp.BAD_LOAD),
        ({"stops": [Stop("a", 0, 0, 1.5)]}, rp.BAD_LOAD),
        ({"stops": [Stop("a", math.inf, 0, 1)]}, rp.BAD_COORDINATES),
        ({"stops": [Stop("a", 0, math.nan, 1)]}, rp.BAD_COORDINATES),
        ({"depot": (math.nan, 0.0)}, rp.BAD_COORDINATES),
        ({"stops": [Stop("a", 0, 0, 1, window=(30, 20))]}, rp.BAD_WINDOW),
        ({"stops": [Stop("a", 0, 0, 1, window=(200, 300))]}, rp.BAD_WINDOW),
        ({"stops": [Stop("a", 0, 0, 1, window=(-5, 20))]}, rp.BAD_WINDOW),
        ({"stops": [Stop("a", 0, 0, 1, service_minutes=-1)]}, rp.BAD_SERVICE),
        ({"seconds": 0}, rp.BAD_SETTING),
        ({"seconds": math.nan}, rp.BAD_SETTING),
        ({"horizon_minutes": 0}, rp.BAD_SETTING),
        ({"urgent_within_minutes": 2.5}, rp.BAD_SETTING),
        ({"max_trips": 0}, rp.BAD_SETTING),
        ({"iterations": 0}, rp.BAD_SETTING),
    ],
)
def test_bad_input_is_refused_by_code(change, code):
    args = {"depot": DEPOT, "stops": [Stop("a", 10, 10, 1)], "vehicles": [FOOT], "seconds": 1.0} | change
    with pytest.raises(rp.RoutePlanInputError) as caught:
        plan_runs(args.pop("depot"), args.pop("stops"), args.pop("vehicles"), **args)
    assert caught.value.problem.code == code and code in rp.CODES


def test_the_codes_are_distinct_and_the_reasons_among_them():
    assert len(set(rp.CODES)) == len(rp.CODES) and set(rp.REASONS) <= set(rp.CODES)


@st.composite
def instances(draw):
    n = draw(st.integers(0, 9))
    places = draw(st.lists(st.tuples(st.integers(-600, 600), st.integers(-600, 600)), min_size=1, max_size=4))
    stops = []
    for i in range(n):
        x, y = draw(st.sampled_from(places))
        window = None
        if draw(st.booleans()):
            start = draw(st.integers(0, 230))
            window = (start, min(240, start + draw(st.integers(0, 60))))
        stops.append(Stop(f"s{i}", x, y, draw(st.integers(1, 40)), window, draw(st.booleans())))
    kinds = [("foot", 15, 70.0), ("cart", 30, 60.0), ("van", 100, 300.0)]
    fleet = [Vehicle(f"v{i}", *draw(st.sampled_from(kinds))) for i in range(draw(st.integers(1, 3)))]
    return stops, fleet, draw(st.sampled_from([None, 1, 2]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_every_plan_is_valid_and_accounts_for_every_stop(instance):
    stops, fleet, trips = instance
    plan = plan_runs(DEPOT, stops, fleet, max_trips=trips, urgent_within_minutes=20, seconds=2, iterations=150)
    simulate(plan, stops, fleet)
    assert plan.status == ("empty" if not stops else "partial" if plan.unassigned else "complete")
    assert all(r.trips <= (trips or 99) for r in plan.runs)


@pytest.mark.parametrize(
    "answer",
    [
        [["a"], ["a", "b"]],  # a stop twice
        [["a", "b", "c", "d"]],  # 17 units on a trip of 15
        [["a", "b", "c", "w"]],  # "w" (due by minute 8) reached after three doors
    ],
)
def test_a_solver_answer_that_breaks_a_rule_raises(monkeypatch, answer):
    stops = [Stop("a", 100, 0, 3), Stop("b", 0, 100, 3), Stop("c", -100, 0, 3), Stop("d", 0, -100, 8)]
    stops.append(Stop("w", 200, 0, 1, window=(0, 8)))
    index = {s.key: i for i, s in enumerate(stops)}
    found = {0: [[index[k] for k in trip] for trip in answer]}
    monkeypatch.setattr(rp.plan, "_search", lambda *args: (found, 1))
    with pytest.raises(AssertionError):
        plan_runs(DEPOT, stops, [FOOT], seconds=1)


def test_a_run_from_an_infeasible_answer_keeps_only_the_stops_that_keep_the_rules():
    # When the search ends before it has any answer within the rules, each run keeps its stops in order while
    # they fit, and the rest are unassigned (not placed).
    stops = [Stop("a", 100, 0, 3), Stop("b", 0, 100, 3), Stop("c", -100, 0, 3), Stop("d", 0, -100, 8)]
    stops.append(Stop("w", 200, 0, 1, window=(0, 8)))
    inst = rp._instance(DEPOT, stops, [FOOT], 240, 60, 5, None)
    assert rp._kept(inst, 0, [[0, 1, 2, 3, 4]]) == [[0, 1, 2]]
    assert rp._kept(inst, 0, [[4, 0, 1, 2, 3]]) == [[4, 0, 1, 2]]
