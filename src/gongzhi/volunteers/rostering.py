"""Volunteer roster optimiser: which volunteer works which post in which shift.

Pure Python on purpose (no Django): the app turns its rows into these dataclasses, calls `roster_solve`, and
stores the assignments. OR-Tools (min-cost flow, GLOP and CP-SAT) does the optimisation.

Rules. A volunteer may fill a need only if they hold every skill it lists, hold its training (a valid course code)
if it names one, and are available in its shift. A volunteer works at most one need per shift, at most
`max_hours_per_day` hours per calendar day (the shift's start date), and two of their shifts are at least
`min_rest_hours` apart (end of one to start of the next), so overlapping or back-to-back shifts conflict.

Objective (minimised, integers), strictly lexicographic through the weight W:

    W x (slots left empty)                                   coverage dominates everything else
  + community x (placements outside the volunteer's own community)
  + fairness  x sum over volunteers of (q0 + q)^2 - q0^2       convex in hours: q0 = quarter-hours already served
                                                             in the period (hours_so_far), q = quarter-hours added

Unit: one point (POINT = 256) is the fairness cost of a first 4-hour shift for someone with no hours (16^2). A 4-hour
shift for someone who has served h hours costs (1 + h/2) points x fairness_weight, so each extra shift costs more
and the load goes to those with fewer hours. A placement outside one's own community costs COMMUNITY_POINTS (8)
points x same_community_weight: the own community is preferred unless its volunteers have served about 16 hours
more. W is one more than the largest possible sum of the two other terms, so one more filled slot always wins.

Model (what makes it fast; a naive one-boolean-per-volunteer-post-shift CP-SAT model finds no solution in 10 s):

1. Needs with the same shift, the same community and the same set of eligible volunteers are interchangeable: they
   are merged into one *class* whose capacity is the sum (exact). A class's volunteers are dealt back to its posts
   round-robin, so a shortage is spread and as many posts as possible get someone.
2. One boolean x[c, k] per *eligible* (volunteer, class) pair only.
3. Each volunteer's shifts split into independent blocks (no conflict and no shared day between blocks: the days).
   Per block the feasible shift sets ("patterns": no two conflicting shifts, no day over its limit) are enumerated:
   one boolean per pattern, at most one chosen, and for each shift s: sum of x[c, k] over the classes of s = sum of
   the patterns containing s. With one block the patterns carry the exact fairness cost; with several (a horizon of
   days), an integer fairness variable lies above the chords of the convex cost through the attainable totals.
   The LP relaxation thus holds the convex hull of each volunteer's own schedules for a day (Dantzig-Wolfe
   strength), joined by a transportation structure per shift. (A block with more than PATTERN_LIMIT patterns gets
   shift booleans with an at-most-one per maximal clique of the conflict graph, an interval graph of the shifts
   stretched by the rest, and a row per day for the hours.)
4. A min-cost flow of the relaxation without the rest/day coupling (source -> volunteer by convex marginal arcs ->
   volunteer x shift -> class -> sink; max flow, then min cost) bounds coverage from above. When every volunteer's
   schedules are "flow-exact" (they can work at most one of their shifts, or any subset of equal-length shifts) the
   flow optimum is the optimum, by the flow's integrality: method "min-cost-flow".
5. Otherwise GLOP solves the LP relaxation of 2-3. Its duals, re-checked here in exact summation with a margin for
   rounding, give a proven lower bound. On the community-day instances tried the LP optimum is integral: then it is
   the roster, proven optimal by that dual certificate (method "lp+dual-certificate").
6. Otherwise CP-SAT gets the formulation with a complete hint (the best of the rounded LP solution, the repaired
   flow solution and the greedy), columns fixed by reduced cost (those that cannot be in a cheaper roster), and
   proves optimality or reports the better of its bound and the LP's (method "cp-sat+lp-bound").
   engine="cp-sat" skips 4-5 and lets CP-SAT alone solve and bound the same formulation (method "cp-sat").

Every need not fully covered is named with a reason, checked stage by stage: skill -> training -> availability ->
shift length -> capacity/conflicts.
"""

from __future__ import annotations

import math
import statistics
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import combinations

__all__ = [
    "Candidate",
    "Need",
    "RosterResult",
    "Rules",
    "Shift",
    "Uncovered",
    "fairness",
    "roster_greedy",
    "roster_solve",
]

POINT = 256  # fairness cost of a first 4-hour shift (16 quarter-hours, squared) for someone with no hours
COMMUNITY_POINTS = 8  # a placement outside one's own community costs this many points x same_community_weight
PATTERN_LIMIT = 128  # above this many shift sets per volunteer, the compact (shift boolean) formulation is used


