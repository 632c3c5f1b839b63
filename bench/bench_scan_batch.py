"""The CPU cost of one scan batch through the whole request path, in process (django.test.Client: the
middleware, token authentication, reading the events, the rules, the writes and the answer; no
network, no other process), on SQLite or PostgreSQL: the figure to compare two checkouts on the same
machine at the same moment, where the HTTP benchmark's clients and server share the cores and add noise.

    .venv/bin/python bench/bench_scan_batch.py                      # this checkout, SQLite
    .venv/bin/python bench/bench_scan_batch.py --postgres           # a scratch PostgreSQL database
    .venv/bin/python bench/bench_scan_batch.py --postgres --statements   # each statement's share
    .venv/bin/python bench/bench_scan_batch.py --postgres --rounds-before 300   # after 300 rounds
    PYTHONPATH=/path/to/other/checkout/src .venv/bin/python bench/bench_scan_batch.py   # another

On PostgreSQL it also reports the CPU the database server's backend spent per batch (read from
/proc: the server runs on this machine), beside this process's own CPU; with --statements, each
statement's share of it (SQLite: of the wall time).

Prints the median and the fastest 500-event batch (10 tubes of 10 residents with their opens and
closes: 410 scans, 41 tubes) over 80 batches after 10 warm-up ones. Never touches the project's
own database.
"""

import argparse
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import tempfile
import time

ARGS = argparse.ArgumentParser()
ARGS.add_argument("--communities", type=int, default=8)
ARGS.add_argument("--per-community", type=int, default=5000)
ARGS.add_argument("--batches", type=int, default=90)
ARGS.add_argument("--postgres", action="store_true", help="a scratch PostgreSQL database instead of SQLite")
ARGS.add_argument("--profile", metavar="FILE", help="write a cProfile of the timed batches here (text)")
ARGS.add_argument("--profile-sort", default="tottime", help="the profile's order: tottime (default) or cumulative")
ARGS.add_argument("--statements", action="store_true", help="time each SQL statement of the timed batches")
ARGS.add_argument(
    "--rounds-before", type=int, default=0, help="other rounds opened first (PostgreSQL: a partition each)"
)
ARGS = ARGS.parse_args()
PG_DB = "gongzhi_bench_scan_batch"
os.environ.update(
    DJANGO_SETTINGS_MODULE="gongzhi.config.settings.base",
    GONGZHI_LOG_LEVEL="ERROR",
    GONGZHI_VAR_DIR=tempfile.mkdtemp(prefix="gongzhi-bench-scan-batch-"),
)
os.environ.pop("DATABASE_URL", None)
if ARGS.postgres:
    for sql in (f"DROP DATABASE IF EXISTS {PG_DB}", f"CREATE DATABASE {PG_DB}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"

import django  # noqa: E402

django.setup()
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

import gongzhi  # noqa: E402
from gongzhi.core.services import api_token_create  # noqa: E402
from gongzhi.people.models import Resident  # noqa: E402
from gongzhi.testing import services  # noqa: E402

WARM_UP = 10


def _cpu_of(stat_path: str) -> float:
    """CPU seconds (user + system) of a process on this machine, from /proc."""
    with open(stat_path) as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("demo", communities=ARGS.communities, residents_per_community=ARGS.per_community, seed=7, verbosity=0)
    users = get_user_model().objects
    collector, city = users.get(username="collector"), users.get(username="city")
    for n in range(ARGS.rounds_before):  # a city some weeks into an outbreak: many rounds' partitions
        services.round_create(actor=city, name=f"earlier {n}", area_code="5101", pool_size=10)
    round_ = services.round_create(actor=city, name="bench", area_code="5101", pool_size=10)
    if hasattr(services, "round_collector_assign"):  # checkouts before issue 9 had no assignments
        services.round_collector_assign(actor=city, round_=round_, user=collector)
    key = api_token_create(user=collector, name="bench")[1]
    codes = ["R:" + p for p in Resident.objects.order_by("pk").values_list("public_id", flat=True)]
    bodies, events, tube = [], [], 0
    for i in range(0, len(codes), 10):
        tube += 1
        barcode = f"T{tube:09d}"
        events.append({"event_id": f"o{barcode}", "kind": "open", "barcode": barcode})
        events += [
            {"event_id": f"s{barcode}{j}", "kind": "scan", "barcode": barcode, "code": code}
            for j, code in enumerate(codes[i : i + 10])
        ]
        events.append({"event_id": f"c{barcode}", "kind": "close", "barcode": barcode})
        if len(events) + 12 > 500:
            bodies.append(json.dumps({"batch_id": f"b{tube}", "events": events}))
            events = []
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    url = f"/api/rounds/{round_.public_id}/scans"
    times, cpu = [], []
    profiler = None
    spent: dict[str, list[float]] = {}

    backend_stat = None  # PostgreSQL: /proc of this connection's backend process (same machine)
    if ARGS.postgres:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend_stat = f"/proc/{cursor.fetchone()[0]}/stat"

    def timed(execute, sql, params, many, context):
        """Each statement's time: on PostgreSQL its backend's CPU, on SQLite the wall time."""
        clock = (lambda: _cpu_of(backend_stat)) if backend_stat else time.perf_counter
        started = clock()
        try:
            return execute(sql, params, many, context)
        finally:
            spent.setdefault(" ".join(sql.split())[:110], []).append(clock() - started)

    server_cpu = 0.0
    for i, body in enumerate(bodies[: ARGS.batches]):
        if i == WARM_UP and backend_stat:
            server_cpu = -_cpu_of(backend_stat)
        if i == WARM_UP and ARGS.statements:
            spent.clear()
            connection.execute_wrappers.append(timed)
        if i == WARM_UP and ARGS.profile:
            profiler = cProfile.Profile()
            profiler.enable()
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.post(url, body, content_type="application/json")
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        assert response.status_code == 200, response.content[:300]
    if backend_stat:
        server_cpu += _cpu_of(backend_stat)
    if profiler:
        profiler.disable()
        with open(ARGS.profile, "w") as out:  # by default the functions that spent the most time themselves
            pstats.Stats(profiler, stream=out).sort_stats(ARGS.profile_sort).print_stats(90)
    kept = times[WARM_UP:]
    median = statistics.median(kept)
    if ARGS.statements:
        batches = len(kept)
        for sql, seconds in sorted(spent.items(), key=lambda kv: -sum(kv[1])):
            print(f"{sum(seconds) / batches * 1000:7.2f} ms a batch, {len(seconds) / batches:5.1f}x  {sql}")
    print(f"code: {os.path.dirname(gongzhi.__file__)}; database: {connection.vendor}")
    print(f"this process's CPU a batch: median {statistics.median(cpu[WARM_UP:]) * 1000:.2f} ms")
    if ARGS.postgres:
        print(f"the PostgreSQL backend's CPU a batch: mean {server_cpu / len(kept) * 1000:.2f} ms")
    print(
        f"500-event batches (410 scans): {len(kept)} timed, median {median * 1000:.2f} ms,"
        f" fastest {min(kept) * 1000:.2f} ms; {410 / median:,.0f} scans/s on one core at the median"
    )


if __name__ == "__main__":
    try:
        main()
    finally:
        if ARGS.postgres:
            connection.close()
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {PG_DB}"])
