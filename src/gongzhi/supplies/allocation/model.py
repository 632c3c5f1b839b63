"""The allocation's interface: communities, supply points and categories in; an `Allocation` out (the units each
point sends each community, the days of supply before and after, the proof, and the reasons per community as
problem codes). No Django here."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from gongzhi.core.errors import Problem

# Reasons given by `Allocation.explain` (words in supplies.messages). Days are rounded to 2 decimals, km to 0.1.
VULNERABLE_COVERED = "allocation_vulnerable_covered"  # {category}, {need}, {held}, {received}
VULNERABLE_SHORT = "allocation_vulnerable_short"  # {category}, {need}, {held}, {received}, {missing}, {days}
RAISED_TO_LEVEL = "allocation_raised_to_level"  # {category}, {days_before}, {days_after}, {level}
ALREADY_ABOVE_LEVEL = "allocation_already_above_level"  # {category}, {days}, {level}
HORIZON_COVERED = "allocation_horizon_covered"  # {category}, {days}, {horizon}
SHORT = "allocation_short"  # {category}, {days}, {horizon}, {missing}
NEAREST_POINT = "allocation_nearest_point"  # {category}, {point}, {units}, {km}
NEARER_POINTS_EMPTY = "allocation_nearer_points_empty"  # {category}, {point}, {units}, {km}, {nearer}
FARTHER_POINT = "allocation_farther_point"  # {category}, {point}, {units}, {km}, {nearer}, {left}: not optimal yet
NO_PEOPLE = "allocation_no_people"  # {category}
# Input refused, naming what is wrong.
NO_CATEGORIES = "allocation_no_categories"
BAD_KEY = "allocation_bad_key"  # {kind} (community, point, category), {key}: not a non-empty text
DUPLICATE = "allocation_duplicate"  # {kind}, {key}
BAD_COUNT = "allocation_bad_count"  # {kind}, {key}, {field}, {value}: not a whole number >= 0 (people, stock)
VULNERABLE_OVER_PEOPLE = "allocation_vulnerable_over_people"  # {community}, {vulnerable}, {people}
UNKNOWN_CATEGORY = "allocation_unknown_category"  # {kind}, {key}, {category}
BAD_RATE = "allocation_bad_rate"  # {category}, {value}: daily units per person not a finite number > 0
BAD_HORIZON = "allocation_bad_horizon"  # {value}, {limit}: not a number of days > 0 and <= MAX_HORIZON_DAYS
BAD_STEP = "allocation_bad_step"  # {value}, {horizon}, {limit}: not > 0, <= horizon, at most MAX_LEVELS steps
BAD_SECONDS = "allocation_bad_seconds"  # {value}: not a finite number > 0
BAD_NEIGHBOURS = "allocation_bad_neighbours"  # {value}: not a whole number >= 1
BAD_DISTANCE = "allocation_bad_distance"  # {point}, {community}, {value}: missing, negative or not finite (km)
BAD_DISTANCE_SHAPE = "allocation_bad_distance_shape"  # {shape}, {expected}: a matrix not points x communities
TOO_LARGE = "allocation_too_large"  # {category}: units x costs would leave exact integer arithmetic (EXACT_LIMIT)
CODES = (
    VULNERABLE_COVERED, VULNERABLE_SHORT, RAISED_TO_LEVEL, ALREADY_ABOVE_LEVEL, HORIZON_COVERED, SHORT,
    NEAREST_POINT, NEARER_POINTS_EMPTY, FARTHER_POINT, NO_PEOPLE, NO_CATEGORIES, BAD_KEY, DUPLICATE, BAD_COUNT,
    VULNERABLE_OVER_PEOPLE, UNKNOWN_CATEGORY, BAD_RATE, BAD_HORIZON, BAD_STEP, BAD_SECONDS, BAD_NEIGHBOURS,
    BAD_DISTANCE, BAD_DISTANCE_SHAPE, TOO_LARGE,
)  # fmt: skip

MAX_HORIZON_DAYS = 366.0
MAX_LEVELS = 1_000  # horizon / step: one arc per level and community
DISTANCE_STEPS = 1000  # distances are costed as round(km / longest km x DISTANCE_STEPS): 0 .. DISTANCE_STEPS
LEVEL_WEIGHT = DISTANCE_STEPS + 1  # one level step outweighs any difference in distance
EXACT_LIMIT = 2**53  # stock x largest cost stays below: exact in doubles (an LP check) and in 64-bit integers

OPTIMAL = "optimal"
FEASIBLE = "feasible"

Distance = Callable[[str, str], float] | Mapping[tuple[str, str], float] | Sequence[Sequence[float]]


class AllocationInputError(Exception):
    """The input was refused; `problem` names what is wrong (a code of this module and its values)."""

    def __init__(self, problem: Problem):
        super().__init__(problem.code, problem.params)
        self.problem = problem


@dataclass(frozen=True)
class Community:
    code: str
    people: int
    vulnerable_people: int  # in households with dialysis, insulin, elderly alone, bedridden, pregnant, disabled
    stock: Mapping[str, int] = field(default_factory=dict)  # units held now per category (absent: 0)


@dataclass(frozen=True)
class SupplyPoint:
    key: str
    stock: Mapping[str, int]  # units it may give per category (absent: 0)


@dataclass(frozen=True)
class Category:
    key: str
    daily_units_per_person: float  # e.g. kg of rice per person per day; units themselves are whole (packs, kg)


@dataclass(frozen=True)
class Shipment:
    point: str
    community: str
    category: str
    units: int
    km: float
    nearer_points: int  # points holding this category that are nearer to the community (at the costed resolution)
    nearer_points_left: int  # of those, how many kept stock (0 whenever the category is optimal)


@dataclass(frozen=True)
class CommunitySupply:
    community: str
    category: str
    people: int
    units_before: int
    units_received: int
    days_before: float | None  # None for a community with no people
    days_after: float | None
    vulnerable_need: int  # units for its vulnerable people over the horizon (rounded up)
    vulnerable_covered: bool
    vulnerable_days: float | None  # days its vulnerable people now have (up to the horizon); None: none live there
    level_units: int  # units received above the vulnerable need: the evening out
    horizon_units: int  # units for everyone over the horizon (rounded up)


@dataclass(frozen=True)
class CategoryResult:
    category: str
    status: str  # OPTIMAL or FEASIBLE
    objective: int
    bound: int  # a lower bound on the objective (equal when optimal)
    level_days: float  # every community now holds at least this many days (up to the horizon)
    vulnerable_level_days: float  # every community's vulnerable people now have at least this many days
    stock: int  # units at the points
    allocated: int
    vulnerable_need: int  # units still needed for vulnerable people after what the communities hold
    vulnerable_missing: int
    arcs: int  # point-community arcs in the last model solved
    full_arcs: int  # point-community arcs of the full model (points with stock x communities with need)
    rounds: int  # models solved (pricing rounds)
    seconds: float  # this category: its arrays, models, certificates and result
    solve_seconds: float  # of which inside the min-cost flow solver


@dataclass(frozen=True)
class Allocation:
    """The allocation and its proof. Objective and bound are sums over the categories (lower is better)."""

    shipments: tuple[Shipment, ...]
    supplies: Mapping[tuple[str, str], CommunitySupply]  # (community code, category key)
    categories: Mapping[str, CategoryResult]
    horizon_days: float
    step_days: float
    status: str
    objective: int
    bound: int
    method: str
    seconds: float

    @property
    def gap(self) -> float:
        """(objective - bound) / |bound|: 0 when optimal."""
        return (self.objective - self.bound) / max(1, abs(self.bound))

    @cached_property
    def _shipments_to(self) -> dict[tuple[str, str], list[Shipment]]:
        to: dict[tuple[str, str], list[Shipment]] = {}
        for s in self.shipments:
            to.setdefault((s.community, s.category), []).append(s)
        return to

    def explain(self, community: str) -> list[Problem]:
        """Why the community got what it got, per category in input order, as problem codes and their values.
        KeyError for a community that was not in the input."""
        reasons: list[Problem] = []
        for key, outcome in self.categories.items():
            supply = self.supplies[(community, key)]
            reasons += _reasons(supply, outcome, self.horizon_days)
            sent = self._shipments_to.get((community, key), [])
            for s in sorted(sent, key=lambda s: (-s.units, s.km, s.point)):
                where = {"category": key, "point": s.point, "units": s.units, "km": round(s.km, 1)}
                if s.nearer_points == 0:
                    reasons.append(Problem(NEAREST_POINT, where))
                elif s.nearer_points_left == 0:
                    reasons.append(Problem(NEARER_POINTS_EMPTY, {**where, "nearer": s.nearer_points}))
                else:
                    where |= {"nearer": s.nearer_points, "left": s.nearer_points_left}
                    reasons.append(Problem(FARTHER_POINT, where))
        return reasons


def _reasons(supply: CommunitySupply, outcome: CategoryResult, horizon: float) -> list[Problem]:
    key = supply.category
    if supply.days_before is None or supply.days_after is None:
        return [Problem(NO_PEOPLE, {"category": key})]
    reasons: list[Problem] = []
    before, after = round(supply.days_before, 2), round(supply.days_after, 2)
    if supply.vulnerable_need > 0:
        values: dict[str, Any] = {
            "category": key,
            "need": supply.vulnerable_need,
            "held": supply.units_before,
            "received": supply.units_received,
        }
        if supply.vulnerable_covered:
            reasons.append(Problem(VULNERABLE_COVERED, values))
        else:
            missing = supply.vulnerable_need - supply.units_before - supply.units_received
            days = round(supply.vulnerable_days or 0.0, 2)
            reasons.append(Problem(VULNERABLE_SHORT, {**values, "missing": missing, "days": days}))
    level = round(outcome.level_days, 2)
    if outcome.vulnerable_missing == 0:
        if supply.level_units > 0:
            raised = {"category": key, "days_before": before, "days_after": after, "level": level}
            reasons.append(Problem(RAISED_TO_LEVEL, raised))
        elif supply.units_before + supply.units_received < supply.horizon_units:
            reasons.append(Problem(ALREADY_ABOVE_LEVEL, {"category": key, "days": after, "level": level}))
    if supply.units_before + supply.units_received >= supply.horizon_units:
        reasons.append(Problem(HORIZON_COVERED, {"category": key, "days": after, "horizon": horizon}))
    else:
        missing = supply.horizon_units - supply.units_before - supply.units_received
        reasons.append(Problem(SHORT, {"category": key, "days": after, "horizon": horizon, "missing": missing}))
    return reasons