# --------------------------------------------------------------------------------------------------- interface


@dataclass(frozen=True)
class Shift:
    id: int
    starts_at: datetime
    ends_at: datetime

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


@dataclass(frozen=True)
class Need:
    """`needed` volunteers for one post in one shift; every listed skill and the training (if any) are required."""

    id: int
    post_id: int
    post_name: str
    shift_id: int
    community_code: str
    needed: int
    skills: frozenset[str] = frozenset()
    training: str | None = None


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str
    community_code: str
    skills: frozenset[str]
    trainings: frozenset[str]  # course codes held and still valid
    available_shifts: frozenset[int]
    hours_so_far: float = 0.0  # hours already served in the period, for fairness


@dataclass(frozen=True)
class Rules:
    max_hours_per_day: float = 8.0
    min_rest_hours: float = 8.0
    same_community_weight: int = 1
    fairness_weight: int = 1


@dataclass
class Uncovered:
    need_id: int
    post_name: str
    shift_id: int
    missing: int
    reason: str


@dataclass
class RosterResult:
    assignments: list[tuple[int, int]]  # (candidate id, need id)
    status: str  # "optimal" | "feasible" | "infeasible_input"
    objective: float  # the minimised cost above (lower is better)
    bound: float  # proven lower bound on the cost
    gap: float  # (objective - bound) / objective; 0.0 when proven optimal
    covered: int
    demanded: int
    uncovered: list[Uncovered]
    seconds: float
    method: str  # what produced the solution and the bound: "cp-sat", "min-cost-flow", "greedy", ...
    need_shifts: dict[int, int] = field(default_factory=dict)  # need id -> shift id, for `fairness`
    details: dict = field(default_factory=dict)  # model size, bounds split by term, input errors


# Reasons, in Chinese, for the people who read the roster.
R_NO_CANDIDATES = "没有志愿者"
R_NO_SKILL = "没有具备技能{skills}的志愿者"
R_NO_SKILL_JOINT = "没有同时具备技能{skills}的志愿者"
R_FEW_SKILL = "具备技能{skills}的志愿者只有{n}人"
R_NO_TRAINING = "具备技能的志愿者都未完成培训“{training}”"
R_NO_TRAINING_AT_ALL = "没有完成培训“{training}”的志愿者"
R_FEW_TRAINING = "完成培训“{training}”的志愿者只有{n}人"
R_NOT_AVAILABLE = "该时段无可用志愿者"
R_FEW_AVAILABLE = "该时段可用的志愿者只有{n}人"
R_SHIFT_TOO_LONG = "班次时长{hours:g}小时超过每日上限{limit:g}小时"
R_FULL = "符合条件的志愿者已排满或超出每日时长/休息要求"
R_INPUT = "输入数据有误：{error}"


# ------------------------------------------------------------------------------------------------- preparation


def _quote(skills: Iterable[str]) -> str:
    return "、".join(f"“{s}”" for s in sorted(skills))


