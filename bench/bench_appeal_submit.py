"""The CPU of one new request (诉求) through the whole request path, in process: the household's door
code, the throttle, triage, the zones in force, the grid worker, the duplicate check and the writes,
through django.test.Client (no network, no other process): the figure to compare two checkouts on the
same machine at the same moment, where the HTTP benchmark (bench_appeals.py --parts http) shares its
cores with its clients.

    .venv/bin/python bench/bench_appeal_submit.py                 # SQLite, a fresh temporary folder
    .venv/bin/python bench/bench_appeal_submit.py --postgres      # a scratch PostgreSQL database
    .venv/bin/python bench/bench_appeal_submit.py --profile FILE  # a cProfile of the timed requests
    PYTHONPATH=/path/to/other/checkout/src .venv/bin/python bench/bench_appeal_submit.py

Prints the median wall time and CPU of --requests requests after 50 warm-up ones, each from its own
household and client address (a third of them merge into an open one of the same category).
"""

import argparse
import cProfile
import json
import os
import pstats
import random
import statistics
import subprocess
import tempfile
import time

ARGS = argparse.ArgumentParser()
ARGS.add_argument("--postgres", action="store_true")
ARGS.add_argument("--requests", type=int, default=400)
ARGS.add_argument("--profile", metavar="FILE")
ARGS = ARGS.parse_args()
PG_DB = "gongzhi_bench_appeal_submit"
os.environ.update(
    DJANGO_SETTINGS_MODULE="gongzhi.config.settings.base",
    GONGZHI_LOG_LEVEL="ERROR",
    GONGZHI_VAR_DIR=tempfile.mkdtemp(prefix="gongzhi-bench-appeal-submit-"),
)
os.environ.pop("DATABASE_URL", None)
if ARGS.postgres:
    for sql in (f"DROP DATABASE IF EXISTS {PG_DB}", f"CREATE DATABASE {PG_DB}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"

import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

import gongzhi  # noqa: E402
from gongzhi.places.models import Household  # noqa: E402

WARM_UP = 50
CATEGORIES = ("medicine", "food", "other")


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("demo", communities=2, residents_per_community=3000, seed=7, verbosity=0)
    codes = list(Household.objects.order_by("id").values_list("door_key", flat=True))
    random.Random(1).shuffle(codes)
    client = Client()

    def post(i: int) -> None:
        response = client.post(
            f"/api/appeals/households/{codes[i % len(codes)]}",
            json.dumps({"category": CATEGORIES[i % 3], "text": "家里老人需要降压药，明天就吃完了"}),
            content_type="application/json",
            REMOTE_ADDR=f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}",
        )
        assert response.status_code == 201, (response.status_code, response.content[:300])

    for i in range(WARM_UP):
        post(i)
    profiler = cProfile.Profile() if ARGS.profile else None
    times, cpu = [], []
    if profiler:
        profiler.enable()
    for i in range(WARM_UP, WARM_UP + ARGS.requests):
        started, started_cpu = time.perf_counter(), time.process_time()
        post(i)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    if profiler:
        profiler.disable()
        with open(ARGS.profile, "w") as out:
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(90)
    print(f"code: {os.path.dirname(gongzhi.__file__)}; database: {connection.vendor}")
    print(
        f"{ARGS.requests} new requests: median {statistics.median(times) * 1000:.2f} ms,"
        f" this process's CPU median {statistics.median(cpu) * 1000:.2f} ms"
        + (" (PostgreSQL's own work not included)" if connection.vendor == "postgresql" else "")
    )


if __name__ == "__main__":
    try:
        main()
    finally:
        if ARGS.postgres:
            connection.close()
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {PG_DB}"])
