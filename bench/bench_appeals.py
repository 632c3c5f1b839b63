"""Residents' requests (诉求) at a city's scale: new requests over HTTP at a fixed offered rate, a
community's worklist with 10,000 open requests, and the escalation sweep over a million open ones.

    .venv/bin/python bench/bench_appeals.py                    # SQLite, 1,000,000 open requests
    .venv/bin/python bench/bench_appeals.py --postgres         # scratch database gongzhi_bench_appeals
    .venv/bin/python bench/bench_appeals.py --size 20000 --seconds 5 --rate 100   # a quick check
    .venv/bin/python bench/bench_appeals.py --postgres --keep  # leave the data for --reuse
    .venv/bin/python bench/bench_appeals.py --postgres --reuse --parts sweep
    .venv/bin/python bench/bench_appeals.py --reuse --parts worklist --roles community,grid --trials 10
    .venv/bin/python bench/bench_appeals.py --reuse --parts http --rate 40 --seconds 20 --capacity-seconds 0
    .venv/bin/python bench/bench_appeals.py --postgres --pg-port 5439 ...   # another PostgreSQL server

The city (built once, timed apart): `gongzhi demo` fills --communities real communities (the first in
code order; 200 by default, three districts) with households; then --size open requests are written
in bulk SQL, interleaved over the city as they would have arrived, each with its start event: the
first community (水井坊, 510104017001) holds --community-open of them (10,000), the others share the
rest; beside them --closed resolved and closed ones. Categories, urgencies (triage's category rule,
raised for some by words or tags), statuses (pending, in progress, a few unplaced hotline orders at
their street) and levels (grid 55 %, community 25 %, street 12 %, district 8 %) are drawn from a seed.
Deadlines are those of a city where the sweep runs every minute: at each level a request has been
there a uniform part of its allowance, so those whose deadline passed in the last minute are lapsed
(about 0.6 % of the open ones), and --district-lapsed of them (2 %) sit lapsed at the district,
where there is no level above to move them to. On PostgreSQL the build ends with VACUUM ANALYZE (what
autovacuum, off on this machine's server, would have done by the time anyone looks).

Parts (--parts, all by default, in this order):

worklist  the worklist of the community, as its community worker, a grid worker of its first grid,
          the street's and the district's staff (and the city's; --roles picks): selectors.worklist + worklist_page +
          worklist_counts in process, the whole page (/appeals/) and the API list (/api/appeals)
          through Django's test client (middleware, view, template), --trials each after a warm-up,
          with no filter and with urgency=critical, sla=lapsed, category=medicine, the last page
          (a call that takes over a second is timed 3 times, not --trials).
http      `gongzhi serve --no-consumer --no-access-log` (gunicorn, config/gunicorn.py) on --port,
          client processes POSTing /api/appeals/households/{door code} at a fixed offered --rate for
          --seconds (open loop: request j is due at start + j/rate whatever the answers), over
          --http-households households drawn across the city; latency from the time each request
          was due (so a client that fell behind counts against the server) and from its send; a
          client 30 s behind its schedule offers nothing more (counted as not sent). The CPU the
          server's processes (and, on PostgreSQL, this database's backends) spent per request: the
          figure that holds on a shared machine, and the cores 500/s would take.
          Then a closed-loop run (--capacity-connections sending back to back) for the capacity, and the
          floor of the same stack: the same requests for a door code that matches no household (404
          after one indexed read), same server, clients and run; the capacity is given as a ratio to it.
          Households and categories are drawn afresh for each run on the same data (a repeat of the
          last run's would merge every request into the one it left open).
          The limits of the same rows measured in the same run: each request's appeal row and event
          row inserted in one transaction by plain SQL into copies of the two tables (same columns,
          constraints and indexes), from one connection and from 16; and in batches of 500.
          The throttle (core.throttle, per client address and per household) stays on: the server
          believes X-Forwarded-For from 127.0.0.1 (GONGZHI_TRUSTED_PROXIES, as behind the proxy of
          docs/deploy.md), and each household's requests come from its own address, as from
          residents' own phones. Any 429 is counted and reported.
sweep     appeals_escalate_due(now=...) over the open requests, PostgreSQL and SQLite: at the build's
          moment (the steady state: what lapsed in the last minute) and in a surge (--surge lapsed at
          once: `now` moved to the deadline of the --surge-th request in line, as if the sweep had
          stopped for that long). Each run starts from the same rows (restored from a copy taken at
          the build) and is checked: every lapsed request below the district moved, nothing else.
          Its limit: the same change as one set-wise UPDATE plus one INSERT ... SELECT of the events,
          same rows, same run.

Never touches the project's own database or var folder. Load average is printed beside each part
(other sessions share this machine's 2 cores).
"""

import argparse
import datetime as dt
import http.client
import json
import multiprocessing as mp
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