def _validate(candidates: Sequence[Candidate], shifts: Sequence[Shift], needs: Sequence[Need], rules: Rules):
    errors: list[str] = []
    for label, items in (("志愿者", candidates), ("班次", shifts), ("需求", needs)):
        seen: set[int] = set()
        for item in items:
            if item.id in seen:
                errors.append(f"{label}编号{item.id}重复")
            seen.add(item.id)
    for s in shifts:
        try:
            if s.ends_at <= s.starts_at:
                errors.append(f"班次{s.id}的结束时间不晚于开始时间")
        except TypeError:
            errors.append(f"班次{s.id}的时间有的带时区有的不带")
    try:
        sorted(s.starts_at for s in shifts)
    except TypeError:
        errors.append("班次时间有的带时区有的不带")
    shift_ids = {s.id for s in shifts}
    for n in needs:
        if n.shift_id not in shift_ids:
            errors.append(f"需求{n.id}（{n.post_name}）引用了不存在的班次{n.shift_id}")
        if n.needed < 0:
            errors.append(f"需求{n.id}（{n.post_name}）的人数为负")
    for c in candidates:
        if c.hours_so_far < 0 or not math.isfinite(c.hours_so_far):
            errors.append(f"志愿者{c.id}的已服务时长无效")
    if not (rules.max_hours_per_day >= 0 and math.isfinite(rules.max_hours_per_day)):
        errors.append("每日时长上限无效")
    if not (rules.min_rest_hours >= 0 and math.isfinite(rules.min_rest_hours)):
        errors.append("最短休息时长无效")
    if rules.same_community_weight < 0 or rules.fairness_weight < 0:
        errors.append("权重不能为负")
    return errors


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

    def __init__(self, candidates, shifts, needs, rules: Rules):
        self.rules = rules
        self.cands = sorted(candidates, key=lambda c: c.id)
        self.cand = {c.id: c for c in self.cands}
        self.shifts = sorted(shifts, key=lambda s: (s.starts_at, s.id))
        self.shift = {s.id: s for s in self.shifts}
        self.all_needs = sorted(needs, key=lambda n: n.id)
        self.needs = [n for n in self.all_needs if n.needed > 0]
        self.need = {n.id: n for n in self.needs}
        self.demand = sum(n.needed for n in self.needs)
        self.wf = int(rules.fairness_weight)
        self.comm_unit = int(rules.same_community_weight) * COMMUNITY_POINTS * POINT

        ref = self.shifts[0].starts_at if self.shifts else None
        self.start = {s.id: _minutes(s.starts_at - ref) for s in self.shifts}
        self.end = {s.id: _minutes(s.ends_at - ref) for s in self.shifts}
        self.length = {sid: self.end[sid] - self.start[sid] for sid in self.start}
        self.quarters = {sid: round(m / 15) for sid, m in self.length.items()}
        self.day: dict[int, date] = {s.id: s.starts_at.date() for s in self.shifts}
        self.max_day = round(rules.max_hours_per_day * 60)
        rest = round(rules.min_rest_hours * 60)
        self.workable = {sid: m <= self.max_day for sid, m in self.length.items()}
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
        by_signature: dict[tuple, tuple[list[Candidate], list[Candidate]]] = {}
        for n in self.needs:
            sig = (n.skills, n.training)
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

        groups: dict[tuple, list[Need]] = defaultdict(list)
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
            q0 = round(c.hours_so_far * 4)
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

        def extend(i: int, chosen: tuple[int, ...], minutes: dict[date, int]) -> bool:
            for j in range(i, len(own)):
                s = own[j]
                if any(t in self.conflicts[s] for t in chosen):
                    continue
                used = minutes.get(self.day[s], 0) + self.length[s]
                if used > self.max_day:
                    continue
                out.append((*chosen, s))
                if len(out) > PATTERN_LIMIT:
                    return False
                if not extend(j + 1, (*chosen, s), {**minutes, self.day[s]: used}):
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

    def evaluate(self, assignments: Iterable[tuple[int, int]]) -> dict:
        quarters: dict[int, int] = defaultdict(int)
        covered = outside = 0
        for cid, nid in assignments:
            n = self.need[nid]
            quarters[cid] += self.quarters[n.shift_id]
            covered += 1
            outside += self.cand[cid].community_code != n.community_code
        fair = sum(self.fcost(round(self.cand[cid].hours_so_far * 4), q) for cid, q in quarters.items())
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

    def _reason(self, n: Need, got: int, shifts_of: dict[int, dict[int, int]]) -> str:
        n1, n2, n3, n4 = self.stages[n.id]
        if n1 == 0 and not n.skills:
            return R_NO_CANDIDATES
        if n1 == 0:
            nobody = [s for s in n.skills if not any(s in c.skills for c in self.cands)]
            return (
                R_NO_SKILL.format(skills=_quote(nobody)) if nobody else R_NO_SKILL_JOINT.format(skills=_quote(n.skills))
            )
        if n2 == 0:
            return (R_NO_TRAINING if n.skills else R_NO_TRAINING_AT_ALL).format(training=n.training)
        if n3 == 0:
            return R_NOT_AVAILABLE
        if n4 == 0:
            return R_SHIFT_TOO_LONG.format(hours=self.length[n.shift_id] / 60, limit=self.max_day / 60)
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
            scarce = R_FEW_SKILL.format(skills=_quote(n.skills), n=n1)
        elif n.training and n2 < n.needed:
            scarce = R_FEW_TRAINING.format(training=n.training, n=n2)
        elif n3 < n.needed:
            scarce = R_FEW_AVAILABLE.format(n=n3)
        if scarce and busy + blocked == 0:
            return scarce
        detail = []
        if busy:
            detail.append(f"{busy}人同一时段已在其他岗位")
        if blocked:
            detail.append(f"{blocked}人受每日时长或休息间隔限制")
        if free:
            detail.append(f"{free}人未排入（求解未证明最优）")
        text = R_FULL + (f"（{'，'.join(detail)}）" if detail else "")
        return f"{scarce}；{text}" if scarce else text


def _minutes(delta) -> int:
    return round(delta.total_seconds() / 60)


# --------------------------------------------------------------------------------------------- greedy baseline


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


