"""Last-mile delivery runs in one community: volunteers carry orders from the distribution point to the doors.

`plan_runs` returns each vehicle's run: its stops in order (a run may come back to load again: trips), each
with its arrival and the load left on board. PyVRP searches; its answer is rescheduled and checked here, and
raises rather than being handed out if it breaks a rule. Every stop is optional to the solver, with a prize
above any detour it costs, so a stop left out is one the fleet could not take in time: it is returned
unassigned with its reason (`REASONS`). An urgent stop is a pair of copies, at most one visited: one due by
the urgent deadline with a bonus, one due by its window or the horizon; the bonus also keeps urgent stops in
when some must stay out. Afterwards each run puts its urgent stops first where the rules allow, and an urgent
stop still late moves to the cheapest run that is on time. Metres and seconds are whole numbers.
"""

from __future__ import annotations

import itertools
import math
import time
import warnings
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gongzhi.core.errors import Problem

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np
    from numpy.typing import NDArray
    from pyvrp.stop import StoppingCriterion

NO_VEHICLES = "run_no_vehicles"
BAD_CAPACITY = "run_bad_capacity"
BAD_SPEED = "run_bad_speed"
BAD_LOAD = "run_bad_load"
BAD_SERVICE = "run_bad_service"
BAD_WINDOW = "run_bad_window"
DUPLICATE_KEY = "run_duplicate_key"
BAD_COORDINATES = "run_bad_coordinates"
BAD_SETTING = "run_bad_setting"
TOO_HEAVY = "run_too_heavy"
OUT_OF_REACH = "run_out_of_reach"
WINDOW_UNREACHABLE = "run_window_unreachable"
NOT_PLACED = "run_not_placed"
REASONS = (TOO_HEAVY, OUT_OF_REACH, WINDOW_UNREACHABLE, NOT_PLACED)
CODES = (
    NO_VEHICLES, BAD_CAPACITY, BAD_SPEED, BAD_LOAD, BAD_SERVICE, BAD_WINDOW, DUPLICATE_KEY, BAD_COORDINATES,
    BAD_SETTING, *REASONS,
)  # fmt: skip
MAX_COORDINATE = 1e7  # metres: a plane of a community, not of the earth
EARTH_RADIUS = 6_371_008.8


class RoutePlanInputError(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.code)
        self.problem = problem


@dataclass(frozen=True)
class Stop:
    key: str
    x: float  # metres on the local plane
    y: float
    load: int  # units (kg or parcels), > 0
    window: tuple[int, int] | None = None  # minutes from the start: earliest..latest arrival
    urgent: bool = False
    service_minutes: int = 2


@dataclass(frozen=True)
class Vehicle:
    key: str
    kind: str  # "foot", "cart", "tricycle", "van"
    capacity: int
    metres_per_minute: float


@dataclass(frozen=True)
class Visit:
    stop: str
    trip: int  # from 0: the trips of a run are separated by a return to load again
    arrival_second: int  # the hand-over starts (after any wait for the window)
    load_after: int  # left on board for the rest of the trip

    @property
    def arrival_minute(self) -> float:
        return self.arrival_second / 60


@dataclass(frozen=True)
class Run:
    vehicle: str
    kind: str
    visits: tuple[Visit, ...]
    trips: int
    distance_metres: int
    duration_seconds: int  # from the start until back at the distribution point

    @property
    def duration_minutes(self) -> float:
        return self.duration_seconds / 60


@dataclass(frozen=True)
class Unassigned:
    stop: str
    reason: Problem  # a code of REASONS


@dataclass(frozen=True)
class RunPlan:
    runs: tuple[Run, ...]  # one per vehicle, in the order given; an idle one has no visits
    unassigned: tuple[Unassigned, ...]
    late_urgent: tuple[str, ...]  # urgent stops routed after the deadline though their window opened before it
    status: str  # "complete", "partial" (some unassigned), "empty" (no stops)
    cost: int  # metres, all runs
    seconds: float
    iterations: int


def local_metres(lat: float, lon: float, lat0: float, lon0: float) -> tuple[float, float]:
    """(x east, y north) in metres from (lat0, lon0): the equirectangular projection, exact enough in a community."""
    x = math.radians(lon - lon0) * math.cos(math.radians(lat0)) * EARTH_RADIUS
    return x, math.radians(lat - lat0) * EARTH_RADIUS


