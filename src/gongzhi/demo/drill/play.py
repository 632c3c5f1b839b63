"""An outbreak played on simulated time through every module, over the services the pages and API call.

The clock is moved by time-machine (`SimClock`): every `timezone.now()` in the services reads the
simulated time, which stands still while a service runs and jumps to the next thing someone does.
What people do (a street official confirming a zone, a resident opening a notice, a grid worker
taking a request) is drawn from the seed (scenario.py) and scheduled on a heap; what the system
does after a commit (the queue's deliveries, the escalation sweep, the command view's recount) runs
at once or on its period. Each service call's wall time is recorded apart (`Drill.system`): it is
the system's share of every interval, and where it was the bottleneck.

Every choice the drill makes goes through natural keys (ID numbers, building numbers, community
codes), never primary keys or public ids, so the same seed gives the same outbreak on SQLite and on
PostgreSQL, whatever order a parallel load gave the rows.
"""

import datetime as dt
import heapq
import itertools
import json
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.db.models import Count, Sum
from django.test import Client
from django.utils import timezone

from gongzhi.appeals.models import Appeal
from gongzhi.appeals.services import requests as appeal_services
from gongzhi.appeals.services.escalation import appeals_escalate_due
from gongzhi.command.services import figures_refresh
from gongzhi.core import events, roles
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import WorkflowEvent
from gongzhi.demo import loader
from gongzhi.demo.drill import scenario
from gongzhi.demo.drill.scenario import Assumptions, hours, minutes
from gongzhi.demo.supplies import DISTRIBUTION_STOCK, ITEMS, RESERVE_STOCK, buildings_locate, community_centre
from gongzhi.notices import services as notice_services
from gongzhi.notices.models import Notice, NoticeReceipt
from gongzhi.people.models import Resident, ResidentTag
from gongzhi.places.models import Area, Building, Grid, Household
from gongzhi.places.services import role_assignment_create
from gongzhi.supplies import services as supply_services
from gongzhi.supplies.models import DeliveryRun, DeliveryStop, Order, SupplyPoint
from gongzhi.testing import collection
from gongzhi.testing import services as testing_services
from gongzhi.testing.models import Recall, Round, Sample, Tube
from gongzhi.volunteers import choices
from gongzhi.volunteers import services as volunteer_services
from gongzhi.volunteers.models import Assignment, CheckIn, HourEntry
from gongzhi.zones import services as zone_services
from gongzhi.zones.models import Zone
from gongzhi.zones.selectors import official_area, round_suggestion

VULNERABLE = ("elderly_alone", "dialysis", "insulin", "bedridden", "pregnant", "disabled")
MEDICAL = {"dialysis": "腹膜透析液（2升×6）", "insulin": "胰岛素笔芯"}
REQUEST_OF_TAG = {
    "dialysis": ("chronic_care", "封控在家，明天要去医院做血液透析，需要安排车辆和通行"),
    "insulin": ("chronic_care", "家里胰岛素只够两天了，请帮忙代购"),
    "pregnant": ("pregnancy", "孕36周，需要按时产检"),
    "bedridden": ("elderly_care", "家中老人卧床，护工进不来，需要上门照护"),
    "elderly_alone": ("elderly_care", "独居老人，家里没有菜了，也不会手机下单"),
    "disabled": ("medicine", "需要代购常用药"),
}
OTHER_REQUESTS = (
    ("food", "楼栋封控，家里缺米和油"),
    ("psychological", "封控几天了，心里很焦虑，想找人聊聊"),
    ("medicine", "需要代购降压药"),
    ("other", "快递一直送不进来，请帮忙协调"),
)
EVERY_SLOT = [f"{day}-{part}" for day in choices.WEEKDAYS for part in ("am", "pm", "eve")]
BUILDING_ORDER = ("number", "address", "name")  # natural keys: numbers repeat across a community's addresses
SCAN_THREADS = 2  # connections taking scans at once on PostgreSQL (this machine has 2 cores)
SHIFTS = ((8, 14), (14, 20))  # the delivery post's shifts (a volunteer serves at most 8 hours a day)
BATCH = testing_services.MAX_BATCH
RESULTS_PER_CALL = 5000
# A community's runs are searched for so many iterations (about 1 s for 40 stops on this machine), not for
# a wall-clock time: a plan must not depend on how busy the machine is. The seconds only guard the drill.
ROUTE_ITERATIONS = 1000
ROUTE_SECONDS = 60
# the street roster's limit, a guard only: each roster is proven optimal well before it (the outbreak
# test asserts it; the slowest mobilisation of the scale-1 drill took 6.9 s in all); a tight limit
# would let a busy machine stop the optimiser early and get another roster
ROSTER_SECONDS = 60


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