# ---------------------------------------------------------------------------------------------- min-cost flow


def _flow(inst: _Instance) -> tuple[int, list[tuple[int, int]], int]:
    """Max flow with min cost on the relaxation without rest/day coupling.

    Returns (max flow = an upper bound on coverage, class-level assignments (candidate, class), flow cost)."""
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
        c_node, node = node, node + 1
        best = inst._size_costs(person)
        for j in range(1, person.max_size + 1):
            arc(source, c_node, 1, best[j] - best[j - 1])
        supply += person.max_size
        singles = {next(iter(p)): cost for p, cost in person.patterns or () if len(p) == 1}
        for sid in person.shifts:
            delta = singles.get(sid, best[1]) - best[1] if person.max_size == 1 else 0
            cs_node[cid, sid] = node
            arc(c_node, node, 1, max(delta, 0))
            node += 1
    assign_arcs: list[tuple[int, int, int]] = []
    for k in inst.classes:
        k_node, node = node, node + 1
        for cid in k.members:
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


# ------------------------------------------------------------------------------------------------ formulation


class _Formulation:
    """The integer model as plain rows, built once, given to GLOP (its LP relaxation) and to CP-SAT."""

    def __init__(self, inst: _Instance):
        self.lb: list[int] = []
        self.ub: list[int] = []
        self.cost: list[int] = []
        self.rows: list[tuple[list[int], list[int], float, float, bool]] = []  # columns, coefficients, lo, hi, amo
        self.x: dict[tuple[int, int], int] = {}  # (candidate, class) -> column
        self.patterns: dict[int, list[tuple[int, frozenset[int], frozenset[int]]]] = {}  # column, set, block
        self.fvar: dict[int, int] = {}  # several blocks: the candidate's fairness cost
        self.offset = inst.W * inst.demand
        by_class: dict[int, list[int]] = defaultdict(list)
        by_cs: dict[tuple[int, int], list[int]] = defaultdict(list)
        for k in inst.classes:
            for cid in k.members:
                j = self._var(0, 1, inst.pen(cid, k.community_code) - inst.W)
                self.x[cid, k.index] = j
                by_class[k.index].append(j)
                by_cs[cid, k.shift_id].append(j)
            if len(by_class[k.index]) > k.capacity:
                self._row(by_class[k.index], [1] * len(by_class[k.index]), -math.inf, k.capacity)
        for cid, person in inst.people.items():
            if person.patterns is not None:  # one block: the patterns carry the exact fairness cost
                self._patterns(cid, frozenset(person.shifts), person.patterns, by_cs)
                continue
            # Several blocks (days): patterns per block, fairness on the total through its convex envelope.
            total: list[tuple[int, int]] = []  # (column, quarter-hours)
            options: list[set[int]] = []  # the quarter-hours each block can add
            for block, pats in person.blocks:
                if pats is not None:
                    columns = self._patterns(cid, block, [(p, 0) for p in pats], by_cs)
                    total.extend((j, inst.q(p)) for j, p in columns)
                    options.append({0} | {inst.q(p) for p in pats})
                else:
                    self._compact(inst, cid, block, by_cs)
                    total.extend((j, inst.quarters[s]) for s in block for j in by_cs[cid, s])
                    sums = {0}
                    for sid in block:
                        sums |= {t + inst.quarters[sid] for t in sums}
                    options.append(sums)
            if not inst.wf:
                continue
            f = self._var(0, person.max_cost, 1)
            self.fvar[cid] = f
            sums = {0}
            for choice in options:
                sums = {a + b for a in sums for b in choice}
            points = sorted(sums)
            for a, b in zip(points, points[1:], strict=False):
                fa, fb = inst.fcost(person.q0, a), inst.fcost(person.q0, b)
                # the chord through (a, fa) and (b, fb), times (b - a): (b-a) f - (fb-fa) total >= (b-a) fa - (fb-fa) a
                self._row(
                    [f] + [j for j, _ in total],
                    [b - a] + [-(fb - fa) * q for _, q in total],
                    (b - a) * fa - (fb - fa) * a,
                    math.inf,
                )

    def _patterns(self, cid, block, patterns, by_cs) -> list[tuple[int, frozenset[int]]]:
        """One column per feasible shift set of the block, at most one chosen, linked to the x of each shift."""
        contains: dict[int, list[int]] = defaultdict(list)
        columns = []
        for p, cost in patterns:
            j = self._var(0, 1, cost)
            columns.append((j, p))
            for sid in p:
                contains[sid].append(j)
        self.patterns.setdefault(cid, []).extend((j, p, block) for j, p in columns)
        if len(columns) > 1:
            self._row([j for j, _ in columns], [1] * len(columns), -math.inf, 1, amo=True)
        for sid in sorted(block):
            xs, ps = by_cs[cid, sid], contains[sid]
            self._row(xs + ps, [1] * len(xs) + [-1] * len(ps), 0, 0)
        return columns

    def _compact(self, inst: _Instance, cid: int, block: frozenset[int], by_cs) -> None:
        """Shift booleans for a block with very many shift sets: cliques of the conflict graph, hours per day."""
        for sid in block:
            if len(by_cs[cid, sid]) > 1:
                self._row(by_cs[cid, sid], [1] * len(by_cs[cid, sid]), -math.inf, 1, amo=True)
        for clique in inst.cliques:
            cols = [j for sid in sorted(clique & block) for j in by_cs[cid, sid]]
            if len(cols) > 1:
                self._row(cols, [1] * len(cols), -math.inf, 1, amo=True)
        days: dict[date, list[int]] = defaultdict(list)
        for sid in sorted(block):
            days[inst.day[sid]].append(sid)
        for sids in days.values():
            if sum(inst.length[s] for s in sids) > inst.max_day:
                cols = [(j, inst.length[s]) for s in sids for j in by_cs[cid, s]]
                self._row([j for j, _ in cols], [a for _, a in cols], -math.inf, inst.max_day)

    def _var(self, lb: int, ub: int, cost: int) -> int:
        self.lb.append(lb)
        self.ub.append(ub)
        self.cost.append(cost)
        return len(self.cost) - 1

    def _row(self, cols: list[int], coefs: list[int], lo: float, hi: float, amo: bool = False) -> None:
        self.rows.append((cols, coefs, lo, hi, amo))

    def point(self, inst: _Instance, assignments: Iterable[tuple[int, int]]) -> list[int]:
        """The column values of a need-level roster."""
        values = [0] * len(self.cost)
        shifts_of: dict[int, set[int]] = defaultdict(set)
        for cid, nid in assignments:
            values[self.x[cid, inst.class_of[nid]]] = 1
            shifts_of[cid].add(inst.need[nid].shift_id)
        for cid, columns in self.patterns.items():
            mine = frozenset(shifts_of.get(cid, ()))
            for j, p, block in columns:
                values[j] = int(p == mine & block)
        for cid, j in self.fvar.items():
            values[j] = inst.fcost(inst.people[cid].q0, sum(inst.quarters[s] for s in shifts_of.get(cid, ())))
        return values

    def chosen(self, values: Sequence[float]) -> list[tuple[int, int]]:
        return [key for key, j in self.x.items() if values[j] > 0.5]


