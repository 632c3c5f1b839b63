"""The optimiser's entry points: `roster_solve` (optimal, or the best found with its proven gap),
`roster_greedy` (the baseline), and `fairness` (load figures of a roster). No Django here."""

from __future__ import annotations

import math
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from gongzhi.core.errors import Problem
from gongzhi.volunteers.rostering.aggregate import _Aggregate
from gongzhi.volunteers.rostering.formulation import _cpsat, _Formulation, _lp, _lp_highs, _round
from gongzhi.volunteers.rostering.instance import _Instance, _too_large, _validate, exact, named, whole
from gongzhi.volunteers.rostering.model import (
    INPUT,
    MAX_NEEDED,
    POINT,
    Candidate,
    Need,
    RosterResult,
    Rules,
    Shift,
    Uncovered,
)
from gongzhi.volunteers.rostering.search import _augment, _class_members, _flow, _greedy_fill, _repair

AGGREGATE_FROM = 500_000  # eligible (volunteer, need) pairs from which the kind-aggregated model is used


def _result(
    inst: _Instance,
    assignments: list[tuple[int, int]],
    status: str,
    bound: float,
    method: str,
    started: float,
    details: dict[str, Any],
) -> RosterResult:
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


def _own_errors(need: Need, errors: Sequence[Problem]) -> list[Problem]:
    return [e for e in errors if "need" in e.params and e.params["need"] == named(need.id)]