ARGS = argparse.ArgumentParser()
ARGS.add_argument("--postgres", action="store_true")
ARGS.add_argument("--size", type=int, default=1_000_000, help="open requests in the city")
ARGS.add_argument("--community-open", type=int, default=None, help="open requests of the first community (10,000)")
ARGS.add_argument("--communities", type=int, default=None, help="communities with households (200)")
ARGS.add_argument("--residents-per-community", type=int, default=5000)
ARGS.add_argument("--closed", type=int, default=None, help="resolved and closed requests beside (size / 4)")
ARGS.add_argument("--district-lapsed", type=float, default=0.02, help="share of open requests lapsed at the district")
ARGS.add_argument("--surge", type=int, default=None, help="requests lapsing at once in the surge (10 %% of --size)")
ARGS.add_argument("--parts", default="worklist,http,sweep")
ARGS.add_argument("--trials", type=int, default=15)
ARGS.add_argument("--roles", default="community,grid,street,district,city", help="worklist viewers")
ARGS.add_argument("--rate", type=float, default=500.0, help="requests/s offered over HTTP")
ARGS.add_argument("--seconds", type=float, default=30.0)
ARGS.add_argument("--capacity-seconds", type=float, default=15.0, help="closed-loop run after (0: none)")
ARGS.add_argument("--capacity-connections", type=int, default=16)
ARGS.add_argument("--http-households", type=int, default=20_000)
ARGS.add_argument("--clients", type=int, default=2, help="client processes")
ARGS.add_argument("--threads", type=int, default=32, help="connections per client process")
ARGS.add_argument("--workers", type=int, default=2)
ARGS.add_argument("--port", type=int, default=8471)
ARGS.add_argument("--seed", type=int, default=2022)
ARGS.add_argument("--keep", action="store_true", help="leave the data for --reuse")
ARGS.add_argument("--reuse", action="store_true", help="time the data an earlier --keep run left")
ARGS.add_argument("--database", default="gongzhi_bench_appeals", help="PostgreSQL database name")
ARGS.add_argument("--pg-port", type=int, default=5432, help="PostgreSQL on 127.0.0.1 at this port")
ARGS.add_argument("--dir", default="/tmp/gongzhi-bench-appeals", help="SQLite: the database's folder")
ARGS = ARGS.parse_args()
COMMUNITY_OPEN = ARGS.community_open or min(10_000, ARGS.size // 4)
COMMUNITIES = ARGS.communities or max(3, min(200, ARGS.size // 5000))
CLOSED = ARGS.closed if ARGS.closed is not None else ARGS.size // 4
SURGE = ARGS.surge or ARGS.size // 10
PARTS = [p.strip() for p in ARGS.parts.split(",") if p.strip()]

ENV = dict(os.environ, DJANGO_SETTINGS_MODULE="gongzhi.config.settings.base", GONGZHI_LOG_LEVEL="ERROR")
if ARGS.postgres:
    if not ARGS.reuse:
        for sql in (f"DROP DATABASE IF EXISTS {ARGS.database}", f"CREATE DATABASE {ARGS.database}"):
            subprocess.run(
                ["psql", "-h", "127.0.0.1", "-p", str(ARGS.pg_port), "-U", "postgres", "-qc", sql], check=True
            )
    ENV["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{ARGS.pg_port}/{ARGS.database}"
    ENV["GONGZHI_VAR_DIR"] = tempfile.mkdtemp(prefix="gongzhi-bench-appeals-")  # Huey, static files
else:
    ENV.pop("DATABASE_URL", None)
    if not ARGS.reuse:
        shutil.rmtree(ARGS.dir, ignore_errors=True)
    os.makedirs(ARGS.dir, exist_ok=True)
    ENV["GONGZHI_VAR_DIR"] = ARGS.dir
os.environ.update(ENV)
if "DATABASE_URL" not in ENV:
    os.environ.pop("DATABASE_URL", None)

import django  # noqa: E402

django.setup()
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from gongzhi.appeals import flows, selectors, services, sla, triage  # noqa: E402
from gongzhi.appeals.models import Appeal  # noqa: E402
from gongzhi.core.db import bulk_insert  # noqa: E402
from gongzhi.core.ids import new_public_id  # noqa: E402
from gongzhi.core.models import RoleAssignment, WorkflowEvent  # noqa: E402
from gongzhi.places.models import Grid  # noqa: E402

TARGET = "510104017001"  # 水井坊社区, the first community in code order
SLA = dict(sla.DEFAULT_SLA_MINUTES)
CATEGORIES = [
    ("food", 30),
    ("medicine", 22),
    ("other", 14),
    ("elderly_care", 10),
    ("chronic_care", 8),
    ("psychological", 6),
    ("medical_emergency", 5),
    ("pregnancy", 5),
]
TEXTS = {
    "food": ["家里米和菜都快吃完了，想订一份蔬菜包", "小区封控第五天，家里没有菜了", "需要一箱牛奶和鸡蛋"],
    "medicine": [
        "降压药只剩两天的量了，麻烦帮忙代购硝苯地平缓释片",
        "孩子发烧38度5，家里退烧药没有了",
        "需要代购二甲双胍",
    ],
    "other": ["楼道灯坏了，晚上送物资看不清", "垃圾两天没有清运了", "想问一下核酸检测的时间"],
    "elderly_care": ["楼上独居老人两天没开门了，请社区去看看", "家里老人行动不便，需要有人上门帮忙", "老人需要送饭"],
    "chronic_care": [
        "家里老人每周一三五要去医院透析，小区封控出不去，请帮忙安排车辆",
        "化疗时间到了需要去医院",
        "胰岛素快用完了",
    ],
    "psychological": [
        "一个人隔离在家好几天了，晚上睡不着很焦虑",
        "家人情绪很低落，想找人聊聊",
        "孩子封控在家情绪不稳定",
    ],
    "medical_emergency": ["老人胸口痛，需要去医院", "家人突然晕倒了，已经打了120", "呼吸困难，需要就医"],
    "pregnancy": ["孕36周，明天需要去医院产检", "孕妇见红了，需要去医院", "需要去医院做孕检"],
}
LEVELS = [("grid", 55), ("community", 25), ("street", 12), ("district", 8)]
FIGURES: list[tuple[str, str, str]] = []  # (what, figure, goal and whether met)


def load() -> str:
    return "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def say(text: str = "") -> None:
    print(text, flush=True)


def execute(sql: str, params=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def scalar(sql: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def to_db(moment: dt.datetime):
    return connection.ops.adapt_datetimefield_value(moment)


def from_db(value) -> dt.datetime:
    """A datetime read back by raw SQL (SQLite gives text, naive UTC)."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(str(value)).replace(tzinfo=dt.UTC)


# ---------------------------------------------------------------------------------------------- build


def weighted(rng: random.Random, table):
    total = sum(w for _v, w in table)
    x = rng.uniform(0, total)
    for value, w in table:
        x -= w
        if x <= 0:
            return value
    return table[-1][0]


def draw_urgency(rng: random.Random, category: str) -> str:
    """Triage's category rule, raised for some requests as words in the text or the household's tags
    raise them (a normal one to urgent 20 %, an urgent one to critical 10 %)."""
    urgency = triage.CATEGORY_URGENCY[category]
    if urgency == "normal" and rng.random() < 0.2:
        urgency = "urgent"
    elif urgency == "urgent" and rng.random() < 0.1:
        urgency = "critical"
    return urgency


def appeal_row(rng, *, household, community, t0: dt.datetime, open_: bool, unplaced: bool, worker_id: int, seq: int):
    """One request as a dict of database columns (absent keys are NULL)."""
    category = weighted(rng, CATEGORIES)
    urgency = draw_urgency(rng, category)
    allowance = dt.timedelta(minutes=SLA[urgency])
    text = rng.choice(TEXTS[category])
    row = {
        "public_id": new_public_id(int(t0.timestamp() * 1000) - 10_000_000 + seq),
        "community_code": community,
        "channel": "staff" if rng.random() < 0.2 else "household",
        "category": category,
        "urgency": urgency,
        "urgency_rank": triage.RANK[urgency],
        "urgency_reasons": json.dumps(
            [
                {
                    "code": triage.BY_CATEGORY,
                    "params": {"category": category, "urgency": triage.CATEGORY_URGENCY[category]},
                }
            ],
            ensure_ascii=False,
        ),
        "text": text,
        "caller_name": "",
        "caller_phone": "",
        "address_text": household[2] if household else f"{community}附近临时值守点",
        "escalations": 0,
        "assignee_name": "",
        "resolution": "",
        "feedback": "",
        "created_by_name": "",
    }
    if unplaced:
        row.update(status=flows.UNPLACED, channel="hotline", hotline_ref=f"BENCH-{seq}", level="street")
        since = t0 - dt.timedelta(seconds=rng.uniform(0, 6 * 3600))
        row.update(level_since=since, due_at=since + allowance, received_at=since)
    elif open_:
        row["household_id"] = household[0]
        level = weighted(rng, LEVELS)
        depth = [name for name, _w in LEVELS].index(level)
        if level == "district" and rng.random() < ARGS.district_lapsed / 0.08:
            # Lapsed at the district long ago: nobody above to move it to, it waits there.
            due = t0 - dt.timedelta(seconds=rng.uniform(60, 3 * 86400))
        else:
            # The sweep ran a minute ago: its deadline falls anywhere in the allowance from then on.
            due = t0 - dt.timedelta(seconds=60) + allowance * rng.random()
        since = due - allowance
        received = since - allowance * depth - dt.timedelta(seconds=rng.uniform(0, 600))
        status = flows.IN_PROGRESS if rng.random() < 0.35 else flows.PENDING
        row.update(status=status, level=level, level_since=since, due_at=due, received_at=received, escalations=depth)
        if status == flows.IN_PROGRESS:
            row.update(assignee_id=worker_id, assignee_name="bench_grid")
    else:
        row["household_id"] = household[0]
        received = t0 - dt.timedelta(seconds=rng.uniform(3600, 20 * 86400))
        resolved = received + dt.timedelta(seconds=rng.uniform(600, 2 * 86400))
        row.update(
            status=flows.CLOSED if rng.random() < 0.85 else flows.RESOLVED,
            level="grid",
            level_since=received,
            due_at=received + allowance,
            received_at=received,
            resolved_at=resolved,
            resolution="已办结",
        )
        if row["status"] == flows.CLOSED:
            row.update(rating=rng.choice((3, 4, 5, 5, 5)), feedback="谢谢")
    row["created_at"] = row["received_at"]
    row["updated_at"] = row["level_since"]
    return row


def write_rows(rows: list[dict]) -> None:
    """Appeals and their start events, grouped by the columns they have (NULLs left out), in bulk."""
    groups: dict[tuple, list] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    with connection.cursor() as cursor:
        for fields, members in groups.items():
            values = [tuple(to_db(v) if isinstance(v, dt.datetime) else v for v in r.values()) for r in members]
            bulk_insert(cursor, Appeal, fields, values)
        events = [
            (
                "appeal",
                r["public_id"],
                "[]",
                1,
                "",
                flows.UNPLACED if r["status"] == flows.UNPLACED else flows.PENDING,
                "system",
                "",
                r["community_code"],
                to_db(r["received_at"]),
                json.dumps({"channel": r["channel"], "urgency": r["urgency"], "level": r["level"]}),
            )
            for r in rows
        ]
        bulk_insert(
            cursor,
            WorkflowEvent,
            (
                "flow",
                "row_key",
                "row_keys",
                "row_count",
                "from_status",
                "to_status",
                "actor_name",
                "reason",
                "area_code",
                "at",
                "detail",
            ),
            events,
        )


def user_with(username: str, role: str, area_code: str, grid=None):
    user, _ = get_user_model().objects.get_or_create(username=username)
    RoleAssignment.objects.get_or_create(user=user, role=role, area_code=area_code, grid=grid)
    return user


def households_by_community() -> dict[str, list[tuple[int, int | None, str]]]:
    out: dict[str, list] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT h.id, b.grid_id, h.address, h.community_code FROM places_household h"
            " JOIN places_building b ON b.id = h.building_id ORDER BY h.id"
        )
        for hid, grid, address, code in cursor.fetchall():
            out.setdefault(code, []).append((hid, grid, address))
    return out


def build() -> dt.datetime:
    call_command("migrate", verbosity=0)
    call_command("load_areas", verbosity=0)
    started = time.perf_counter()
    call_command(
        "demo",
        communities=COMMUNITIES,
        residents_per_community=ARGS.residents_per_community,
        seed=11,
        without_round=True,
        verbosity=0,
    )
    say(
        f"demo city: {COMMUNITIES} communities x {ARGS.residents_per_community:,} residents in"
        f" {time.perf_counter() - started:.0f} s"
    )
    grid = bench_users()["grid"]
    rng = random.Random(ARGS.seed)
    homes = households_by_community()
    codes = sorted(homes)
    assert codes[0] == TARGET, codes[0]
    others = codes[1:]
    # Open requests: the community's exact number, the rest shared unevenly by the others, 0.5 % of
    # them unplaced hotline orders at their street; interleaved over the city as they arrived.
    weights = [rng.uniform(0.5, 1.5) for _ in others]
    rest = ARGS.size - COMMUNITY_OPEN
    shares = [int(rest * w / sum(weights)) for w in weights]
    shares[0] += rest - sum(shares)
    plan = [0] * COMMUNITY_OPEN
    for i, n in enumerate(shares):
        plan.extend([i + 1] * n)
    plan.extend([-1 - rng.randrange(len(codes)) for _ in range(CLOSED)])  # closed ones, any community
    rng.shuffle(plan)
    t0 = dt.datetime.now(dt.UTC).replace(microsecond=0)
    started = time.perf_counter()
    chunk: list[dict] = []
    for seq, slot in enumerate(plan):
        open_ = slot >= 0
        code = codes[slot if open_ else -1 - slot]
        unplaced = open_ and slot > 0 and rng.random() < 0.005
        chunk.append(
            appeal_row(
                rng,
                household=None if unplaced else rng.choice(homes[code]),
                community=code[:9] + "000" if unplaced else code,
                t0=t0,
                open_=open_,
                unplaced=unplaced,
                worker_id=grid.pk,
                seq=seq,
            )
        )
        if len(chunk) == 50_000:
            with transaction.atomic():
                write_rows(chunk)
            chunk = []
    if chunk:
        with transaction.atomic():
            write_rows(chunk)
    say(f"requests written: {len(plan):,} and their start events in {time.perf_counter() - started:.0f} s")
    # The copy each sweep starts from, and when the city was built.
    execute(
        "CREATE TABLE bench_appeal_base AS SELECT id, status, level, level_since, due_at, escalations, assignee_id,"
        " assignee_name, updated_at FROM appeals_appeal WHERE status IN ('pending', 'in_progress')"
    )
    execute("CREATE UNIQUE INDEX bench_appeal_base_id ON bench_appeal_base (id)")
    execute("CREATE TABLE bench_appeals_meta (t0 varchar(40))")
    execute("INSERT INTO bench_appeals_meta VALUES (%s)", [t0.isoformat()])
    if connection.vendor == "postgresql":
        # What autovacuum would have done by the time anyone looks (it is off on this machine's server):
        # statistics, and the visibility map that lets counts read an index alone. SQLite runs without.
        connection.close()
        execute("VACUUM ANALYZE")
    return t0


def bench_users() -> dict:
    """Bench logins on the community (its first grid for the grid worker), street, district, city."""
    grid = Grid.objects.filter(community_code=TARGET).order_by("number").first()
    assert grid is not None
    return {
        "community": user_with("bench_community", "community_worker", TARGET),
        "grid": user_with("bench_grid", "grid_worker", TARGET, grid),
        "street": user_with("bench_street", "street_staff", TARGET[:9]),
        "district": user_with("bench_district", "district_staff", TARGET[:6]),
        "city": user_with("bench_city", "city_staff", "5101"),
    }


def describe(t0: dt.datetime) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT status, count(*) FROM appeals_appeal GROUP BY status ORDER BY status")
        statuses = dict(cursor.fetchall())
        cursor.execute(
            "SELECT urgency, count(*) FROM appeals_appeal WHERE status IN ('unplaced', 'pending', 'in_progress')"
            " GROUP BY urgency"
        )
        urgencies = dict(cursor.fetchall())
        cursor.execute(
            "SELECT count(*) FROM appeals_appeal WHERE community_code = %s AND status IN"
            " ('unplaced', 'pending', 'in_progress')",
            [TARGET],
        )
        target = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM places_household")
        households = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM core_workflowevent")
        events = cursor.fetchone()[0]
    open_ = sum(statuses.get(s, 0) for s in flows.OPEN_STATES)
    say(
        f"requests: {sum(statuses.values()):,} ({', '.join(f'{k} {v:,}' for k, v in statuses.items())});"
        f" open {open_:,}: {', '.join(f'{k} {v / open_:.0%}' for k, v in sorted(urgencies.items()))};"
        f" {households:,} households; {events:,} workflow events; built at {t0:%Y-%m-%d %H:%M} UTC"
    )
    say(f"the community {TARGET}: {target:,} open requests")


# -------------------------------------------------------------------------------------------- worklist


def worklist_in_process(user, area: str, minutes: dict, params: dict, page: int) -> int:
    fresh = get_user_model().objects.get(pk=user.pk)  # its areas read again, as per request
    qs = selectors.worklist(user=fresh, area_code=area, minutes=minutes, **params)
    rows, _more = selectors.worklist_page(qs, page)
    filters = {"status": "open", **params}
    counts = selectors.worklist_counts(qs, urgency=filters.get("urgency", ""), cap=selectors.count_cap(filters))
    assert sum(counts.values()) >= len(rows)
    return len(rows)


def worklist_page_view(client, area: str, params: dict) -> int:
    answer = client.get("/appeals/", {"area": area, **params})
    assert answer.status_code == 200, (answer.status_code, answer.content[:300])
    return answer.content.count(b'name="appeal"')


def worklist_api(client, area: str, category: str, page: int) -> int:
    answer = client.get("/api/appeals", {"area": area, "category": category, "page": str(page), "page_size": "50"})
    assert answer.status_code == 200, (answer.status_code, answer.content[:300])
    return len(answer.json()["items"])


def worklist_part() -> None:
    say(f"\n== worklist ({load()})")
    users = bench_users()
    grid = RoleAssignment.objects.get(user=users["grid"]).grid
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM appeals_appeal a JOIN places_household h ON h.id = a.household_id JOIN"
            " places_building b ON b.id = h.building_id WHERE b.grid_id = %s AND a.status IN"
            " ('unplaced', 'pending', 'in_progress')",
            [grid.pk],
        )
        in_grid = cursor.fetchone()[0]
    say(f"grid worker's grid: {grid.name} ({in_grid:,} open)")
    filters = [
        ("no filter", {}),
        ("urgency=critical", {"urgency": "critical"}),
        ("sla=lapsed", {"sla": "lapsed"}),
        ("category=medicine", {"category": "medicine"}),
        ("page 200 (the last)", {"page": "200"}),
    ]
    areas = {"community": TARGET, "grid": TARGET, "street": TARGET[:9], "district": TARGET[:6], "city": "5101"}
    minutes = services.sla_minutes()
    over = []
    for label, user in users.items():
        if label not in ARGS.roles.split(","):
            continue
        area = areas[label]
        client = Client()
        client.force_login(user)
        say(f"\n{label} ({user.username}, area {area}): p50 / p95 of {ARGS.trials} after a warm-up")
        for what, params in filters:
            selector_params = {
                "urgency": params.get("urgency", ""),
                "sla_state": params.get("sla", ""),
                "category": params.get("category", ""),
            }
            page = int(params.get("page", "1"))

            kinds = [
                ("selectors", partial(worklist_in_process, user, area, minutes, selector_params, page)),
                ("page", partial(worklist_page_view, client, area, params)),
            ]
            if not params.get("urgency") and not params.get("sla"):  # the API filters by area and category only
                kinds.append(("API", partial(worklist_api, client, area, params.get("category", ""), page)))
            cells = []
            for kind, call in kinds:
                timings, shown, trials = [], 0, ARGS.trials
                for trial in range(ARGS.trials + 1):
                    if trial > trials:
                        break
                    began = time.perf_counter()
                    shown = call()
                    elapsed = (time.perf_counter() - began) * 1000
                    if trial:
                        timings.append(elapsed)
                    elif elapsed > 1000:  # seconds a call: a few trials tell as much
                        trials = min(trials, 3)
                high = pct(timings, 0.95)
                mark = "" if high < 100 else " <-- over 100 ms"
                if mark:
                    over.append(f"{label}, {what}, {kind}: p95 {high:.0f} ms")
                n = "" if len(timings) == ARGS.trials else f", {len(timings)} trials"
                cells.append(f"{kind} {statistics.median(timings):6.1f} / {high:6.1f} ms ({shown} rows{n}){mark}")
                if label == "community" and what == "no filter":
                    FIGURES.append(
                        (
                            f"community worklist, {COMMUNITY_OPEN:,} open, {kind}: p50 / p95",
                            f"{statistics.median(timings):.1f} / {high:.1f} ms",
                            "p95 < 100 ms: " + ("met" if high < 100 else "NOT met"),
                        )
                    )
            say(f"  {what:<20} " + "   ".join(cells))
    worst_community = [o for o in over if o.startswith(("community", "grid"))]
    FIGURES.append(
        (
            "worklist, community and grid worker, every filter and kind",
            "all p95 < 100 ms" if not worst_community else f"{len(worst_community)} over 100 ms",
            "p95 < 100 ms: " + ("met" if not worst_community else "NOT met"),
        )
    )
    say(f"\nover 100 ms p95: {len(over)}")
    for line in over:
        say(f"  {line}")


# ------------------------------------------------------------------------------------------------ http


def raw_tables() -> None:
    """Copies of the appeals and events tables: same columns, constraints and indexes (and the
    household foreign key, checked at commit as Django declares it)."""
    with connection.cursor() as cursor:
        for table, copy in (("appeals_appeal", "bench_raw_appeal"), ("core_workflowevent", "bench_raw_event")):
            cursor.execute(f"DROP TABLE IF EXISTS {copy}")
            if connection.vendor == "postgresql":
                cursor.execute(f"CREATE TABLE {copy} (LIKE {table} INCLUDING ALL)")
                if table == "appeals_appeal":
                    cursor.execute(
                        f"ALTER TABLE {copy} ADD FOREIGN KEY (household_id) REFERENCES places_household (id)"
                        " DEFERRABLE INITIALLY DEFERRED"
                    )
                continue
            cursor.execute("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL", [table])
            for kind, name, sql in sorted(cursor.fetchall(), key=lambda r: r[0] != "table"):
                sql = sql.replace(f'"{table}"', f'"{copy}"')
                if kind == "index":
                    sql = sql.replace(f'"{name}"', f'"{copy}_{name}"', 1)
                cursor.execute(sql)


def raw_rows(n: int) -> list[tuple[tuple, tuple]]:
    """n requests as the endpoint writes them: (appeal values, event values) in database form."""
    rng = random.Random(5)
    homes = households_by_community()
    codes = sorted(homes)
    now = dt.datetime.now(dt.UTC)
    out = []
    for seq in range(n):
        code = rng.choice(codes)
        row = appeal_row(
            rng,
            household=rng.choice(homes[code]),
            community=code,
            t0=now,
            open_=True,
            unplaced=False,
            worker_id=0,
            seq=seq,
        )
        row.pop("assignee_id", None)
        row["public_id"] = new_public_id()
        row.update(status="pending", level="grid", escalations=0, assignee_name="")
        values = tuple(to_db(v) if isinstance(v, dt.datetime) else v for v in row.values())
        event = (
            "appeal",
            row["public_id"],
            "[]",
            1,
            "",
            "pending",
            "system",
            "",
            code,
            to_db(now),
            json.dumps({"channel": row["channel"], "urgency": row["urgency"], "level": "grid"}),
        )
        out.append((tuple(row), values, event))
    return out


EVENT_COLUMNS = "flow, row_key, row_keys, row_count, from_status, to_status, actor_name, reason, area_code, at, detail"


def raw_insert(rows, threads: int) -> float:
    """Each request's two rows in one transaction, plain SQL, from `threads` connections; rows/s."""
    fields = rows[0][0]
    appeal_sql = f"INSERT INTO bench_raw_appeal ({', '.join(fields)}) VALUES ({', '.join(['%s'] * len(fields))})"
    event_sql = f"INSERT INTO bench_raw_event ({EVENT_COLUMNS}) VALUES ({', '.join(['%s'] * 11)})"
    connections.close_all()
    start = threading.Barrier(threads + 1)

    def work(part):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            start.wait()
            for _fields, values, event in part:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(appeal_sql, values)
                    cursor.execute(event_sql, event)
        finally:
            connection.close()

    pool = [threading.Thread(target=work, args=(rows[i::threads],)) for i in range(threads)]
    for t in pool:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in pool:
        t.join()
    return len(rows) / (time.perf_counter() - began)


def raw_batched(rows) -> float:
    """The same appeal rows in batches of 500, one commit each: the database's plain limit."""
    fields = rows[0][0]
    began = time.perf_counter()
    for i in range(0, len(rows), 500):
        with transaction.atomic(), connection.cursor() as cursor:
            part = [r[1] for r in rows[i : i + 500]]
            if connection.vendor == "postgresql":
                bulk_insert_raw(cursor, "bench_raw_appeal", fields, part)
            else:
                cursor.executemany(
                    f"INSERT INTO bench_raw_appeal ({', '.join(fields)}) VALUES ({', '.join(['%s'] * len(fields))})",
                    part,
                )
    return len(rows) / (time.perf_counter() - began)


def bulk_insert_raw(cursor, table: str, fields, rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(fields)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def start_server() -> subprocess.Popen:
    log = Path(ENV["GONGZHI_VAR_DIR"]) / f"server-{ARGS.port}.log"
    env = dict(ENV, GONGZHI_TRUSTED_PROXIES="127.0.0.1")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gongzhi.cli",
            "serve",
            "--bind",
            f"127.0.0.1:{ARGS.port}",
            "--workers",
            str(ARGS.workers),
            "--no-consumer",
            "--no-access-log",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
        start_new_session=True,
    )


def wait_up() -> None:
    log = Path(ENV["GONGZHI_VAR_DIR"]) / f"server-{ARGS.port}.log"
    for _ in range(600):
        try:
            c = http.client.HTTPConnection("127.0.0.1", ARGS.port, timeout=1)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server did not answer:\n{log.read_text(errors='replace')[-3000:]}")


def request_plan(n: int, households: list[tuple[str, int]], rng: random.Random) -> list[tuple[str, bytes, dict]]:
    """n requests: (path, body, headers), each from a household of the pool through its own address."""
    out = []
    for _ in range(n):
        door_key, index = rng.choice(households)
        category = weighted(rng, CATEGORIES)
        body = {"category": category, "text": rng.choice(TEXTS[category]) + f"（{rng.randint(1, 99)}）"}
        if rng.random() < 0.3:
            body.update(caller_name="王女士", caller_phone=f"139{rng.randint(0, 99_999_999):08d}")
        address = f"10.{index >> 16 & 255}.{index >> 8 & 255}.{index & 255}"
        headers = {"Content-Type": "application/json", "X-Forwarded-For": address}
        out.append((f"/api/appeals/households/H:{door_key}", json.dumps(body, ensure_ascii=False).encode(), headers))
    return out


GIVE_UP = 30.0  # seconds behind schedule after which a client stops offering


def open_loop_client(plan, start, interval, offset, threads, results):
    """Request j of this process is due at start + offset + j * interval, whatever the answers;
    `threads` keep-alive connections send whichever is due next. Puts (per request: (status, due,
    sent, done); this process's CPU seconds, all of them spent sending and reading)."""
    lock = threading.Lock()
    nxt = [0]
    out = []

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", ARGS.port, timeout=60)
        mine = []
        while True:
            with lock:
                j = nxt[0]
                nxt[0] += 1
            if j >= len(plan):
                break
            due = start + offset + j * interval
            time.sleep(max(0.0, due - time.monotonic()))
            sent = time.monotonic()
            if sent - due > GIVE_UP:  # the server is this far behind: the rest is not offered at all
                mine.append(("not sent (30 s behind)", due, sent, sent))
                continue
            path, body, headers = plan[j]
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                status = response.status
                if status == 201 and json.loads(payload).get("merged_into"):
                    status = "201 merged"
            except OSError as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", ARGS.port, timeout=60)
                status = f"connection error ({type(exc).__name__})"
            mine.append((status, due, sent, time.monotonic()))
        with lock:
            out.extend(mine)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    results.put((out, time.process_time()))  # a forked process: its CPU is this run's alone


def closed_loop_client(plan, deadline, results):
    conn = http.client.HTTPConnection("127.0.0.1", ARGS.port, timeout=60)
    out = []
    for path, body, headers in plan:
        if time.monotonic() > deadline:
            break
        sent = time.monotonic()
        try:
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except OSError as exc:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", ARGS.port, timeout=60)
            status = f"connection error ({type(exc).__name__})"
        out.append((status, sent, sent, time.monotonic()))
    results.put(out)


def closed_loop(ctx, results, plan, ok: int) -> tuple[float, float, float, dict]:
    """--capacity-connections clients sending `plan` back to back for --capacity-seconds: answers `ok`
    a second, their p50 and p99 from send (ms), and every answer counted."""
    c = ARGS.capacity_connections
    deadline = time.monotonic() + ARGS.capacity_seconds
    began = time.monotonic()
    procs = [ctx.Process(target=closed_loop_client, args=(plan[i::c], deadline, results)) for i in range(c)]
    for p in procs:
        p.start()
    records = [r for _ in procs for r in results.get()]
    for p in procs:
        p.join()
    elapsed = max(r[3] for r in records) - began
    good = [(r[3] - r[2]) * 1000 for r in records if r[0] == ok]
    return len(good) / elapsed, pct(good, 0.5), pct(good, 0.99), statuses_of(records)


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU of each of these processes so far (seconds)."""
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds between two readings, of the processes alive at the second (new ones: all of theirs)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def tree(pid: int) -> list[int]:
    """The process and its descendants (the server: `gongzhi serve`, gunicorn, its workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def db_backends() -> list[int]:
    """This database's PostgreSQL backends (their CPU is the database's share of a request)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [r[0] for r in cursor.fetchall()]


def statuses_of(records) -> dict:
    counts: dict = {}
    for r in records:
        counts[str(r[0])] = counts.get(str(r[0]), 0) + 1
    return counts


def http_part() -> None:
    say(f"\n== new requests over HTTP ({load()})")
    # Drawn afresh for each run on the same data (the highest request id so far seeds it): a run that
    # repeated the last run's households and categories would find every one of them open, and merge.
    rng = random.Random(ARGS.seed * 1_000_003 + (scalar("SELECT max(id) FROM appeals_appeal") or 0))
    with connection.cursor() as cursor:
        cursor.execute("SELECT door_key FROM places_household ORDER BY id")
        every = [r[0] for r in cursor.fetchall()]
    pool = [(p, i) for i, p in enumerate(rng.sample(every, min(ARGS.http_households, len(every))))]
    communities = scalar("SELECT count(DISTINCT community_code) FROM places_household")
    say(
        f"households: {len(pool):,} drawn from {len(every):,} in {communities} communities,"
        f" each from its own client address (X-Forwarded-For through the trusted proxy 127.0.0.1)"
    )
    # The limits, same rows, same run.
    raw_tables()
    rows = raw_rows(6000)
    one = raw_insert(rows[:2000], 1)
    many = raw_insert(rows[2000:6000], 16)
    execute("DELETE FROM bench_raw_appeal")
    execute("DELETE FROM bench_raw_event")
    batched = raw_batched(raw_rows(50_000))
    execute("DROP TABLE bench_raw_appeal")
    execute("DROP TABLE bench_raw_event")
    say(
        f"limits, plain SQL, same rows: a request's appeal + event in one transaction: {one:,.0f}/s from 1"
        f" connection, {many:,.0f}/s from 16; appeal rows in batches of 500: {batched:,.0f} rows/s"
    )
    before = scalar("SELECT max(id) FROM appeals_appeal")
    connection.close()
    server = start_server()
    try:
        wait_up()
        say(
            f"server: `gongzhi serve --workers {ARGS.workers} --no-consumer --no-access-log` on 127.0.0.1:{ARGS.port}"
            f" (gthread, {os.environ.get('GONGZHI_THREADS', '16')} threads a worker); {load()}"
        )
        # Warm-up: each worker's first requests load the code and open connections.
        warm = request_plan(200, pool, rng)
        ctx = mp.get_context("fork")
        results = ctx.Queue()
        procs = [
            ctx.Process(target=closed_loop_client, args=(warm[i::4], time.monotonic() + 30, results)) for i in range(4)
        ]
        for p in procs:
            p.start()
        [results.get() for _ in procs]
        for p in procs:
            p.join()
        # Open loop at the offered rate; the CPU the server (and the database's backends) spent on it.
        n = int(ARGS.rate * ARGS.seconds)
        cpu_before = cpu_seconds(tree(server.pid)), cpu_seconds(db_backends())
        plan = request_plan(n, pool, rng)
        per = [plan[i :: ARGS.clients] for i in range(ARGS.clients)]
        start = time.monotonic() + 1.0
        interval = ARGS.clients / ARGS.rate
        procs = [
            ctx.Process(target=open_loop_client, args=(per[i], start, interval, i / ARGS.rate, ARGS.threads, results))
            for i in range(ARGS.clients)
        ]
        for p in procs:
            p.start()
        gathered = [results.get() for _ in procs]
        offered = [r for records, _ in gathered for r in records]
        for p in procs:
            p.join()
        records = [r for r in offered if not str(r[0]).startswith("not sent")]  # those sent
        finished = max(r[3] for r in records)
        cpu_server = cpu_spent(cpu_before[0], cpu_seconds(tree(server.pid))) / len(records) * 1000
        cpu_db = cpu_spent(cpu_before[1], cpu_seconds(db_backends())) / len(records) * 1000
        cpu_clients = sum(cpu for _, cpu in gathered) / len(records) * 1000
        ok = [r for r in records if str(r[0]).startswith("201")]
        from_due = [(r[3] - r[1]) * 1000 for r in ok]
        from_send = [(r[3] - r[2]) * 1000 for r in ok]
        late = [(r[2] - r[1]) * 1000 for r in records]
        achieved = len(ok) / (finished - start)
        in_window = sum(1 for r in ok if r[3] <= start + ARGS.seconds) / ARGS.seconds
        p99 = pct(from_due, 0.99)
        say(
            f"open loop, {ARGS.rate:,.0f}/s offered for {ARGS.seconds:.0f} s ({n:,} requests) from {ARGS.clients} x"
            f" {ARGS.threads} connections; {load()}"
        )
        say(f"  answers: {statuses_of(offered)}")
        say(
            f"  achieved: {achieved:,.1f} stored/s over {finished - start:.1f} s"
            f" ({in_window:,.1f}/s answered within the {ARGS.seconds:.0f} s window)"
        )
        say(
            f"  latency from due time: p50 {pct(from_due, 0.5):.0f} ms, p95 {pct(from_due, 0.95):.0f} ms,"
            f" p99 {p99:.0f} ms, max {max(from_due):.0f} ms"
        )
        say(
            f"  latency from send:     p50 {pct(from_send, 0.5):.0f} ms, p95 {pct(from_send, 0.95):.0f} ms,"
            f" p99 {pct(from_send, 0.99):.0f} ms; client sent late by p99 {pct(late, 0.99):.0f} ms"
        )
        errors = len(offered) - len(ok)
        db_part = (
            f" + {cpu_db:.1f} ms in PostgreSQL's backends" if connection.vendor == "postgresql" else " (SQLite: inside)"
        )
        say(
            f"  CPU per request: {cpu_server:.1f} ms in the server's processes{db_part}: at most"
            f" {2000 / (cpu_server + cpu_db):,.0f} requests/s on 2 free cores, {500 * (cpu_server + cpu_db) / 1000:.1f}"
            " cores for 500/s"
        )
        total = cpu_server + cpu_db + cpu_clients
        say(
            f"  with the clients' {cpu_clients:.1f} ms a request (the same 2 cores): {total:.1f} ms, at most"
            f" {2000 / total:,.0f} requests/s on this machine"
        )
        FIGURES.append(
            (
                f"HTTP {ARGS.rate:,.0f}/s offered, {ARGS.seconds:.0f} s: achieved",
                f"{achieved:,.0f}/s, {errors} not 201",
                "500/s: " + ("met" if achieved >= 0.99 * 500 and not errors else "NOT met"),
            )
        )
        FIGURES.append(
            (
                "  p50 / p95 / p99 from due time",
                f"{pct(from_due, 0.5):.0f} / {pct(from_due, 0.95):.0f} / {p99:.0f} ms",
                "p99 < 200 ms: " + ("met" if p99 < 200 else "NOT met"),
            )
        )
        FIGURES.append(
            (
                "  CPU per request (server + database backends)",
                f"{cpu_server:.1f} + {cpu_db:.1f} ms",
                f"{500 * (cpu_server + cpu_db) / 1000:.1f} cores for 500/s",
            )
        )
        FIGURES.append(
            (
                "  ratio to the limit, 16 connections / 1 connection",
                f"{achieved / many:.2f} / {achieved / one:.2f}",
                f"limit {many:,.0f}/s, {one:,.0f}/s; batched {batched:,.0f} rows/s",
            )
        )
        if ARGS.capacity_seconds:
            c = ARGS.capacity_connections
            plan = request_plan(int(3000 * ARGS.capacity_seconds), pool, rng)
            rate, p50, p99, answers = closed_loop(ctx, results, plan, ok=201)
            say(
                f"closed loop, {c} connections back to back for {ARGS.capacity_seconds:.0f} s: {rate:,.0f}"
                f" stored/s, p50 {p50:.0f} ms, p99 {p99:.0f} ms; answers {answers}; {load()}"
            )
            # The floor of the same stack, same run: the same requests for a door code that matches no
            # household, refused (404) after the one indexed read, through the same server, middleware,
            # API and clients. No new request can be answered faster than this here.
            nobody = f"/api/appeals/households/H:{'0' * 24}"
            floor, floor50, floor99, floor_answers = closed_loop(
                ctx, results, [(nobody, body, headers) for _, body, headers in plan], ok=404
            )
            say(
                f"the floor, the same requests for an unknown door code (404 after one read): {floor:,.0f}/s,"
                f" p50 {floor50:.0f} ms, p99 {floor99:.0f} ms; answers {floor_answers}; {load()}"
            )
            FIGURES.append((f"HTTP capacity, closed loop, {c} connections", f"{rate:,.0f}/s, p99 {p99:.0f} ms", ""))
            FIGURES.append(
                (
                    "  ratio to the floor (same stack, a 404 after one read)",
                    f"{rate / floor:.2f}",
                    f"floor {floor:,.0f}/s, p99 {floor99:.0f} ms",
                )
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    stored = scalar("SELECT count(*) FROM appeals_appeal WHERE id > %s", [before])
    merged = scalar("SELECT count(*) FROM appeals_appeal WHERE id > %s AND status = 'merged'", [before])
    say(f"stored: {stored:,} new requests ({merged:,} merged into an open one of the same household and category)")


# ----------------------------------------------------------------------------------------------- sweep


def restore(t0: dt.datetime) -> None:
    """The open requests as built: every row a sweep moved gets its columns back, its events go."""
    changed = (
        "status = b.status, level = b.level, level_since = b.level_since, due_at = b.due_at, escalations ="
        " b.escalations, assignee_id = b.assignee_id, assignee_name = b.assignee_name, updated_at = b.updated_at"
    )
    execute(
        f"UPDATE appeals_appeal SET {changed} FROM bench_appeal_base b WHERE appeals_appeal.id = b.id"
        " AND appeals_appeal.updated_at >= %s",
        [to_db(t0 - dt.timedelta(seconds=59))],
    )
    execute("DELETE FROM core_workflowevent WHERE flow = 'appeal' AND reason = 'sla_lapsed'")
    if connection.vendor == "postgresql":
        connection.close()
        with connection.cursor() as cursor:  # autocommit: VACUUM cannot run in a transaction
            cursor.execute("VACUUM ANALYZE appeals_appeal")
            cursor.execute("VACUUM ANALYZE core_workflowevent")


def lapsed_counts(now: dt.datetime) -> tuple[int, int, int]:
    """(open, lapsed below the district: what the sweep moves, lapsed at the district)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*),"
            " sum(CASE WHEN due_at <= %s AND level <> 'district' AND status <> 'unplaced' THEN 1 ELSE 0 END),"
            " sum(CASE WHEN due_at <= %s AND level = 'district' AND status <> 'unplaced' THEN 1 ELSE 0 END)"
            " FROM appeals_appeal WHERE status IN ('unplaced', 'pending', 'in_progress')",
            [to_db(now), to_db(now)],
        )
        return tuple(int(v or 0) for v in cursor.fetchone())


def sweep_once(label: str, now: dt.datetime, t0: dt.datetime) -> None:
    open_, due, at_top = lapsed_counts(now)
    say(
        f"{label}: now = build + {(now - t0).total_seconds() / 60:.1f} min; {open_:,} open, {due:,} lapsed below the"
        f" district ({due / open_:.2%}), {at_top:,} lapsed at the district ({at_top / open_:.2%}); {load()}"
    )
    events_before = scalar("SELECT count(*) FROM core_workflowevent WHERE reason = 'sla_lapsed'")
    began = time.perf_counter()
    moved = services.appeals_escalate_due(now=now)
    elapsed = time.perf_counter() - began
    _o, left, _t = lapsed_counts(now)
    events = scalar("SELECT count(*) FROM core_workflowevent WHERE reason = 'sla_lapsed'") - events_before
    check = (
        "ok"
        if moved == due and left == 0 and events == due
        else f"CHECK FAILED: {due:,} due, {left:,} left, {events:,} events"
    )
    say(f"  appeals_escalate_due: {moved:,} moved in {elapsed:.2f} s ({moved / elapsed:,.0f}/s); {check}")
    FIGURES.append(
        (
            f"sweep, {label}: {moved:,} of {open_:,} open moved",
            f"{elapsed:.2f} s",
            "< 5 s: " + ("met" if elapsed < 5 else "NOT met"),
        )
    )
    restore(t0)
    # The limit: the same change as one UPDATE and one INSERT ... SELECT, same rows.
    minutes = services.sla_minutes()
    due_case = "CASE urgency WHEN 'critical' THEN %s WHEN 'urgent' THEN %s ELSE %s END"
    due_params = [to_db(sla.due_at(now, u, minutes)) for u in ("critical", "urgent", "normal")]
    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_moved")
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_moved AS SELECT id, public_id, community_code, status, level"
            " FROM appeals_appeal"
            " WHERE status IN ('pending', 'in_progress') AND due_at <= %s AND level <> 'district'",
            [to_db(now)],
        )
        cursor.execute(
            "UPDATE appeals_appeal SET status = 'pending', level = CASE level WHEN 'grid' THEN 'community' WHEN"
            " 'community' THEN 'street' ELSE 'district' END, level_since = %s, due_at = " + due_case + ","
            " escalations = escalations + 1, assignee_id = NULL, assignee_name = '', updated_at = %s"
            " WHERE id IN (SELECT id FROM bench_moved)",
            [to_db(now), *due_params, to_db(now)],
        )
        detail = (
            "'{\"from_level\": \"' || level || '\", \"to_level\": \"' || CASE level WHEN 'grid' THEN 'community'"
            " WHEN 'community' THEN 'street' ELSE 'district' END || '\"}'"
        )
        if connection.vendor == "postgresql":
            detail = f"CAST({detail} AS jsonb)"
        cursor.execute(
            f"INSERT INTO core_workflowevent ({EVENT_COLUMNS}) SELECT 'appeal', public_id, '[]', 1, status,"
            f" 'pending', 'system', 'sla_lapsed', community_code, %s, {detail} FROM bench_moved",
            [to_db(dt.datetime.now(dt.UTC))],
        )
        raw = scalar("SELECT count(*) FROM bench_moved")
        cursor.execute("DROP TABLE bench_moved")
    raw_elapsed = time.perf_counter() - began
    say(
        f"  limit, one UPDATE + one INSERT ... SELECT of the same change: {raw:,} in {raw_elapsed:.2f} s;"
        f" the sweep took {elapsed / raw_elapsed:.1f}x as long"
    )
    FIGURES.append(
        ("  same change, plain set-wise SQL", f"{raw_elapsed:.2f} s", f"sweep / SQL {elapsed / raw_elapsed:.1f}x")
    )
    restore(t0)


def sweep_part(t0: dt.datetime) -> None:
    say(f"\n== escalation sweep ({load()})")
    restore(t0)
    sweep_once("steady state", t0, t0)
    # A surge: the deadline of the SURGE-th request in line, as if the sweep had stopped until then.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT due_at FROM appeals_appeal WHERE status IN ('pending', 'in_progress') AND level <> 'district'"
            " ORDER BY due_at LIMIT 1 OFFSET %s",
            [SURGE - 1],
        )
        surge_at = from_db(cursor.fetchone()[0])
    sweep_once(f"surge of {SURGE:,}", surge_at, t0)


# ------------------------------------------------------------------------------------------------ main


def main() -> None:
    say(f"backend: {connection.vendor}; {load()}")
    say("command: " + " ".join([".venv/bin/python", "bench/bench_appeals.py", *sys.argv[1:]]))
    if ARGS.reuse:
        call_command("migrate", verbosity=0)
        t0 = dt.datetime.fromisoformat(scalar("SELECT t0 FROM bench_appeals_meta"))
        say("data kept from an earlier run")
    else:
        began = time.perf_counter()
        t0 = build()
        say(f"built in {time.perf_counter() - began:.0f} s")
    describe(t0)
    try:
        for part in PARTS:
            {"worklist": worklist_part, "http": http_part, "sweep": lambda: sweep_part(t0)}[part]()
    finally:
        say(f"\n== figures ({connection.vendor}, {ARGS.size:,} open requests; {load()})")
        width = max((len(f[0]) for f in FIGURES), default=10)
        for what, figure, goal in FIGURES:
            say(f"  {what:<{width}}  {figure:>22}  {goal}")
        if not ARGS.keep:
            connection.close()
            if ARGS.postgres:
                subprocess.run(
                    [
                        "psql",
                        "-h",
                        "127.0.0.1",
                        "-p",
                        str(ARGS.pg_port),
                        "-U",
                        "postgres",
                        "-qc",
                        f"DROP DATABASE IF EXISTS {ARGS.database}",
                    ]
                )
                shutil.rmtree(ENV["GONGZHI_VAR_DIR"], ignore_errors=True)
            else:
                shutil.rmtree(ARGS.dir, ignore_errors=True)
        elif not ARGS.postgres:
            say(f"kept: {ARGS.dir}")
        else:
            say(f"kept: database {ARGS.database}")


if __name__ == "__main__":
    main()
