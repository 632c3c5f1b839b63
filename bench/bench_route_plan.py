"""Delivery runs in one community (supplies.route_plan): the plan's quality against the seconds given it.

    .venv/bin/python bench/bench_route_plan.py                          # 5, 10, 20 s; median of 3
    .venv/bin/python bench/bench_route_plan.py --budgets 2 5 --repeat 1 --orders 200

The community: 3,000 households in 60 buildings (seeded random places in 800 x 800 m, the distribution
point in the middle), 600 orders of 1-15 kg from distinct households, about 5 % urgent and about 10 % with
a one-hour window somewhere in the first four hours; 40 volunteers: 25 on foot (15 kg, 70 m/min), 10 carts
(60 kg, 60 m/min), 4 tricycles (150 kg, 150 m/min), 1 van (500 kg, 300 m/min); 240 minutes, urgent within
60, 5 minutes to load each trip, 2 minutes per door. Each budget is its own call (the seconds include
building the matrices and the checks); each row is the median of --repeat calls with seeds 0, 1, ...
No Django, no database.
"""

import argparse
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from gongzhi.supplies.route_plan import Stop, Vehicle, plan_runs  # noqa: E402

FLEET = [("foot", 25, 15, 70.0), ("cart", 10, 60, 60.0), ("tricycle", 4, 150, 150.0), ("van", 1, 500, 300.0)]


def community(
    orders: int, buildings: int, households: int, seed: int, horizon: int = 240
) -> tuple[list[Stop], list[Vehicle]]:
    rnd = random.Random(seed)
    places = [(rnd.uniform(0, 800), rnd.uniform(0, 800)) for _ in range(buildings)]
    ordering = rnd.sample(range(households), orders)
    stops = []
    for h in ordering:
        x, y = places[h % buildings]
        window = None
        if rnd.random() < 0.10:
            start = rnd.randrange(0, horizon - 59)
            window = (start, start + 60)
        stops.append(Stop(f"h{h}", x, y, rnd.randint(1, 15), window, urgent=rnd.random() < 0.05))
    vehicles = [
        Vehicle(f"{kind}{i}", kind, capacity, speed) for kind, count, capacity, speed in FLEET for i in range(count)
    ]
    return stops, vehicles


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budgets", type=float, nargs="+", default=[5.0, 10.0, 20.0], help="seconds per call")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--orders", type=int, default=600)
    ap.add_argument("--buildings", type=int, default=60)
    ap.add_argument("--households", type=int, default=3000)
    ap.add_argument("--instance-seed", type=int, default=12)
    ap.add_argument("--horizon", type=int, default=240, help="minutes; the windows are drawn within it")
    args = ap.parse_args()
    stops, vehicles = community(args.orders, args.buildings, args.households, args.instance_seed, args.horizon)
    urgent = sum(s.urgent for s in stops)
    windows = sum(s.window is not None for s in stops)
    load = sum(s.load for s in stops)
    print(
        f"{len(stops)} orders ({load} kg, {urgent} urgent, {windows} with a window), {args.buildings} buildings, "
        f"{len(vehicles)} vehicles; median of {args.repeat}"
    )
    hurried = {s.key for s in stops if s.urgent and (s.window is None or s.window[0] <= 60)}
    head = (
        "budget s",
        "took s",
        "iterations",
        "metres",
        "unassigned",
        "urgent by 60'",
        "runs used",
        "trips",
        "last back min",
    )
    print(" ".join(f"{h:>14s}" for h in head))
    for budget in args.budgets:
        rows = []
        for seed in range(args.repeat):
            plan = plan_runs((400.0, 400.0), stops, vehicles, horizon_minutes=args.horizon, seconds=budget, seed=seed)
            arrival = {x.stop: x.arrival_minute for r in plan.runs for x in r.visits}
            on_time = sum(arrival.get(k, 1e9) <= 60 for k in hurried)
            used = [r for r in plan.runs if r.visits]
            back = max((r.duration_minutes for r in used), default=0)
            row = (
                plan.seconds,
                plan.iterations,
                plan.cost,
                len(plan.unassigned),
                on_time,
                len(used),
                sum(r.trips for r in used),
                back,
            )
            rows.append(row)
        med = [statistics.median(column) for column in zip(*rows, strict=True)]
        cells = [f"{budget:g}", f"{med[0]:.1f}", *(f"{m:.0f}" for m in med[1:4]), f"{med[4]:.0f}/{len(hurried)}"]
        cells += [f"{m:.0f}" for m in med[5:]]
        print(" ".join(f"{c:>14s}" for c in cells), flush=True)


if __name__ == "__main__":
    main()
