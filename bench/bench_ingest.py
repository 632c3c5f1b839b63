"""Batched scan ingest over HTTP: sustained scans/s, p99 latency of 100-scan batches at that load,
and the ratio to the raw insert rate of the same sample rows into the same database, same run.

    .venv/bin/python bench/bench_ingest.py                         # SQLite, fresh temporary folder
    .venv/bin/python bench/bench_ingest.py --postgres              # scratch PostgreSQL database
    .venv/bin/python bench/bench_ingest.py --residents 400000 --seconds 20 --clients 4

Server: gunicorn as `gongzhi serve` runs it (2 workers, gthread, 4 threads), on 127.0.0.1;
clients: processes on the same 2 cores, sending
pre-built JSON bodies with keep-alive. Never touches the project's own database.
"""

import argparse
import http.client
import json
import multiprocessing as mp
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ARGS = argparse.ArgumentParser()
ARGS.add_argument("--postgres", action="store_true")
ARGS.add_argument("--residents", type=int, default=300_000)
ARGS.add_argument("--seconds", type=float, default=15)
ARGS.add_argument("--clients", type=int, default=4)
ARGS.add_argument("--workers", type=int, default=2)
ARGS.add_argument("--port", type=int, default=8391)
ARGS = ARGS.parse_args()
PG_DB = "gongzhi_bench_ingest"
ENV = dict(os.environ, DJANGO_SETTINGS_MODULE="gongzhi.config.settings.base", GONGZHI_LOG_LEVEL="ERROR")
if ARGS.postgres:
    for sql in (f"DROP DATABASE IF EXISTS {PG_DB}", f"CREATE DATABASE {PG_DB}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
    ENV["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
else:
    ENV.pop("DATABASE_URL", None)
    ENV["GONGZHI_VAR_DIR"] = tempfile.mkdtemp(prefix="gongzhi-bench-ingest-")
os.environ.update(ENV)
if "DATABASE_URL" not in ENV:
    os.environ.pop("DATABASE_URL", None)

import django  # noqa: E402

django.setup()
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from gongzhi.core.db import pg_array  # noqa: E402
from gongzhi.core.services import api_token_create  # noqa: E402
from gongzhi.people.models import Resident  # noqa: E402
from gongzhi.testing import services  # noqa: E402

POOL = 10


def setup() -> tuple[str, list[list[str]], str]:
    call_command("migrate", verbosity=0)
    communities = max(1, ARGS.residents // 5000)
    call_command("demo", communities=communities, residents_per_community=5000, seed=7, verbosity=0)
    collector = get_user_model().objects.get(username="collector")
    round_ = services.round_create(actor=collector, name="bench", area_code="5101", pool_size=POOL)
    key = api_token_create(user=collector, name="bench")[1]
    codes = ["R:" + p for p in Resident.objects.order_by("pk").values_list("public_id", flat=True)]
    return round_.public_id, codes, key


def bodies(round_id: str, codes: list[str], scans_per_batch: int, tag: str) -> list[tuple[bytes, int]]:
    """Batches of open/scan.../close events, 10 residents a tube, at most 500 events a batch;
    (json body, scan count)."""
    out, events, scans, tube = [], [], 0, 0
    for i in range(0, len(codes), POOL):
        tube += 1
        barcode = f"{tag}{tube:09d}"
        events.append({"event_id": f"o{barcode}", "kind": "open", "barcode": barcode})
        for code in codes[i : i + POOL]:
            events.append({"event_id": f"s{code}", "kind": "scan", "barcode": barcode, "code": code})
            scans += 1
        events.append({"event_id": f"c{barcode}", "kind": "close", "barcode": barcode})
        if scans >= scans_per_batch or len(events) + POOL + 2 > 500:
            out.append((json.dumps({"batch_id": f"{tag}-{tube}", "events": events}).encode(), scans))
            events, scans = [], 0
    if events:
        out.append((json.dumps({"batch_id": f"{tag}-{tube}", "events": events}).encode(), scans))
    return out


def client(round_id, key, batches, deadline, results, retry=False):
    conn = http.client.HTTPConnection("127.0.0.1", ARGS.port, timeout=60)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    done, latencies, statuses = 0, [], {}
    for body, _scans in batches:
        if time.monotonic() > deadline and not retry:
            break
        while True:
            start = time.monotonic()
            try:
                conn.request("POST", f"/api/rounds/{round_id}/scans", body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
            except OSError:
                conn = http.client.HTTPConnection("127.0.0.1", ARGS.port, timeout=60)
                statuses["connection error"] = statuses.get("connection error", 0) + 1
                continue
            latencies.append(time.monotonic() - start)
            statuses[response.status] = statuses.get(response.status, 0) + 1
            if not retry or response.status not in (429, 503):
                break
            time.sleep(0.2)  # the server says Retry-After: 2; the bench retries sooner to keep pressure on
        if response.status == 200:
            done += sum(
                1
                for o in json.loads(payload)["outcomes"]
                if o["status"] == "ok" and o["code"] == "ok" and o["event_id"].startswith("s")
            )
    results.put((done, latencies, statuses))


def load(round_id, key, per_client_batches, seconds, retry=False):
    results = mp.Queue()
    deadline = time.monotonic() + seconds
    procs = [mp.Process(target=client, args=(round_id, key, b, deadline, results, retry)) for b in per_client_batches]
    start = time.monotonic()
    for p in procs:
        p.start()
    gathered = [results.get() for _ in procs]
    elapsed = time.monotonic() - start
    for p in procs:
        p.join()
    scans = sum(g[0] for g in gathered)
    latencies = sorted(lat for g in gathered for lat in g[1])
    statuses = {}
    for g in gathered:
        for k, v in g[2].items():
            statuses[k] = statuses.get(k, 0) + v
    return scans, elapsed, latencies, statuses


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def raw_insert_rate(rows: int) -> float:
    """The same sample rows (round, resident, tube, community, time, result) with the same two
    indexes, inserted in batches of 500 the fastest plain way for this database."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_sample")
        cursor.execute(
            "CREATE TABLE bench_raw_sample (id integer primary key, round_id bigint, resident_id bigint,"
            " tube_id bigint, community_code varchar(12), collected_at timestamp, result varchar(16))"
            if connection.vendor == "sqlite"
            else "CREATE TABLE bench_raw_sample (id bigserial primary key, round_id bigint, resident_id bigint,"
            " tube_id bigint, community_code varchar(12), collected_at timestamptz, result varchar(16))"
        )
        cursor.execute("CREATE UNIQUE INDEX bench_raw_rr ON bench_raw_sample (round_id, resident_id)")
        cursor.execute("CREATE INDEX bench_raw_rc ON bench_raw_sample (round_id, community_code)")
    now = "2022-09-01 10:00:00"
    data = [(1, i, i // POOL, "510104017001", now, "pending") for i in range(rows)]
    start = time.perf_counter()
    for i in range(0, rows, 500):
        chunk = data[i : i + 500]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cols = [pg_array(c) for c in zip(*chunk, strict=True)]
                cursor.execute(
                    "INSERT INTO bench_raw_sample (round_id, resident_id, tube_id, community_code,"
                    " collected_at, result) SELECT * FROM unnest(%s::bigint[], %s::bigint[],"
                    " %s::bigint[], %s::text[], %s::timestamptz[], %s::text[])"
                    " ON CONFLICT DO NOTHING",
                    cols,
                )
            else:
                cursor.executemany(
                    "INSERT INTO bench_raw_sample (round_id, resident_id, tube_id, community_code,"
                    " collected_at, result) VALUES (%s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT DO NOTHING",
                    chunk,
                )
        connection.commit() if not connection.get_autocommit() else None
    rate = rows / (time.perf_counter() - start)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_raw_sample")
    return rate


def main() -> None:
    print(f"backend: {'postgresql' if ARGS.postgres else 'sqlite'}; residents {ARGS.residents:,}", flush=True)
    round_id, codes, key = setup()
    raw = raw_insert_rate(min(len(codes), 200_000))
    print(f"raw insert limit (same rows, same indexes, batches of 500): {raw:,.0f} rows/s", flush=True)
    connection.close()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "gongzhi.config.wsgi:application",
            "--bind",
            f"127.0.0.1:{ARGS.port}",
            "--workers",
            str(ARGS.workers),
            "--worker-class",
            "gthread",
            "--threads",
            "4",
            "--log-level",
            "error",
            "--backlog",
            "2048",
        ],
        env=ENV,
    )
    try:
        for _ in range(100):
            try:
                c = http.client.HTTPConnection("127.0.0.1", ARGS.port, timeout=1)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        # Half the residents go to the throughput run, a fifth to the latency run, the rest to overload.
        a, b = int(len(codes) * 0.5), int(len(codes) * 0.7)
        throughput_codes, latency_codes, overload_codes = codes[:a], codes[a:b], codes[b:]
        per_client = [throughput_codes[i :: ARGS.clients] for i in range(ARGS.clients)]
        batches = [bodies(round_id, c, 500, f"T{i}") for i, c in enumerate(per_client)]
        scans, elapsed, latencies, statuses = load(round_id, key, batches, ARGS.seconds)
        rate = scans / elapsed
        print(
            f"500-event batches (410 scans): {scans:,} scans in {elapsed:.1f} s = {rate:,.0f} scans/s "
            f"(ratio to raw insert {rate / raw:.2f}); statuses {statuses}; "
            f"p50 {_ms(statistics.median(latencies))}, p99 {_ms(latencies[int(len(latencies) * 0.99) - 1])}",
            flush=True,
        )
        per_client = [latency_codes[i :: ARGS.clients] for i in range(ARGS.clients)]
        batches = [bodies(round_id, c, 100, f"L{i}") for i, c in enumerate(per_client)]
        scans, elapsed, latencies, statuses = load(round_id, key, batches, ARGS.seconds / 2)
        print(
            f"100-scan batches: {scans / elapsed:,.0f} scans/s; statuses {statuses}; "
            f"p50 {_ms(statistics.median(latencies))}, p99 {_ms(latencies[int(len(latencies) * 0.99) - 1])}",
            flush=True,
        )
        # Overload: three times the clients, each retrying on 503 until every batch is taken.
        clients = ARGS.clients * 3
        per_client = [overload_codes[i::clients] for i in range(clients)]
        batches = [bodies(round_id, c, 500, f"X{i}") for i, c in enumerate(per_client)]
        scans, elapsed, latencies, statuses = load(round_id, key, batches, 0, retry=True)
        from gongzhi.testing.models import Sample

        stored = Sample.objects.filter(
            round__public_id=round_id, resident__public_id__in=[c[2:] for c in overload_codes]
        ).count()
        print(
            f"overload ({clients} clients, retrying on 503): {len(overload_codes):,} scans sent, {stored:,} stored, "
            f"{scans:,} answered ok; statuses {statuses}; {scans / elapsed:,.0f} scans/s",
            flush=True,
        )
        total = Sample.objects.filter(round__public_id=round_id).count()
        distinct = Sample.objects.filter(round__public_id=round_id).values("resident").distinct().count()
        print(f"samples in the round: {total:,}, distinct residents {distinct:,}", flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        if ARGS.postgres:
            connection.close()
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {PG_DB}"])


if __name__ == "__main__":
    main()
