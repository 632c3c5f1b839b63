"""Delivery-route quality on CVRPLIB instances: gongzhi's solver (PyVRP, supplies.routing) against OR-Tools
routing with guided local search, the same seconds each, in the same run, against the best-known costs.

    .venv/bin/python bench/bench_cvrp.py                    # every instance in bench/cvrp, 10 s each
    .venv/bin/python bench/bench_cvrp.py --seconds 10 --seed 1 --only X-n101-k25

Instances and best-known costs: bench/cvrp (SOURCE.md says where each came from; bks.csv). Costs are sums
of Euclidean distances rounded to the nearest integer, as the .sol files use. No Django, no database.
OR-Tools gets the same rounded distance matrix, one vehicle type of the file's capacity, as many vehicles
as customers (no fixed cost, so unused ones cost nothing), PATH_CHEAPEST_ARC then GUIDED_LOCAL_SEARCH
for the same time limit.
"""

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from gongzhi.supplies import routing  # noqa: E402

HERE = Path(__file__).resolve().parent / "cvrp"


def ortools_cost(data, seconds: float) -> int:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    matrix = data.distance_matrix(0)
    n = data.num_locations
    demands = [0] + [c.delivery[0] for c in data.clients()]
    capacity = data.vehicle_types()[0].capacity[0]
    vehicles = data.num_clients
    manager = pywrapcp.RoutingIndexManager(n, vehicles, 0)
    model = pywrapcp.RoutingModel(manager)
    dist = [[int(matrix[i, j]) for j in range(n)] for i in range(n)]

    def distance(i, j):
        return dist[manager.IndexToNode(i)][manager.IndexToNode(j)]

    transit = model.RegisterTransitCallback(distance)
    model.SetArcCostEvaluatorOfAllVehicles(transit)

    def demand(i):
        return demands[manager.IndexToNode(i)]

    load = model.RegisterUnaryTransitCallback(demand)
    model.AddDimensionWithVehicleCapacity(load, 0, [capacity] * vehicles, True, "load")
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    solution = model.SolveWithParameters(params)
    if solution is None:
        return -1
    routes = []
    for v in range(vehicles):
        index, route = model.Start(v), []
        while not model.IsEnd(index):
            node = manager.IndexToNode(index)
            if node:
                route.append(node)
            index = solution.Value(model.NextVar(index))
        if route:
            routes.append(route)
    routing._check(data, routes)
    return routing.route_cost(data, routes)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", default="", help="one instance by name")
    args = ap.parse_args()
    bks = {row["instance"]: int(row["bks_cost"]) for row in csv.DictReader((HERE / "bks.csv").open())}
    ours, theirs = [], []
    print(f"{'instance':12s} {'n':>4s} {'best known':>10s} {'gongzhi':>8s} {'gap':>7s} {'OR-Tools':>8s} {'gap':>7s}")
    for name in sorted(bks):
        if args.only and name != args.only:
            continue
        data = routing.cvrp_read(HERE / f"{name}.vrp")
        t = time.perf_counter()
        found = routing.cvrp_solve(data, args.seconds, args.seed)
        ours_s = time.perf_counter() - t
        other = ortools_cost(data, args.seconds)
        gap = (found.cost - bks[name]) / bks[name]
        other_gap = (other - bks[name]) / bks[name] if other >= 0 else float("nan")
        ours.append(gap)
        theirs.append(other_gap)
        print(
            f"{name:12s} {data.num_clients:4d} {bks[name]:10d} {found.cost:8d} {gap:7.2%} {other:8d} {other_gap:7.2%}"
            f"   ({ours_s:.1f} s, {found.iterations} iterations)",
            flush=True,
        )
    worse = sum(1 for a, b in zip(ours, theirs, strict=True) if a > b)
    print(
        f"SUMMARY instances={len(ours)} seconds={args.seconds:g} mean_gap={statistics.fmean(ours):.4%} "
        f"max_gap={max(ours):.4%} ortools_mean_gap={statistics.fmean(theirs):.4%} worse_than_ortools={worse}"
    )


if __name__ == "__main__":
    main()
