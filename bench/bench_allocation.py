"""Allocation of living supplies for a sealed city: supplies.allocation on a city-sized random instance.

    .venv/bin/python bench/bench_allocation.py                     # the city: 3,047 communities, 10 categories
    .venv/bin/python bench/bench_allocation.py --repeat 3 --seed 2 --neighbours 20
    .venv/bin/python bench/bench_allocation.py --stock-share 0.01 0.03 --held-days 0 0.5  # the vulnerable first
    .venv/bin/python bench/bench_allocation.py --communities 300 --points 20 --categories 2 --lp-check this

No Django, no database. The instance (seeded): communities of 2,000-15,000 people, 5-12 % of them vulnerable,
holding 0-5 days of each category; supply points (government reserves, supermarkets, enterprises: lognormal sizes)
holding together 40-70 % of the city's 7-day need of each category, so stock is short; communities and points at
random in a 60 x 60 km box, straight-line km. Distances are passed as a matrix (`--distance callable` passes a
Python function instead, which costs a call per pair).

Prints per category: arcs in the last model vs the full graph, pricing rounds, seconds, status, gap, vulnerable
coverage, the points' stock as % of what the communities lack for the horizon, the days of supply (min and median)
before and after, and the level every community now has; then the totals (the run of median wall time of
--repeat; its CPU time beside it, as the machine may be shared). The LP check solves the full LP with HiGHS (an
independent solver and formulation, every pair present) and compares the objective.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from gongzhi.supplies.allocation import (  # noqa: E402
    DISTANCE_STEPS,
    LEVEL_WEIGHT,
    Allocation,
    Category,
    Community,
    SupplyPoint,
    allocate,
)

# category, units per person per day (units are whole: kg, packs, litres, eggs)
CATEGORIES = [
    ("大米", 0.4),
    ("面粉", 0.1),
    ("食用油", 0.05),
    ("蔬菜", 0.5),
    ("肉类", 0.1),
    ("鸡蛋", 1.0),
    ("牛奶", 0.25),
    ("方便面", 0.5),
    ("饮用水", 1.5),
    ("卫生纸", 0.1),
]


def city(seed: int, communities: int, points: int, categories: int, horizon: float, share=(0.4, 0.7), held=(0, 5)):
    rng = np.random.default_rng(seed)
    people = rng.integers(2_000, 15_001, communities)
    vulnerable = np.floor(people * rng.uniform(0.05, 0.12, communities)).astype(int)
    kinds = [Category(f"{name}{i // len(CATEGORIES) or ''}", rate) for i, (name, rate) in enumerate(CATEGORIES * 10)]
    kinds = kinds[:categories]
    held_days = {k.key: rng.uniform(*held, communities) for k in kinds}
    held = {k.key: np.floor(people * k.daily_units_per_person * held_days[k.key]) for k in kinds}
    sizes = rng.lognormal(0, 1, points)
    stock = {}
    for k in kinds:
        total = people.sum() * k.daily_units_per_person * horizon * rng.uniform(*share)
        weights = sizes * rng.uniform(0.5, 1.5, points)
        stock[k.key] = np.floor(weights / weights.sum() * total)
    codes = [f"5101{i:08d}" for i in range(communities)]
    keys = [f"P{i:03d}" for i in range(points)]
    the_communities = [
        Community(code, int(people[i]), int(vulnerable[i]), {k.key: int(held[k.key][i]) for k in kinds})
        for i, code in enumerate(codes)
    ]
    the_points = [SupplyPoint(key, {k.key: int(stock[k.key][p]) for k in kinds}) for p, key in enumerate(keys)]
    at_community = rng.uniform(0, 60, (communities, 2))
    at_point = rng.uniform(0, 60, (points, 2))
    km = np.sqrt(((at_point[:, None, :] - at_community[None, :, :]) ** 2).sum(axis=2))
    return the_communities, the_points, kinds, km


def lp_objective(communities, points, categories, km, horizon: float, step: float) -> float:
    """The same objective as an LP over every pair, built from the definitions and solved by HiGHS."""
    import highspy

    longest = km.max()
    cost = np.rint(km * (DISTANCE_STEPS / longest)) if longest > 0 else np.zeros_like(km)
    levels = math.ceil(horizon / step - 1e-9)
    total = 0.0
    for category in categories:
        rate, key = category.daily_units_per_person, category.key
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        x = {}
        for p in range(len(points)):
            for c in range(len(communities)):
                x[p, c] = h.addVariable(0, highspy.kHighsInf, float(cost[p, c]))
        inflow = {c: [] for c in range(len(communities))}
        for c, community in enumerate(communities):
            held = community.stock.get(key, 0)
            segments, below = [], 0
            for j in range(1, levels + 1):  # the vulnerable people's steps of days, then everyone's
                reach = math.ceil(community.vulnerable_people * rate * min(j * step, horizon) - 1e-9)
                segments.append((max(0, reach - max(held, below)), -(2 * levels + 1 - j) * LEVEL_WEIGHT))
                below = reach
            base, below = max(held, below), 0
            for k in range(1, levels + 1):
                reach = math.ceil(community.people * rate * min(k * step, horizon) - 1e-9)
                segments.append((max(0, reach - max(base, below)), -(levels + 1 - k) * LEVEL_WEIGHT))
                below = reach
            inflow[c] = [h.addVariable(0, cap, weight) for cap, weight in segments]
        for p, point in enumerate(points):
            h.addConstr(sum(x[p, c] for c in range(len(communities))) <= point.stock.get(key, 0))
        for c in range(len(communities)):
            h.addConstr(sum(x[p, c] for p in range(len(points))) == sum(inflow[c]))
        h.run()
        total += h.getInfo().objective_function_value
    return total


def days(result: Allocation, key: str, after: bool) -> list[float]:
    out = []
    for (_, category), supply in result.supplies.items():
        if category == key:
            value = supply.days_after if after else supply.days_before
            if value is not None:
                out.append(value)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--communities", type=int, default=3_047)
    ap.add_argument("--points", type=int, default=200)
    ap.add_argument("--categories", type=int, default=10)
    ap.add_argument("--horizon", type=float, default=7.0)
    ap.add_argument("--step", type=float, default=0.5)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--neighbours", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--distance", choices=["matrix", "callable"], default="matrix")
    ap.add_argument(
        "--stock-share",
        type=float,
        nargs=2,
        default=(0.4, 0.7),
        metavar=("LOW", "HIGH"),
        help="points' stock as a share of the city's need over the horizon (drawn per category)",
    )
    ap.add_argument(
        "--held-days",
        type=float,
        nargs=2,
        default=(0.0, 5.0),
        metavar=("LOW", "HIGH"),
        help="days of supply each community holds already (drawn per community and category)",
    )
    ap.add_argument(
        "--lp-check",
        choices=["reduced", "this", "none"],
        default="reduced",
        help="the full LP with HiGHS: on a reduced instance (300 x 20 x 2), on this one, or not",
    )
    args = ap.parse_args()

    communities, points, categories, km = city(
        args.seed, args.communities, args.points, args.categories, args.horizon, args.stock_share, args.held_days
    )
    if args.distance == "callable":
        row = {p.key: i for i, p in enumerate(points)}
        column = {c.code: i for i, c in enumerate(communities)}
        distance = lambda point, community: float(km[row[point], column[community]])  # noqa: E731
    else:
        distance = km
    how = (args.horizon, args.step, args.seconds, args.neighbours)
    runs: list[Allocation] = []
    cpu: list[float] = []
    for _ in range(args.repeat):
        began = time.process_time()
        runs.append(allocate(communities, points, categories, distance, *how))
        cpu.append(time.process_time() - began)
    order = sorted(range(len(runs)), key=lambda i: runs[i].seconds)
    result, result_cpu = runs[order[len(runs) // 2]], cpu[order[len(runs) // 2]]
    assert all(r.objective == result.objective for r in runs), "the same input gave different objectives"

    print(
        f"communities {len(communities):,}  categories {len(categories)}  points {len(points)}  "
        f"horizon {args.horizon:g} d  step {args.step:g} d  neighbours {args.neighbours}  seed {args.seed}  "
        f"distance {args.distance}  median of {args.repeat}"
    )
    head = (
        f"{'category':8s} {'arcs':>8s} {'full':>8s} {'rounds':>6s} {'solve s':>7s} {'total s':>7s} {'status':>8s} "
        f"{'gap':>6s} {'vuln %':>7s} {'stk/gap%':>8s} {'min bef':>7s} {'med bef':>7s} {'min aft':>7s} "
        f"{'med aft':>7s} {'level':>6s} {'v.level':>7s}"
    )
    print(head)
    for key, r in result.categories.items():
        before, after = days(result, key, False), days(result, key, True)
        covered = 100 * (1 - r.vulnerable_missing / r.vulnerable_need) if r.vulnerable_need else 100.0
        gap = (r.objective - r.bound) / max(1, abs(r.bound))
        lacking = sum(max(0, s.horizon_units - s.units_before) for (_, k), s in result.supplies.items() if k == key)
        shortage = 100 * r.stock / max(1, lacking)
        print(
            f"{key:8s} {r.arcs:8,d} {r.full_arcs:8,d} {r.rounds:6d} {r.solve_seconds:7.2f} {r.seconds:7.2f} "
            f"{r.status:>8s} {gap:6.0e} {covered:7.1f} {shortage:8.1f} {min(before):7.2f} "
            f"{statistics.median(before):7.2f} {min(after):7.2f} {statistics.median(after):7.2f} "
            f"{r.level_days:6.2f} {r.vulnerable_level_days:7.2f}"
        )
    solve = sum(r.solve_seconds for r in result.categories.values())
    per_run = ", ".join(f"{r.seconds:.2f}" for r in runs)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"seconds (wall): check+build+price {result.seconds - solve:.2f}  solve {solve:.2f}  "
        f"total {result.seconds:.2f}  cpu {result_cpu:.2f}  (runs {per_run}; goal <= 10; load average {load:.1f} "
        f"on {os.cpu_count()} cores)"
    )
    print(
        f"status {result.status}  objective {result.objective:,}  bound {result.bound:,}  gap {result.gap:.1e}  "
        f"shipments {len(result.shipments):,}"
    )
    if args.lp_check != "none":
        if args.lp_check == "reduced":
            communities, points, categories, km = city(
                args.seed, 300, 20, 2, args.horizon, args.stock_share, args.held_days
            )
            result = allocate(communities, points, categories, km, *how)
        began = time.perf_counter()
        lp = lp_objective(communities, points, categories, km, args.horizon, args.step)
        same = "same" if abs(lp - result.objective) < 0.5 else "DIFFERENT"
        print(
            f"LP check (HiGHS, every pair, {len(communities)} x {len(points)} x {len(categories)}): {lp:,.0f} vs "
            f"{result.objective:,} ({result.status}): {same} ({time.perf_counter() - began:.1f} s)"
        )


if __name__ == "__main__":
    main()