@dataclass
class _LP:
    values: list[float]
    bound: int  # a proven lower bound on the integer optimum (dual certificate, re-checked)
    reduced: list[float]
    integral: bool
    seconds: float


def _lp(form: _Formulation, time_limit: float) -> _LP | None:
    """Solve the LP relaxation with GLOP and turn its duals into a bound that does not trust GLOP's tolerances.

    For any row multipliers y: cost(x) >= offset + sum_i y_i b_i + sum_j min over [lb_j, ub_j] of r_j x_j with
    r = c - A'y, where b_i is the row's lower side when y_i > 0 and its upper side when y_i < 0. The sums are
    computed here (math.fsum) from GLOP's y; a small margin covers the floating-point products."""
    import numpy as np
    from ortools.linear_solver import pywraplp

    started = time.perf_counter()
    solver = pywraplp.Solver.CreateSolver("GLOP")
    inf = solver.infinity()
    cols = [solver.NumVar(lb, ub, "") for lb, ub in zip(form.lb, form.ub, strict=True)]
    objective = solver.Objective()
    for v, c in zip(cols, form.cost, strict=True):
        if c:
            objective.SetCoefficient(v, c)
    objective.SetMinimization()
    cons = []
    for idx, coefs, lo, hi, _ in form.rows:
        ct = solver.RowConstraint(lo if math.isfinite(lo) else -inf, hi if math.isfinite(hi) else inf, "")
        for j, a in zip(idx, coefs, strict=True):
            ct.SetCoefficient(cols[j], a)
        cons.append(ct)
    solver.SetTimeLimit(max(50, int(time_limit * 1000)))
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    values = [v.solution_value() for v in cols]
    lo = np.array([r[2] for r in form.rows], dtype=float)
    hi = np.array([r[3] for r in form.rows], dtype=float)
    y = np.array([c.dual_value() for c in cons], dtype=float)
    y = np.where((y > 0) & np.isfinite(lo), y, np.where((y < 0) & np.isfinite(hi), y, 0.0))
    row_terms = np.where(y > 0, y * np.where(np.isfinite(lo), lo, 0.0), y * np.where(np.isfinite(hi), hi, 0.0))
    lengths = [len(r[0]) for r in form.rows]
    ri = np.repeat(np.arange(len(form.rows)), lengths)
    ci = np.fromiter((j for r in form.rows for j in r[0]), dtype=np.int64, count=int(sum(lengths)))
    ai = np.fromiter((a for r in form.rows for a in r[1]), dtype=float, count=int(sum(lengths)))
    products = ai * y[ri]
    reduced = np.array(form.cost, dtype=float) - np.bincount(ci, weights=products, minlength=len(form.cost))
    lb, ub = np.array(form.lb, dtype=float), np.array(form.ub, dtype=float)
    col_terms = np.where(reduced > 0, reduced * lb, reduced * ub)
    value = math.fsum([float(form.offset), *row_terms.tolist(), *col_terms.tolist()])
    # Floating-point error: a reduced cost sums `longest` products at most, each product and each partial sum off by
    # half an ulp at most; fsum itself is exact. A generous margin on the magnitudes involved covers it.
    longest = int(np.bincount(ci, minlength=len(form.cost)).max(initial=0))
    scale = np.abs(row_terms).sum() + (np.abs(products) * ub[ci]).sum() + np.abs(col_terms).sum()
    bound = math.ceil(value - (longest + 3) * 2.3e-16 * scale - 1e-6)
    integral = all(abs(v - round(v)) <= 1e-6 for v in values)
    return _LP(values, bound, reduced.tolist(), integral, time.perf_counter() - started)


