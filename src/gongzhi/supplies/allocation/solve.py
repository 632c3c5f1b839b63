"""`allocate`: per category a min-cost flow on the nearest point-community pairs, priced on the full graph by
reduced costs until no left-out pair could lower the cost (then optimal on the full graph, proven), with a
Lagrangian bound when the time runs out first. No Django here."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from gongzhi.supplies.allocation.instance import Bools, CategoryNeed, Floats, Instance, Ints, category_need, check
from gongzhi.supplies.allocation.model import (
    FEASIBLE,
    LEVEL_WEIGHT,
    OPTIMAL,
    Allocation,
    Category,
    CategoryResult,
    Community,
    CommunitySupply,
    Distance,
    Shipment,
    SupplyPoint,
)

METHOD = "segments filled in order; min-cost flow (OR-Tools) on the nearest pairs, priced on all by reduced costs"
MARGIN = 30  # reduced cost (of DISTANCE_STEPS) under which a pair is priced in with a community's violators
ALL_MISSING_SHARE = 0.02  # of all pairs: fewer missing pairs than this are all added in one round
ADDED_PER_COMMUNITY = 4  # pairs priced in per community and round: the most negative reduced costs


@dataclass(frozen=True)
class _Flow:
    pairs: tuple[Ints, Ints]  # (point, community) indices among the active ones, with their flows
    units: Ints
    left: Ints  # per active point
    objective: int
    bound: int
    optimal: bool
    arcs: int
    rounds: int
    solve_seconds: float


def allocate(
    communities: Sequence[Community],
    points: Sequence[SupplyPoint],
    categories: Sequence[Category],
    distance: Distance,
    horizon_days: float = 7.0,
    step_days: float = 0.5,
    seconds: float = 10.0,
    neighbours: int = 20,
) -> Allocation:
    """Allocate the points' stock to the communities, per category, lexicographically: first every community's
    vulnerable people for `horizon_days` (if short, their days evened out, lowest first); then everyone's days of
    supply evened out, lowest communities first, in steps of `step_days` up to the horizon (what a community
    already holds counts); then the shortest distance.

    `distance(point key, community code)` in km, or a mapping keyed (point key, community code), or a matrix
    points x communities in the order given. `neighbours`: nearest pairs per community in the first model solved
    (an exact reduction: the rest are priced in while any could lower the cost). Pricing stops once `seconds`
    have passed (checked between solves, so a last solve may run over); the result is then "feasible" with a
    bound. Refuses bad input with AllocationInputError.
    """
    started = time.perf_counter()
    instance = check(communities, points, categories, distance, horizon_days, step_days, seconds, neighbours)
    deadline = started + instance.seconds
    shipments: list[Shipment] = []
    supplies: dict[tuple[str, str], CommunitySupply] = {}
    results: dict[str, CategoryResult] = {}
    for index, category in enumerate(instance.categories):
        began = time.perf_counter()
        need = category_need(instance, index)
        active_points = np.flatnonzero(need.stock > 0)
        active = np.flatnonzero(need.caps.sum(axis=0) > 0)
        flow = _solve(instance, need, active_points, active, deadline)
        received = np.zeros(len(instance.communities), dtype=np.int64)
        np.add.at(received, active[flow.pairs[1]], flow.units)
        shipments += _shipments(instance, category.key, active_points, active, flow)
        after = need.held + received
        rows = _supplies(instance, category, need, received)
        supplies.update(((row.community, category.key), row) for row in rows)
        days = [row.days_after for row in rows if row.days_after is not None]
        vulnerable_days = [row.vulnerable_days for row in rows if row.vulnerable_days is not None]
        vulnerable_need = int(np.maximum(0, need.vulnerable_need - need.held).sum())
        results[category.key] = CategoryResult(
            category=category.key,
            status=OPTIMAL if flow.optimal else FEASIBLE,
            objective=flow.objective,
            bound=flow.bound,
            level_days=min([instance.horizon, *days]),
            vulnerable_level_days=min([instance.horizon, *vulnerable_days]),
            stock=int(need.stock.sum()),
            allocated=int(received.sum()),
            vulnerable_need=vulnerable_need,
            vulnerable_missing=int(np.maximum(0, need.vulnerable_need - after).sum()),
            arcs=flow.arcs,
            full_arcs=len(active_points) * len(active),
            rounds=flow.rounds,
            seconds=time.perf_counter() - began,
            solve_seconds=flow.solve_seconds,
        )
    optimal = all(r.status == OPTIMAL for r in results.values())
    return Allocation(
        shipments=tuple(shipments),
        supplies=supplies,
        categories=results,
        horizon_days=instance.horizon,
        step_days=instance.step,
        status=OPTIMAL if optimal else FEASIBLE,
        objective=sum(r.objective for r in results.values()),
        bound=sum(r.bound for r in results.values()),
        method=METHOD,
        seconds=time.perf_counter() - started,
    )


def _supplies(instance: Instance, category: Category, need: CategoryNeed, received: Ints) -> list[CommunitySupply]:
    rate = float(category.daily_units_per_person)
    after = need.held + received
    vulnerable = np.array([c.vulnerable_people for c in instance.communities], dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):  # where nobody (vulnerable) lives, days are None
        days_before = (need.held / (need.people * rate)).tolist()
        days_after = (after / (need.people * rate)).tolist()
        protected = np.minimum(instance.horizon, after / (vulnerable * rate)).tolist()
    columns = zip(
        instance.communities, need.held.tolist(), received.tolist(), days_before, days_after,
        need.vulnerable_need.tolist(), protected, need.horizon_units.tolist(), strict=True,
    )  # fmt: skip
    return [
        CommunitySupply(
            community=community.code,
            category=category.key,
            people=community.people,
            units_before=held,
            units_received=got,
            days_before=before if community.people else None,
            days_after=now if community.people else None,
            vulnerable_need=need_,
            vulnerable_covered=held + got >= need_,
            vulnerable_days=days if community.vulnerable_people else None,
            level_units=got - min(got, max(0, need_ - held)),
            horizon_units=horizon,
        )
        for community, held, got, before, now, need_, days, horizon in columns
    ]


def _solve(instance: Instance, need: CategoryNeed, points: Ints, communities: Ints, deadline: float) -> _Flow:
    empty = np.zeros(0, dtype=np.int64)
    if not len(points) or not len(communities):
        return _Flow((empty, empty), empty, need.stock[points], 0, 0, True, 0, 0, 0.0)
    cost = instance.cost[np.ix_(points, communities)]
    stock = need.stock[points]
    caps = need.caps[:, communities]
    # Every point reaches every community and a segment outweighs any distance, so an optimal flow fills the
    # segments in order across all communities (else moving a unit down a segment would save at least
    # LEVEL_WEIGHT - DISTANCE_STEPS > 0): those below `upto` are full, `upto` takes the rest of the stock, those
    # above are empty. Only where the units go remains: two segments per community, at costs -2W and -W.
    cumulative = np.cumsum(caps.sum(axis=1))
    upto = int(np.searchsorted(cumulative, stock.sum()))
    fixed = caps[:upto].sum(axis=0)
    rest = caps[upto] if upto < len(caps) else np.zeros_like(fixed)
    two = np.array([fixed, rest])
    weights = -LEVEL_WEIGHT * np.array([2, 1], dtype=np.int64)
    # The original objective of the segments so filled, minus what the two-segment model counts for them.
    filled = np.minimum(caps.sum(axis=1), np.maximum(0, int(stock.sum()) - np.r_[0, cumulative[:-1]]))
    into = np.array([fixed.sum(), min(rest.sum(), max(0, int(stock.sum()) - int(fixed.sum())))])
    offset = int((filled * need.costs).sum() - (into * weights).sum())
    # A pair can carry no more than the point has nor the community can take: the bound's box.
    most = np.minimum(stock[:, None], two.sum(axis=0)[None, :])
    pairs = _nearest(instance, points, communities)
    rounds, solving, a = 0, 0.0, len(points)
    while True:
        rounds += 1
        flow, objective, potential, seconds = _flow(cost, stock, two, weights, pairs)
        solving += seconds
        reduced = cost + potential[:a, None] - potential[None, a:-1]
        missing = (reduced < 0) & ~pairs
        # -pi.b + sum over all arcs of (largest flow) x min(0, reduced cost): a lower bound for the full graph.
        sink = potential[-1]
        bound = int(-(stock * (potential[:a] - sink)).sum())
        bound += int((most * np.minimum(0, reduced)).sum())
        bound += int((stock * np.minimum(0, potential[:a] - sink)).sum())
        bound += int((two * np.minimum(0, weights[:, None] + potential[a:-1][None, :] - sink)).sum())
        optimal = not missing.any()
        if optimal and bound != objective:
            raise RuntimeError(f"min-cost flow certificate failed: bound {bound} != objective {objective}")
        if optimal or time.perf_counter() >= deadline:
            break
        # With a community's violators come the pairs about to be: fewer rounds (each is a whole solve).
        short = np.asarray(missing.any(axis=0))
        pairs |= _most_negative(reduced, missing) | ((reduced < MARGIN) & short[None, :])
    tails, heads = np.nonzero(pairs)
    units = flow[: len(tails)]
    received = np.bincount(heads, weights=units, minlength=len(communities)).astype(np.int64)
    value = int((units * cost[tails, heads]).sum()) + _segments_cost(caps, need.costs, received)
    if optimal and value != objective + offset:
        raise RuntimeError(f"segments not filled in order: {value} != {objective + offset}")
    left = stock - np.bincount(tails, weights=units, minlength=a).astype(np.int64)
    used = units > 0
    pair = (tails[used], heads[used])
    return _Flow(pair, units[used], left, value, bound + offset, optimal, len(tails), rounds, solving)


def _segments_cost(caps: Ints, costs: Ints, received: Ints) -> int:
    """What the units received are worth in the original segments, each community filling its cheapest first."""
    before = np.vstack([np.zeros_like(received), np.cumsum(caps, axis=0)[:-1]])
    taken = np.minimum(caps, np.maximum(0, received[None, :] - before))
    return int((taken * costs[:, None]).sum())


def _nearest(instance: Instance, points: Ints, communities: Ints) -> Bools:
    """The `neighbours` nearest points (holding the category) of each community, and communities of each point."""
    k = instance.neighbours
    pairs = np.zeros((len(points), len(communities)), dtype=bool)
    point = np.full(len(instance.points), -1)
    point[points] = np.arange(len(points))
    community = np.full(len(instance.communities), -1)
    community[communities] = np.arange(len(communities))
    nearest = point[instance.points_by_distance[communities]]  # per community, its points nearest first
    rows, columns = np.nonzero((nearest >= 0) & (np.cumsum(nearest >= 0, axis=1) <= k))
    pairs[nearest[rows, columns], rows] = True
    nearest = community[instance.communities_by_distance[points]]
    rows, columns = np.nonzero((nearest >= 0) & (np.cumsum(nearest >= 0, axis=1) <= k))
    pairs[rows, nearest[rows, columns]] = True
    return pairs


def _most_negative(reduced: Ints, missing: Bools) -> Bools:
    """All missing pairs if few, else per community the ADDED_PER_COMMUNITY of most negative reduced cost."""
    if missing.sum() <= ALL_MISSING_SHARE * missing.size:
        return missing
    columns = np.flatnonzero(missing.any(axis=0))
    values = np.where(missing[:, columns], reduced[:, columns], 0).T
    if ADDED_PER_COMMUNITY >= values.shape[1]:
        return missing.copy()
    rows = np.argpartition(values, ADDED_PER_COMMUNITY - 1, axis=1)[:, :ADDED_PER_COMMUNITY]
    chosen = np.zeros_like(missing)
    chosen[rows, columns[:, None]] = True
    return chosen & missing


def _flow(cost: Ints, stock: Ints, caps: Ints, band_costs: Ints, pairs: Bools) -> tuple[Ints, int, Ints, float]:
    """Min-cost flow on the chosen pairs: flows (pair arcs first), the objective, node potentials (shortest
    distances in the residual graph) that prove it optimal on the arcs present, and the solver's seconds."""
    a, b = cost.shape
    sink = a + b
    tails, heads = np.nonzero(pairs)
    levels, community = np.nonzero(caps)
    arc_tails = np.concatenate([tails, np.arange(a), a + community]).astype(np.int64)
    arc_heads = np.concatenate([a + heads, np.full(a, sink), np.full(len(community), sink)]).astype(np.int64)
    arc_caps = np.concatenate([stock[tails], stock, caps[levels, community]])
    arc_costs = np.concatenate([cost[tails, heads], np.zeros(a, dtype=np.int64), band_costs[levels]])
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(arc_tails, arc_heads, arc_caps, arc_costs)
    supplies = np.concatenate([stock, np.zeros(b, dtype=np.int64), [-int(stock.sum())]])
    solver.set_nodes_supplies(np.arange(sink + 1, dtype=np.int64), supplies)
    began = time.perf_counter()
    status = solver.solve()
    seconds = time.perf_counter() - began
    if status != solver.OPTIMAL:
        raise RuntimeError(f"min-cost flow status {status}")
    flow = np.asarray(solver.flows(np.arange(len(arc_tails))), dtype=np.int64)
    potential = _potentials(sink + 1, arc_tails, arc_heads, arc_costs, arc_caps, flow)
    return flow, int(solver.optimal_cost()), potential, seconds


