"""The problem codes (REASONS: why a stop stays unassigned), the input (Stop, Vehicle), the plan (Visit, Run,
Unassigned, RunPlan), the input error, and the local plane in metres."""

from __future__ import annotations

import math
from dataclasses import dataclass

from gongzhi.core.errors import Problem

NO_VEHICLES = "run_no_vehicles"
BAD_CAPACITY = "run_bad_capacity"
BAD_SPEED = "run_bad_speed"
BAD_LOAD = "run_bad_load"
BAD_SERVICE = "run_bad_service"
BAD_WINDOW = "run_bad_window"
DUPLICATE_KEY = "run_duplicate_key"
BAD_COORDINATES = "run_bad_coordinates"
BAD_SETTING = "run_bad_setting"
TOO_HEAVY = "run_too_heavy"
OUT_OF_REACH = "run_out_of_reach"
WINDOW_UNREACHABLE = "run_window_unreachable"
NOT_PLACED = "run_not_placed"
REASONS = (TOO_HEAVY, OUT_OF_REACH, WINDOW_UNREACHABLE, NOT_PLACED)
CODES = (
    NO_VEHICLES, BAD_CAPACITY, BAD_SPEED, BAD_LOAD, BAD_SERVICE, BAD_WINDOW, DUPLICATE_KEY, BAD_COORDINATES,
    BAD_SETTING, *REASONS,
)  # fmt: skip
MAX_COORDINATE = 1e7  # metres: a plane of a community, not of the earth
EARTH_RADIUS = 6_371_008.8


class RoutePlanInputError(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.code)
        self.problem = problem


@dataclass(frozen=True)
class Stop:
    key: str
    x: float  # metres on the local plane
    y: float
    load: int  # units (kg or parcels), > 0
    window: tuple[int, int] | None = None  # minutes from the start: earliest..latest arrival
    urgent: bool = False
    service_minutes: int = 2


@dataclass(frozen=True)
class Vehicle:
    key: str
    kind: str  # "foot", "cart", "tricycle", "van"
    capacity: int
    metres_per_minute: float


@dataclass(frozen=True)
class Visit:
    stop: str
    trip: int  # from 0: the trips of a run are separated by a return to load again
    arrival_second: int  # the hand-over starts (after any wait for the window)
    load_after: int  # left on board for the rest of the trip

    @property
    def arrival_minute(self) -> float:
        return self.arrival_second / 60


@dataclass(frozen=True)
class Run:
    vehicle: str
    kind: str
    visits: tuple[Visit, ...]
    trips: int
    distance_metres: int
    duration_seconds: int  # from the start until back at the distribution point

    @property
    def duration_minutes(self) -> float:
        return self.duration_seconds / 60


@dataclass(frozen=True)
class Unassigned:
    stop: str
    reason: Problem  # a code of REASONS


@dataclass(frozen=True)
class RunPlan:
    runs: tuple[Run, ...]  # one per vehicle, in the order given; an idle one has no visits
    unassigned: tuple[Unassigned, ...]
    late_urgent: tuple[str, ...]  # urgent stops routed after the deadline though their window opened before it
    status: str  # "complete", "partial" (some unassigned), "empty" (no stops)
    cost: int  # metres, all runs
    seconds: float
    iterations: int


def local_metres(lat: float, lon: float, lat0: float, lon0: float) -> tuple[float, float]:
    """(x east, y north) in metres from (lat0, lon0): the equirectangular projection, exact enough in a community."""
    x = math.radians(lon - lon0) * math.cos(math.radians(lat0)) * EARTH_RADIUS
    return x, math.radians(lat - lat0) * EARTH_RADIUS
