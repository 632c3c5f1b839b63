"""Bulk writing of the demo city: one community per transaction, never the city in memory.

Primary keys are reserved up front (SQLite: above the table's high-water mark inside the
IMMEDIATE transaction that holds the write lock; PostgreSQL: from the table's sequence), so
households, residents and tags reference each other without reading anything back. SQLite takes
the rows through `executemany`; PostgreSQL through `COPY`, several times faster than
`executemany` there (docs/benchmarks.md).
"""

import collections
import datetime as dt
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from gongzhi.core.db import analyze, bulk_insert
from gongzhi.core.ids import new_public_id
from gongzhi.core.models import AuditEvent
from gongzhi.core.services import audit_record
from gongzhi.demo.communities import community_specs
from gongzhi.demo.population import CommunityPlan, CommunitySpec, community_plan
from gongzhi.people.models import Resident, ResidentTag
from gongzhi.places.models import Area, Building, Grid, Household

DEFAULT_SEED = 2022


_GRID_FIELDS = ("id", "created_at", "updated_at", "public_id", "community", "community_code", "number", "name")
_BUILDING_FIELDS = (
    "id",
    "created_at",
    "updated_at",
    "public_id",
    "grid",
    "community_code",
    "number",
    "name",
    "address",
    "floors",
    "units",
)
_HOUSEHOLD_FIELDS = (
    "id",
    "created_at",
    "updated_at",
    "public_id",
    "building",
    "community_code",
    "unit",
    "room",
    "address",
)
_RESIDENT_FIELDS = (
    "id",
    "created_at",
    "updated_at",
    "public_id",
    "household",
    "community_code",
    "name",
    "id_number",
    "gender",
    "birth_date",
    "phone",
    "relation",
    "notes",
)
_TAG_FIELDS = ("resident", "community_code", "tag")
TABLES = (
    (Grid, _GRID_FIELDS),
    (Building, _BUILDING_FIELDS),
    (Household, _HOUSEHOLD_FIELDS),
    (Resident, _RESIDENT_FIELDS),
    (ResidentTag, _TAG_FIELDS),
)

# Random byte -> Crockford base32 character of its low 5 bits (256 is a multiple of 32, so
# each character carries 5 uniform random bits).
_BYTE_TO_CROCKFORD = bytes(b"0123456789ABCDEFGHJKMNPQRSTVWXYZ"[i % 32] for i in range(256))
# SQLite's default limit on bound parameters is 32,766 since 3.32; stay well below it.
_IN_CHUNK = 900


@dataclass
class DemoLoadResult:
    communities: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    grids: int = 0
    buildings: int = 0
    households: int = 0
    residents: int = 0
    tags: int = 0
    # Generated residents left out because their ID number was already registered.
    id_conflicts: int = 0
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return self.grids + self.buildings + self.households + self.residents + self.tags


def public_ids(count: int, now_ms: int | None = None) -> list[str]:
    """`count` ids in new_public_id's layout (same millisecond prefix, 80 random bits), sorted
    so they land at the right edge of the unique index together."""
    prefix = new_public_id(now_ms)[:10]
    text = os.urandom(16 * count).translate(_BYTE_TO_CROCKFORD).decode()
    return sorted([prefix + text[i : i + 16] for i in range(0, 16 * count, 16)])


def reserve_ids(cursor, model, count: int) -> Sequence[int]:
    """`count` primary keys nobody else will use. Call inside the community's transaction."""
    if count == 0:
        return []
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count])
        return [row[0] for row in cursor.fetchall()]
    cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}")
    top = cursor.fetchone()[0] or 0
    if connection.vendor == "sqlite":
        # AUTOINCREMENT never reuses a key, even one whose row was deleted.
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        top = max(top, row[0] if row else 0)
    return range(top + 1, top + count + 1)


