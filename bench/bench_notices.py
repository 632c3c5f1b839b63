"""A notice to a whole district, published and read back: notice_publish to ~1,000,000 households
(goal: under 10 s) and the notice's reach per area, down to a community's buildings (goal: under
200 ms p95 each), on a district built cheaply in SQL.

    .venv/bin/python bench/bench_notices.py                          # 20,000 households, SQLite (make bench)
    .venv/bin/python bench/bench_notices.py --postgres --households 1000000
                                               # 双流区 (257 communities), a million households
    .venv/bin/python bench/bench_notices.py --postgres --households 1000000 --keep   # leave it for --reuse
    .venv/bin/python bench/bench_notices.py --postgres --reuse       # time again on the kept district

The district's communities get one grid each, buildings of --per-building households, and households
numbered through them (generate_series on PostgreSQL, a recursive CTE on SQLite); --tagged of the
households have a resident tagged elderly_alone (a group notice's target). Each publish is the service
as the publish page calls it (district staff, the whole district), in its own transaction, the receipts
table growing with each (--publishes of them, the median reported). Reach is read through Django's whole
request path in process (test client: middleware, view or endpoint, template or JSON) as the district's
staff (per street, per community of a street) and a community worker (per building), --trials times
each: median and p95. The PostgreSQL database (gongzhi_bench_notices) is dropped at the end unless
--keep; SQLite's folder is a temporary one unless --keep.
"""

import argparse
import os
import statistics
import subprocess
import tempfile
import time

ARGS = argparse.ArgumentParser()
ARGS.add_argument("--postgres", action="store_true")
ARGS.add_argument("--district", default="510116", help="the district's code (双流区: 257 communities)")
ARGS.add_argument("--households", type=int, default=20_000)
ARGS.add_argument("--per-building", type=int, default=120)
ARGS.add_argument("--tagged", type=float, default=0.03, help="share of households with an elderly_alone resident")
ARGS.add_argument("--publishes", type=int, default=3)
ARGS.add_argument("--trials", type=int, default=30)
ARGS.add_argument("--keep", action="store_true", help="leave the district for --reuse")
ARGS.add_argument("--reuse", action="store_true", help="time the district an earlier --keep run left")
ARGS.add_argument("--database", default="gongzhi_bench_notices", help="PostgreSQL database name")
ARGS.add_argument("--dir", default="/tmp/gongzhi-bench-notices", help="SQLite: the kept district's folder")
ARGS = ARGS.parse_args()
ENV = dict(os.environ, DJANGO_SETTINGS_MODULE="gongzhi.config.settings.base", GONGZHI_LOG_LEVEL="ERROR")


def psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)