def _round(inst: _Instance, form: _Formulation, values: Sequence[float]) -> list[tuple[int, int]]:
    """An LP solution made integral: the largest x first within class capacities, then repaired and completed."""
    used: dict[int, int] = defaultdict(int)
    pairs = []
    for (cid, k), j in sorted(form.x.items(), key=lambda kv: -values[kv[1]]):
        if values[j] <= 0.5:
            break
        if used[k] < inst.classes[k].capacity:
            used[k] += 1
            pairs.append((cid, k))
    return _greedy_fill(inst, inst.deal(_class_members(_repair(inst, pairs))))


# --------------------------------------------------------------------------------------------------- CP-SAT


def _cpsat(
    inst: _Instance,
    form: _Formulation,
    hint: list[tuple[int, int]],
    deadline: float,
    workers: int,
    fixed: dict[int, int],
):
    """CP-SAT on the formulation, the hint complete and feasible. `fixed` columns are fixed (reduced-cost fixing)."""
    from ortools.sat.python import cp_model

    m = cp_model.CpModel()
    hint_values = form.point(inst, hint)
    variables = []
    for j, (lb, ub) in enumerate(zip(form.lb, form.ub, strict=True)):
        if j in fixed:
            lb = ub = fixed[j]
        v = m.new_bool_var("") if (lb, ub) == (0, 1) else m.new_int_var(lb, ub, "")
        variables.append(v)
        m.add_hint(v, hint_values[j])
    for cols, coefs, lo, hi, amo in form.rows:
        if amo:
            m.add_at_most_one(variables[j] for j in cols)
        else:
            expr = cp_model.LinearExpr.weighted_sum([variables[j] for j in cols], coefs)
            m.add_linear_constraint(
                expr, int(lo) if math.isfinite(lo) else -(2**62), int(hi) if math.isfinite(hi) else 2**62
            )
    terms = [(v, c) for v, c in zip(variables, form.cost, strict=True) if c]
    m.minimize(cp_model.LinearExpr.weighted_sum([v for v, _ in terms], [c for _, c in terms]) + form.offset)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.max_time_in_seconds = max(0.05, deadline - time.perf_counter())
    status = solver.solve(m)
    if status == cp_model.MODEL_INVALID:
        raise RuntimeError(f"CP-SAT model invalid: {m.validate()}")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # INFEASIBLE can only mean the fixed columns exclude everything better than the hint: the hint is optimal.
        return None, (math.inf if status == cp_model.INFEASIBLE else solver.best_objective_bound)
    values = [solver.value(v) for v in variables]
    return form.chosen(values), solver.best_objective_bound


# ------------------------------------------------------------------------------------------------ public API


