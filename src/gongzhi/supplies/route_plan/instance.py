"""The instance (`_Instance`): the input checked (any bad value raises RoutePlanInputError), the distinct
places, distances and travel times per speed; and why a stop no vehicle could serve alone is left out (`_reach`)."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gongzhi.core.errors import Problem
from gongzhi.supplies.route_plan.model import (
    BAD_CAPACITY,
    BAD_COORDINATES,
    BAD_LOAD,
    BAD_SERVICE,
    BAD_SETTING,
    BAD_SPEED,
    BAD_WINDOW,
    DUPLICATE_KEY,
    MAX_COORDINATE,
    NO_VEHICLES,
    OUT_OF_REACH,
    TOO_HEAVY,
    WINDOW_UNREACHABLE,
    RoutePlanInputError,
    Stop,
    Vehicle,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np
    from numpy.typing import NDArray


@dataclass
class _Instance:
    stops: Sequence[Stop]
    vehicles: Sequence[Vehicle]
    kinds: list[tuple[str, int, float]]  # the vehicle types: (kind, capacity, metres per minute)
    type_of: list[int]  # per vehicle
    speeds: list[float]  # a profile per speed
    points: list[tuple[float, float]]  # the distinct places; 0 is the distribution point
    location: list[int]  # per stop
    distance: NDArray[np.int64]
    durations: list[NDArray[np.int64]]  # seconds, per profile
    horizon: int  # seconds
    deadline: int  # seconds
    loading: int  # seconds at the start of each trip
    max_trips: int | None

    def early(self, s: int) -> int:
        w = self.stops[s].window
        return w[0] * 60 if w else 0

    def late(self, s: int) -> int:
        w = self.stops[s].window
        return w[1] * 60 if w else self.horizon

    def hurried(self, s: int) -> bool:
        """An urgent stop whose window lets it be served by the deadline."""
        return self.stops[s].urgent and self.early(s) <= self.deadline

    def service(self, s: int) -> int:
        return self.stops[s].service_minutes * 60

    def duration(self, t: int) -> NDArray[np.int64]:
        return self.durations[self.speeds.index(self.kinds[t][2])]


def _setting(name: str, value: object, low: float, high: float, whole: bool = False) -> None:
    ok = (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and (isinstance(value, int) or not whole)
        and math.isfinite(value)
        and low <= value <= high
    )
    _require(ok, BAD_SETTING, name=name, value=value, low=low, high=high)


def _require(ok: bool, code: str, **params: object) -> None:
    if not ok:
        raise RoutePlanInputError(Problem(code, params))


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _finite(*values: object) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) and abs(v) <= MAX_COORDINATE for v in values)


def _instance(depot: tuple[float, float], stops: Sequence[Stop], vehicles: Sequence[Vehicle], horizon: int,
              urgent_within: int, loading: int, max_trips: int | None) -> _Instance:  # fmt: skip
    import numpy as np

    _setting("horizon_minutes", horizon, 1, 24 * 60, whole=True)
    _setting("urgent_within_minutes", urgent_within, 1, 24 * 60, whole=True)
    _setting("loading_minutes", loading, 0, horizon, whole=True)
    if max_trips is not None:
        _setting("max_trips", max_trips, 1, 1000, whole=True)
    _require(bool(vehicles), NO_VEHICLES)
    _require(len(depot) == 2 and _finite(*depot), BAD_COORDINATES, key="depot")
    for keys in ([v.key for v in vehicles], [s.key for s in stops]):
        twice = [k for k, n in Counter(keys).items() if n > 1]
        _require(not twice, DUPLICATE_KEY, key=twice[0] if twice else "")
    for v in vehicles:
        _require(_whole(v.capacity) and v.capacity > 0, BAD_CAPACITY, vehicle=v.key, capacity=v.capacity)
        speed = v.metres_per_minute
        _require(_finite(speed) and speed > 0, BAD_SPEED, vehicle=v.key, speed=speed)
    for s in stops:
        w = s.window
        _require(_finite(s.x, s.y), BAD_COORDINATES, key=s.key)
        _require(_whole(s.load) and s.load > 0, BAD_LOAD, stop=s.key, load=s.load)
        ok = _whole(s.service_minutes) and 0 <= s.service_minutes <= horizon
        _require(ok, BAD_SERVICE, stop=s.key, minutes=s.service_minutes)
        ok = w is None or (len(w) == 2 and all(map(_whole, w)) and 0 <= w[0] <= w[1] <= horizon)
        _require(ok, BAD_WINDOW, stop=s.key, window=w, horizon=horizon)
    kinds = list(dict.fromkeys((v.kind, v.capacity, float(v.metres_per_minute)) for v in vehicles))
    speeds = list(dict.fromkeys(k[2] for k in kinds))
    points = list(dict.fromkeys([(float(depot[0]), float(depot[1])), *((float(s.x), float(s.y)) for s in stops)]))
    where = {p: i for i, p in enumerate(points)}
    xy = np.array(points, dtype=np.float64)
    exact = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    cap = 2 * horizon * 60 + 1  # anything longer is as impossible, and stays far from overflow
    type_of = [kinds.index((v.kind, v.capacity, float(v.metres_per_minute))) for v in vehicles]
    durations = [np.minimum(np.rint(exact * 60 / v), cap).astype(np.int64) for v in speeds]
    location = [where[(float(s.x), float(s.y))] for s in stops]
    return _Instance(stops, vehicles, kinds, type_of, speeds, points, location, np.rint(exact).astype(np.int64),
                     durations, horizon * 60, urgent_within * 60, loading * 60, max_trips)  # fmt: skip


def _reach(inst: _Instance, s: int) -> Problem | None:
    """Why no vehicle could serve stop `s` even alone (None if one could): load, then horizon, then window."""
    stop, loc = inst.stops[s], inst.location[s]
    kinds = [t for t, k in enumerate(inst.kinds) if k[1] >= stop.load]
    if not kinds:
        return Problem(TOO_HEAVY, {"stop": stop.key, "load": stop.load, "capacity": max(k[1] for k in inst.kinds)})
    legs = [(int(inst.duration(t)[0, loc]), int(inst.duration(t)[loc, 0])) for t in kinds]
    if inst.loading + min(a + b for a, b in legs) + inst.service(s) > inst.horizon:
        minutes = math.ceil((inst.loading + min(a + b for a, b in legs)) / 60)
        return Problem(OUT_OF_REACH, {"stop": stop.key, "minutes": minutes, "horizon": inst.horizon // 60})
    for out, home in legs:
        arrive = max(inst.loading + out, inst.early(s))
        if arrive <= inst.late(s) and arrive + inst.service(s) + home <= inst.horizon:
            return None
    w, minutes = stop.window or (0, 0), math.ceil((inst.loading + min(a for a, _ in legs)) / 60)
    return Problem(WINDOW_UNREACHABLE, {"stop": stop.key, "earliest": w[0], "latest": w[1], "minutes": minutes})
