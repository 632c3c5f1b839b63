"""`plan_runs`: check, leave out the unreachable, search, put urgent stops first, time and check the runs."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from gongzhi.core.errors import Problem
from gongzhi.supplies.route_plan.instance import _instance, _reach, _setting
from gongzhi.supplies.route_plan.model import NOT_PLACED, RunPlan, Stop, Unassigned, Vehicle
from gongzhi.supplies.route_plan.schedule import _check, _hurry, _run, _urgent_first
from gongzhi.supplies.route_plan.search import _search

if TYPE_CHECKING:
    from collections.abc import Sequence


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
