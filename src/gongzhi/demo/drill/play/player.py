"""The drill's player: `Drill` puts the concerns' steps together and plays them in time order (`run`)."""

import datetime as dt
import heapq
import time
from concurrent.futures import ThreadPoolExecutor

from django.db import connection

from gongzhi.command.services import figures_refresh
from gongzhi.demo.drill import scenario
from gongzhi.demo.drill.play.appeals import AppealSteps
from gongzhi.demo.drill.play.clock import Outcome, SimClock
from gongzhi.demo.drill.play.figures import FigureSteps
from gongzhi.demo.drill.play.rounds import RoundSteps
from gongzhi.demo.drill.play.setup import SetupSteps
from gongzhi.demo.drill.play.supplies import SupplySteps
from gongzhi.demo.drill.play.volunteers import VolunteerSteps
from gongzhi.demo.drill.play.zones import ZoneSteps


class Drill(SetupSteps, RoundSteps, ZoneSteps, SupplySteps, VolunteerSteps, AppealSteps, FigureSteps):
    # ------------------------------------------------------------------ the loop

    def run(self) -> Outcome:
        started = self.started = time.perf_counter()
        self._populate()
        if connection.vendor == "postgresql" and not connection.in_atomic_block and self.scan_threads:
            self.pool = ThreadPoolExecutor(self.scan_threads)
        with SimClock(scenario.START - dt.timedelta(hours=2)) as self.clock:
            self._setup()
            self.at(scenario.START, self._city_round)
            self.at(scenario.START, self._sweep)
            self.at(scenario.START, self._refresh)
            self.at(scenario.START, self._snapshot)
            for day in range(1, self.a.days + 1):
                morning = scenario.START.replace(hour=0) + dt.timedelta(days=day)
                self.at(morning.replace(hour=6), self._allocate)
                self.at(morning.replace(hour=7), self._zone_rounds)
                self.at(morning.replace(hour=9), self._release_check)
            while self.heap:
                when, _, action, args = heapq.heappop(self.heap)
                if when > self.end:
                    break
                self.clock.move_to(when)
                action(*args)
            for pending in self.ingesting.values():
                pending.result()
            if self.pool is not None:
                self.pool.shutdown()
            with self.timed("command view recount"):
                figures_refresh()
            kpi = self._kpi()
        return Outcome(kpi, dict(self.series), dict(self.system), time.perf_counter() - started, _vendor())


def _vendor() -> str:
    return connection.vendor
