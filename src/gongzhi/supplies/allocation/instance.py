"""The input checked (every number refused by name) and what is derived from it once: distances in km and their
integer costs, and per category the units each community needs at each level. No Django here."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np
import numpy.typing as npt

from gongzhi.core.errors import Problem
from gongzhi.supplies.allocation.model import (
    BAD_COUNT,
    BAD_DISTANCE,
    BAD_DISTANCE_SHAPE,
    BAD_HORIZON,
    BAD_KEY,
    BAD_NEIGHBOURS,
    BAD_RATE,
    BAD_SECONDS,
    BAD_STEP,
    DISTANCE_STEPS,
    DUPLICATE,
    EXACT_LIMIT,
    LEVEL_WEIGHT,
    MAX_HORIZON_DAYS,
    MAX_LEVELS,
    NO_CATEGORIES,
    TOO_LARGE,
    UNKNOWN_CATEGORY,
    VULNERABLE_OVER_PEOPLE,
    AllocationInputError,
    Category,
    Community,
    Distance,
    SupplyPoint,
)

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Instance:
    communities: tuple[Community, ...]
    points: tuple[SupplyPoint, ...]
    categories: tuple[Category, ...]
    km: Floats  # points x communities
    cost: Ints  # points x communities: round(km / longest x DISTANCE_STEPS)
    horizon: float
    step: float
    levels: int  # steps up to the horizon (the last one may be shorter)
    seconds: float
    neighbours: int
    points_by_distance: Ints  # communities x points: per community, the points nearest first
    communities_by_distance: Ints  # points x communities: per point, the communities nearest first


@dataclass(frozen=True)
class CategoryNeed:
    people: Ints
    held: Ints
    vulnerable_need: Ints  # ceil(vulnerable x rate x horizon)
    horizon_units: Ints  # ceil(people x rate x horizon)
    caps: Ints  # (2 levels) x communities: per step of days, the vulnerable people's units, then everyone's
    costs: Ints  # 2 levels: -2L W .. -W, increasing
    stock: Ints  # per point


def _refuse(code: str, **params: Any) -> AllocationInputError:
    return AllocationInputError(Problem(code, params))


def _count(value: object, kind: str, key: str, name: str) -> int:
    if type(value) is int and value >= 0:
        return value
    if isinstance(value, bool) or not isinstance(value, Integral) or int(value) < 0:
        raise _refuse(BAD_COUNT, kind=kind, key=key, field=name, value=repr(value))
    return int(value)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)):
        return None
    return float(value)


def _keys(items: Sequence[Any], kind: str, attribute: str) -> None:
    seen: set[str] = set()
    for item in items:
        key = getattr(item, attribute)
        if not isinstance(key, str) or not key:
            raise _refuse(BAD_KEY, kind=kind, key=repr(key))
        if key in seen:
            raise _refuse(DUPLICATE, kind=kind, key=key)
        seen.add(key)


def _stock(stock: Mapping[str, int], categories: set[str], kind: str, key: str) -> None:
    for category, units in stock.items():
        if category not in categories:
            raise _refuse(UNKNOWN_CATEGORY, kind=kind, key=key, category=repr(category))
        _count(units, kind, key, f"stock[{category}]")


def check(
    communities: Sequence[Community],
    points: Sequence[SupplyPoint],
    categories: Sequence[Category],
    distance: Distance,
    horizon_days: float,
    step_days: float,
    seconds: float,
    neighbours: int,
) -> Instance:
    """The input checked and its distances costed; refuses the first thing wrong with an AllocationInputError."""
    if not categories:
        raise _refuse(NO_CATEGORIES)
    _keys(categories, "category", "key")
    _keys(communities, "community", "code")
    _keys(points, "point", "key")
    for category in categories:
        rate = _number(category.daily_units_per_person)
        if rate is None or rate <= 0:
            raise _refuse(BAD_RATE, category=category.key, value=repr(category.daily_units_per_person))
    horizon = _number(horizon_days)
    if horizon is None or not 0 < horizon <= MAX_HORIZON_DAYS:
        raise _refuse(BAD_HORIZON, value=repr(horizon_days), limit=MAX_HORIZON_DAYS)
    step = _number(step_days)
    if step is None or not 0 < step <= horizon or horizon / step > MAX_LEVELS:
        raise _refuse(BAD_STEP, value=repr(step_days), horizon=horizon, limit=MAX_LEVELS)
    limit = _number(seconds)
    if limit is None or limit <= 0:
        raise _refuse(BAD_SECONDS, value=repr(seconds))
    if isinstance(neighbours, bool) or not isinstance(neighbours, Integral) or neighbours < 1:
        raise _refuse(BAD_NEIGHBOURS, value=repr(neighbours))
    keys = {c.key for c in categories}
    for community in communities:
        people = _count(community.people, "community", community.code, "people")
        vulnerable = _count(community.vulnerable_people, "community", community.code, "vulnerable_people")
        if vulnerable > people:
            raise _refuse(VULNERABLE_OVER_PEOPLE, community=community.code, vulnerable=vulnerable, people=people)
        _stock(community.stock, keys, "community", community.code)
    for point in points:
        _stock(point.stock, keys, "point", point.key)
    km = _distances(distance, points, communities)
    longest = float(km.max()) if km.size else 0.0
    cost = np.rint(km * (DISTANCE_STEPS / longest)) if longest > 0 else np.zeros_like(km)
    levels = math.ceil(horizon / step - 1e-9)
    cost = cost.astype(np.int64)
    by_point = np.argsort(cost.T, axis=1, kind="stable")
    by_community = np.argsort(cost, axis=1, kind="stable")
    return Instance(
        tuple(communities), tuple(points), tuple(categories), km, cost, horizon, step, levels, limit,
        int(neighbours), by_point, by_community,
    )  # fmt: skip


def _distances(distance: Distance, points: Sequence[SupplyPoint], communities: Sequence[Community]) -> Floats:
    shape = (len(points), len(communities))
    if callable(distance) or isinstance(distance, Mapping):
        lookup = _lookup(distance)
        km = np.empty(shape, dtype=np.float64)
        for p, point in enumerate(points):
            for c, community in enumerate(communities):
                raw = lookup(point.key, community.code)
                value = _number(raw)
                if value is None or value < 0:
                    raise _refuse(BAD_DISTANCE, point=point.key, community=community.code, value=repr(raw))
                km[p, c] = value
        return km
    try:
        km = np.asarray(distance, dtype=np.float64)
    except (TypeError, ValueError):
        raise _refuse(BAD_DISTANCE_SHAPE, shape="?", expected=list(shape)) from None
    if km.shape != shape:
        raise _refuse(BAD_DISTANCE_SHAPE, shape=list(km.shape), expected=list(shape))
    bad = np.argwhere(~np.isfinite(km) | (km < 0))
    if len(bad):
        p, c = (int(i) for i in bad[0])
        raise _refuse(BAD_DISTANCE, point=points[p].key, community=communities[c].code, value=repr(float(km[p, c])))
    return km


def _lookup(distance: Callable[[str, str], float] | Mapping[tuple[str, str], float]) -> Callable[[str, str], object]:
    if isinstance(distance, Mapping):
        table = distance
        return lambda point, community: table.get((point, community))
    return distance


def _units(amounts: npt.NDArray[np.floating[Any]]) -> Ints:
    # Rounded up, forgiving the last bits of float products (0.5 x 3 x 7 must give 10.5 -> 11, never 12).
    units: Ints = np.ceil(amounts - 1e-9 * np.maximum(1.0, amounts)).astype(np.int64)
    return units


def category_need(instance: Instance, index: int) -> CategoryNeed:
    """Per community: what it holds and needs of one category; per point: what it gives."""
    category = instance.categories[index]
    key, rate = category.key, float(category.daily_units_per_person)
    people = np.array([c.people for c in instance.communities], dtype=np.int64)
    vulnerable = np.array([c.vulnerable_people for c in instance.communities], dtype=np.float64)
    held = np.array([c.stock.get(key, 0) for c in instance.communities], dtype=np.int64)
    stock = np.array([p.stock.get(key, 0) for p in instance.points], dtype=np.int64)
    horizon_units = people * rate * instance.horizon
    total = int(stock.sum()) if stock.size else 0
    largest = float(horizon_units.max()) if people.size else 0.0
    if total * (2 * instance.levels + 1) * LEVEL_WEIGHT >= EXACT_LIMIT or largest >= EXACT_LIMIT:
        raise _refuse(TOO_LARGE, category=key)
    caps, vulnerable_need = _steps(vulnerable, held, np.zeros_like(held), rate, instance)
    more, horizon_need = _steps(people.astype(np.float64), held, vulnerable_need, rate, instance)
    costs = -LEVEL_WEIGHT * np.arange(2 * instance.levels, 0, -1, dtype=np.int64)
    return CategoryNeed(
        people, held, vulnerable_need, horizon_need, np.array(caps + more, dtype=np.int64), costs, stock
    )


def _steps(persons: Floats, held: Ints, covered: Ints, rate: float, instance: Instance) -> tuple[list[Ints], Ints]:
    """Units of each step of days for these persons, beyond what is held (which counts first) and `covered`; and
    the units for the whole horizon."""
    base = np.maximum(held, covered)
    caps, below = [], np.zeros_like(held)
    for level in range(1, instance.levels + 1):
        reach = _units(persons * rate * min(level * instance.step, instance.horizon))
        caps.append(np.maximum(0, reach - np.maximum(base, below)))
        below = reach
    return caps, below