def _result(inst: _Instance, assignments, status, bound, method, started, details) -> RosterResult:
    value = inst.evaluate(assignments)
    objective = value["cost"]
    bound = objective if status == "optimal" else min(bound, objective)
    if bound >= objective:
        status = "optimal"
    gap = 0.0 if status == "optimal" else (objective - bound) / max(1.0, abs(objective))
    # Coverage bound implied by the cost bound (the secondary terms are in [0, W)).
    coverage_bound = inst.demand - math.floor(bound / inst.W)
    coverage_bound = min(coverage_bound, details.pop("flow_coverage_bound", inst.demand))
    details.update(
        {
            "lexicographic_weight": inst.W,
            "point": POINT,
            "outside_community": value["outside_community"],
            "fairness_cost": value["fairness_cost"],
            "coverage_bound": coverage_bound,
            "classes": len(inst.classes),
            "eligible_pairs": inst.eligible_pairs,
        }
    )
    # Gap of the secondary terms alone, meaningful once coverage is proven optimal.
    if coverage_bound == value["covered"]:
        secondary_bound = max(0.0, bound - inst.W * (inst.demand - value["covered"]))
        details["secondary_gap"] = (value["secondary"] - secondary_bound) / max(1.0, value["secondary"])
    else:
        details["secondary_gap"] = None
    return RosterResult(
        assignments=sorted(assignments),
        status=status,
        objective=float(objective),
        bound=float(bound),
        gap=gap,
        covered=value["covered"],
        demanded=inst.demand,
        uncovered=inst.uncovered(assignments),
        seconds=time.perf_counter() - started,
        method=method,
        need_shifts={n.id: n.shift_id for n in inst.all_needs},
        details=details,
    )


def _input_error(needs, errors, started) -> RosterResult:
    uncovered = []
    for n in needs:
        if n.needed <= 0:
            continue
        own = [e for e in errors if e.startswith(f"需求{n.id}（")]
        uncovered.append(
            Uncovered(n.id, n.post_name, n.shift_id, n.needed, R_INPUT.format(error="；".join(own or errors)))
        )
    return RosterResult(
        assignments=[],
        status="infeasible_input",
        objective=0.0,  # no roster: finite numbers (not NaN) so that the result can go into JSON as it is
        bound=0.0,
        gap=1.0,
        covered=0,
        demanded=sum(max(0, n.needed) for n in needs),
        uncovered=uncovered,
        seconds=time.perf_counter() - started,
        method="validation",
        details={"errors": errors},
    )


def roster_solve(
    candidates: Sequence[Candidate],
    shifts: Sequence[Shift],
    needs: Sequence[Need],
    rules: Rules = Rules(),
    *,
    time_limit: float = 10.0,
    workers: int = 2,
    engine: str = "auto",
) -> RosterResult:
    """The optimal roster, or the best found within `time_limit` seconds (all included) with its proven gap.

    engine="auto": min-cost flow when it is exact; else the LP relaxation (GLOP), which is optimal and proven by
    its dual certificate when its solution is integral (the usual case with this formulation); else CP-SAT with
    the rounded LP solution as hint, reduced-cost fixing and the LP bound. engine="lp": the same without the
    min-cost-flow shortcut. engine="cp-sat": CP-SAT alone on the same formulation (hint: the min-cost flow
    repaired, or the greedy) and its own bound (BestObjectiveBound; the flow's coverage bound if that is higher).
    `method` in the result says which of these produced the solution and the proof."""
    started = time.perf_counter()
    if engine not in ("auto", "lp", "cp-sat"):
        raise ValueError(f"unknown engine {engine!r}")
    errors = _validate(candidates, shifts, needs, rules)
    if errors:
        return _input_error(needs, errors, started)
    inst = _Instance(candidates, shifts, needs, rules)
    if not inst.classes:
        return _result(inst, [], "optimal", 0, "trivial", started, {"variables": 0})

    deadline = started + time_limit - min(0.5, 0.05 * time_limit)  # keeps a little for the answer

    flow_bound, flow_pairs, _ = _flow(inst)
    details: dict = {"flow_coverage_bound": flow_bound}
    if engine == "auto" and all(p.flow_exact for p in inst.people.values()):
        details["variables"] = 0
        return _result(inst, inst.deal(_class_members(flow_pairs)), "optimal", 0, "min-cost-flow", started, details)

    form = _Formulation(inst)
    details.update(
        variables=len(form.cost),
        x_vars=len(form.x),
        pattern_vars=sum(len(c) for c in form.patterns.values()),
        rows=len(form.rows),
    )
    hints = []  # (name, roster), the first of the cheapest is used
    lower = inst.W * (inst.demand - flow_bound)
    fixed: dict[int, int] = {}
    method = "cp-sat"
    lp = None
    if engine != "cp-sat":
        lp = _lp(form, 0.6 * (deadline - time.perf_counter()))  # leaves CP-SAT a chance if it is slow
        if lp is not None:
            details["lp_seconds"] = round(lp.seconds, 3)
            details["lp_integral"] = lp.integral
            lower = max(lower, lp.bound)
            if lp.integral:
                hints.append(("lp", inst.deal(_class_members(form.chosen(lp.values)))))
            else:
                hints.append(("lp-rounded", _round(inst, form, lp.values)))
    hints.append(("flow+repair", _greedy_fill(inst, inst.deal(_class_members(_repair(inst, flow_pairs))))))
    hints.append(("greedy", _greedy_fill(inst)))
    name, hint = min(hints, key=lambda nh: inst.evaluate(nh[1])["cost"])
    details["hint"] = name
    best = inst.evaluate(hint)["cost"]
    details["hint_cost"] = best
    if lp is not None and best <= lower:
        method = "lp+dual-certificate" if name == "lp" else f"{name}, lp+dual-certificate"
        return _result(inst, hint, "optimal", lower, method, started, details)
    if lp is not None:
        # Reduced-cost fixing: a column whose forcing costs more than the gap cannot be in a better roster.
        slack = best - lower
        incumbent = form.point(inst, hint)
        for j, r in enumerate(lp.reduced):
            if form.ub[j] == 1 and form.lb[j] == 0:
                if r > slack + 1e-6 and incumbent[j] == 0:
                    fixed[j] = 0
                elif -r > slack + 1e-6 and incumbent[j] == 1:
                    fixed[j] = 1
        details["fixed_by_reduced_cost"] = len(fixed)
        method = "cp-sat+lp-bound"
    if deadline - time.perf_counter() < 0.2:
        details["cp_sat"] = "skipped: no time left"
        return _result(inst, hint, "feasible", lower, f"{name} (no time left for CP-SAT)", started, details)
    chosen, cp_bound = _cpsat(inst, form, hint, deadline, workers, fixed)
    assignments = hint
    if chosen is not None:
        found = inst.deal(_class_members(chosen))
        if inst.evaluate(found)["cost"] <= best:
            assignments = found
    bound = max(lower, math.ceil(cp_bound - 1e-6) if math.isfinite(cp_bound) else best)
    return _result(inst, assignments, "feasible", bound, method, started, details)