@dataclass
class _Instance:
    stops: Sequence[Stop]
    vehicles: Sequence[Vehicle]
    kinds: list[tuple[str, int, float]]  # the vehicle types: (kind, capacity, metres per minute)
    type_of: list[int]  # per vehicle
    speeds: list[float]  # a profile per speed
    points: list[tuple[float, float]]  # the distinct places; 0 is the distribution point
    location: list[int]  # per stop
    distance: NDArray[np.int64]
    durations: list[NDArray[np.int64]]  # seconds, per profile
    horizon: int  # seconds
    deadline: int  # seconds
    loading: int  # seconds at the start of each trip
    max_trips: int | None

    def early(self, s: int) -> int:
        w = self.stops[s].window
        return w[0] * 60 if w else 0

    def late(self, s: int) -> int:
        w = self.stops[s].window
        return w[1] * 60 if w else self.horizon

    def hurried(self, s: int) -> bool:
        """An urgent stop whose window lets it be served by the deadline."""
        return self.stops[s].urgent and self.early(s) <= self.deadline

    def service(self, s: int) -> int:
        return self.stops[s].service_minutes * 60

    def duration(self, t: int) -> NDArray[np.int64]:
        return self.durations[self.speeds.index(self.kinds[t][2])]


def plan_runs(
    depot: tuple[float, float],
    stops: Sequence[Stop],
    vehicles: Sequence[Vehicle],
    *,
    horizon_minutes: int = 240,
    urgent_within_minutes: int = 60,
    loading_minutes: int = 5,
    max_trips: int | None = None,
    seconds: float = 10.0,
    iterations: int | None = None,
    seed: int = 0,
) -> RunPlan:
    """Runs for the vehicles that serve the stops, urgent ones first and by the deadline where they can be.

    Stops over every capacity, or that no vehicle can reach in their window and the horizon, are unassigned
    before the search; those the search could not fit are unassigned after it. `seconds` bounds the whole
    call (a first solution is always built); `iterations` also bounds the search, and with it the same seed
    gives the same plan on any machine. Bad input raises `RoutePlanInputError`.
    """
    started = time.perf_counter()
    inst = _instance(depot, stops, vehicles, horizon_minutes, urgent_within_minutes, loading_minutes, max_trips)
    _setting("seconds", seconds, 0.001, 86_400)
    if iterations is not None:
        _setting("iterations", iterations, 1, 10**9)
    unassigned = {s: r for s in range(len(stops)) if (r := _reach(inst, s)) is not None}
    todo = [s for s in range(len(stops)) if s not in unassigned]
    sequences, count = _search(inst, todo, started + seconds, iterations, seed) if todo else ({}, 0)
    routed = {s for trips in sequences.values() for trip in trips for s in trip}
    unassigned |= {s: Problem(NOT_PLACED, {"stop": stops[s].key}) for s in todo if s not in routed}
    plans = [_urgent_first(inst, v, sequences.get(v, [])) for v in range(len(vehicles))]
    _hurry(inst, plans)
    runs = [_run(inst, v, trips) for v, trips in enumerate(plans)]
    _check(inst, runs, unassigned)
    urgent = {stops[s].key for s in range(len(stops)) if inst.hurried(s)}
    late = tuple(x.stop for r in runs for x in r.visits if x.stop in urgent and x.arrival_second > inst.deadline)
    status = "empty" if not stops else "partial" if unassigned else "complete"
    left = tuple(Unassigned(stops[s].key, unassigned[s]) for s in sorted(unassigned))
    metres = sum(r.distance_metres for r in runs)
    return RunPlan(tuple(runs), left, late, status, metres, time.perf_counter() - started, count)


def _setting(name: str, value: object, low: float, high: float, whole: bool = False) -> None:
    ok = (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and (isinstance(value, int) or not whole)
        and math.isfinite(value)
        and low <= value <= high
    )
    _require(ok, BAD_SETTING, name=name, value=value, low=low, high=high)


def _require(ok: bool, code: str, **params: object) -> None:
    if not ok:
        raise RoutePlanInputError(Problem(code, params))


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _finite(*values: object) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) and abs(v) <= MAX_COORDINATE for v in values)


