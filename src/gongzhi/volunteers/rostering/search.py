"""Fast rosters and bounds without a solver model: the greedy fill (scarcest need first), the
min-cost flow of the relaxation (a coverage bound, and the optimum when every volunteer's schedules are
flow-exact), and the repair of a flow solution into a feasible roster. No Django here."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Iterable

from gongzhi.volunteers.rostering.instance import _Instance


def _greedy_fill(inst: _Instance, start: Iterable[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """Scarcest need first; each slot to the eligible volunteer with the smallest marginal cost (own community,
    fewest hours). Never undoes a placement: a myopic baseline, or a completion of a partial roster."""
    taken: dict[int, dict[int, int]] = defaultdict(dict)  # candidate -> shift -> need
    load: dict[int, int] = defaultdict(int)  # quarter-hours assigned
    count: dict[int, int] = defaultdict(int)
    out: list[tuple[int, int]] = []
    for cid, nid in start:
        sid = inst.need[nid].shift_id
        taken[cid][sid] = nid
        load[cid] += inst.quarters[sid]
        count[nid] += 1
        out.append((cid, nid))
    order = sorted(
        inst.needs,
        key=lambda n: (len(inst.eligible[n.id]) / n.needed, inst.start[n.shift_id], n.id),
    )
    for n in order:
        room = n.needed - count[n.id]
        if room <= 0:
            continue
        sid, q = n.shift_id, inst.quarters[n.shift_id]
        options = []
        for cid in inst.eligible[n.id]:
            if inst.compatible(sid, taken[cid]):
                base = inst.people[cid].q0 + load[cid]
                options.append((inst.pen(cid, n.community_code) + inst.fcost(base, q), base, cid))
        options.sort()
        for _, _, cid in options[:room]:
            taken[cid][sid] = n.id
            load[cid] += q
            count[n.id] += 1
            out.append((cid, n.id))
    return sorted(out)


def _flow(inst: _Instance, allowed: dict[int, set[int]] | None = None) -> tuple[int, list[tuple[int, int]], int]:
    """Max flow with min cost on the relaxation without rest/day coupling.

    Returns (max flow = an upper bound on coverage, class-level assignments (candidate, class), flow cost).
    With `allowed` (per volunteer, shifts any subset of which they may work: aggregate.restriction) only those
    shifts are used and the flow is a feasible roster, optimal among those that keep to them (exactly so when
    the shifts are of equal length: the fairness arcs are priced per shift of the shortest length)."""
    import numpy as np
    from ortools.graph.python import min_cost_flow

    source, sink = 0, 1
    tails: list[int] = []
    heads: list[int] = []
    caps: list[int] = []
    costs: list[int] = []

    def arc(t: int, h: int, cap: int, cost: int) -> int:
        tails.append(t)
        heads.append(h)
        caps.append(cap)
        costs.append(cost)
        return len(tails) - 1

    node = 2
    cs_node: dict[tuple[int, int], int] = {}
    supply = 0
    for cid, person in inst.people.items():
        shifts: Iterable[int] = person.shifts
        if allowed is not None:
            shifts = sorted(allowed.get(cid, ()))
            if not shifts:
                continue
            q = min(inst.quarters[s] for s in shifts)
            best = [inst.fcost(person.q0, j * q) for j in range(len(shifts) + 1)]
            size = len(shifts)
        else:
            best = inst._size_costs(person)
            size = person.max_size
        c_node, node = node, node + 1
        for j in range(1, size + 1):
            arc(source, c_node, 1, best[j] - best[j - 1])
        supply += size
        singles = {next(iter(p)): cost for p, cost in person.patterns or () if len(p) == 1}
        for sid in shifts:
            delta = singles.get(sid, best[1]) - best[1] if size == 1 and allowed is None else 0
            cs_node[cid, sid] = node
            arc(c_node, node, 1, max(delta, 0))
            node += 1
    assign_arcs: list[tuple[int, int, int]] = []
    for k in inst.classes:
        k_node, node = node, node + 1
        for cid in k.members:
            if (cid, k.shift_id) not in cs_node:
                continue
            assign_arcs.append(
                (arc(cs_node[cid, k.shift_id], k_node, 1, inst.pen(cid, k.community_code)), cid, k.index)
            )
        arc(k_node, sink, k.capacity, 0)
    if not tails or supply == 0:
        return 0, [], 0
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(
        np.array(tails, dtype=np.int32),
        np.array(heads, dtype=np.int32),
        np.array(caps, dtype=np.int64),
        np.array(costs, dtype=np.int64),
    )
    smcf.set_node_supply(source, supply)
    smcf.set_node_supply(sink, -supply)
    for n in range(2, node):
        smcf.set_node_supply(n, 0)
    status = smcf.solve_max_flow_with_min_cost()
    if status != smcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")
    flows = smcf.flows(np.array([a for a, _, _ in assign_arcs], dtype=np.int32))
    chosen = [(cid, k) for (_, cid, k), f in zip(assign_arcs, flows, strict=True) if f > 0]
    return int(smcf.maximum_flow()), chosen, int(smcf.optimal_cost())


def _repair(inst: _Instance, chosen: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Make a flow solution feasible: keep each volunteer's best feasible subset of shifts."""
    by_cand: dict[int, dict[int, int]] = defaultdict(dict)
    for cid, k in chosen:
        by_cand[cid][inst.classes[k].shift_id] = k
    kept: list[tuple[int, int]] = []
    for cid, by_shift in by_cand.items():
        person = inst.people[cid]
        shifts = set(by_shift)
        keep: set[int] = set()
        for block, pats in person.blocks:
            if pats is not None:
                fits = [(len(p), -inst.q(p), sorted(p)) for p in pats if p <= shifts]
                keep |= set(max(fits)[2]) if fits else set()
                continue
            for sid in sorted(shifts & block, key=lambda s: inst.start[s]):
                if inst.compatible(sid, keep):
                    keep.add(sid)
        kept.extend((cid, by_shift[s]) for s in keep)
    return kept