def _input_error(needs: Sequence[Need], errors: list[Problem], started: float) -> RosterResult:
    """No roster: every need asking for someone, and every need whose count is itself wrong (missing 0), says why."""
    uncovered = []
    demanded = 0
    for n in needs:
        needed = whole(n.needed)
        own = _own_errors(n, errors)
        if needed is not None and needed <= 0 and not own:
            continue
        missing = needed if needed is not None and 0 < needed <= MAX_NEEDED else 0
        demanded += missing
        problem = Problem(INPUT, {"errors": own or list(errors)})
        uncovered.append(Uncovered(n.id, n.post_name, n.shift_id, missing, (problem,)))
    return RosterResult(
        assignments=[],
        status="infeasible_input",
        objective=0.0,  # no roster: finite numbers (not NaN) so that the result can go into JSON as it is
        bound=0.0,
        gap=1.0,
        covered=0,
        demanded=demanded,
        uncovered=uncovered,
        seconds=time.perf_counter() - started,
        method="validation",
        details={"errors": [{"code": e.code, **e.params} for e in errors]},
        errors=list(errors),
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
    if engine not in ("auto", "lp", "cp-sat", "aggregate"):
        raise ValueError(f"unknown engine {engine!r}")
    if not (isinstance(time_limit, int | float) and math.isfinite(time_limit) and time_limit > 0):
        raise ValueError(f"time_limit must be a positive number of seconds, not {time_limit!r}")
    errors = _validate(candidates, shifts, needs, rules)
    if errors:
        return _input_error(needs, errors, started)
    inst = _Instance(candidates, shifts, needs, rules)
    errors = _too_large(inst)
    if errors:
        return _input_error(needs, errors, started)
    if not inst.classes:
        return _result(inst, [], "optimal", 0, "trivial", started, {"variables": 0})

    deadline = started + time_limit - min(0.5, 0.05 * time_limit)  # keeps a little for the answer

    flow_bound, flow_pairs, _ = _flow(inst)
    details: dict[str, Any] = {"flow_coverage_bound": flow_bound}
    if engine == "auto" and all(p.flow_exact for p in inst.people.values()):
        details["variables"] = 0
        return _result(inst, inst.deal(_class_members(flow_pairs)), "optimal", 0, "min-cost-flow", started, details)

    if engine == "aggregate" or (engine == "auto" and inst.eligible_pairs >= AGGREGATE_FROM):
        return _solve_aggregate(inst, started, deadline, workers, details, flow_bound)

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


def _solve_aggregate(
    inst: _Instance, started: float, deadline: float, workers: int, details: dict[str, Any], flow_bound: int
) -> RosterResult:
    """A street's reservoir: the kind-aggregated model (aggregate.py), its objective in two steps.

    1. Coverage: the LP of coverage alone (HiGHS) gives the most places any roster can fill, C (certified; the
       min-cost flow's bound if that is lower). Asked straight for the flow's coverage when the LP cannot reach
       it, the second LP takes minutes to say so; this one takes seconds.
    2. The secondary terms among rosters filling C places: their LP (HiGHS interior point, crossover to a
       vertex), certified, gives S. W x (demand - C) + S bounds every roster: one that fills fewer places pays W
       more, and W exceeds every secondary total.
    3. The roster: the LP's own if integral. Else (fairness makes the LP split volunteers' shifts) each
       volunteer keeps, per block, the shift set carrying most of the LP's weight, any subset of which they may
       work; among rosters keeping to those the min-cost flow is exact and integral; a greedy fill completes it
       (aggregate.restriction, search._flow); augmenting paths fill places still open below C (search._augment);
       if some still are, the volunteers who could fill them take a set with that shift the LP weighed, and the
       flow runs again, up to three times."""
    form = _Aggregate(inst)
    details.update(variables=len(form.cost), rows=len(form.rows), kinds=len(form.members), model="aggregate")
    coverage = flow_bound
    lp = None
    first = _lp_highs(form.coverage(), 0.4 * (deadline - time.perf_counter()))
    if first is not None:
        coverage = min(coverage, -first.bound)
        details["lp_coverage_bound"] = coverage
        lp = _lp_highs(form.secondary(coverage), 0.9 * (deadline - time.perf_counter()))
    if lp is None:
        details["lp"] = "no time left"
        greedy = _greedy_fill(inst)
        return _result(inst, greedy, "feasible", inst.W * (inst.demand - flow_bound), "greedy", started, details)
    details["lp_seconds"] = round(lp.seconds, 3)
    details["lp_integral"] = lp.integral
    lower = inst.W * (inst.demand - coverage) + lp.bound
    if lp.integral:
        roster = inst.deal(_class_members(form.chosen(lp.values)))
        return _result(inst, roster, "feasible", lower, "aggregate-lp+dual-certificate", started, details)
    roster = _greedy_fill(inst, inst.deal(_class_members(_flow(inst, form.restriction(lp.values))[1])))
    roster = _fill_to(inst, roster, coverage, deadline)
    # Places still open that the LP filled: the volunteers who could take them keep, where the LP gave it
    # weight, a shift set with that shift instead; the flow and the paths run again (kept if better).
    for _ in range(3):
        if inst.evaluate(roster)["covered"] >= coverage or deadline - time.perf_counter() < 3:
            break
        held = Counter(nid for _, nid in roster)
        open_classes = {inst.class_of[n.id] for n in inst.needs if n.id in inst.class_of and held[n.id] < n.needed}
        wanted = frozenset((cid, inst.classes[k].shift_id) for k in open_classes for cid in inst.classes[k].members)
        again = _greedy_fill(inst, inst.deal(_class_members(_flow(inst, form.restriction(lp.values, wanted))[1])))
        again = _fill_to(inst, again, coverage, deadline)
        if inst.evaluate(again)["cost"] >= inst.evaluate(roster)["cost"]:
            break
        roster = again
    return _result(inst, roster, "feasible", lower, "aggregate-lp+restricted-flow", started, details)


def _fill_to(inst: _Instance, roster: list[tuple[int, int]], coverage: int, deadline: float) -> list[tuple[int, int]]:
    """The roster with augmenting paths for places still open while fewer than `coverage` are filled."""
    if inst.evaluate(roster)["covered"] >= coverage:
        return roster
    pairs = [(cid, inst.class_of[nid]) for cid, nid in roster]
    return inst.deal(_class_members(_augment(inst, pairs, coverage, deadline)))


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
    errors = _too_large(inst)
    if errors:
        return _input_error(needs, errors, started)
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


def fairness(result: RosterResult, candidates: Sequence[Candidate], shifts: Sequence[Shift]) -> dict[str, float]:
    """Load figures over every candidate's total hours in the period (hours_so_far + hours assigned here)."""
    hours_of = {s.id: s.hours for s in shifts}
    added: dict[int, float] = defaultdict(float)
    for cid, nid in result.assignments:
        added[cid] += hours_of[result.need_shifts[nid]]
    served = {c.id: float(exact(c.hours_so_far) or 0) for c in candidates}  # Decimal or float alike
    totals = [served[c.id] + added.get(c.id, 0.0) for c in candidates]
    used = [served[c.id] + added[c.id] for c in candidates if c.id in added]
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