def community_rows(cursor, area: Area, plan: CommunityPlan) -> dict[type, list[tuple]]:
    """The plan as table rows (model -> rows in TABLES field order) with reserved keys."""
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now) if connection.vendor == "sqlite" else now
    now_ms = int(now.timestamp() * 1000)
    code = area.code
    grid_ids = reserve_ids(cursor, Grid, len(plan.grids))
    building_ids = reserve_ids(cursor, Building, len(plan.buildings))
    household_ids = reserve_ids(cursor, Household, len(plan.households))
    resident_ids = reserve_ids(cursor, Resident, len(plan.residents))
    pids = public_ids(len(plan.grids) + len(plan.buildings) + len(plan.households) + len(plan.residents), now_ms)
    g, b, h = len(plan.grids), len(plan.buildings), len(plan.households)
    grid_pids, building_pids = pids[:g], pids[g : g + b]
    household_pids, resident_pids = pids[g + b : g + b + h], pids[g + b + h :]
    # Keys follow the ID numbers, so the unique index on them is filled in order.
    by_id_number = sorted(plan.residents, key=lambda resident: resident[2])
    resident_key = dict(zip((r[2] for r in by_id_number), resident_ids, strict=True))
    return {
        Grid: [
            (grid_ids[i], stamp, stamp, grid_pids[i], area.pk, code, number, name)
            for i, (number, name) in enumerate(plan.grids)
        ],
        Building: [
            (
                building_ids[i],
                stamp,
                stamp,
                building_pids[i],
                grid_ids[grid],
                code,
                number,
                name,
                address,
                floors,
                units,
            )
            for i, (grid, number, name, address, floors, units) in enumerate(plan.buildings)
        ],
        Household: [
            (household_ids[i], stamp, stamp, household_pids[i], building_ids[building], code, unit, room, address)
            for i, (building, unit, room, address) in enumerate(plan.households)
        ],
        Resident: [
            (
                resident_ids[i],
                stamp,
                stamp,
                resident_pids[i],
                household_ids[household],
                code,
                name,
                id_number,
                gender,
                born,
                phone,
                relation,
                "",
            )
            for i, (household, name, id_number, gender, born, phone, relation) in enumerate(by_id_number)
        ],
        ResidentTag: [(resident_key[plan.residents[resident][2]], code, tag) for resident, tag in plan.tags],
    }


def _drop_registered(plan: CommunityPlan) -> int:
    """Leave out generated residents whose ID number someone already holds (real residents
    registered before the demo); returns how many."""
    numbers = [r[2] for r in plan.residents]
    taken: set[str] = set()
    for start in range(0, len(numbers), _IN_CHUNK):
        taken.update(
            Resident.objects.filter(id_number__in=numbers[start : start + _IN_CHUNK]).values_list(
                "id_number", flat=True
            )
        )
    if not taken:
        return 0
    new_index: dict[int, int] = {}
    kept: list[tuple[int, str, str, str, str, str, str]] = []
    for i, resident in enumerate(plan.residents):
        if resident[2] not in taken:
            new_index[i] = len(kept)
            kept.append(resident)
    plan.residents = kept
    plan.tags = [(new_index[r], tag) for r, tag in plan.tags if r in new_index]
    return len(taken)


def _plans(
    specs: list[CommunitySpec], *, seed: int, as_of: dt.date, residents: int | None, workers: int
) -> Iterator[CommunityPlan]:
    """The communities' plans in order. With workers, they are drawn in other processes while
    this one writes: generation and insertion each take about half the time on one core."""
    if workers == 0:
        for spec in specs:
            yield community_plan(spec, seed=seed, as_of=as_of, residents=residents)
        return
    # fork, not spawn: spawn re-runs the caller's main script, which need not be guarded. The
    # children only call the pure population rules and never touch the inherited connection;
    # they leave through os._exit, so it is not closed under the parent either.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        pending: collections.deque = collections.deque()
        for spec in specs:
            pending.append(pool.submit(community_plan, spec, seed=seed, as_of=as_of, residents=residents))
            # A few plans ahead keep the writer busy without holding the city in memory.
            if len(pending) > 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _default_workers(communities: int) -> int:
    forkable = "fork" in multiprocessing.get_all_start_methods()
    return 1 if forkable and communities > 1 and (os.cpu_count() or 1) > 1 else 0