def roster_greedy(
    candidates: Sequence[Candidate], shifts: Sequence[Shift], needs: Sequence[Need], rules: Rules = Rules()
) -> RosterResult:
    """Baseline: scarcest need first, each slot to the cheapest eligible volunteer (own community, fewest hours).

    Its bound is the coverage relaxation (max flow ignoring rest and day limits), so its gap is honest but loose."""
    started = time.perf_counter()
    errors = _validate(candidates, shifts, needs, rules)
    if errors:
        return _input_error(needs, errors, started)
    inst = _Instance(candidates, shifts, needs, rules)
    assignments = _greedy_fill(inst)
    seconds = time.perf_counter() - started
    flow_bound = _flow(inst)[0] if inst.classes else 0
    result = _result(
        inst,
        assignments,
        "feasible",
        inst.W * (inst.demand - flow_bound),
        "greedy",
        started,
        {"flow_coverage_bound": flow_bound, "variables": 0},
    )
    result.seconds = seconds
    return result


def fairness(result: RosterResult, candidates: Sequence[Candidate], shifts: Sequence[Shift]) -> dict:
    """Load figures over every candidate's total hours in the period (hours_so_far + hours assigned here)."""
    hours_of = {s.id: s.hours for s in shifts}
    added: dict[int, float] = defaultdict(float)
    for cid, nid in result.assignments:
        added[cid] += hours_of[result.need_shifts[nid]]
    totals = [c.hours_so_far + added.get(c.id, 0.0) for c in candidates]
    used = [c.hours_so_far + added[c.id] for c in candidates if c.id in added]
    return {
        "volunteers": len(totals),
        "volunteers_used": len(used),
        "max_hours": max(totals, default=0.0),
        "min_hours_of_used": min(used, default=0.0),
        "max_hours_of_used": max(used, default=0.0),
        "mean_hours": statistics.fmean(totals) if totals else 0.0,
        "stdev_hours": statistics.pstdev(totals) if totals else 0.0,
        "stdev_hours_of_used": statistics.pstdev(used) if used else 0.0,
        "max_added_hours": max(added.values(), default=0.0),
        "gini": _gini(totals),
    }


def _gini(values: Sequence[float]) -> float:
    xs = sorted(values)
    n, total = len(xs), sum(xs)
    if n == 0 or total <= 0:
        return 0.0
    weighted = sum((2 * i - n + 1) * x for i, x in enumerate(xs))
    return weighted / (n * total)