def _instance(depot: tuple[float, float], stops: Sequence[Stop], vehicles: Sequence[Vehicle], horizon: int,
              urgent_within: int, loading: int, max_trips: int | None) -> _Instance:  # fmt: skip
    import numpy as np

    _setting("horizon_minutes", horizon, 1, 24 * 60, whole=True)
    _setting("urgent_within_minutes", urgent_within, 1, 24 * 60, whole=True)
    _setting("loading_minutes", loading, 0, horizon, whole=True)
    if max_trips is not None:
        _setting("max_trips", max_trips, 1, 1000, whole=True)
    _require(bool(vehicles), NO_VEHICLES)
    _require(len(depot) == 2 and _finite(*depot), BAD_COORDINATES, key="depot")
    for keys in ([v.key for v in vehicles], [s.key for s in stops]):
        twice = [k for k, n in Counter(keys).items() if n > 1]
        _require(not twice, DUPLICATE_KEY, key=twice[0] if twice else "")
    for v in vehicles:
        _require(_whole(v.capacity) and v.capacity > 0, BAD_CAPACITY, vehicle=v.key, capacity=v.capacity)
        speed = v.metres_per_minute
        _require(_finite(speed) and speed > 0, BAD_SPEED, vehicle=v.key, speed=speed)
    for s in stops:
        w = s.window
        _require(_finite(s.x, s.y), BAD_COORDINATES, key=s.key)
        _require(_whole(s.load) and s.load > 0, BAD_LOAD, stop=s.key, load=s.load)
        ok = _whole(s.service_minutes) and 0 <= s.service_minutes <= horizon
        _require(ok, BAD_SERVICE, stop=s.key, minutes=s.service_minutes)
        ok = w is None or (len(w) == 2 and all(map(_whole, w)) and 0 <= w[0] <= w[1] <= horizon)
        _require(ok, BAD_WINDOW, stop=s.key, window=w, horizon=horizon)
    kinds = list(dict.fromkeys((v.kind, v.capacity, float(v.metres_per_minute)) for v in vehicles))
    speeds = list(dict.fromkeys(k[2] for k in kinds))
    points = list(dict.fromkeys([(float(depot[0]), float(depot[1])), *((float(s.x), float(s.y)) for s in stops)]))
    where = {p: i for i, p in enumerate(points)}
    xy = np.array(points, dtype=np.float64)
    exact = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    cap = 2 * horizon * 60 + 1  # anything longer is as impossible, and stays far from overflow
    type_of = [kinds.index((v.kind, v.capacity, float(v.metres_per_minute))) for v in vehicles]
    durations = [np.minimum(np.rint(exact * 60 / v), cap).astype(np.int64) for v in speeds]
    location = [where[(float(s.x), float(s.y))] for s in stops]
    return _Instance(stops, vehicles, kinds, type_of, speeds, points, location, np.rint(exact).astype(np.int64),
                     durations, horizon * 60, urgent_within * 60, loading * 60, max_trips)  # fmt: skip