def _write_community(area: Area, plan: CommunityPlan, *, check_registered: bool) -> dict | None:
    """One community in one transaction on this thread's connection; None when it turned out
    to have grids already."""
    with transaction.atomic(), connection.cursor() as cursor:
        # Two loaders on PostgreSQL take turns per community (a no-op on SQLite, whose
        # IMMEDIATE transactions already hold the write lock); the second one then skips it.
        Area.objects.select_for_update().filter(pk=area.pk).exists()
        if Grid.objects.filter(community_code=area.code).exists():
            return None
        conflicts = _drop_registered(plan) if check_registered else 0
        rows = community_rows(cursor, area, plan)
        for model, fields in TABLES:
            bulk_insert(cursor, model, fields, rows[model])
    return {
        "grids": len(plan.grids),
        "buildings": len(plan.buildings),
        "households": len(plan.households),
        "residents": len(plan.residents),
        "tags": len(plan.tags),
        "id_conflicts": conflicts,
    }


def _write_community_in_thread(area: Area, plan: CommunityPlan, *, check_registered: bool) -> dict | None:
    try:
        return _write_community(area, plan, check_registered=check_registered)
    finally:
        connection.close()  # the thread's own connection


def _written(
    todo: list[Area], plans: Iterator[CommunityPlan], *, check_registered: bool, writers: int
) -> Iterator[tuple[Area, dict | None]]:
    """Each community's counts, in order. Several writers, each with its own connection, keep
    PostgreSQL busy on more than one core while this thread builds the next rows."""
    if writers == 1:
        for area, plan in zip(todo, plans, strict=True):
            yield area, _write_community(area, plan, check_registered=check_registered)
        return
    with ThreadPoolExecutor(writers) as pool:
        pending: collections.deque = collections.deque()
        for area, plan in zip(todo, plans, strict=True):
            pending.append(
                (area, pool.submit(_write_community_in_thread, area, plan, check_registered=check_registered))
            )
            if len(pending) >= writers:
                area_done, future = pending.popleft()
                yield area_done, future.result()
        while pending:
            area_done, future = pending.popleft()
            yield area_done, future.result()


def _default_writers() -> int:
    # Other threads' connections cannot see the caller's open transaction (nor commit inside
    # it), and SQLite has one writer at a time anyway.
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return max(2, min(4, os.cpu_count() or 1))


def demo_city_load(
    *,
    communities: Sequence[Area],
    seed: int = DEFAULT_SEED,
    residents_per_community: int | None = None,
    as_of: dt.date | None = None,
    workers: int | None = None,
    writers: int | None = None,
    on_community: Callable[[Area, dict | None], None] | None = None,
) -> DemoLoadResult:
    """Fill each community with grids, buildings, households, residents and tags.

    A community that already has grids is skipped (reported with None counts), so a re-run
    neither fails nor duplicates. Each community is one transaction. `as_of` (default: 1 January
    of this year) is the day ages refer to; the same seed and as_of give the same city.
    `workers` processes draw the plans (default: one when there is a spare core); `writers`
    threads write them on PostgreSQL (default: several outside a transaction, else one).
    """
    as_of = as_of or dt.date(dt.date.today().year, 1, 1)
    result = DemoLoadResult()
    started = time.perf_counter()
    check_registered = Resident.objects.exists()
    with_grids = set(
        Grid.objects.filter(community_code__in=[a.code for a in communities])
        .values_list("community_code", flat=True)
        .distinct()
    )
    for area in communities:
        if area.code in with_grids:
            result.skipped.append(area.code)
            if on_community:
                on_community(area, None)
    todo = [a for a in communities if a.code not in with_grids]
    specs = list(community_specs(todo))
    workers = _default_workers(len(todo)) if workers is None else workers
    plans = _plans(specs, seed=seed, as_of=as_of, residents=residents_per_community, workers=workers)
    writers = _default_writers() if writers is None else writers
    if connection.vendor != "postgresql":
        writers = 1
    for area, counts in _written(todo, plans, check_registered=check_registered, writers=writers):
        if counts is None:
            result.skipped.append(area.code)
        else:
            result.communities.append(area.code)
            for key, value in counts.items():
                setattr(result, key, getattr(result, key) + value)
        if on_community:
            on_community(area, counts)
    if result.communities:
        analyze(Grid, Building, Household, Resident, ResidentTag)
        audit_record(
            actor=None,
            action=AuditEvent.Action.CREATE,
            entity="demo_city",
            row_ids=[],
            area_codes=result.communities,
            detail={
                "seed": seed,
                "as_of": as_of.isoformat(),
                "residents": result.residents,
                "communities": len(result.communities),
            },
        )
    result.seconds = time.perf_counter() - started
    return result
