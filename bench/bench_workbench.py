"""The workbench (工作台) and the lists its items lead to, timed as each role, with the queries each
page makes (issue 11: under 200 ms p95 on the 21-million-resident database).

    .venv/bin/python bench/bench_workbench.py            # the demo street, SQLite (make bench)
    .venv/bin/python bench/bench_workbench.py --postgres --database gongzhi_bench_city
                       # the whole city that `bench_city_round.py ... --keep` left: 21.0 M residents,
                       # its city-wide round of 21.0 M samples (opened again if it was closed)

Each request goes through Django's whole request path in process (test client), so the figure is
the server's, without network or client. The first request of each page warms the caches and is
not counted.
"""

import argparse
import os
import statistics
import subprocess
import tempfile
import time

ARGS = argparse.ArgumentParser()
ARGS.add_argument("--postgres", action="store_true")
ARGS.add_argument("--database", default="", help="PostgreSQL: an existing database with a population and a round")
ARGS.add_argument("--trials", type=int, default=15)
ARGS = ARGS.parse_args()
ENV = dict(os.environ, DJANGO_SETTINGS_MODULE="gongzhi.config.settings.base", GONGZHI_LOG_LEVEL="ERROR")
SCRATCH = ""
if ARGS.postgres:
    database = ARGS.database or "gongzhi_bench_workbench"
    if not ARGS.database:
        SCRATCH = database
        for sql in (f"DROP DATABASE IF EXISTS {database}", f"CREATE DATABASE {database}"):
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
    ENV["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
else:
    ENV.pop("DATABASE_URL", None)
    ENV["GONGZHI_VAR_DIR"] = tempfile.mkdtemp(prefix="gongzhi-bench-workbench-")
os.environ.update(ENV)
if "DATABASE_URL" not in ENV:
    os.environ.pop("DATABASE_URL", None)

import django  # noqa: E402

django.setup()
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from gongzhi.core.models import RoleAssignment  # noqa: E402
from gongzhi.people.models import Resident  # noqa: E402
from gongzhi.places.models import Building, Grid  # noqa: E402
from gongzhi.testing import flows  # noqa: E402
from gongzhi.testing.models import Recall, Round, RoundCollector  # noqa: E402

LIMIT_MS = 200.0


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def user_with(username: str, role: str, area_code: str, *, grid=None, building=None):
    user, _ = get_user_model().objects.get_or_create(username=username)
    RoleAssignment.objects.get_or_create(user=user, role=role, area_code=area_code, grid=grid, building=building)
    return user


def main() -> None:
    print(f"backend: {connection.vendor}", flush=True)
    call_command("migrate", verbosity=0)
    if not Resident.objects.exists():
        call_command("load_areas", verbosity=0)
        started = time.perf_counter()
        call_command("demo", street="510104017", seed=2022, verbosity=0)
        print(f"demo street built in {time.perf_counter() - started:.0f} s", flush=True)
    round_ = Round.objects.order_by("-starts_at", "-id").first()
    if round_ is None:
        raise SystemExit("no round: build one with bench_city_round.py --keep, or start from an empty database")
    if round_.status != flows.OPEN:
        round_.status = flows.OPEN  # the bench's own copy of a finished round: open, as during collection
        round_.save(update_fields=["status"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    residents = Resident.objects.count()
    print(f"{residents:,} residents; round {round_.name} over {round_.area_code}", flush=True)
    recall = Recall.objects.filter(round=round_).select_related("resident").order_by("id").first()
    community = recall.community_code if recall else Resident.objects.order_by("id").first().community_code
    grid = Grid.objects.filter(community_code=community).order_by("number").first()
    building = Building.objects.filter(grid=grid).order_by("number").first()
    collector = user_with("bench_wb_collector", "collector", community)
    RoundCollector.objects.get_or_create(round=round_, user=collector)  # the collector's assignment
    pid = round_.public_id
    household = recall.resident.household if recall else building.households.order_by("id").first()
    viewers = [
        (
            "city",
            user_with("bench_wb_city", "city_staff", "5101"),
            [f"/rounds/{pid}/", f"/rounds/{pid}/progress.json", f"/rounds/{pid}/progress.json?area={community[:6]}"],
        ),
        (
            "district",
            user_with("bench_wb_district", "district_staff", community[:6]),
            [f"/rounds/{pid}/progress.json?area={community[:9]}"],
        ),
        (
            "street",
            user_with("bench_wb_street", "street_staff", community[:9]),
            [f"/rounds/{pid}/coverage/?area_code={community}"],
        ),
        (
            "community",
            user_with("bench_wb_community", "community_worker", community),
            [
                f"/rounds/{pid}/coverage/?area_code={community}",
                f"/rounds/{pid}/progress.json?area={community}",
                f"/rounds/{pid}/progress.json?grid={grid.public_id}",
                f"/rounds/{pid}/recalls/",
                f"/households/{household.public_id}/",
                "/register/import/",
                "/volunteers/?status=pending",
            ],
        ),
        (
            "grid",
            user_with("bench_wb_grid", "grid_worker", community, grid=grid),
            [f"/rounds/{pid}/coverage/?area_code={community}", f"/grids/{grid.public_id}/"],
        ),
        (
            "building",
            user_with("bench_wb_leader", "building_leader", community, building=building),
            [f"/buildings/{building.public_id}/"],
        ),
        ("collector", collector, [f"/rounds/{pid}/collect/"]),
        ("lab", user_with("bench_wb_lab", "lab", community[:6]), [f"/rounds/{pid}/results/"]),
    ]
    over: list[str] = []
    print(f"\n{'role':<10} {'page':<58} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}", flush=True)
    for label, user, pages in viewers:
        client = Client()
        client.force_login(user)
        for path in ["/", *pages]:
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
            mark = "" if high < LIMIT_MS else "   <-- over 200 ms"
            if mark:
                over.append(f"{label} {path}")
            shown = "/ (workbench)" if path == "/" else path.replace(pid, "<round>")
            print(
                f"{label:<10} {shown[:58]:<58} {statistics.median(timings):8.1f} {high:8.1f} {queries:8d}{mark}",
                flush=True,
            )
    print(f"\n{residents:,} residents, {ARGS.trials} trials each: {len(over)} over {LIMIT_MS:.0f} ms p95", flush=True)
    for line in over:
        print(f"  over: {line}", flush=True)
    if SCRATCH:
        connection.close()
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {SCRATCH}"], check=True
        )


if __name__ == "__main__":
    main()
