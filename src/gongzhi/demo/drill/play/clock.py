"""The simulated clock (`SimClock`) and what the drill records on it: each step's calls, rows and wall
time (`Step`), and what a run gives back (`Outcome`)."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import time_machine


class SimClock:
    """The process's clock moved by hand: it stands still while the services run (tick=False)."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start
        self._travel = time_machine.travel(start, tick=False)
        self._coordinates: Any = None

    def __enter__(self) -> "SimClock":
        self._coordinates = self._travel.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._travel.stop()

    def move_to(self, when: dt.datetime) -> None:
        if when > self.now:
            self._coordinates.move_to(when)
            self.now = when


@dataclass
class Step:
    calls: int = 0
    rows: int = 0
    seconds: list[float] = field(default_factory=list)


@dataclass
class Outcome:
    """What the drill saw: deterministic figures (`kpi`) and the system's wall time (`system`)."""

    kpi: dict[str, Any]
    series: dict[str, list]
    system: dict[str, Step]
    wall_seconds: float
    vendor: str