def _potentials(nodes: int, tails: Ints, heads: Ints, costs: Ints, caps: Ints, flow: Ints) -> Ints:
    """Shortest distances from a virtual root joined to every node, in the residual graph (Bellman-Ford): every
    residual arc then has a reduced cost >= 0, which is the optimality certificate."""
    forward, backward = flow < caps, flow > 0
    t = np.concatenate([tails[forward], heads[backward]])
    h = np.concatenate([heads[forward], tails[backward]])
    c = np.concatenate([costs[forward], -costs[backward]])
    order = np.argsort(h, kind="stable")
    t, h, c = t[order], h[order], c[order]
    distance = np.zeros(nodes, dtype=np.int64)
    if not len(h):
        return distance
    starts = np.flatnonzero(np.r_[True, h[1:] != h[:-1]])
    targets = h[starts]
    for _ in range(nodes + 1):
        shorter = np.minimum.reduceat(distance[t] + c, starts)
        better = shorter < distance[targets]
        if not better.any():
            return distance
        distance[targets[better]] = shorter[better]
    raise RuntimeError("negative cycle in the residual graph: the flow is not optimal")


def _shipments(instance: Instance, key: str, points: Ints, communities: Ints, flow: _Flow) -> list[Shipment]:
    tails, heads = flow.pairs
    if not len(tails):
        return []
    cost = instance.cost[np.ix_(points, communities[heads])]
    nearer = cost < cost[tails, np.arange(len(tails))][None, :]
    counts = nearer.sum(axis=0)
    kept = (nearer & (flow.left > 0)[:, None]).sum(axis=0)
    km: Floats = instance.km[points[tails], communities[heads]]
    point_keys = [instance.points[p].key for p in points[tails].tolist()]
    codes = [instance.communities[c].code for c in communities[heads].tolist()]
    return [
        Shipment(point=p, community=c, category=key, units=u, km=d, nearer_points=n, nearer_points_left=k)
        for p, c, u, d, n, k in zip(
            point_keys, codes, flow.units.tolist(), km.tolist(), counts.tolist(), kept.tolist(), strict=True
        )
    ]