class Drill:
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

    # ------------------------------------------------------------------ before the outbreak

    def _populate(self) -> None:
        codes = list(Area.objects.filter(level=Area.Level.COMMUNITY).order_by("code").values_list("code", flat=True))
        chosen = scenario.communities_for(codes, self.scale)
        areas = list(Area.objects.filter(code__in=chosen).order_by("code"))
        with self.timed("population (built or reused)") as step:
            result = loader.demo_city_load(
                communities=areas,
                seed=scenario.POPULATION_SEED,
                residents_per_community=self.per_community,
                as_of=scenario.POPULATION_AS_OF,
            )
            step.rows = result.residents
        self.say(
            f"population: {len(result.communities)} communities built, {len(result.skipped)} reused, "
            f"{result.residents:,} residents written in {result.seconds:.1f} s"
        )
        self.communities = areas
        self.codes = [a.code for a in areas]
        self.streets = sorted({c[:9] for c in self.codes})

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

    def _setup(self) -> None:
        rng = self.rng
        with self.timed("setup: staff, supplies, reservoirs"):
            self.city = self._user(roles.CITY_STAFF, self.codes[0][:4])
            for code in self.codes:
                self._user(roles.COMMUNITY_WORKER, code)
                self._user(roles.COLLECTOR, code)
            self._supplies()
        # the seeded clusters: some buildings of some communities, some households of each
        infected_codes = scenario.infected_communities(self.codes, rng, self.a.infected_share_of_communities)
        for code in infected_codes:
            buildings = list(
                Building.objects.filter(community_code=code, households__isnull=False)
                .distinct()
                .order_by(*BUILDING_ORDER)
                .values_list("pk", flat=True)
            )
            for building in rng.sample(buildings, min(len(buildings), rng.randint(*self.a.clusters_per_community))):
                households = list(
                    Household.objects.filter(building_id=building, residents__isnull=False)
                    .distinct()
                    .order_by("unit", "room")
                    .values_list("pk", flat=True)
                )
                for household in rng.sample(
                    households, min(len(households), rng.randint(*self.a.households_per_cluster))
                ):
                    members = sorted(
                        Resident.objects.filter(household_id=household).values_list("id_number", flat=True)
                    )
                    self.infected.update(members[: max(1, len(members) // 2)])
        self.seeded = len(self.infected)
        self.infected_communities = infected_codes
        reservoir_streets = {c[:9] for c in infected_codes}
        with self.timed("setup: staff, supplies, reservoirs"):
            for code in self.codes:
                if code[:9] in reservoir_streets:
                    self._reservoir(code)
        self.say(
            f"seeded {self.seeded} infected residents in {len(infected_codes)} communities; "
            f"reservoirs in {len(reservoir_streets)} streets"
        )

    def _supplies(self) -> None:
        district = self._user(roles.DISTRICT_STAFF, self.codes[0][:6])
        items = {
            name: supply_services.item_create(
                actor=district, name=name, category=category, unit=unit, kg_per_unit=kg, price=price,
                urgent_medical=urgent,
            )
            for name, category, unit, kg, price, urgent in ITEMS
        }  # fmt: skip
        self.items = items
        self.vegetables = supply_services.package_create(
            actor=district, name="5公斤蔬菜包", lines=[(items["时令蔬菜（5公斤）"], 1)]
        )
        self.elderly = supply_services.package_create(
            actor=district, name="7天老人包",
            lines=[(items["大米（5公斤袋）"], 1), (items["菜籽油（1.8升）"], 1), (items["鸡蛋（30枚）"], 1),
                   (items["纯牛奶（250毫升×12）"], 1), (items["时令蔬菜（5公斤）"], 1)],
        )  # fmt: skip
        buildings_locate(self.communities, seed=scenario.POPULATION_SEED)
        self.points: dict[str, SupplyPoint] = {}
        for street in self.streets:
            staff = self._user(roles.STREET_STAFF, street)
            reserve = supply_services.supply_point_create(
                actor=staff, area_code=street, kind="reserve", name="街道应急物资储备库"
            )
            for name, n in RESERVE_STOCK:
                supply_services.stock_receive(actor=staff, point=reserve, item=items[name], quantity=n, reason="储备")
        for community in self.communities:
            staff = self._user(roles.STREET_STAFF, community.code[:9])
            lat, lon = community_centre(community.code)
            point = supply_services.supply_point_create(
                actor=staff, area_code=community.code, kind="distribution", name=f"{community.name}物资分发点",
                latitude=lat, longitude=lon,
            )  # fmt: skip
            for name, n in DISTRIBUTION_STOCK:
                supply_services.stock_receive(actor=staff, point=point, item=items[name], quantity=n, reason="首批")
            self.points[community.code] = point

    def _reservoir(self, code: str) -> None:
        worker = self._user(roles.COMMUNITY_WORKER, code)
        # the community's adults sorted here, not by the database: ORDER BY id_number LIMIT 12 made
        # PostgreSQL walk the whole city's id_number index (3.2 s a community at 21 M residents, an
        # hour for the reservoirs of a scale-1 drill) instead of reading the community's ~7,000 rows
        adults = sorted(
            Resident.objects.filter(community_code=code, birth_date__lte=dt.date(2004, 1, 1))
            .filter(birth_date__gte=dt.date(1962, 1, 1))
            .exclude(phone="")
            .order_by()
            .values_list("id_number", "name", "phone")
        )[: self.a.volunteers_per_community]
        for id_number, name, phone in adults:
            try:
                volunteer, _ = volunteer_services.volunteer_sign_up(
                    name=name, id_number=id_number, phone=phone, community_code=code, group="transport",
                    password="", password_hash=self.password_hash, skills=["driving"], consent=True,
                    availability=EVERY_SLOT,
                )  # fmt: skip
            except ApplicationError:  # a phone another resident signed up with
                continue
            volunteer_services.volunteer_review(actor=worker, volunteer=volunteer, to_status="approved")

    # ------------------------------------------------------------------ rounds, results, recalls

    def _city_round(self) -> None:
        with self.timed("round: create and assign"):
            round_ = testing_services.round_create(
                actor=self.city, name="全市第一轮全员核酸", area_code=self.codes[0][:4], pool_size=10
            )
            for code in self.codes:
                testing_services.round_collector_assign(
                    actor=self.city, round_=round_, user=self._user(roles.COLLECTOR, code)
                )
        self.rounds += 1
        self.city_round = round_
        self._awaiting(round_, self.city, self.codes)
        window = dt.timedelta(hours=self.a.collection_hours) / max(1, len(self.codes))
        for index, code in enumerate(self.codes):
            self.at(self.clock.now + index * window, self._collect, round_.pk, self.rounds, code, window)

    def _awaiting(self, round_: Round, owner: Any, codes: list[str]) -> None:
        self.round_owner[round_.pk] = owner
        self.results_due[round_.pk] = set(codes)

    def _close_when_resulted(self, round_: Round, code: str) -> None:
        """The round's manager closes it when every community's results are in (a release counts
        closed rounds only)."""
        due = self.results_due[round_.pk]
        due.discard(code)
        if not due:
            with self.timed("round: create and assign"):
                testing_services.round_transition(actor=self.round_owner[round_.pk], round_=round_, to_status="closed")

    def _single_tube_buildings(self) -> set[int]:
        """The buildings whose residents go one to a tube: in a lockdown or control zone in force (the
        collectors read it from the refusal; the drill knows it beforehand)."""
        zones = Zone.objects.filter(status="active", kind__in=["lockdown", "control"])
        buildings = set(zones.filter(building__isnull=False).values_list("building_id", flat=True))
        grids = zones.filter(grid__isnull=False).values_list("grid_id", flat=True)
        buildings.update(Building.objects.filter(grid_id__in=list(grids)).values_list("pk", flat=True))
        return buildings

    def _collect(self, round_pk: int, number: int, code: str, window: dt.timedelta) -> None:
        round_ = Round.objects.get(pk=round_pk)
        collector = self._user(roles.COLLECTOR, code)
        single = self._single_tube_buildings() if round_.pool_size > 1 else set()
        residents = (
            Resident.objects.filter(community_code=code, household__isnull=False)
            .order_by("household__building__number", "household__unit", "household__room", "id_number")
            .values_list("public_id", "id_number", "household__building_id")
        )
        tubes: list[list[tuple[str, str]]] = []
        pooled: list[tuple[str, str]] = []
        for public_id, id_number, building in residents.iterator(chunk_size=5000):
            if id_number in self.found or self.rng.random() < self.a.absent_share:
                continue
            if building in single:
                tubes.append([(public_id, id_number)])
                continue
            pooled.append((public_id, id_number))
            if len(pooled) == round_.pool_size:
                tubes.append(pooled)
                pooled = []
        if pooled:
            tubes.append(pooled)
        batch: list[collection.Event] = []
        barcodes = []
        at = self.clock.now  # the device's time, not the moment a scan thread gets to the batch
        for n, members in enumerate(tubes):
            barcode = f"R{number:03d}{code}{n:05d}"
            barcodes.append(barcode)
            self.tubes[barcode] = [m[1] for m in members]
            batch.append(collection.Event(f"{barcode}-o", collection.OPEN, barcode, at=at))
            batch.extend(
                collection.Event(f"{barcode}-{m[0]}", collection.SCAN, barcode, "R:" + m[0], at=at) for m in members
            )
            batch.append(collection.Event(f"{barcode}-c", collection.CLOSE, barcode, at=at))
        job = (round_, collector, batch)
        if self.pool is None:
            self._ingest(*job)
        else:  # collectors scan at once in every community: their batches reach the server side by side
            self.ingesting[(round_pk, code)] = self.pool.submit(self._ingest_in_thread, *job)
        lab_at = self.clock.now + window + hours(self.rng, self.a.lab_hours)
        self.at(lab_at, self._results, round_pk, code, barcodes)

    def _ingest(self, round_: Round, collector: Any, batch: list[collection.Event]) -> int:
        refused = 0
        for start in range(0, len(batch), BATCH):
            part = batch[start : start + BATCH]
            with self.timed("scan batches (collectors' devices)", rows=len(part)):
                outcomes = testing_services.scan_batch_ingest(round_=round_, collector=collector, events=part)
            refused += sum(1 for o in outcomes if o.status == "error")
        with self.lock:
            self.refused_scans += refused
        return refused

    def _ingest_in_thread(self, round_: Round, collector: Any, batch: list[collection.Event]) -> int:
        try:
            return self._ingest(round_, collector, batch)
        finally:
            connection.close()  # the thread's own connection

    def _settle(self, zone: Zone) -> None:
        """Wait for the scans still being taken in the area before a zone there changes: a scan batch
        asks which residents must go one to a tube, and must get the answer it had when it was
        collected, not one that depends on how far behind the scan threads are (the same seed gives
        the same outbreak on both databases)."""
        prefix = official_area(zone)  # a community's code, or its street's or district's leading digits
        for (_, code), pending in list(self.ingesting.items()):
            if code.startswith(prefix):
                pending.result()

    def _results(self, round_pk: int, code: str, barcodes: list[str]) -> None:
        pending = self.ingesting.pop((round_pk, code), None)
        if pending is not None:
            pending.result()  # the lab has the tubes only once they were all recorded
        round_ = Round.objects.get(pk=round_pk)
        lab = self._user(roles.LAB, code[:6])
        # a tube's members are kept only until its result (a whole city's would not fit in memory)
        positives = [b for b in barcodes if any(m in self.infected for m in self.tubes.pop(b))]
        values: list[tuple[str, object]] = [(b, "positive" if b in positives else "negative") for b in barcodes]
        for start in range(0, len(values), RESULTS_PER_CALL):
            part = values[start : start + RESULTS_PER_CALL]
            with self.timed("lab results (5,000 tubes a call)", rows=len(part)):
                testing_services.tube_results_record(actor=lab, round_=round_, results=part)
        self._close_when_resulted(round_, code)
        if not positives:
            return
        self.positive_results.extend([self.clock.now] * len(positives))
        self.queue()
        recalls = Recall.objects.filter(round=round_, tube__barcode__in=positives).select_related("resident")
        for recall in recalls.order_by("resident__id_number"):
            self.at(self.clock.now + minutes(self.rng, self.a.recall_notify_minutes), self._recall, recall.pk)
        self._new_proposals()

    def _recall(self, recall_pk: int) -> None:
        recall = Recall.objects.select_related("resident").get(pk=recall_pk)
        worker = self._user(roles.COMMUNITY_WORKER, recall.community_code)
        with self.timed("recall steps"):
            if recall.status == "open":
                self.recall_notify.append((self.clock.now - recall.created_at).total_seconds() / 60)
                testing_services.recall_transition(actor=worker, recall=recall, to_status="notified")
                self.at(self.clock.now + hours(self.rng, self.a.recall_resample_hours), self._recall, recall_pk)
            elif recall.status == "notified":
                testing_services.recall_transition(actor=worker, recall=recall, to_status="resampled")
                self.at(self.clock.now + dt.timedelta(hours=self.a.recall_result_hours), self._recall, recall_pk)
            elif recall.status == "resampled":
                id_number = recall.resident.id_number
                positive = id_number in self.infected
                testing_services.recall_transition(
                    actor=worker, recall=recall, to_status="positive" if positive else "negative"
                )
                if positive:
                    self._case_found(id_number, recall.created_at, recall.resident.household_id)

    def _case_found(self, id_number: str, recalled_at: dt.datetime, household: int | None) -> None:
        """The case goes to hospital (no longer sampled at home); some of its household fall ill."""
        self.infected.discard(id_number)
        self.found[id_number] = self.clock.now
        self.found_hours.append((self.clock.now - recalled_at).total_seconds() / 3600)
        if household is None:
            return
        for other in sorted(Resident.objects.filter(household_id=household).values_list("id_number", flat=True)):
            if other not in self.found and other not in self.infected and self.rng.random() < self.a.secondary_share:
                self.infected.add(other)
                self.secondary += 1

    # ------------------------------------------------------------------ zones and their notices

    def _new_proposals(self) -> None:
        fresh = list(Zone.objects.filter(pk__gt=self.last_zone))
        # the rules write a batch's proposals in the order the database returned the tubes' places:
        # taken here by what they cover, so both databases draw the same delays for the same zone
        for zone in sorted(fresh, key=lambda z: (z.community_code, z.kind, z.level, z.area_name)):
            self.last_zone = max(self.last_zone, zone.pk)
            key = _zone_key(zone)
            self.zone_kind[key] = zone.kind
            self.zone_proposed.setdefault(key, self.clock.now)
            self.zone_first_positive.setdefault(key, self.clock.now)
            span = self.a.confirm_prevention_minutes if zone.kind == "prevention" else self.a.confirm_minutes
            self.at(self.clock.now + minutes(self.rng, span), self._confirm, zone.pk)

    def _decider(self, zone: Zone):
        code = zone.community_code
        return (
            self._user(roles.STREET_STAFF, code[:9]) if len(code) >= 9 else self._user(roles.DISTRICT_STAFF, code[:6])
        )

    def _confirm(self, zone_pk: int) -> None:
        zone = Zone.objects.select_related("building", "grid").get(pk=zone_pk)
        if zone.status != "proposed":
            return
        self._settle(zone)
        with self.timed("zone put in force (with its notices)"):
            zone = zone_services.zone_confirm(actor=self._decider(zone), zone=zone)
        key = _zone_key(zone)
        self.zone_in_force[key] = self.clock.now
        if zone.kind == "prevention":
            return
        if zone.kind == "lockdown" and zone.building is not None:
            buildings = [zone.building]
        else:
            buildings = list(Building.objects.filter(grid=zone.grid).order_by(*BUILDING_ORDER))
        notices = {
            n.building_id: n for n in Notice.objects.filter(building__in=buildings, created_at__gte=self.clock.now)
        }
        told: list[int] = []
        for building in buildings:
            notice = notices.get(building.pk)
            households = list(Household.objects.filter(building=building).order_by("unit", "room"))
            told.extend(h.pk for h in households)
            if notice is None or not households:
                continue
            for household in households:
                if self.rng.random() < self.a.read_share:
                    delay = dt.timedelta(minutes=self.rng.expovariate(1 / self.a.read_mean_minutes))
                    self.at(self.clock.now + delay, self._read, notice.pk, household.pk)
            teller = (
                self._user(roles.BUILDING_LEADER, building.community_code, building=building)
                if zone.kind == "lockdown"
                else self._user(roles.GRID_WORKER, building.community_code, grid=zone.grid)
            )
            self.at(self.clock.now + hours(self.rng, self.a.tell_hours), self._tell, notice.pk, teller.pk, building.pk)
        self.told_households[key] = told
        if zone.kind == "lockdown":
            self._sealed(buildings[0])

    def _read(self, notice_pk: int, household_pk: int) -> None:
        """The household opens the notice on its own page (the page records the read)."""
        code = self.door_codes.get(household_pk) or Household.objects.get(pk=household_pk).door_key
        self.door_codes[household_pk] = code
        notice = self.notice_ids.get(notice_pk) or Notice.objects.get(pk=notice_pk).public_id
        self.notice_ids[notice_pk] = notice
        with self.timed("notice opened on the household page"):
            answer = self.http.get(f"/h/{code}/notices/{notice}/", REMOTE_ADDR=_address(household_pk))
        if answer.status_code != 200:
            self.api_refused.append(f"notice {answer.status_code}")

    def _tell(self, notice_pk: int, user_pk: int, building_pk: int) -> None:
        notice = Notice.objects.get(pk=notice_pk)
        unread = NoticeReceipt.objects.filter(notice=notice, read_at__isnull=True, told_at__isnull=True)
        households = list(
            Household.objects.filter(pk__in=unread.values("household_id"), building_id=building_pk).select_related(
                "building"
            )
        )
        if not households:
            return
        actor = get_user_model().objects.get(pk=user_pk)
        for start in range(0, len(households), notice_services.TELL_MAX):
            with self.timed("told in person (leader, grid worker)", rows=len(households)):
                notice_services.receipts_tell(
                    actor=actor, notice=notice, households=households[start : start + notice_services.TELL_MAX]
                )

    # ------------------------------------------------------------------ the sealed buildings' surge

    def _sealed(self, building: Building) -> None:
        now = self.clock.now
        if building.pk in self.sealed_at:
            return
        self.sealed_at[building.pk] = now
        code = building.community_code
        for grid in Grid.objects.filter(community_code=code).order_by("number"):
            self._user(roles.GRID_WORKER, code, grid=grid)
        self._mobilise(code)
        if code not in self.cycling:
            self.cycling.add(code)
            self._next_cycle(code)
        tags: dict[int, set[str]] = defaultdict(set)
        for household, tag in ResidentTag.objects.filter(
            resident__household__building=building, tag__in=VULNERABLE
        ).values_list("resident__household_id", "tag"):
            tags[household].add(tag)
        for household in Household.objects.filter(building=building).order_by("unit", "room"):
            own = tags.get(household.pk, set())
            if own:
                self.vulnerable[household.pk] = now
                self.at(now + hours(self.rng, self.a.order_vulnerable_hours), self._order, household.pk, sorted(own))
                tag = sorted(own)[0]
                category, text = REQUEST_OF_TAG[tag]
                self.at(
                    now + hours(self.rng, self.a.request_vulnerable_hours), self._request, household.pk, category, text
                )
                continue
            if self.rng.random() < self.a.order_share:
                self.at(now + hours(self.rng, self.a.order_hours), self._order, household.pk, [])
            if self.rng.random() < self.a.request_share:
                category, text = self.rng.choice(OTHER_REQUESTS)
                self.at(now + hours(self.rng, self.a.request_hours), self._request, household.pk, category, text)

    def _order(self, household_pk: int, tags: list[str]) -> None:
        """The household orders on its own page: the public API behind its door code."""
        package = self.elderly if tags else self.vegetables
        lines = [{"kind": "package", "public_id": package.public_id, "quantity": 1}]
        lines += [
            {"kind": "item", "public_id": self.items[MEDICAL[t]].public_id, "quantity": 1} for t in tags if t in MEDICAL
        ]
        with self.timed("order placed through the door code (API)"):
            self._api(household_pk, "supplies/households/{code}/orders", {"lines": lines, "payment": "free"})

    def _api(self, household_pk: int, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """A POST to the public API from the household's own phone (its own address, so the limits per
        client count it alone). Anything but 201 is counted as refused."""
        code = self.door_codes.get(household_pk) or Household.objects.get(pk=household_pk).door_key
        self.door_codes[household_pk] = code
        answer = self.http.post(
            "/api/" + path.format(code=code),
            data=json.dumps(body),
            content_type="application/json",
            REMOTE_ADDR=_address(household_pk),
        )
        if answer.status_code != 201:
            self.api_refused.append(f"{path.split('/')[0]} {answer.status_code}")
            return None
        return answer.json()

    def _next_cycle(self, code: str) -> None:
        now = self.clock.now
        for day in range(0, 2):
            for hour in self.a.delivery_cycles:
                when = (now + dt.timedelta(days=day)).replace(hour=hour, minute=0, second=0, microsecond=0)
                if when > now:
                    self.at(when, self._cycle, code)
                    return

    def _cycle(self, code: str) -> None:
        """The community's workers accept and pack what was ordered, and route it over the volunteers
        on duty; the volunteers deliver along their runs."""
        worker = self._user(roles.COMMUNITY_WORKER, code)
        point = self.points[code]
        with self.timed("orders accepted and packed"):
            for order in Order.objects.filter(point=point, status="placed").order_by("pk"):
                supply_services.order_accept(actor=worker, order=order)
            accepted = list(Order.objects.filter(point=point, status="accepted").order_by("pk"))
            if accepted:
                supply_services.orders_pack(actor=worker, orders=accepted)
        couriers = [
            c.volunteer.user
            for c in CheckIn.objects.filter(community_code=code, status="on_duty")
            .select_related("volunteer__user")
            .order_by("volunteer__id_number")
            if c.volunteer.user is not None
        ]
        if couriers:
            try:
                with self.timed("delivery runs planned (PyVRP)"):
                    planned = supply_services.runs_plan(
                        actor=worker,
                        point=point,
                        couriers=[supply_services.CourierIn(user=u, vehicle="tricycle") for u in couriers],
                        seconds=ROUTE_SECONDS,
                        iterations=ROUTE_ITERATIONS,
                        seed=self.seed,
                    )
            except ApplicationError:
                planned = None
            if planned is not None:
                stops = sorted(
                    DeliveryStop.objects.filter(run__in=planned.runs).select_related("household__building", "run"),
                    key=lambda s: (
                        s.household.building.number,
                        s.household.building.address,
                        s.household.unit,
                        s.household.room,
                    ),
                )
                for k, stop in enumerate(stops):
                    when = self.clock.now + dt.timedelta(minutes=30 + self.a.minutes_per_stop * (k // len(couriers)))
                    self.at(when, self._deliver, stop.run_id, stop.run.courier_id, stop.household_id)
        zones_in_force = Zone.objects.filter(status="active", kind="lockdown", community_code=code).exists()
        open_orders = Order.objects.filter(
            point=point, status__in=["placed", "accepted", "packed", "requeued"]
        ).exists()
        if zones_in_force or open_orders:
            self._next_cycle(code)
        else:
            self.cycling.discard(code)

    def _deliver(self, run_pk: int, courier_pk: int, household_pk: int) -> None:
        run = DeliveryRun.objects.get(pk=run_pk)
        household = Household.objects.get(pk=household_pk)
        with self.timed("doorstep confirmed (route sheet)"):
            supply_services.stop_confirm(
                actor=get_user_model().objects.get(pk=courier_pk), run=run, code=f"H:{household.door_key}"
            )
        self.delivered.setdefault(household_pk, self.clock.now)

    def _allocate(self) -> None:
        """Each morning a street with sealed buildings moves its reserve to its communities."""
        streets = sorted({c[:9] for c in Zone.objects.filter(status="active", kind="lockdown").values_list(
            "community_code", flat=True)})  # fmt: skip
        for street in streets:
            staff = self._user(roles.STREET_STAFF, street)
            try:
                with self.timed("allocation proposed and confirmed"):
                    plan = supply_services.allocation_propose(actor=staff, area_code=street)
                    supply_services.allocation_confirm(actor=staff, plan=plan)
            except ApplicationError:
                continue

    # ------------------------------------------------------------------ volunteers

    def _mobilise(self, code: str) -> None:
        if code in self.mobilised:
            return
        self.mobilised.add(code)
        worker = self._user(roles.COMMUNITY_WORKER, code)
        today = timezone.localdate()
        with self.timed("volunteers mobilised (post, shifts, street roster)"):
            post = volunteer_services.post_create(
                actor=worker, community_code=code, name="物资配送到楼栋", group="transport"
            )
            self.posts[code] = post
            for day in range(self.a.days + 1):
                date = today + dt.timedelta(days=day)
                for start, end in SHIFTS:
                    volunteer_services.shift_create(
                        actor=worker,
                        post=post,
                        starts_at=timezone.make_aware(dt.datetime.combine(date, dt.time(start))),
                        ends_at=timezone.make_aware(dt.datetime.combine(date, dt.time(end))),
                        needed=self.a.couriers_per_shift,
                    )
        self._street_roster(code)
        self.at(self.clock.now + dt.timedelta(minutes=30), self._duty_start, code)

    def _street_roster(self, code: str) -> None:
        """一键动员: the street fills the open places of the coming week from its reservoir."""
        street = self._user(roles.STREET_STAFF, code[:9])
        with self.timed("volunteers mobilised (post, shifts, street roster)"):
            volunteer_services.street_mobilise(
                actor=street,
                street_code=code[:9],
                first_day=timezone.localdate(),
                days=7,
                time_limit=ROSTER_SECONDS,
            )

    def _duty_start(self, code: str) -> None:
        post = self.posts[code]
        now = self.clock.now
        if not any(start <= now.hour < end for start, end in SHIFTS):
            self.at(_next_shift_start(now), self._duty_start, code)
            return
        assigned = Assignment.objects.filter(
            shift__post=post, shift__starts_at__lte=now, shift__ends_at__gt=now
        ).select_related("volunteer")
        if not assigned.exists():  # the week mobilised before has run out
            self._street_roster(code)
        ends = now
        for assignment in sorted(assigned, key=lambda a: a.volunteer.id_number):
            ends = max(ends, assignment.shift.ends_at)
            try:
                with self.timed("volunteer check-in"):
                    volunteer_services.checkin(volunteer=assignment.volunteer, post=post)
            except ApplicationError:
                continue
        self.at(_next_shift_change(now), self._duty_end, code)

    def _duty_end(self, code: str) -> None:
        post = self.posts[code]
        worker = self._user(roles.COMMUNITY_WORKER, code)
        for record in (
            CheckIn.objects.filter(assignment__shift__post=post, status="on_duty")
            .select_related("volunteer")
            .order_by("volunteer__id_number")
        ):
            with self.timed("volunteer check-out and hours confirmed"):
                record = volunteer_services.checkout(volunteer=record.volunteer, post=post)
                volunteer_services.checkin_confirm(actor=worker, record=record)
        busy = Zone.objects.filter(status="active", kind="lockdown", community_code=code).exists()
        if busy or code in self.cycling:
            self.at(_next_shift_start(self.clock.now), self._duty_start, code)

    # ------------------------------------------------------------------ requests

    def _request(self, household_pk: int, category: str, text: str) -> None:
        with self.timed("request submitted through the door code (API)"):
            made = self._api(household_pk, "appeals/households/{code}", {"category": category, "text": text})
        if made is None:
            return
        appeal = Appeal.objects.select_related("household__building__grid").get(public_id=made["public_id"])
        if appeal.merged_into_id is not None:
            return
        building = appeal.household.building if appeal.household else None
        grid = building.grid if building else None
        # by the grid's number, not its row id: ids depend on what the database held before (a
        # PostgreSQL sequence is not rewound when rows are deleted), and the same seed must give the
        # same report on any database
        grid_key = f"{appeal.community_code}-{grid.number if grid else ''}"
        slow = random.Random(f"{self.seed}-{grid_key}").random() < self.a.slow_grid_share
        delay = minutes(self.rng, self.a.take_slow_minutes if slow else self.a.take_minutes)
        if appeal.urgency == "critical":
            delay /= 3
        self.at(self.clock.now + delay, self._take, appeal.pk)

    def _staff_at(self, appeal: Appeal):
        code = appeal.community_code
        if appeal.level == "grid" and appeal.household and appeal.household.building.grid:
            return self._user(roles.GRID_WORKER, code, grid=appeal.household.building.grid)
        if appeal.level in ("grid", "community"):
            return self._user(roles.COMMUNITY_WORKER, code)
        if appeal.level == "street":
            return self._user(roles.STREET_STAFF, code[:9])
        return self._user(roles.DISTRICT_STAFF, code[:6])

    def _take(self, appeal_pk: int) -> None:
        appeal = Appeal.objects.select_related("household__building__grid").get(pk=appeal_pk)
        if appeal.status != "pending":
            return
        actor = self._staff_at(appeal)
        with self.timed("request taken, resolved, answered"):
            appeal_services.appeal_take(actor=actor, appeal=appeal)
        span = self.a.resolve_minutes[appeal.urgency]
        self.at(self.clock.now + minutes(self.rng, span), self._resolve, appeal_pk, actor.pk)

    def _resolve(self, appeal_pk: int, actor_pk: int) -> None:
        """Resolved by whoever took it, unless it moved up meanwhile (the new level takes it anew)."""
        appeal = Appeal.objects.select_related("assignee").get(pk=appeal_pk)
        if appeal.status != "in_progress" or appeal.assignee_id != actor_pk:
            return
        with self.timed("request taken, resolved, answered"):
            appeal_services.appeal_resolve(actor=appeal.assignee, appeal=appeal, resolution="已上门处理，问题已解决")
        self.at(self.clock.now + hours(self.rng, self.a.answer_hours), self._answer, appeal_pk)

    def _answer(self, appeal_pk: int) -> None:
        appeal = Appeal.objects.get(pk=appeal_pk)
        if appeal.status != "resolved":
            return
        with self.timed("request taken, resolved, answered"):
            appeal_services.appeal_answer(appeal=appeal, solved=True, rating=5 if self.rng.random() < 0.7 else 4)

    def _sweep(self) -> None:
        with self.timed("escalation sweep (every 10 min)"):
            moved = appeals_escalate_due()
        if moved:
            now = self.clock.now
            for pk in (
                Appeal.objects.filter(status="pending", level_since=now).order_by("pk").values_list("pk", flat=True)
            ):
                self.at(now + minutes(self.rng, self.a.take_after_escalation_minutes), self._take, pk)
        self.at(self.clock.now + dt.timedelta(minutes=self.a.sweep_minutes), self._sweep)

    # ------------------------------------------------------------------ zones' rounds and release

    def _zone_rounds(self) -> None:
        """Each morning the rounds the zones in force call for (zones.selectors.round_suggestion)."""
        wanted: dict[str, int] = {}
        for zone in Zone.objects.filter(status="active").order_by("pk"):
            suggestion = round_suggestion(zone)
            if suggestion is not None and suggestion.due:
                wanted[suggestion.area_code] = min(wanted.get(suggestion.area_code, 99), suggestion.pool_size)
        for area_code, pool_size in sorted(wanted.items()):
            codes = [c for c in self.codes if c.startswith(area_code)]
            if not codes:
                continue
            staff = self._user(roles.STREET_STAFF, area_code[:9]) if len(area_code) >= 9 else self.city
            with self.timed("round: create and assign"):
                round_ = testing_services.round_create(
                    actor=staff, name=f"{area_code}风险区核酸", area_code=area_code, pool_size=pool_size
                )
                for code in codes:
                    testing_services.round_collector_assign(
                        actor=staff, round_=round_, user=self._user(roles.COLLECTOR, code)
                    )
            self.rounds += 1
            self._awaiting(round_, staff, codes)
            window = dt.timedelta(hours=2) / len(codes)
            for index, code in enumerate(codes):
                self.at(self.clock.now + index * window, self._collect, round_.pk, self.rounds, code, window)

    def _release_check(self) -> None:
        """Each morning the staff look at every zone in force: released when its conditions hold."""
        for zone in Zone.objects.filter(status="active").select_related("building", "grid").order_by("pk"):
            self.release_checks += 1
            with self.timed("release conditions checked"):
                problems = zone_services.release_problems(zone)
            if problems:
                continue
            self._settle(zone)
            with self.timed("zone released (with its notices)"):
                zone_services.zone_release(actor=self._decider(zone), zone=zone)
            self.zone_released[_zone_key(zone)] = self.clock.now
        if (
            self.clock.now > scenario.START + dt.timedelta(days=1)
            and not Zone.objects.filter(status__in=["active", "proposed"]).exists()
        ):
            # the outbreak is over: one more day for the last deliveries and answers
            self.end = min(self.end, self.clock.now + dt.timedelta(days=1))

    # ------------------------------------------------------------------ what is seen

    def _refresh(self) -> None:
        with self.timed("command view recount"):
            figures_refresh()
        self.at(self.clock.now + dt.timedelta(hours=self.a.refresh_hours), self._refresh)

    def _snapshot(self) -> None:
        now = self.clock.now
        hour = (now - scenario.START).total_seconds() / 3600
        zones = dict(Zone.objects.filter(status="active").values_list("kind").annotate(n=Count("pk")))
        self.series["hour"].append(round(hour))
        for kind in ("lockdown", "control", "prevention"):
            self.series[kind].append(zones.get(kind, 0))
        self.series["requests_open"].append(
            Appeal.objects.filter(status__in=["unplaced", "pending", "in_progress"]).count()
        )
        self.series["orders_open"].append(
            Order.objects.filter(status__in=["placed", "accepted", "packed", "out", "requeued"]).count()
        )
        self.series["delivered"].append(len(self.delivered))
        self.series["positives"].append(len(self.positive_results))
        if now.hour == 0:
            self.say(
                f"day {round(hour / 24)} ({time.perf_counter() - self.started:,.0f} s): "
                f"{self.series['positives'][-1]} positive tubes, zones in force {zones}, "
                f"{self.series['requests_open'][-1]} requests and {self.series['orders_open'][-1]} orders open, "
                f"{len(self.delivered)} households delivered"
            )
        self.at(now + dt.timedelta(hours=1), self._snapshot)

    def _kpi(self) -> dict[str, Any]:
        pct = scenario.percentile
        kpi: dict[str, Any] = {"scale": self.scale, "seed": self.seed, "start": scenario.START.isoformat()}
        kpi["days"] = round((self.clock.now - scenario.START).total_seconds() / 86400, 1)
        kpi["communities"] = len(self.codes)
        kpi["residents"] = Resident.objects.filter(community_code__in=self.codes).count()
        kpi["households"] = Household.objects.filter(community_code__in=self.codes).count()
        kpi["infected_seeded"] = self.seeded
        kpi["infected_communities"] = len(self.infected_communities)
        kpi["secondary_cases"] = self.secondary
        kpi["cases_found"] = len(self.found)
        round_ = self.city_round
        sampled = Sample.objects.filter(round=round_).count()
        kpi["city_round"] = {
            "sampled": sampled,
            "tubes": Tube.objects.filter(round=round_).count(),
            "positive_tubes": Tube.objects.filter(round=round_, status="positive").count(),
            "coverage": round(sampled / max(1, kpi["residents"]), 4),
        }
        kpi["rounds"] = Round.objects.count()
        kpi["scans_refused"] = self.refused_scans
        kpi["api_refused"] = len(self.api_refused)
        kpi["positive_results"] = len(self.positive_results)
        kpi["recalls"] = Recall.objects.count()
        kpi["recall_notified_minutes_p50"] = _round(pct(self.recall_notify, 0.5))
        kpi["recall_to_case_found_hours_p50"] = _round(pct(self.found_hours, 0.5))
        zones: dict[str, Any] = {}
        for kind in ("lockdown", "control", "prevention"):
            keys = [k for k, v in self.zone_kind.items() if v == kind]
            in_force = [k for k in keys if k in self.zone_in_force]
            to_force = [(self.zone_in_force[k] - self.zone_first_positive[k]).total_seconds() / 60 for k in in_force]
            days = [
                (self.zone_released[k] - self.zone_in_force[k]).total_seconds() / 86400
                for k in in_force
                if k in self.zone_released
            ]
            zones[kind] = {
                "proposed": len(keys),
                "in_force": len(in_force),
                "released": sum(1 for k in in_force if k in self.zone_released),
                "positive_to_in_force_minutes_p50": _round(pct(to_force, 0.5)),
                "positive_to_in_force_minutes_p90": _round(pct(to_force, 0.9)),
                "days_in_force_p50": _round(pct(days, 0.5)),
            }
        kpi["zones"] = zones
        kpi["release_checks"] = self.release_checks
        kpi["notices"] = self._reach()
        kpi["supplies"] = self._supplies_kpi()
        kpi["requests"] = self._requests_kpi()
        hours_by = (
            HourEntry.objects.filter(community_code__in=self.codes)
            .values("community_code")
            .annotate(h=Sum("hours"))
            .order_by("community_code")
        )
        kpi["volunteer_hours"] = {r["community_code"]: float(r["h"]) for r in hours_by if r["h"]}
        kpi["volunteers_on_shift_days"] = CheckIn.objects.filter(community_code__in=self.codes).count()
        return kpi

    def _reach(self) -> dict[str, Any]:
        within = {2: 0, 12: 0, 24: 0}
        total = 0
        ninety: list[float] = []
        for key, households in sorted(self.told_households.items()):
            started = self.zone_in_force[key]
            times = sorted(
                ((r or t) - started).total_seconds() / 3600
                for r, t in NoticeReceipt.objects.filter(
                    household_id__in=households, notice__created_at=started
                ).values_list("read_at", "told_at")
                if r or t
            )
            total += len(households)
            for limit in within:
                within[limit] += sum(1 for t in times if t <= limit)
            if households and len(times) >= 0.9 * len(households):
                ninety.append(times[max(0, int(0.9 * len(households)) - 1)])
        return {
            "households": total,
            **{f"reached_within_{h}h": round(n / total, 4) if total else None for h, n in within.items()},
            "hours_to_90_percent_p50": _round(scenario.percentile(ninety, 0.5)),
        }

    def _supplies_kpi(self) -> dict[str, Any]:
        orders = Order.objects.filter(community_code__in=self.codes)
        by_status = dict(orders.values_list("status").annotate(n=Count("pk")))
        vulnerable = len(self.vulnerable)
        in_day = [
            h
            for h, sealed in self.vulnerable.items()
            if h in self.delivered and self.delivered[h] - sealed <= dt.timedelta(hours=24)
        ]
        waits = [
            (self.delivered[h] - s).total_seconds() / 3600 for h, s in self.vulnerable.items() if h in self.delivered
        ]
        return {
            "orders": sum(by_status.values()),
            "by_status": dict(sorted(by_status.items())),
            "sealed_buildings": len(self.sealed_at),
            "vulnerable_households_sealed": vulnerable,
            "vulnerable_delivered_within_24h": round(len(in_day) / vulnerable, 4) if vulnerable else None,
            "vulnerable_sealing_to_delivery_hours_p50": _round(scenario.percentile(waits, 0.5)),
        }

    def _requests_kpi(self) -> dict[str, Any]:
        appeals = Appeal.objects.filter(community_code__in=self.codes)
        lapsed: dict[str, int] = defaultdict(int)
        for detail in WorkflowEvent.objects.filter(flow="appeal", reason="sla_lapsed").values_list("detail", flat=True):
            lapsed[(detail or {}).get("from_level", "?")] += 1
        return {
            "submitted": appeals.count(),
            "merged": appeals.filter(status="merged").count(),
            "by_urgency": dict(sorted(appeals.values_list("urgency").annotate(n=Count("pk")))),
            "by_status": dict(sorted(appeals.values_list("status").annotate(n=Count("pk")))),
            "sla_breaches_by_level": {lvl: lapsed.get(lvl, 0) for lvl in ("grid", "community", "street")},
        }


def _next_shift_change(now: dt.datetime) -> dt.datetime:
    """The end of the shift on at `now` (or the next start when none is on)."""
    for start, end in SHIFTS:
        if now.hour < end:
            return now.replace(hour=end if now.hour >= start else start, minute=0, second=0, microsecond=0)
    return _next_shift_start(now)


def _next_shift_start(now: dt.datetime) -> dt.datetime:
    for start, _ in SHIFTS:
        if now.hour < start:
            return now.replace(hour=start, minute=0, second=0, microsecond=0)
    return (now + dt.timedelta(days=1)).replace(hour=SHIFTS[0][0], minute=0, second=0, microsecond=0)


def _address(household_pk: int) -> str:
    """A client address of the household's own (the drill's residents each have a phone)."""
    return f"10.{(household_pk >> 16) & 255}.{(household_pk >> 8) & 255}.{household_pk & 255}"


def _zone_key(zone: Zone) -> str:
    return f"{zone.kind}:{zone.level}:{zone.area_key}"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _vendor() -> str:
    return connection.vendor