def _reach(inst: _Instance, s: int) -> Problem | None:
    """Why no vehicle could serve stop `s` even alone (None if one could): load, then horizon, then window."""
    stop, loc = inst.stops[s], inst.location[s]
    kinds = [t for t, k in enumerate(inst.kinds) if k[1] >= stop.load]
    if not kinds:
        return Problem(TOO_HEAVY, {"stop": stop.key, "load": stop.load, "capacity": max(k[1] for k in inst.kinds)})
    legs = [(int(inst.duration(t)[0, loc]), int(inst.duration(t)[loc, 0])) for t in kinds]
    if inst.loading + min(a + b for a, b in legs) + inst.service(s) > inst.horizon:
        minutes = math.ceil((inst.loading + min(a + b for a, b in legs)) / 60)
        return Problem(OUT_OF_REACH, {"stop": stop.key, "minutes": minutes, "horizon": inst.horizon // 60})
    for out, home in legs:
        arrive = max(inst.loading + out, inst.early(s))
        if arrive <= inst.late(s) and arrive + inst.service(s) + home <= inst.horizon:
            return None
    w, minutes = stop.window or (0, 0), math.ceil((inst.loading + min(a for a, _ in legs)) / 60)
    return Problem(WINDOW_UNREACHABLE, {"stop": stop.key, "earliest": w[0], "latest": w[1], "minutes": minutes})


def _until(deadline: float, iterations: int | None) -> StoppingCriterion:
    """PyVRP's stopping criterion: a wall-clock deadline, and a number of iterations if given."""
    done = itertools.count()

    def stop(best_cost: int) -> bool:
        return (iterations is not None and next(done) >= iterations) or time.perf_counter() >= deadline

    return stop


def _search(
    inst: _Instance, todo: list[int], deadline: float, iterations: int | None, seed: int
) -> tuple[dict[int, list[list[int]]], int]:
    """Each used vehicle's trips (stop indices), and the iterations done."""
    from pyvrp import Client, ClientGroup, Depot, Location, ProblemData, VehicleType, solve
    from pyvrp.constants import MAX_SIZE

    # A stop's prize outweighs its detour (at most twice the widest distance) and an urgent stop's bonus; kept
    # this modest, the search's penalties for late or overloaded runs soon outweigh them.
    bonus = 4 * int(inst.distance.max()) + 100
    prize = 3 * bonus
    clients: list[Client] = []
    groups: list[ClientGroup] = []
    stop_of: list[int] = []
    for s in todo:
        stop = inst.stops[s]
        copies = [(inst.late(s), prize + bonus * stop.urgent)]  # the bonus also ranks whom to leave out
        if inst.hurried(s) and inst.deadline < inst.late(s):
            copies = [(inst.deadline, prize + bonus), (inst.late(s), prize)]
            groups.append(ClientGroup(list(range(len(clients), len(clients) + 2)), required=False))
        for late, gain in copies:
            group = len(groups) - 1 if len(copies) == 2 else None
            clients.append(
                Client(
                    inst.location[s], delivery=[stop.load], service_duration=inst.service(s),
                    tw_early=inst.early(s), tw_late=late, prize=gain, required=False, group=group,
                )
            )  # fmt: skip
            stop_of.append(s)
    reloads = [] if inst.max_trips == 1 else [0]
    more = MAX_SIZE if inst.max_trips is None else inst.max_trips - 1
    types = [
        VehicleType(
            inst.type_of.count(t), capacity=[cap], tw_late=inst.horizon, profile=inst.speeds.index(speed),
            reload_depots=reloads, max_reloads=more, name=kind,
        )
        for t, (kind, cap, speed) in enumerate(inst.kinds)
    ]  # fmt: skip
    distances: list[Any] = [inst.distance] * len(inst.speeds)  # PyVRP's stubs type a matrix oddly
    durations: list[Any] = list(inst.durations)
    depots = [Depot(0, tw_late=inst.horizon, service_duration=inst.loading)]
    locations = [Location(x, y) for x, y in inst.points]
    data = ProblemData(locations, clients, depots, types, distances, durations, groups)
    with warnings.catch_warnings():  # PyVRP warns in English when it struggles; the plan says it
        warnings.simplefilter("ignore")
        result = solve(data, stop=_until(deadline, iterations), seed=seed, collect_stats=False, display=False)
    free = {t: [v for v in range(len(inst.vehicles)) if inst.type_of[v] == t] for t in range(len(inst.kinds))}
    out: dict[int, list[list[int]]] = {}
    for route in result.best.routes():
        trips: dict[int, list[int]] = {}
        for act in route.schedule():
            if act.is_client():
                trips.setdefault(act.trip, []).append(stop_of[act.idx])
        if trips:
            v = free[route.vehicle_type()].pop(0)
            out[v] = [trips[k] for k in sorted(trips)]
            if not result.best.is_feasible():  # found nothing better in time: keep what keeps the rules
                out[v] = _kept(inst, v, out[v])
    return out, result.num_iterations


def _kept(inst: _Instance, v: int, trips: list[list[int]]) -> list[list[int]]:
    """The run without the stops that break a rule, taken in order."""
    kept: list[list[int]] = []
    for trip in trips:
        kept.append([])
        for s in trip:
            kept[-1].append(s)
            if _times(inst, v, [t for t in kept if t]) is None:
                kept[-1].pop()
    return [t for t in kept if t]


def _times(inst: _Instance, v: int, trips: list[list[int]]) -> tuple[list[int], int] | None:
    """Each stop's arrival and the return, starting at 0 and waiting only for windows; None if a rule breaks."""
    t = inst.type_of[v]
    duration, capacity = inst.duration(t), inst.kinds[t][1]
    if inst.max_trips is not None and len(trips) > inst.max_trips:
        return None
    now, here, arrivals = 0, 0, []
    for trip in trips:
        if not trip or sum(inst.stops[s].load for s in trip) > capacity:
            return None
        now += inst.loading
        for s in trip:
            now = max(now + int(duration[here, inst.location[s]]), inst.early(s))
            if now > inst.late(s):
                return None
            arrivals.append(now)
            now, here = now + inst.service(s), inst.location[s]
        now, here = now + int(duration[here, 0]), 0
    return (arrivals, now) if now <= inst.horizon else None


def _urgent_first(inst: _Instance, v: int, trips: list[list[int]]) -> list[list[int]]:
    """The run with its urgent stops at the head of the first trip, else of their trips, if the rules allow."""
    urgent = [s for trip in trips for s in trip if inst.hurried(s)]
    if not urgent:
        return trips
    whole = [urgent + [s for s in trips[0] if s not in urgent]] + [[s for s in t if s not in urgent] for t in trips[1:]]
    each = [[s for s in t if s in urgent] + [s for s in t if s not in urgent] for t in trips]
    for candidate in ([t for t in whole if t], each):
        if _times(inst, v, candidate) is not None:
            return candidate
    return trips


def _hurry(inst: _Instance, plans: list[list[list[int]]]) -> None:
    """Move each urgent stop the search left late to the cheapest place (in metres) where it is on time.

    The places: among the urgent stops heading the first trip of any run, or alone on a trip before it
    (the search weighs lateness against metres and may stop short of this move). A move stands only if it
    keeps every rule and makes no other urgent stop late.
    """

    def late(v: int, trips: list[list[int]]) -> set[int] | None:
        if (timed := _times(inst, v, trips)) is None:
            return None
        order = [s for trip in trips for s in trip]
        return {s for s, a in zip(order, timed[0], strict=True) if inst.hurried(s) and a > inst.deadline}

    for s in [s for s in range(len(inst.stops)) if inst.hurried(s)]:
        v = next((v for v, trips in enumerate(plans) if any(s in trip for trip in trips)), None)
        if v is None or s not in (late(v, plans[v]) or set()):
            continue
        home = [kept for trip in plans[v] if (kept := [x for x in trip if x != s])]
        best: tuple[int, int, list[list[int]]] | None = None
        for w, trips in enumerate(plans):
            trips = home if w == v else trips
            before = late(w, trips)
            lead = next((i for i, x in enumerate(trips[0]) if not inst.hurried(x)), len(trips[0])) if trips else -1
            for moved in [[[s], *trips]] + [[[*trips[0][:i], s, *trips[0][i:]], *trips[1:]] for i in range(lead + 1)]:
                after = late(w, moved)
                if before is None or after is None or after - before:
                    continue
                extra = _metres(inst, moved) - _metres(inst, trips)
                if best is None or extra < best[0]:
                    best = (extra, w, moved)
        if best is not None and late(v, home) is not None:
            plans[v], plans[best[1]] = home, best[2]


def _metres(inst: _Instance, trips: list[list[int]]) -> int:
    path = [0] + [x for trip in trips for x in ([inst.location[s] for s in trip] + [0])]
    return sum(int(inst.distance[a, b]) for a, b in zip(path, path[1:], strict=False))


def _run(inst: _Instance, v: int, trips: list[list[int]]) -> Run:
    vehicle = inst.vehicles[v]
    timed = _times(inst, v, trips)
    if timed is None:
        raise AssertionError(f"the run of {vehicle.key} breaks a capacity, a window or the horizon")
    arrivals, end = timed
    visits, k = [], 0
    for number, trip in enumerate(trips):
        left = sum(inst.stops[s].load for s in trip)
        for s in trip:
            left -= inst.stops[s].load
            visits.append(Visit(inst.stops[s].key, number, arrivals[k], left))
            k += 1
    return Run(vehicle.key, vehicle.kind, tuple(visits), len(trips), _metres(inst, trips), end if trips else 0)


def _check(inst: _Instance, runs: list[Run], unassigned: dict[int, Problem]) -> None:
    """Each stop routed once or unassigned, never both (`_run` has checked capacities, windows, the horizon)."""
    keys = [x.stop for r in runs for x in r.visits] + [inst.stops[s].key for s in unassigned]
    if sorted(keys) != sorted(s.key for s in inst.stops):
        raise AssertionError("a stop is routed twice, or neither routed nor unassigned, or both")
