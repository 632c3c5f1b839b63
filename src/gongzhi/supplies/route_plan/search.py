"""PyVRP's search: every stop optional with a prize, an urgent one as a pair of copies; its stopping criterion,
and the stops kept in order from an answer that breaks a rule."""

from __future__ import annotations

import itertools
import time
import warnings
from typing import TYPE_CHECKING, Any

from gongzhi.supplies.route_plan.instance import _Instance
from gongzhi.supplies.route_plan.schedule import _times

if TYPE_CHECKING:
    from pyvrp.stop import StoppingCriterion


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
