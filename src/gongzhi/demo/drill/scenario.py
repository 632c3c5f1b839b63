"""The outbreak a drill plays, drawn from its seed: which communities take part, who is infected,
and how long the people in it take to act. No Django here.

The figures below are the drill's assumptions, not cited facts: they make a believable September
2022 week (a city-wide round, sealed buildings, the surge behind them), and each is named so a
city can change it. The system's own steps take no simulated time: the drill measures them on
the wall clock and reports them apart (report.py).
"""

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

CITY_COMMUNITIES = 3047  # the communities of Chengdu's official tree (data/chengdu)
CITY_RESIDENTS = 21_000_000  # DOMAIN.md: 21 million people tested in September 2022
RESIDENTS_PER_COMMUNITY = round(CITY_RESIDENTS / CITY_COMMUNITIES)  # 6,892
POPULATION_SEED = 2022  # the population is the same whatever the drill's seed, so it can be reused
POPULATION_AS_OF = dt.date(2022, 1, 1)
START = dt.datetime(2022, 9, 1, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # Chengdu stayed home from 1 Sept 2022


@dataclass(frozen=True)
class Assumptions:
    """How people behave in the drill (minutes unless named)."""

    infected_share_of_communities: float = 0.04  # communities with a seeded cluster
    clusters_per_community: tuple[int, int] = (1, 2)  # buildings with cases in such a community
    households_per_cluster: tuple[int, int] = (1, 2)  # households with cases in such a building
    secondary_share: float = 0.2  # household members of a case infected a day later
    absent_share: float = 0.02  # residents not sampled in a round
    collection_hours: float = 10.0  # the city-wide round's collection, 08:00 onwards
    lab_hours: tuple[float, float] = (3.0, 8.0)  # from a community's last scan to its results
    confirm_minutes: tuple[int, int] = (15, 90)  # staff put a lockdown or control proposal in force
    confirm_prevention_minutes: tuple[int, int] = (60, 240)
    recall_notify_minutes: tuple[int, int] = (10, 120)
    recall_resample_hours: tuple[float, float] = (2.0, 8.0)
    recall_result_hours: float = 6.0
    read_share: float = 0.7  # households that open the notice on their own page
    read_mean_minutes: float = 120.0  # exponential
    tell_hours: tuple[float, float] = (6.0, 12.0)  # the leader or grid worker tells the rest in person
    order_vulnerable_hours: tuple[float, float] = (0.0, 6.0)
    order_share: float = 0.4  # other sealed households that order
    order_hours: tuple[float, float] = (0.0, 12.0)
    request_share: float = 0.15  # other sealed households that file a request
    request_vulnerable_hours: tuple[float, float] = (0.0, 8.0)
    request_hours: tuple[float, float] = (0.0, 24.0)
    slow_grid_share: float = 0.25  # grid workers swamped by the surge
    take_minutes: tuple[int, int] = (5, 40)  # a critical request alerts the phone: taken in a third of it
    take_slow_minutes: tuple[int, int] = (120, 600)
    take_after_escalation_minutes: tuple[int, int] = (10, 60)
    resolve_minutes: dict[str, tuple[int, int]] = field(
        default_factory=lambda: {"critical": (10, 40), "urgent": (30, 150), "normal": (60, 900)}
    )
    answer_hours: tuple[float, float] = (1.0, 8.0)
    volunteers_per_community: int = 12
    couriers_per_shift: int = 4
    delivery_cycles: tuple[int, ...] = (8, 12, 16, 20)  # hours of the day a community packs and routes
    minutes_per_stop: int = 6
    sweep_minutes: int = 10  # the escalation sweep's period on the queue (1 in production)
    refresh_hours: int = 6  # the command view's recount (every minute in production)
    days: int = 14  # the drill ends when every zone is released, or after this many days


def communities_for(codes: list[str], scale: float) -> list[str]:
    """`scale` of the city's communities, spread evenly over the code order (so every district
    takes part at 0.1), at least one."""
    if not codes:
        return []
    count = min(len(codes), max(1, round(scale * CITY_COMMUNITIES)))
    step = len(codes) / count
    return [codes[int(i * step)] for i in range(count)]


def infected_communities(codes: list[str], rng: random.Random, share: float) -> list[str]:
    count = min(len(codes), max(1, math.ceil(share * len(codes))))
    return sorted(rng.sample(codes, count))


def between(rng: random.Random, span: tuple[float, float]) -> float:
    return rng.uniform(span[0], span[1])


def minutes(rng: random.Random, span: tuple[int, int]) -> dt.timedelta:
    return dt.timedelta(minutes=rng.uniform(span[0], span[1]))


def hours(rng: random.Random, span: tuple[float, float]) -> dt.timedelta:
    return dt.timedelta(hours=rng.uniform(span[0], span[1]))


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]
