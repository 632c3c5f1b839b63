"""The model for a street's reservoir: volunteers grouped into kinds, so that its size grows with the
kinds of volunteer and the classes of need, not with their product. No Django here.

Two volunteers of the same community who qualify for the same needs (the same skills and training as far
as the needs ask) are interchangeable once it is known which shifts each of them works: either can fill
any place the other could, at the same cost. So the model keeps per volunteer only what is personal (the
shift sets they may work in each block, and their fairness cost), and per shift and kind only how many of
that kind go to each class of need:

- a schedule column per volunteer, block and feasible shift set (at most one per block), as in the full
  model; a volunteer's fairness cost through their total quarter-hours Q (one row) and the chords of the
  convex cost through Q's attainable values (or the exact cost on the set, with one block);
- per shift, a transportation network from kinds to classes: a kind sends its working volunteers either
  straight to a class of its own community (no cost) or, at the cost of one placement outside, through a
  pool per qualification to any class it qualifies for. A flow network: given integral schedules, its
  vertices are integral;
- per kind and shift: the volunteers of the kind working the shift = what the kind sends on.

It is exact: any integral solution becomes a roster by giving each kind's working volunteers to the
classes its flow reaches (they qualify and are available), and every roster is such a solution. A street's
week (3,000 volunteers, 21 shifts, nine million eligible pairs) has some 200,000 columns here against
800,000 in the full model.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from gongzhi.volunteers.rostering.formulation import _Model
from gongzhi.volunteers.rostering.instance import _Instance

Requirement = tuple[frozenset[str], str | None]  # what a need asks: skills, training
Qualifications = frozenset[Requirement]  # the requirements a volunteer meets
Kind = tuple[str, Qualifications]  # community and qualifications: volunteers interchangeable once scheduled


@dataclass
class _Stage:
    """One step of the lexicographic objective, as plain rows for the LP solvers."""

    lb: list[int]
    ub: list[int]
    cost: list[int]
    rows: list[tuple[list[int], list[int], float, float, bool]]
    offset: int


class _Aggregate(_Model):
    """The kind-aggregated model as plain rows, with the interface of the full one (given to GLOP and CP-SAT)."""

    def __init__(self, inst: _Instance):
        super().__init__(inst)
        self.inst = inst
        # What each class asks for, as the (skills, training) of its first need: its members are exactly the
        # available volunteers who meet it (the needs of a class have the same members).
        req_of = [self._req(inst, c.need_ids[0]) for c in inst.classes]
        reqs = sorted(set(req_of), key=lambda r: (sorted(r[0]), r[1] or ""))
        rank = {r: i for i, r in enumerate(reqs)}

        def order(met: Qualifications) -> list[int]:  # the same order in every run (no string hashes)
            return sorted(rank[r] for r in met)

        self.kind_of: dict[int, Kind] = {}
        members: dict[Kind, list[int]] = defaultdict(list)
        for cid in inst.people:
            c = inst.cand[cid]
            met = frozenset(r for r in reqs if r[0] <= c.skills and (r[1] is None or r[1] in c.trainings))
            self.kind_of[cid] = (c.community_code, met)
            members[c.community_code, met].append(cid)
        self.members = dict(members)
        self.pen = inst.comm_unit

        # The schedules: work[cid, sid] is the list of columns that put cid on sid.
        work: dict[tuple[int, int], list[int]] = defaultdict(list)
        self.patterns: dict[int, list[tuple[int, frozenset[int]]]] = defaultdict(list)
        self.shift_cols: dict[tuple[int, int], int] = {}
        self.segments: dict[int, list[tuple[int, int]]] = {}  # cid -> (column, length) in order
        for cid, person in inst.people.items():
            if person.patterns is not None:
                self._schedules(cid, person.patterns, work)
                continue
            quarters: list[tuple[int, int]] = []
            for block, pats in person.blocks:
                if pats is not None:
                    for j, p in self._schedules(cid, [(p, 0) for p in pats], work):
                        quarters.append((j, inst.q(p)))
                else:
                    self._compact(cid, block, work)
                    quarters.extend((self.shift_cols[cid, s], inst.quarters[s]) for s in block)
            if not inst.wf:
                continue
            # The convex cost as segments between the attainable totals a < b, each at its slope
            # wf (2 q0 + a + b) (a whole number), filled cheapest first at any optimum.
            points = inst.attainable(person)
            segments = []
            for a, b in zip(points, points[1:], strict=False):
                segments.append(self._var(0, b - a, inst.wf * (2 * person.q0 + a + b)))
            self.segments[cid] = list(
                zip(segments, (b - a for a, b in zip(points, points[1:], strict=False)), strict=True)
            )
            self._row(segments + [j for j, _ in quarters], [1] * len(segments) + [-a for _, a in quarters], 0, 0)

        # The flow per shift: kind -> class of its community, or kind -> pool of its qualifications -> class.
        classes_of_shift: dict[int, list[int]] = defaultdict(list)
        for klass in inst.classes:
            classes_of_shift[klass.shift_id].append(klass.index)
        into: dict[int, list[int]] = defaultdict(list)  # class -> columns arriving
        self.direct: dict[tuple[Kind, int], int] = {}  # (kind, class) -> column
        self.to_pool: dict[tuple[Kind, int], int] = {}  # (kind, shift) -> column
        self.from_pool: dict[tuple[Qualifications, int, int], int] = {}  # (qualifications, shift, class) -> column
        working: dict[tuple[Kind, int], list[int]] = defaultdict(list)
        for (cid, sid), cols in work.items():
            working[self.kind_of[cid], sid].extend(cols)
        pools: dict[tuple[Qualifications, int], list[int]] = defaultdict(list)
        for (kind, sid), cols in sorted(working.items(), key=lambda kv: (kv[0][1], kv[0][0][0], order(kv[0][0][1]))):
            community, met = kind
            size = len(self.members[kind])
            out = []
            for k in classes_of_shift[sid]:
                if req_of[k] in met and inst.classes[k].community_code == community:
                    j = self._var(0, min(size, inst.classes[k].capacity), -inst.W)
                    self.direct[kind, k] = j
                    into[k].append(j)
                    out.append(j)
            if any(req_of[k] in met and inst.classes[k].community_code != community for k in classes_of_shift[sid]):
                j = self._var(0, size, self.pen)
                self.to_pool[kind, sid] = j
                pools[met, sid].append(j)
                out.append(j)
            self._row(out + cols, [1] * len(out) + [-1] * len(cols), 0, 0)
        for (met, sid), arriving in sorted(pools.items(), key=lambda kv: (kv[0][1], order(kv[0][0]))):
            leaving = []
            for k in classes_of_shift[sid]:
                if req_of[k] in met:
                    j = self._var(0, inst.classes[k].capacity, -inst.W)
                    self.from_pool[met, sid, k] = j
                    into[k].append(j)
                    leaving.append(j)
            self._row(arriving + leaving, [1] * len(arriving) + [-1] * len(leaving), 0, 0)
        for k, cols in into.items():
            self._row(cols, [1] * len(cols), -math.inf, inst.classes[k].capacity)
        self.placing = sorted(j for cols in into.values() for j in cols)  # each unit on them fills a place

    def secondary(self, coverage: int) -> _Stage:
        """The model of the secondary terms alone among rosters filling at least `coverage` places: the second
        step of the lexicographic objective, without the weight W that makes one model of both badly scaled."""
        cost = list(self.cost)
        for j in self.placing:
            cost[j] += self.inst.W
        rows = [*self.rows, (self.placing, [1] * len(self.placing), float(coverage), math.inf, False)]
        return _Stage(self.lb, self.ub, cost, rows, 0)

    def coverage(self) -> _Stage:
        """The model of coverage alone (minus the places filled): the first step of the objective."""
        cost = [0] * len(self.cost)
        for j in self.placing:
            cost[j] = -1
        return _Stage(self.lb, self.ub, cost, self.rows, 0)

    def restriction(
        self, values: Sequence[float], wanted: frozenset[tuple[int, int]] = frozenset()
    ) -> dict[int, set[int]]:
        """Per volunteer, the shifts they may work in a roster close to an LP solution, chosen so that any subset
        of them is allowed: per block the largest shift set carrying the most of the LP's weight (its own and its
        subsets'). Within those, rest and day limits cannot be broken, so the min-cost flow solves the rest
        exactly and integrally (search._flow with `allowed`). `wanted` (volunteer, shift) pairs, where a place
        stayed open: a block holding one takes the heaviest set with that shift the LP gave any weight to."""
        allowed: dict[int, set[int]] = defaultdict(set)
        by_block: dict[tuple[int, frozenset[int]], list[tuple[int, frozenset[int]]]] = defaultdict(list)
        for cid, columns in self.patterns.items():
            for j, p in columns:
                by_block[cid, _block(self.inst, cid, p)].append((j, p))
        for (cid, block), columns in by_block.items():
            mass = [(sum(values[j] for j, q in columns if q <= p), len(p), sorted(p), p) for _, p in columns]
            best = max(mass)
            for sid in sorted(block):
                if (cid, sid) in wanted and sid not in best[3]:
                    weighted = [m for (j, p), m in zip(columns, mass, strict=True) if sid in p and values[j] > 1e-6]
                    best = max(weighted, default=best)
            if best[0] > 1e-6:
                allowed[cid] |= best[3]
        for (cid, sid), j in self.shift_cols.items():
            if values[j] >= 0.5:
                allowed[cid].add(sid)
        return allowed

    @staticmethod
    def _req(inst: _Instance, nid: int) -> Requirement:
        n = inst.need[nid]
        return frozenset(n.skills), n.training

    def _schedules(
        self, cid: int, patterns: list[tuple[frozenset[int], int]], work: dict[tuple[int, int], list[int]]
    ) -> list[tuple[int, frozenset[int]]]:
        """One column per feasible shift set of a block (at cost `cost`), at most one chosen."""
        columns = []
        for p, cost in patterns:
            j = self._var(0, 1, cost)
            columns.append((j, p))
            for sid in p:
                work[cid, sid].append(j)
        self.patterns[cid].extend(columns)
        if len(columns) > 1:
            self._row([j for j, _ in columns], [1] * len(columns), -math.inf, 1, amo=True)
        return columns

    def _compact(self, cid: int, block: frozenset[int], work: dict[tuple[int, int], list[int]]) -> None:
        """Shift booleans for a block with very many shift sets: cliques of the conflict graph, hours per day."""
        inst = self.inst
        for sid in sorted(block):
            j = self._var(0, 1, 0)
            self.shift_cols[cid, sid] = j
            work[cid, sid].append(j)
        self._shift_rows(inst, block, lambda sid: [self.shift_cols[cid, sid]])

    # ---- between rosters and column values

    def shifts_worked(self, values: Sequence[float]) -> dict[int, set[int]]:
        """Each volunteer's shifts in an integral solution."""
        out: dict[int, set[int]] = defaultdict(set)
        for cid, columns in self.patterns.items():
            for j, p in columns:
                if values[j] > 0.5:
                    out[cid] |= p
        for (cid, sid), j in self.shift_cols.items():
            if values[j] > 0.5:
                out[cid].add(sid)
        return out

    def chosen(self, values: Sequence[float]) -> list[tuple[int, int]]:
        """The (volunteer, class) pairs of an integral solution: each kind's volunteers on a shift dealt to the
        classes its flow reaches, straight or through the pool."""
        inst = self.inst
        on: dict[tuple[Kind, int], list[int]] = defaultdict(list)
        for cid, sids in sorted(self.shifts_worked(values).items()):
            for sid in sids:
                on[self.kind_of[cid], sid].append(cid)
        pairs: list[tuple[int, int]] = []
        room = {k.index: k.capacity for k in inst.classes}
        for (kind, k), j in self.direct.items():
            queue = on[kind, inst.classes[k].shift_id]
            for _ in range(round(values[j])):
                if queue and room[k]:
                    pairs.append((queue.pop(), k))
                    room[k] -= 1
        pooled: dict[tuple[Qualifications, int], list[int]] = defaultdict(list)
        for (kind, sid), j in self.to_pool.items():
            queue = on[kind, sid]
            for _ in range(round(values[j])):
                if queue:
                    pooled[kind[1], sid].append(queue.pop())
        for (met, sid, k), j in self.from_pool.items():
            queue = pooled[met, sid]
            for _ in range(round(values[j])):
                if queue and room[k]:
                    pairs.append((queue.pop(), k))
                    room[k] -= 1
        return pairs


def _block(inst: _Instance, cid: int, pattern: frozenset[int]) -> frozenset[int]:
    """The block of the volunteer's shifts that holds `pattern`."""
    for block, _ in inst.people[cid].blocks:
        if pattern <= block:
            return block
    return pattern
