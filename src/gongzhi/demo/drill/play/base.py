"""What every step of the drill uses: its state (`DrillBase.__init__`), the event heap, the timing of
each service call, the drill's staff accounts; the constants and helpers several steps share."""

import datetime as dt
import heapq
import itertools
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.test import Client

from gongzhi.core import events
from gongzhi.demo.drill import scenario
from gongzhi.demo.drill.play.clock import SimClock, Step
from gongzhi.demo.drill.scenario import Assumptions
from gongzhi.places.models import Building, Grid
from gongzhi.places.services import role_assignment_create
from gongzhi.supplies.models import Item, Package, SupplyPoint
from gongzhi.testing.models import Round
from gongzhi.zones.models import Zone

BUILDING_ORDER = ("number", "address", "name")  # natural keys: numbers repeat across a community's addresses
SCAN_THREADS = 2  # connections taking scans at once on PostgreSQL (this machine has 2 cores)


class DrillBase:
    """The drill's state and the helpers every concern's steps (the mixins of `Drill`) use."""

    # set by the steps outside `__init__` (`run`, before the outbreak, the city's round), read by others
    clock: SimClock
    started: float
    codes: list[str]
    city: Any
    seeded: int
    infected_communities: list[str]
    items: dict[str, Item]
    vegetables: Package
    elderly: Package
    points: dict[str, SupplyPoint]
    city_round: Round

    if TYPE_CHECKING:  # steps one concern calls in another (defined in the mixins of `Drill`)

        def _new_proposals(self) -> None: ...
        def _settle(self, zone: Zone) -> None: ...
        def _sealed(self, building: Building) -> None: ...
        def _api(self, household_pk: int, path: str, body: dict[str, Any]) -> dict[str, Any] | None: ...
        def _mobilise(self, code: str) -> None: ...
        def _request(self, household_pk: int, category: str, text: str) -> None: ...

    def __init__(
        self,
        *,
        scale: float,
        seed: int,
        residents_per_community: int | None = None,
        assumptions: Assumptions | None = None,
        say: Callable[[str], None] = lambda text: None,
        scan_threads: int = SCAN_THREADS,
    ) -> None:
        self.scale, self.seed = scale, seed
        self.per_community = residents_per_community or scenario.RESIDENTS_PER_COMMUNITY
        self.a = assumptions or Assumptions()
        self.say = say
        self.rng = random.Random(seed)
        self.heap: list[tuple[dt.datetime, int, Callable, tuple]] = []
        self.sequence = itertools.count()
        self.system: dict[str, Step] = defaultdict(Step)
        self.users: dict[tuple, Any] = {}
        # nobody logs in as the drill's staff or volunteers (the drill calls the services, and residents
        # use their door codes): an unusable password, so a drill run on a copy of a real register
        # leaves no account anyone can sign in to
        self.password_hash = make_password(None)
        self.end = scenario.START + dt.timedelta(days=self.a.days)
        # the outbreak's truth and what happened, keyed by natural keys
        self.infected: set[str] = set()  # ID numbers infected and not yet found
        self.found: dict[str, dt.datetime] = {}  # ID number -> when its recall came back positive
        self.secondary = 0
        self.rounds = 0
        self.tubes: dict[str, list[str]] = {}  # barcode -> members' ID numbers (this drill's rounds)
        self.positive_results: list[dt.datetime] = []
        self.zone_first_positive: dict[str, dt.datetime] = {}  # zone key -> its first positive result
        self.zone_proposed: dict[str, dt.datetime] = {}
        self.zone_in_force: dict[str, dt.datetime] = {}
        self.zone_released: dict[str, dt.datetime] = {}
        self.zone_kind: dict[str, str] = {}
        self.sealed_at: dict[int, dt.datetime] = {}  # building pk -> first lockdown
        self.told_households: dict[str, list[int]] = {}  # zone key -> households told by its notice
        self.vulnerable: dict[int, dt.datetime] = {}  # sealed vulnerable household -> its sealing
        self.delivered: dict[int, dt.datetime] = {}  # household -> first delivery
        self.mobilised: set[str] = set()  # communities with a delivery post
        self.posts: dict[str, Any] = {}
        self.cycling: set[str] = set()
        self.recall_notify: list[float] = []
        self.found_hours: list[float] = []
        self.refused_scans = 0
        self.release_checks = 0
        self.series: dict[str, list] = defaultdict(list)
        self.last_zone = 0
        self.round_owner: dict[int, Any] = {}
        self.http = Client()
        self.lock = threading.Lock()
        # PostgreSQL takes a community's scans on a second connection while the drill goes on (SQLite
        # has one writer, and a caller's open transaction is not seen by other connections)
        self.pool: ThreadPoolExecutor | None = None
        self.scan_threads = scan_threads  # 0: every scan on the drill's own connection
        self.ingesting: dict[tuple[int, str], Future] = {}
        self.door_codes: dict[int, str] = {}
        self.notice_ids: dict[int, str] = {}
        self.api_refused: list[str] = []
        self.results_due: dict[int, set[str]] = {}

    # ------------------------------------------------------------------ the loop

    def at(self, when: dt.datetime, action: Callable, *args: Any) -> None:
        heapq.heappush(self.heap, (when, next(self.sequence), action, args))

    @contextmanager
    def timed(self, step: str, rows: int = 1) -> Iterator[Step]:
        started = time.perf_counter()
        with self.lock:
            record = self.system[step]
        try:
            yield record
        finally:
            with self.lock:
                record.calls += 1
                record.rows += rows
                record.seconds.append(time.perf_counter() - started)

    def queue(self) -> None:
        """What the Huey consumer does after each commit: deliver the outbox."""
        with self.timed("queue: recalls and zone proposals"):
            events.deliver_pending()

    # ------------------------------------------------------------------ the drill's staff

    def _user(self, role: str, code: str, grid: Grid | None = None, building: Building | None = None):
        key = (role, code, grid.pk if grid else None, building.pk if building else None)
        if key not in self.users:
            place = f"g{grid.number}" if grid else f"b{building.number}" if building else ""
            name = f"drill-{role}-{code}{place}"[:150]
            user = get_user_model().objects.filter(username=name).first()
            if user is None:
                user = get_user_model().objects.create(username=name, password=self.password_hash)
                role_assignment_create(user=user, role=role, area_code=code, grid=grid, building=building)
            self.users[key] = user
        return self.users[key]


def _address(household_pk: int) -> str:
    """A client address of the household's own (the drill's residents each have a phone)."""
    return f"10.{(household_pk >> 16) & 255}.{(household_pk >> 8) & 255}.{household_pk & 255}"
