"""Delivery routes: capacitated vehicle routing (CVRP) with PyVRP's hybrid genetic search. No Django here.

`cvrp_read` reads a CVRPLIB file (the format of the research benchmarks: NODE_COORD_SECTION with
EUC_2D, or EXPLICIT edge weights; DEMAND_SECTION, DEPOT_SECTION, CAPACITY) with distances rounded to
the nearest integer, as the benchmarks' best-known costs are; `cvrp_solve` searches for `seconds`
and returns the routes, their cost recomputed here from the distances, and every route checked
against the capacity. `sol_text` writes them in the .sol format of CVRPLIB (customers numbered from
1, the depot being node 1 of the file; a last line `Cost N`).

Input is refused by code (words in supplies.messages): a file that cannot be read or lacks a required
field, no depot or more than one, a customer asking more than a vehicle holds, a negative demand, no
customers, no routes within the capacity and fleet found in the time given.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gongzhi.core.errors import Problem

if TYPE_CHECKING:
    from pyvrp import ProblemData

UNREADABLE = "cvrp_unreadable"
NO_CAPACITY = "cvrp_no_capacity"
DEPOTS = "cvrp_depots"
NO_CUSTOMERS = "cvrp_no_customers"
NEGATIVE_DEMAND = "cvrp_negative_demand"
OVER_CAPACITY = "cvrp_over_capacity"
BAD_SECONDS = "cvrp_bad_seconds"
MISSING_FIELD = "cvrp_missing_field"
NOT_FOUND = "cvrp_not_found"
NO_ROUTES = "cvrp_no_routes"
REQUIRED = ("DIMENSION", "CAPACITY", "EDGE_WEIGHT_TYPE", "DEMAND_SECTION")


class RoutingInputError(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.code)
        self.problem = problem


@dataclass(frozen=True)
class Routes:
    routes: list[list[int]]  # customers in visiting order, numbered as in a .sol file (1..n)
    cost: int  # the sum of the routes' rounded distances, depot to depot
    seconds: float
    iterations: int


def cvrp_read(path: str | Path) -> ProblemData:
    """A CVRPLIB file as PyVRP's problem data, distances rounded to the nearest integer; checked."""
    from pyvrp import read

    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise RoutingInputError(Problem(NOT_FOUND, {"path": str(path)})) from None
    except OSError as exc:
        raise RoutingInputError(Problem(UNREADABLE, {"reason": str(exc)[:200]})) from None
    fields = {line.split(":")[0].strip().upper() for line in text.splitlines() if line.strip()}
    for field in REQUIRED:
        if field not in fields:
            raise RoutingInputError(Problem(MISSING_FIELD, {"field": field}))
    for node, demand in _demands(text):
        if demand < 0:  # named here: PyVRP refuses it in words of its own
            raise RoutingInputError(Problem(NEGATIVE_DEMAND, {"customer": node - 1, "demand": demand}))
    try:
        data = read(path, round_func="round")
    except Exception as exc:  # noqa: BLE001 - vrplib raises many kinds for a malformed file
        raise RoutingInputError(Problem(UNREADABLE, {"reason": f"{type(exc).__name__}: {exc}"[:200]})) from None
    if data.num_depots != 1:
        raise RoutingInputError(Problem(DEPOTS, {"n": data.num_depots}))
    if data.num_clients == 0:
        raise RoutingInputError(Problem(NO_CUSTOMERS))
    capacities = {tuple(vt.capacity) for vt in data.vehicle_types()}
    capacity = min(c[0] for c in capacities) if capacities and all(capacities) else 0
    if capacity <= 0:
        raise RoutingInputError(Problem(NO_CAPACITY))
    for number, client in enumerate(data.clients(), start=1):
        demand = client.delivery[0] if client.delivery else 0
        if demand < 0:
            raise RoutingInputError(Problem(NEGATIVE_DEMAND, {"customer": number, "demand": demand}))
        if demand > capacity:
            raise RoutingInputError(
                Problem(OVER_CAPACITY, {"customer": number, "demand": demand, "capacity": capacity})
            )
    return data


def _demands(text: str) -> list[tuple[int, int]]:
    """The DEMAND_SECTION's (node, demand) lines that are whole numbers (the rest is left to the reader)."""
    out, inside = [], False
    for line in text.splitlines():
        words = line.split()
        if not words:
            continue
        if words[0].upper().endswith("_SECTION") or words[0].upper() == "EOF":
            inside = words[0].upper() == "DEMAND_SECTION"
            continue
        if inside and len(words) >= 2 and all(w.lstrip("-").isdecimal() for w in words[:2]):
            out.append((int(words[0]), int(words[1])))
    return out


def cvrp_solve(data: ProblemData, seconds: float, seed: int = 0) -> Routes:
    """The best routes PyVRP finds in `seconds` (one thread), checked and costed here."""
    from pyvrp import solve
    from pyvrp.stop import MaxRuntime

    if not (isinstance(seconds, int | float) and math.isfinite(seconds) and 0 < seconds <= 86_400):
        raise RoutingInputError(Problem(BAD_SECONDS, {"value": seconds}))
    with warnings.catch_warnings():  # PyVRP warns in English when it struggles; the answer below says it
        warnings.simplefilter("ignore")
        result = solve(data, stop=MaxRuntime(seconds), seed=seed, display=False)
    if not result.best.is_feasible():  # a fleet too small for the demand (a VEHICLES line), say
        raise RoutingInputError(Problem(NO_ROUTES, {"seconds": seconds}))
    # A route's activities: depots and clients, each client by its index among the clients (from 0); the file's
    # and the .sol's number is that + 1 (node 1 of the file is the depot), which is also its location index.
    routes = [[activity.idx + 1 for activity in route if activity.is_client()] for route in result.best.routes()]
    routes = [r for r in routes if r]
    cost = route_cost(data, routes)
    _check(data, routes)
    return Routes(routes, cost, result.runtime, result.num_iterations)


def route_cost(data: ProblemData, routes: list[list[int]]) -> int:
    """The rounded distance of the routes, depot (location 0) to depot, customers numbered from 1."""
    matrix = data.distance_matrix(0)
    total = 0
    for route in routes:
        stops = [0, *route, 0]
        total += sum(int(matrix[a, b]) for a, b in zip(stops, stops[1:], strict=False))
    return total


def _check(data: ProblemData, routes: list[list[int]]) -> None:
    """Every customer exactly once and no route over the capacity: a solver's answer is not trusted."""
    visited = sorted(c for r in routes for c in r)
    if visited != list(range(1, data.num_clients + 1)):
        raise AssertionError("the routes do not visit every customer exactly once")
    capacity = data.vehicle_types()[0].capacity[0]
    clients = data.clients()
    for route in routes:
        load = sum(clients[c - 1].delivery[0] for c in route)
        if load > capacity:
            raise AssertionError(f"a route carries {load} over the capacity {capacity}")


def sol_text(routes: Routes) -> str:
    """The CVRPLIB .sol format."""
    lines = [f"Route #{i}: {' '.join(map(str, r))}" for i, r in enumerate(routes.routes, start=1)]
    return "\n".join([*lines, f"Cost {routes.cost}"]) + "\n"
