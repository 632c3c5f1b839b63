"""Each run timed against the rules (capacity, windows, trips, the horizon), urgent stops moved first and
late ones to a run that is on time, the runs as handed out, and the final check of every stop."""

from __future__ import annotations

from gongzhi.core.errors import Problem
from gongzhi.supplies.route_plan.instance import _Instance
from gongzhi.supplies.route_plan.model import Run, Visit


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
