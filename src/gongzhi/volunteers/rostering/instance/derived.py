"""The instance derived once from validated input (`_Instance`): shift geometry, conflicts, eligibility, classes,
each volunteer's feasible shift sets, the weights; its evaluation and why a need stayed uncovered."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from fractions import Fraction
from itertools import combinations

from gongzhi.core.errors import Problem
from gongzhi.volunteers.rostering.instance.validation import exact
from gongzhi.volunteers.rostering.model import (
    COMMUNITY_POINTS,
    EXACT_LIMIT,
    FEW_AVAILABLE,
    FEW_SKILL,
    FEW_TRAINING,
    FULL,
    MICROSECONDS_PER_HOUR,
    NO_CANDIDATES,
    NO_SKILL,
    NO_SKILL_JOINT,
    NO_TRAINING,
    NO_TRAINING_AT_ALL,
    NOT_AVAILABLE,
    PATTERN_LIMIT,
    POINT,
    SHIFT_TOO_LONG,
    TOO_LARGE,
    Candidate,
    Need,
    Rules,
    Shift,
    Uncovered,
    instant,
)


def _too_large(inst: _Instance) -> list[Problem]:
    """Input valid item by item can still make the objective too large to optimise exactly (a very long horizon)."""
    return [Problem(TOO_LARGE)] if inst.W * (inst.demand + inst.eligible_pairs + 1) >= EXACT_LIMIT else []


@dataclass
class _Class:
    index: int
    shift_id: int
    community_code: str
    members: tuple[int, ...]  # eligible candidate ids
    need_ids: list[int]
    capacity: int


@dataclass
class _Person:
    cand: Candidate
    q0: int  # quarter-hours already served
    shifts: tuple[int, ...]  # shifts where they are eligible for something, by start
    # Independent blocks of those shifts (no conflict, no shared day between blocks), each with its feasible
    # non-empty shift sets, or None when there are more than PATTERN_LIMIT.
    blocks: list[tuple[frozenset[int], list[frozenset[int]] | None]]
    patterns: list[tuple[frozenset[int], int]] | None  # with a single enumerated block: the sets and their cost
    max_size: int  # most shifts they can work (an upper bound without patterns)
    max_cost: int  # largest fairness cost they can incur (an upper bound without patterns)
    flow_exact: bool = False


class _Instance:
    """Everything derived from the input once: shift geometry, conflicts, eligibility, classes, patterns, weights."""

    def __init__(
        self, candidates: Sequence[Candidate], shifts: Sequence[Shift], needs: Sequence[Need], rules: Rules
    ) -> None:
        self.rules = rules
        self.cands = sorted(candidates, key=lambda c: c.id)
        self.cand = {c.id: c for c in self.cands}
        # Validated input: whole numbers as ints (needed may have come as 2.0), every time exact.
        self.all_needs = sorted(
            (n if type(n.needed) is int else replace(n, needed=int(n.needed)) for n in needs), key=lambda n: n.id
        )
        self.needs = [n for n in self.all_needs if n.needed > 0]
        self.need = {n.id: n for n in self.needs}
        self.demand = sum(n.needed for n in self.needs)
        self.wf = int(rules.fairness_weight)
        self.comm_unit = int(rules.same_community_weight) * COMMUNITY_POINTS * POINT

        # Times in whole microseconds from the first start (exact: a shift 20 s over the day limit is over it),
        # elapsed time also across a clock change; the day is the start's own calendar date.
        self.shifts = sorted(shifts, key=lambda s: (instant(s.starts_at), s.id))
        ref = instant(self.shifts[0].starts_at) if self.shifts else datetime.min
        self.start = {s.id: _us(instant(s.starts_at) - ref) for s in self.shifts}
        self.end = {s.id: _us(instant(s.ends_at) - ref) for s in self.shifts}
        self.length = {sid: self.end[sid] - self.start[sid] for sid in self.start}
        # Fairness counts quarter-hours (the objective's unit, documented), not the rules.
        self.quarters = {sid: round(Fraction(us, MICROSECONDS_PER_HOUR // 4)) for sid, us in self.length.items()}
        self.day: dict[int, date] = {s.id: s.starts_at.date() for s in self.shifts}
        self.max_day = math.floor(_hours(rules.max_hours_per_day) * MICROSECONDS_PER_HOUR)  # longest allowed
        rest = math.ceil(_hours(rules.min_rest_hours) * MICROSECONDS_PER_HOUR)  # shortest allowed
        self.workable = {sid: us <= self.max_day for sid, us in self.length.items()}
        self.conflicts: dict[int, set[int]] = {s.id: set() for s in self.shifts}
        for a, b in combinations(self.shifts, 2):
            if not (self.end[a.id] + rest <= self.start[b.id] or self.end[b.id] + rest <= self.start[a.id]):
                self.conflicts[a.id].add(b.id)
                self.conflicts[b.id].add(a.id)
        # Maximal cliques of the conflict graph: shift s occupies [start, end + rest); an interval graph, so the
        # maximal cliques are the sets of intervals alive at some start point.
        self.rest = rest
        cliques: set[frozenset[int]] = set()
        for s in self.shifts:
            t0 = self.start[s.id]
            alive = frozenset(x.id for x in self.shifts if self.start[x.id] <= t0 < self.end[x.id] + rest)
            cliques.add(alive)
        self.cliques = [c for c in cliques if len(c) > 1 and not any(c < d for d in cliques)]

        # Eligibility, stage by stage (kept for the reasons).
        self.stages: dict[int, tuple[int, int, int, int]] = {}
        self.eligible: dict[int, tuple[int, ...]] = {}
        by_signature: dict[tuple[frozenset[str], str | None], tuple[list[Candidate], list[Candidate]]] = {}
        for n in self.needs:
            sig = (frozenset(n.skills), n.training)
            if sig not in by_signature:
                s1 = [c for c in self.cands if n.skills <= c.skills]
                s2 = [c for c in s1 if n.training is None or n.training in c.trainings]
                by_signature[sig] = (s1, s2)
            s1, s2 = by_signature[sig]
            s3 = [c.id for c in s2 if n.shift_id in c.available_shifts]
            s4 = s3 if self.workable[n.shift_id] else []
            self.stages[n.id] = (len(s1), len(s2), len(s3), len(s4))
            self.eligible[n.id] = tuple(s4)
        self.eligible_pairs = sum(len(v) for v in self.eligible.values())

        groups: dict[tuple[int, str, tuple[int, ...]], list[Need]] = defaultdict(list)
        for n in self.needs:
            if self.eligible[n.id]:
                groups[(n.shift_id, n.community_code, self.eligible[n.id])].append(n)
        self.classes: list[_Class] = []
        self.class_of: dict[int, int] = {}
        for i, ((sid, comm, members), group) in enumerate(sorted(groups.items(), key=lambda kv: kv[1][0].id)):
            self.classes.append(_Class(i, sid, comm, members, [n.id for n in group], sum(n.needed for n in group)))
            for n in group:
                self.class_of[n.id] = i

        shifts_of: dict[int, set[int]] = defaultdict(set)
        for k in self.classes:
            for cid in k.members:
                shifts_of[cid].add(k.shift_id)
        self.people: dict[int, _Person] = {}
        block_cache: dict[tuple[int, ...], list[tuple[frozenset[int], list[frozenset[int]] | None]]] = {}
        for c in self.cands:
            if c.id not in shifts_of:
                continue
            own = tuple(sorted(shifts_of[c.id], key=lambda s: (self.start[s], s)))
            if own not in block_cache:
                block_cache[own] = [(frozenset(b), self._enumerate(b)) for b in self._blocks(own)]
            blocks = block_cache[own]
            q0 = _quarters(c.hours_so_far)
            patterns = None
            if len(blocks) == 1 and blocks[0][1] is not None:
                patterns = [(p, self.fcost(q0, self.q(p))) for p in blocks[0][1]]
            max_size = sum(max(map(len, pats)) if pats else len(b) for b, pats in blocks)
            max_q = sum(max(map(self.q, pats)) if pats else self.q(b) for b, pats in blocks)
            self.people[c.id] = _Person(c, q0, own, blocks, patterns, max_size, self.fcost(q0, max_q))
        for person in self.people.values():
            person.flow_exact = self._flow_exact(person)
        # One more than the largest possible sum of the secondary terms: strictly lexicographic.
        self.W = 1 + sum(p.max_cost + self.comm_unit * p.max_size for p in self.people.values())

    def fcost(self, q0: int, q: int) -> int:
        return self.wf * ((q0 + q) ** 2 - q0 * q0)

    def q(self, shifts: Iterable[int]) -> int:
        return sum(self.quarters[s] for s in shifts)

    def attainable(self, person: _Person) -> list[int]:
        """The totals of quarter-hours a volunteer can be given: one shift set (or none) per block, summed."""
        sums = {0}
        for block, pats in person.blocks:
            if pats is not None:
                choice = {0} | {self.q(p) for p in pats}
            else:
                choice = {0}
                for sid in block:
                    choice |= {t + self.quarters[sid] for t in choice}
            sums = {a + b for a in sums for b in choice}
        return sorted(sums)

    def _blocks(self, own: tuple[int, ...]) -> list[tuple[int, ...]]:
        """Split shifts into groups with no conflict and no shared day between groups (usually: the days)."""
        group = {s: s for s in own}

        def root(s: int) -> int:
            while group[s] != s:
                s = group[s]
            return s

        for a, b in combinations(own, 2):
            if b in self.conflicts[a] or self.day[a] == self.day[b]:
                group[root(a)] = root(b)
        blocks: dict[int, list[int]] = defaultdict(list)
        for s in own:
            blocks[root(s)].append(s)
        return [tuple(b) for b in blocks.values()]

    def pen(self, cid: int, community_code: str) -> int:
        return 0 if self.cand[cid].community_code == community_code else self.comm_unit

    def _enumerate(self, own: tuple[int, ...]) -> list[frozenset[int]] | None:
        out: list[tuple[int, ...]] = []

        def extend(i: int, chosen: tuple[int, ...], worked: dict[date, int]) -> bool:
            for j in range(i, len(own)):
                s = own[j]
                if any(t in self.conflicts[s] for t in chosen):
                    continue
                used = worked.get(self.day[s], 0) + self.length[s]
                if used > self.max_day:
                    continue
                out.append((*chosen, s))
                if len(out) > PATTERN_LIMIT:
                    return False
                if not extend(j + 1, (*chosen, s), {**worked, self.day[s]: used}):
                    return False
            return True

        return [frozenset(p) for p in out] if extend(0, (), {}) else None

    def compatible(self, sid: int, taken: Iterable[int]) -> bool:
        """May a volunteer who works `taken` also work `sid` (conflicts and day hours)?"""
        if not self.workable[sid]:
            return False
        used = self.length[sid]
        for t in taken:
            if t == sid or t in self.conflicts[sid]:
                return False
            if self.day[t] == self.day[sid]:
                used += self.length[t]
        return used <= self.max_day

    def _size_costs(self, person: _Person) -> list[int]:
        """Cheapest fairness cost of working j shifts, j = 0..max_size (exact with patterns, else approximate)."""
        if person.patterns is not None:
            best = [0] + [math.inf] * person.max_size
            for p, cost in person.patterns:
                best[len(p)] = min(best[len(p)], cost)
            return [int(b) for b in best]
        q = min(self.quarters[s] for s in person.shifts)
        return [self.fcost(person.q0, j * q) for j in range(person.max_size + 1)]

    def _flow_exact(self, person: _Person) -> bool:
        if person.patterns is None:
            return False
        if person.max_size <= 1:
            return True  # a choice of one shift: the volunteer -> shift arc carries its exact cost
        if len(person.patterns) != 2 ** len(person.shifts) - 1:
            return False  # some subsets are infeasible: the flow cannot see that
        best = self._size_costs(person)
        if any(cost != best[len(p)] for p, cost in person.patterns):
            return False
        marginals = [b - a for a, b in zip(best, best[1:], strict=False)]
        return all(a <= b for a, b in zip(marginals, marginals[1:], strict=False))

    # ---- evaluation and bookkeeping shared by every method

    def evaluate(self, assignments: Iterable[tuple[int, int]]) -> dict[str, int]:
        quarters: dict[int, int] = defaultdict(int)
        covered = outside = 0
        for cid, nid in assignments:
            n = self.need[nid]
            quarters[cid] += self.quarters[n.shift_id]
            covered += 1
            outside += self.cand[cid].community_code != n.community_code
        fair = sum(self.fcost(self.people[cid].q0, q) for cid, q in quarters.items())
        secondary = outside * self.comm_unit + fair
        return {
            "cost": self.W * (self.demand - covered) + secondary,
            "covered": covered,
            "outside_community": outside,
            "fairness_cost": fair,
            "secondary": secondary,
        }

    def deal(self, members_of_class: dict[int, list[int]]) -> list[tuple[int, int]]:
        """Give each class's volunteers to its needs round-robin (one each first), by need id."""
        out: list[tuple[int, int]] = []
        for k, cids in members_of_class.items():
            needs = [self.need[nid] for nid in self.classes[k].need_ids]
            left = {n.id: n.needed for n in needs}
            queue = sorted(cids)
            while queue:
                for n in needs:
                    if queue and left[n.id] > 0:
                        out.append((queue.pop(0), n.id))
                        left[n.id] -= 1
        return sorted(out)

    def uncovered(self, assignments: Sequence[tuple[int, int]]) -> list[Uncovered]:
        count: dict[int, int] = defaultdict(int)
        shifts_of: dict[int, dict[int, int]] = defaultdict(dict)  # candidate -> shift -> need
        for cid, nid in assignments:
            count[nid] += 1
            shifts_of[cid][self.need[nid].shift_id] = nid
        out = []
        for n in self.needs:
            missing = n.needed - count[n.id]
            if missing <= 0:
                continue
            out.append(Uncovered(n.id, n.post_name, n.shift_id, missing, self._reason(n, count[n.id], shifts_of)))
        return out

    def _reason(self, n: Need, got: int, shifts_of: dict[int, dict[int, int]]) -> tuple[Problem, ...]:
        n1, n2, n3, n4 = self.stages[n.id]
        if n1 == 0 and not n.skills:
            return (Problem(NO_CANDIDATES),)
        if n1 == 0:
            nobody = [s for s in n.skills if not any(s in c.skills for c in self.cands)]
            if nobody:
                return (Problem(NO_SKILL, {"skills": sorted(nobody)}),)
            return (Problem(NO_SKILL_JOINT, {"skills": sorted(n.skills)}),)
        if n2 == 0:
            return (Problem(NO_TRAINING if n.skills else NO_TRAINING_AT_ALL, {"training": n.training}),)
        if n3 == 0:
            return (Problem(NOT_AVAILABLE),)
        if n4 == 0:
            hours = self.length[n.shift_id] / MICROSECONDS_PER_HOUR
            return (Problem(SHIFT_TOO_LONG, {"hours": hours, "limit": float(_hours(self.rules.max_hours_per_day))}),)
        busy = blocked = free = 0
        for cid in self.eligible[n.id]:
            taken = shifts_of.get(cid, {})
            if taken.get(n.shift_id) == n.id:
                continue
            if n.shift_id in taken:
                busy += 1
            elif not self.compatible(n.shift_id, taken):
                blocked += 1
            else:
                free += 1
        scarce = None
        if n.skills and n1 < n.needed:
            scarce = Problem(FEW_SKILL, {"skills": sorted(n.skills), "n": n1})
        elif n.training and n2 < n.needed:
            scarce = Problem(FEW_TRAINING, {"training": n.training, "n": n2})
        elif n3 < n.needed:
            scarce = Problem(FEW_AVAILABLE, {"n": n3})
        if scarce and busy + blocked == 0:
            return (scarce,)
        full = Problem(FULL, {"busy": busy, "blocked": blocked, "unplaced": free})
        return (scarce, full) if scarce else (full,)


def _us(delta: timedelta) -> int:
    return delta // timedelta(microseconds=1)


def _quarters(hours: object) -> int:
    """Validated hours in quarter-hours, rounded (half to even) from the exact value; x 4 is exact for a float."""
    return round(hours * 4) if isinstance(hours, int | float) else round(_hours(hours) * 4)


def _hours(value: object) -> Fraction:
    """A validated number of hours, exactly."""
    number = exact(value)
    assert number is not None, "validated input"
    return number