if ARGS.postgres:
    if not ARGS.reuse:
        psql(f"DROP DATABASE IF EXISTS {ARGS.database}")
        psql(f"CREATE DATABASE {ARGS.database}")
    ENV["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{ARGS.database}"
else:
    ENV.pop("DATABASE_URL", None)
    if ARGS.keep or ARGS.reuse:
        FOLDER = ARGS.dir
        if not ARGS.reuse:
            subprocess.run(["rm", "-rf", FOLDER], check=True)
        os.makedirs(FOLDER, exist_ok=True)
    else:
        FOLDER = tempfile.mkdtemp(prefix="gongzhi-bench-notices-")
    ENV["GONGZHI_VAR_DIR"] = FOLDER
os.environ.update(ENV)
if "DATABASE_URL" not in ENV:
    os.environ.pop("DATABASE_URL", None)

import django  # noqa: E402

django.setup()
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402

from gongzhi.core.models import RoleAssignment  # noqa: E402
from gongzhi.notices import services  # noqa: E402
from gongzhi.notices.models import Notice, NoticeReach, NoticeReceipt  # noqa: E402
from gongzhi.people.models import Resident, ResidentTag  # noqa: E402
from gongzhi.places.models import Area, Building, Grid, Household  # noqa: E402
from gongzhi.places.services import areas_load  # noqa: E402

PUBLISH_LIMIT_S, REACH_LIMIT_MS = 10.0, 200.0


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def numbers(count: int) -> str:
    """SQL for the rows 0 .. count-1 as `n` (a FROM item)."""
    if connection.vendor == "postgresql":
        return f"generate_series(0, {count - 1}) AS s(n)"
    return f"(WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < {count - 1}) SELECT n FROM s) s"


def build() -> None:
    """Grids, buildings, households and tagged residents of the district's communities, in a few
    INSERT ... SELECT statements (the services are timed elsewhere: bench_search, bench_register_import)."""
    communities = list(
        Area.objects.filter(level="community", code__startswith=ARGS.district)
        .order_by("code")
        .values_list("code", flat=True)
    )
    per_community = -(-ARGS.households // len(communities))
    buildings_each = -(-per_community // ARGS.per_building)
    now = "CURRENT_TIMESTAMP"
    id_expr = (  # a random 26-character public id per row
        "upper(substr(md5(random()::text || clock_timestamp()::text), 1, 26))"
        if connection.vendor == "postgresql"
        else "upper(substr(hex(randomblob(13)), 1, 26))"
    )
    concat = "||"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_community (k integer PRIMARY KEY, code varchar(12), area_id bigint)"
        )
        ids = dict(Area.objects.filter(code__in=communities).values_list("code", "id"))
        cursor.executemany(
            "INSERT INTO bench_community (k, code, area_id) VALUES (%s, %s, %s)",
            [(k, code, ids[code]) for k, code in enumerate(communities)],
        )
        cursor.execute(
            f"INSERT INTO {table(Grid)} (public_id, community_id, community_code, number, name, created_at, updated_at)"
            f" SELECT {id_expr}, c.area_id, c.code, 1, '第1网格', {now}, {now}"
            f" FROM bench_community c JOIN {numbers(len(communities))} ON s.n = c.k"
        )
        cursor.execute(
            f"INSERT INTO {table(Building)} (public_id, grid_id, community_code, number, name, address, floors, units,"
            " created_at, updated_at)"
            f" SELECT {id_expr}, g.id, g.community_code, s.n + 1, (s.n + 1) {concat} '栋', '测试小区',"
            f" 18, 2, {now}, {now} FROM {table(Grid)} g CROSS JOIN {numbers(buildings_each)}"
            " WHERE g.community_code IN (SELECT code FROM bench_community)"
        )
        cursor.execute(
            f"INSERT INTO {table(Household)} (public_id, building_id, community_code, unit, room, address, created_at,"
            " updated_at)"
            f" SELECT {id_expr}, b.id, c.code, 1, CAST(s.n % {ARGS.per_building} + 101 AS varchar(20)),"
            f" '测试小区' {concat} b.name {concat} CAST(s.n % {ARGS.per_building} + 101 AS varchar(20)), {now}, {now}"
            f" FROM bench_community c CROSS JOIN {numbers(per_community)}"
            f" JOIN {table(Building)} b ON b.community_code = c.code AND b.number = s.n / {ARGS.per_building} + 1"
            " ORDER BY c.code, s.n"  # a community's households together, as a register import writes them
        )
        cursor.execute(f"SELECT MIN(id), MAX(id) FROM {table(Household)}")
        low, high = cursor.fetchone()
        step = max(1, round(1 / ARGS.tagged))
        cursor.execute(
            f"INSERT INTO {table(Resident)} (public_id, household_id, community_code, name, id_number, gender,"
            " birth_date, phone, relation, notes, created_at, updated_at)"
            f" SELECT {id_expr}, h.id, h.community_code, '独居老人',"
            f" '510116' {concat} CAST(10000000000 + h.id AS varchar(20)) {concat} '0', 'F',"
            f" '1940-01-01', '', '', '', {now}, {now}"
            f" FROM {table(Household)} h WHERE h.id % {step} = 0 AND h.id BETWEEN {low} AND {high}"
        )
        cursor.execute(
            f"INSERT INTO {table(ResidentTag)} (resident_id, community_code, tag)"
            f" SELECT r.id, r.community_code, 'elderly_alone' FROM {table(Resident)} r"
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def user_with(username: str, role: str, area_code: str):
    user, _ = get_user_model().objects.get_or_create(username=username)
    RoleAssignment.objects.get_or_create(user=user, role=role, area_code=area_code)
    return user


def timed_publish(actor, area_code: str = "", **fields) -> tuple[Notice, float]:
    started = time.perf_counter()
    notice = services.notice_publish(actor=actor, area_code=area_code or ARGS.district, audience="residents", **fields)
    return notice, time.perf_counter() - started


def timed_gets(client: Client, path: str, params: dict) -> list[float]:
    """--trials requests after one untimed (the first request of a page loads its templates)."""
    assert client.get(path, params).status_code == 200, path
    times = []
    for _ in range(ARGS.trials):
        started = time.perf_counter()
        response = client.get(path, params)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return times


def main() -> None:
    print(f"backend: {connection.vendor}", flush=True)
    call_command("migrate", verbosity=0)
    areas_load()
    started = time.perf_counter()
    if ARGS.reuse and Household.objects.exists():
        print("district kept from an earlier run", flush=True)
    else:
        build()
        print(f"district built in {time.perf_counter() - started:.0f} s", flush=True)
    households = Household.objects.filter(community_code__startswith=ARGS.district).count()
    tagged = ResidentTag.objects.filter(community_code__startswith=ARGS.district).count()
    communities = Household.objects.values("community_code").distinct().count()
    print(f"district {ARGS.district}: {households:,} households in {communities} communities; {tagged:,} tagged")

    district = user_with("bench_district", "district_staff", ARGS.district)
    seconds = []
    notice = None
    for n in range(ARGS.publishes):
        notice, took = timed_publish(district, title=f"全区核酸检测通知{n + 1}", body="请各位居民按时参加。")
        seconds.append(took)
        print(f"publish to the district ({notice.targeted:,} households): {took:.2f} s", flush=True)
    # A group notice names where the tagged households are: only staff who see residents' health may
    # publish one (street staff at the widest), so it is timed over the district's largest street.
    widest = (
        Household.objects.filter(community_code__startswith=ARGS.district)
        .values_list("community_code", flat=True)
        .order_by("community_code")
    )
    by_street: dict[str, int] = {}
    for code in widest.iterator():
        by_street[code[:9]] = by_street.get(code[:9], 0) + 1
    street_code = max(by_street, key=by_street.__getitem__)
    street_staff = user_with("bench_street", "street_staff", street_code)
    group, group_took = timed_publish(
        street_staff, area_code=street_code, group="elderly_alone", title="独居老人关爱", body="社区将上门。"
    )
    print(
        f"publish to the elderly living alone of street {street_code} ({by_street[street_code]:,} households,"
        f" {group.targeted:,} of them tagged): {group_took:.2f} s"
    )
    median = statistics.median(seconds)
    print(
        f"publish, median of {len(seconds)}: {median:.2f} s (goal < {PUBLISH_LIMIT_S:.0f} s)"
        f" {'OK' if median < PUBLISH_LIMIT_S else 'OVER'}; receipts now {NoticeReceipt.objects.count():,}",
        flush=True,
    )
    assert notice is not None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table(NoticeReceipt)}; ANALYZE {table(NoticeReach)}")

    # Some reads and tells, so the figures are not all zero.
    first_community = NoticeReach.objects.filter(notice=notice).order_by("community_code").first().community_code
    some = list(Household.objects.filter(community_code=first_community).order_by("id")[:200])
    read_times = []
    for household in some[:100]:
        t0 = time.perf_counter()
        services.receipt_read(household=household, notice=notice)
        read_times.append((time.perf_counter() - t0) * 1000)
    print(f"a household's read: median {statistics.median(read_times):.1f} ms, p95 {p95(read_times):.1f} ms")

    street = first_community[:9]
    worker = user_with("bench_worker", "community_worker", first_community)
    client = Client()
    rows = []
    client.force_login(district)
    asks = [
        ("district staff", "page: reach per street of the district", "/notices/reach/", {"area": ARGS.district}),
        ("district staff", "API: reach per street of the district", f"/api/notices/{notice.public_id}/reach",
         {"area": ARGS.district}),
        ("district staff", "page: reach per community of a street", "/notices/reach/", {"area": street}),
        ("district staff", "API: reach per community of a street", f"/api/notices/{notice.public_id}/reach",
         {"area": street}),
        ("district staff", "page: the notice (reach per street)", f"/notices/{notice.public_id}/", {}),
        ("district staff", "page: the notice list", "/notices/", {}),
    ]  # fmt: skip
    for who, what, path, params in asks:
        if path == "/notices/reach/":
            params = {**params, "notice": notice.public_id}
        rows.append((who, what, timed_gets(client, path, params)))
    client.force_login(worker)
    building = Building.objects.filter(community_code=first_community).order_by("number").first()
    door = some[-1]
    for who, what, path, params in (
        ("community worker", "page: reach per building of the community", "/notices/reach/",
         {"notice": notice.public_id, "area": first_community}),
        ("community worker", "page: a building's households not reached",
         f"/notices/{notice.public_id}/building/{building.public_id}/", {}),
        ("community worker", "landing page (workbench)", "/", {}),
        ("household", "its own page (door code)", f"/h/H:{door.door_key}/", {}),
    ):  # fmt: skip
        rows.append((who, what, timed_gets(client, path, params)))
    print(f"\nreach and pages, {ARGS.trials} requests each (goal: p95 < {REACH_LIMIT_MS:.0f} ms)")
    print(f"{'as':<18} {'request':<46} {'median ms':>10} {'p95 ms':>8}")
    worst = 0.0
    for who, what, times in rows:
        worst = max(worst, p95(times))
        print(f"{who:<18} {what:<46} {statistics.median(times):>10.1f} {p95(times):>8.1f}")
    print(f"worst p95: {worst:.1f} ms {'OK' if worst < REACH_LIMIT_MS else 'OVER'}")


if __name__ == "__main__":
    try:
        main()
    finally:
        if ARGS.postgres and not ARGS.keep:
            connections.close_all()
            psql(f"DROP DATABASE IF EXISTS {ARGS.database}")
            print(f"dropped database {ARGS.database}")
        elif not ARGS.postgres and not ARGS.keep:
            subprocess.run(["rm", "-rf", FOLDER], check=False)
