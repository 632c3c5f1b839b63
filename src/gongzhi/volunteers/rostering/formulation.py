"""The solver model: per volunteer the feasible shift sets with their exact cost (or shift booleans
with clique rows when there are too many), joined per shift by a transportation structure; its LP
relaxation (GLOP, with a dual certificate re-checked here) and CP-SAT on the same model. No Django here."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from gongzhi.volunteers.rostering.instance import _Instance
from gongzhi.volunteers.rostering.search import _class_members, _greedy_fill, _repair


class _Model:
    """A linear model as plain rows, built column by column: the full model here and the kind model
    (aggregate.py) share this."""

    def __init__(self, inst: _Instance) -> None:
        self.lb: list[int] = []
        self.ub: list[int] = []
        self.cost: list[int] = []
        self.rows: list[tuple[list[int], list[int], float, float, bool]] = []  # columns, coefficients, lo, hi, amo
        self.offset = inst.W * inst.demand

    def _var(self, lb: int, ub: int, cost: int) -> int:
        self.lb.append(lb)
        self.ub.append(ub)
        self.cost.append(cost)
        return len(self.cost) - 1

    def _row(self, cols: list[int], coefs: list[int], lo: float, hi: float, amo: bool = False) -> None:
        self.rows.append((cols, coefs, lo, hi, amo))

    def _shift_rows(self, inst: _Instance, block: frozenset[int], on: Callable[[int], list[int]]) -> None:
        """A block with very many shift sets, as the columns `on(shift)` that put a volunteer on each shift: at
        most one per maximal clique of the conflict graph, and the hours of each day."""
        for clique in inst.cliques:
            cols = [j for sid in sorted(clique & block) for j in on(sid)]
            if len(cols) > 1:
                self._row(cols, [1] * len(cols), -math.inf, 1, amo=True)
        days: dict[date, list[int]] = defaultdict(list)
        for sid in sorted(block):
            days[inst.day[sid]].append(sid)
        for sids in days.values():
            if sum(inst.length[s] for s in sids) > inst.max_day:
                # Lengths in microseconds, exact; divided by their gcd to keep the row's numbers small (the same
                # integer points: sum(a x) <= limit iff sum(a/g x) <= floor(limit/g)).
                weighted = [(j, inst.length[s]) for s in sids for j in on(s)]
                g = math.gcd(*(a for _, a in weighted))
                self._row([j for j, _ in weighted], [a // g for _, a in weighted], -math.inf, inst.max_day // g)


class _Formulation(_Model):
    """The integer model as plain rows, built once, given to GLOP (its LP relaxation) and to CP-SAT."""

    def __init__(self, inst: _Instance):
        super().__init__(inst)
        self.x: dict[tuple[int, int], int] = {}  # (candidate, class) -> column
        self.patterns: dict[int, list[tuple[int, frozenset[int], frozenset[int]]]] = {}  # column, set, block
        self.fvar: dict[int, int] = {}  # several blocks: the candidate's fairness cost
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
            for block, pats in person.blocks:
                if pats is not None:
                    columns = self._patterns(cid, block, [(p, 0) for p in pats], by_cs)
                    total.extend((j, inst.q(p)) for j, p in columns)
                else:
                    self._compact(inst, cid, block, by_cs)
                    total.extend((j, inst.quarters[s]) for s in block for j in by_cs[cid, s])
            if not inst.wf:
                continue
            f = self._var(0, person.max_cost, 1)
            self.fvar[cid] = f
            points = inst.attainable(person)
            for a, b in zip(points, points[1:], strict=False):
                fa, fb = inst.fcost(person.q0, a), inst.fcost(person.q0, b)
                # the chord through (a, fa) and (b, fb), times (b - a): (b-a) f - (fb-fa) total >= (b-a) fa - (fb-fa) a
                self._row(
                    [f] + [j for j, _ in total],
                    [b - a] + [-(fb - fa) * q for _, q in total],
                    (b - a) * fa - (fb - fa) * a,
                    math.inf,
                )

    def _patterns(
        self,
        cid: int,
        block: frozenset[int],
        patterns: list[tuple[frozenset[int], int]],
        by_cs: dict[tuple[int, int], list[int]],
    ) -> list[tuple[int, frozenset[int]]]:
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

    def _compact(
        self, inst: _Instance, cid: int, block: frozenset[int], by_cs: dict[tuple[int, int], list[int]]
    ) -> None:
        """Shift booleans for a block with very many shift sets: cliques of the conflict graph, hours per day."""
        for sid in block:
            if len(by_cs[cid, sid]) > 1:
                self._row(by_cs[cid, sid], [1] * len(by_cs[cid, sid]), -math.inf, 1, amo=True)
        self._shift_rows(inst, block, lambda sid: by_cs[cid, sid])

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


class _Rows(Protocol):
    """A linear model as plain rows: what the LP solvers and the dual certificate read."""

    lb: list[int]
    ub: list[int]
    cost: list[int]
    rows: list[tuple[list[int], list[int], float, float, bool]]
    offset: int


def _lp(form: _Rows, time_limit: float) -> _LP | None:
    """Solve the LP relaxation with GLOP (a vertex: integral on the community-days tried) and certify its bound."""
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
    return _certify(form, values, [c.dual_value() for c in cons], started)


def _lp_highs(form: _Rows, time_limit: float) -> _LP | None:
    """Solve the LP relaxation with HiGHS's interior point method (crossover to a vertex, from which the roster
    is rounded) and certify its bound: on a street's week it is several times faster than the simplex methods."""
    import highspy
    import numpy as np

    started = time.perf_counter()
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("solver", "ipm")
    h.setOptionValue("run_crossover", "on")
    h.setOptionValue("time_limit", max(0.05, float(time_limit)))
    h.setOptionValue("threads", 1)
    inf = highspy.kHighsInf
    lengths = [len(r[0]) for r in form.rows]
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(form.cost), len(form.rows)
    lp.col_cost_ = np.array(form.cost, dtype=float)
    lp.col_lower_ = np.array(form.lb, dtype=float)
    lp.col_upper_ = np.array(form.ub, dtype=float)
    lp.row_lower_ = np.array([r[2] if math.isfinite(r[2]) else -inf for r in form.rows], dtype=float)
    lp.row_upper_ = np.array([r[3] if math.isfinite(r[3]) else inf for r in form.rows], dtype=float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.concatenate(([0], np.cumsum(lengths))).astype(np.int32)
    lp.a_matrix_.index_ = np.fromiter((j for r in form.rows for j in r[0]), dtype=np.int32, count=sum(lengths))
    lp.a_matrix_.value_ = np.fromiter((a for r in form.rows for a in r[1]), dtype=float, count=sum(lengths))
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    solution = h.getSolution()
    return _certify(form, list(solution.col_value), list(solution.row_dual), started)


def _certify(form: _Rows, values: list[float], duals: list[float], started: float) -> _LP:
    """A bound from an LP solver's duals that does not trust the solver's tolerances.

    For any row multipliers y: cost(x) >= offset + sum_i y_i b_i + sum_j min over [lb_j, ub_j] of r_j x_j with
    r = c - A'y, where b_i is the row's lower side when y_i > 0 and its upper side when y_i < 0. The sums are
    computed here (math.fsum) from the solver's y; a small margin covers the floating-point products."""
    import numpy as np

    lows = np.array([r[2] for r in form.rows], dtype=float)
    highs = np.array([r[3] for r in form.rows], dtype=float)
    y = np.array(duals, dtype=float)
    y = np.where((y > 0) & np.isfinite(lows), y, np.where((y < 0) & np.isfinite(highs), y, 0.0))
    row_terms = np.where(
        y > 0, y * np.where(np.isfinite(lows), lows, 0.0), y * np.where(np.isfinite(highs), highs, 0.0)
    )
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


def _cpsat(
    inst: _Instance,
    form: _Formulation,
    hint: list[tuple[int, int]],
    deadline: float,
    workers: int,
    fixed: dict[int, int],
) -> tuple[list[tuple[int, int]] | None, float]:
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
