"""Sampling sites and the slot plan that staggers buildings over a site's hours. No Django here.

Guideline (3rd ed., 2022): one sampling site per 2,000-3,000 people; collectors = population / 360.
The plan fills each site's time windows in building order, never past the people a window can take
(hourly capacity x window length), so a building's residents queue for one window at one site.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

PEOPLE_PER_SITE = 2500
PEOPLE_PER_COLLECTOR = 360


def sites_needed(population: int) -> int:
    """Sites for a population, at 2,500 people a site (the middle of the guideline's range)."""
    return max(1, math.ceil(population / PEOPLE_PER_SITE)) if population > 0 else 0


def collectors_needed(population: int) -> int:
    """Collectors for a population: population / 360, rounded up."""
    return math.ceil(population / PEOPLE_PER_COLLECTOR) if population > 0 else 0


@dataclass(frozen=True)
class SiteCapacity:
    key: str
    hourly_capacity: int


@dataclass(frozen=True)
class BuildingLoad:
    key: str
    people: int


@dataclass(frozen=True)
class Slot:
    site: str
    building: str
    starts_at: datetime
    ends_at: datetime
    people: int


def plan_slots(
    buildings: list[BuildingLoad],
    sites: list[SiteCapacity],
    *,
    start: datetime,
    window_minutes: int = 30,
    hours: int = 12,
) -> tuple[list[Slot], list[str]]:
    """Assign each building to one window of one site. Buildings are taken in order and spread over
    the sites round-robin by window, so sites fill evenly. Returns the slots and the buildings that
    did not fit in `hours` (a building larger than a window gets a window of its own and may run
    over it; the plan says so by its people count)."""
    if not sites:
        return [], [b.key for b in buildings if b.people > 0]
    windows = hours * 60 // window_minutes
    room = {s.key: [s.hourly_capacity * window_minutes / 60] * windows for s in sites}
    slots, unplaced = [], []
    cursor = 0  # the next (window, site) position to try, in window-major order
    positions = [(w, s) for w in range(windows) for s in sites]
    for building in buildings:
        if building.people <= 0:
            continue
        placed = False
        for index in range(cursor, len(positions)):
            window, site = positions[index]
            left = room[site.key][window]
            full_window = left == site.hourly_capacity * window_minutes / 60
            if building.people <= left or full_window:
                room[site.key][window] = max(0.0, left - building.people)
                begins = start + timedelta(minutes=window * window_minutes)
                slots.append(
                    Slot(site.key, building.key, begins, begins + timedelta(minutes=window_minutes), building.people)
                )
                cursor = index if room[site.key][window] > 0 else index + 1
                placed = True
                break
        if not placed:
            unplaced.append(building.key)
    return slots, unplaced