def _class_members(pairs: Iterable[tuple[int, int]]) -> dict[int, list[int]]:
    members: dict[int, list[int]] = defaultdict(list)
    for cid, k in pairs:
        members[k].append(cid)
    return members


def _augment(inst: _Instance, pairs: list[tuple[int, int]], target: int, deadline: float) -> list[tuple[int, int]]:
    """Fill more places by augmenting paths, until `target` places are filled or none is found.

    `pairs` are (candidate, class). A path starts at a class with an open place and ends at a volunteer free to
    take one: on the way a volunteer moves from their class in the same shift to the one before (which leaves
    a place open in theirs), or drops the one shift that keeps them from it (the same). Breadth first over
    classes, all open ones at once; each path fills one more place. Coverage only: the secondary terms are not
    looked at (one more place outweighs all of them)."""
    works: dict[int, dict[int, int]] = defaultdict(dict)  # candidate -> shift -> class
    filled: dict[int, int] = defaultdict(int)
    for cid, k in pairs:
        works[cid][inst.classes[k].shift_id] = k
        filled[k] += 1
    covered = len(pairs)
    while covered < target and time.perf_counter() < deadline:
        # parent[k2] = (candidate, class k, shift dropped or None): the candidate leaves k2 (or drops that shift)
        # to fill a place of k, nearer the open class; None for an open class itself.
        parent: dict[int, tuple[int, int, int | None] | None] = {}
        queue: deque[int] = deque()
        for klass in inst.classes:
            if filled[klass.index] < klass.capacity:
                parent[klass.index] = None
                queue.append(klass.index)
        end: tuple[int, int] | None = None
        while queue and end is None:
            k = queue.popleft()
            sid = inst.classes[k].shift_id
            for cid in inst.classes[k].members:
                mine = works[cid]
                if sid in mine:
                    k2 = mine[sid]
                    if k2 != k and k2 not in parent:
                        parent[k2] = (cid, k, None)
                        queue.append(k2)
                    continue
                if inst.compatible(sid, mine):
                    end = (cid, k)
                    break
                for t, k2 in mine.items():
                    if k2 not in parent and inst.compatible(sid, [u for u in mine if u != t]):
                        parent[k2] = (cid, k, t)
                        queue.append(k2)
        if end is None:
            break
        # The path back to the open class: the free volunteer joins the last class; each volunteer on the way
        # leaves their class (or drops that shift) for the class nearer the open one.
        cid, k = end
        steps: list[tuple[int, int, int | None]] = [(cid, k, None)]
        cur = k
        while (back := parent[cur]) is not None:
            steps.append((back[0], back[1], back[2]))
            cur = back[1]
        if len({c for c, _, _ in steps}) < len(steps):
            break  # a volunteer twice on one path: not applied (the moves would interfere)
        for cid, into, dropped in steps:
            if dropped is not None:
                works[cid].pop(dropped)
            works[cid][inst.classes[into].shift_id] = into
        filled[cur] += 1
        covered += 1
    return [(cid, k) for cid, mine in works.items() for k in mine.values()]
