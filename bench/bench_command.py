"""The command view (issue 14): the recount of its rollup, and its page as city, district, street and
community staff, and a grid's and a building's page (goal: city under 300 ms p95, any lower level
under 200 ms).

    .venv/bin/python bench/bench_command.py             # the demo street, SQLite (make bench)
    .venv/bin/python bench/bench_command.py --postgres  # the same on PostgreSQL (a scratch database)
    .venv/bin/python bench/bench_command.py --postgres --database gongzhi_bench_city
                       # the whole city that `bench_city_round.py ... --keep` left: 21.0 M residents
                       # and its city-wide round (or the database a scale-1 drill left)

Two parts:
1. The recount (`command.services.figures_refresh`) over the database's own rows, timed against its
   largest single read measured in the same run: the residents counted per community (the figure
   the days of supply need).
2. The page. It reads the rollup only: its area's rows and its children's. Unless the recount wrote
   a city's rollup, every community of the official tree is given every counted figure (random
   values) and the recount's own summing and writing make the rollup a whole city has; then each
   page is timed through Django's whole request path
   in process (test client), the first request of each not counted.
"""

import argparse
import os
import random
import statistics
import subprocess
import tempfile
import time

ARGS = argparse.ArgumentParser()
ARGS.add_argument("--postgres", action="store_true")
ARGS.add_argument("--database", default="", help="PostgreSQL: an existing database (the city's) to use as it is")
ARGS.add_argument("--trials", type=int, default=15)
ARGS.add_argument("--refreshes", type=int, default=3)
ARGS.add_argument("--community", default="", help="the community (and its street, district) to open; default the first")
ARGS = ARGS.parse_args()
ENV = dict(os.environ, DJANGO_SETTINGS_MODULE="gongzhi.config.settings.base", GONGZHI_LOG_LEVEL="ERROR")
SCRATCH = ""
if ARGS.postgres:
    database = ARGS.database or "gongzhi_bench_command"
    if not ARGS.database:
        SCRATCH = database
        for sql in (f"DROP DATABASE IF EXISTS {database}", f"CREATE DATABASE {database}"):
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
    ENV["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
else:
    ENV.pop("DATABASE_URL", None)
    ENV["GONGZHI_VAR_DIR"] = tempfile.mkdtemp(prefix="gongzhi-bench-command-")
os.environ.update(ENV)
if "DATABASE_URL" not in ENV:
    os.environ.pop("DATABASE_URL", None)

import django  # noqa: E402

django.setup()
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from gongzhi.command import services  # noqa: E402
from gongzhi.command.models import AreaFigure  # noqa: E402
from gongzhi.core import figures  # noqa: E402
from gongzhi.core.models import RoleAssignment  # noqa: E402
from gongzhi.people.models import Resident  # noqa: E402
from gongzhi.places.models import Area, Building, Grid  # noqa: E402

LIMITS_MS = {"city": 300.0, "district": 200.0, "street": 200.0, "community": 200.0, "grid": 200.0, "building": 200.0}


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def user_with(username: str, role: str, area_code: str):
    user, _ = get_user_model().objects.get_or_create(username=username)
    RoleAssignment.objects.get_or_create(user=user, role=role, area_code=area_code)
    return user


def time_refresh() -> None:
    residents = Resident.objects.count()
    raw = []
    for _ in range(ARGS.refreshes):
        began = time.perf_counter()
        list(Resident.objects.order_by().values_list("community_code").annotate(n=Count("id")))
        raw.append(time.perf_counter() - began)
    runs, rows = [], 0
    for _ in range(ARGS.refreshes):
        done = services.figures_refresh()
        runs.append(done.seconds)
        rows = done.rows
    print(
        f"recount over {residents:,} residents: {rows:,} rollup rows; median {statistics.median(runs):.2f} s "
        f"(runs {', '.join(f'{r:.2f}' for r in runs)}); residents counted per community alone: median "
        f"{statistics.median(raw):.2f} s, ratio {statistics.median(runs) / max(statistics.median(raw), 1e-9):.1f}",
        flush=True,
    )


def city_sized_rollup() -> int:
    """Every community of the tree with every counted figure, unless the recount wrote as many."""
    communities = list(Area.objects.filter(level=Area.Level.COMMUNITY).values_list("code", flat=True))
    keys = [f.key for f in figures.all_figures() if f.derived is None]
    if AreaFigure.objects.filter(depth=12).values("area_code").distinct().count() >= len(communities) * 0.9:
        return AreaFigure.objects.count()
    rng = random.Random(2022)
    counted = {k: {c: float(rng.randint(0, 7000)) for c in communities} for k in keys}
    original = figures.count_all
    figures.count_all = lambda: counted  # the recount's own summing and writing, over these counts
    try:
        services.figures_refresh()
    finally:
        figures.count_all = original
    return AreaFigure.objects.count()


def main() -> None:
    print(f"backend: {connection.vendor}", flush=True)
    call_command("migrate", verbosity=0)
    if not Resident.objects.exists():
        call_command("load_areas", verbosity=0)
        started = time.perf_counter()
        call_command("demo", street="510104017", seed=2022, verbosity=0)
        print(f"demo street built in {time.perf_counter() - started:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    time_refresh()
    rows = city_sized_rollup()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    community = ARGS.community or Resident.objects.order_by("id").values_list("community_code", flat=True).first()
    worker = user_with("bench_cmd_community", "community_worker", community)
    viewers = [
        ("city", user_with("bench_cmd_city", "city_staff", community[:4]), f"?area={community[:4]}"),
        ("district", user_with("bench_cmd_district", "district_staff", community[:6]), f"?area={community[:6]}"),
        ("street", user_with("bench_cmd_street", "street_staff", community[:9]), f"?area={community[:9]}"),
        ("community", worker, f"?area={community}"),
    ]
    # the community's largest grid and building (counted live from the community's rows)
    grid = Grid.objects.filter(community_code=community).annotate(n=Count("buildings")).order_by("-n", "id").first()
    if grid is not None:
        viewers.append(("grid", worker, f"?grid={grid.public_id}"))
        building = Building.objects.filter(grid=grid).annotate(n=Count("households")).order_by("-n", "id").first()
        if building is not None:
            viewers.append(("building", worker, f"?building={building.public_id}"))
    over = []
    print(f"\nthe page over a rollup of {rows:,} rows ({ARGS.trials} trials after one warm-up)", flush=True)
    print(f"{'role':<10} {'page':<48} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'goal':>6}", flush=True)
    for label, user, query in viewers:
        client = Client()
        client.force_login(user)
        path = f"/command/{query}"
        timings, queries = [], 0
        for trial in range(ARGS.trials + 1):
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                answer = client.get(path)
                elapsed = (time.perf_counter() - began) * 1000
            if answer.status_code != 200:
                raise SystemExit(f"{label} {path}: {answer.status_code}")
            if trial:
                timings.append(elapsed)
                queries = len(captured.captured_queries)
        high = p95(timings)
        if high >= LIMITS_MS[label]:
            over.append(label)
        print(
            f"{label:<10} {path:<48} {statistics.median(timings):8.1f} {high:8.1f} {queries:8d} "
            f"{LIMITS_MS[label]:6.0f}",
            flush=True,
        )
    print(f"\n{len(over)} page(s) over their goal{': ' + ', '.join(over) if over else ''}", flush=True)
    if SCRATCH:
        connection.close()
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {SCRATCH}"], check=True
        )


if __name__ == "__main__":
    main()
