"""Batched scan ingest over HTTP: sustained scans/s, p99 latency of 100-scan batches at that load,
and the ratio to the raw insert rate of the same sample rows into the same database, same run.

    .venv/bin/python bench/bench_ingest.py                         # SQLite, fresh temporary folder
    .venv/bin/python bench/bench_ingest.py --postgres              # scratch PostgreSQL database
    .venv/bin/python bench/bench_ingest.py --residents 400000 --seconds 20 --clients 4
    .venv/bin/python bench/bench_ingest.py --postgres --servers 2  # two app servers, one database

Servers: `gongzhi serve --no-consumer --no-access-log` (gunicorn with src/gongzhi/config/gunicorn.py,
--workers each), --servers of them on consecutive ports from --port, on 127.0.0.1, all against the
same database; each client sends its batches to them in turn (round-robin), and the batches each
server answered are reported beside the totals. Clients: processes on the same 2 cores, sending
pre-built JSON bodies with keep-alive. Never touches the project's own database or var folder.
"""

import argparse
import gc
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
import time
from pathlib import Path

import orjson

ARGS = argparse.ArgumentParser()
ARGS.add_argument("--postgres", action="store_true")
ARGS.add_argument("--residents", type=int, default=800_000)
ARGS.add_argument("--seconds", type=float, default=10)
ARGS.add_argument("--clients", type=int, default=4)
ARGS.add_argument("--workers", type=int, default=2)
ARGS.add_argument("--port", type=int, default=8391)
ARGS.add_argument("--servers", type=int, default=1, help="app servers on consecutive ports from --port")
ARGS = ARGS.parse_args()
PG_DB = "gongzhi_bench_ingest"
ENV = dict(os.environ, DJANGO_SETTINGS_MODULE="gongzhi.config.settings.base", GONGZHI_LOG_LEVEL="ERROR")
ENV["GONGZHI_VAR_DIR"] = tempfile.mkdtemp(prefix="gongzhi-bench-ingest-")  # SQLite, Huey, static files
PORTS = [ARGS.port + i for i in range(ARGS.servers)]
if ARGS.postgres:
    for sql in (f"DROP DATABASE IF EXISTS {PG_DB}", f"CREATE DATABASE {PG_DB}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
    ENV["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
else:
    ENV.pop("DATABASE_URL", None)
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
    city = get_user_model().objects.get(username="city")
    round_ = services.round_create(actor=city, name="bench", area_code="5101", pool_size=POOL)
    services.round_collector_assign(actor=city, round_=round_, user=collector)
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


def client(round_id, key, batches, seconds, results, index, stop, ready):
    """Sends its batches in turn to each server (client i starting at server i), one keep-alive
    connection per server, from the moment every client is connected (`ready`) until the deadline or
    until any client has sent all its batches (`stop`): the rate is only the server's while every
    client is still sending."""
    conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=60) for port in PORTS]
    for conn in conns:
        conn.connect()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    ready.wait()
    deadline = time.monotonic() + seconds
    done, latencies, statuses, per_server = 0, [], {}, [0] * len(PORTS)
    for k, (body, _scans) in enumerate(batches):
        if time.monotonic() > deadline or stop.is_set():
            break
        if k == len(batches) - 1:
            stop.set()  # this client's last batch: the others stop with it
            print(f"  client {index} sends its last batch, {k + 1} of {len(batches)}", flush=True)
        s = (index + k) % len(PORTS)
        start = time.monotonic()
        try:
            conns[s].request("POST", f"/api/rounds/{round_id}/scans", body=body, headers=headers)
            response = conns[s].getresponse()
            payload = response.read()
        except OSError as exc:
            conns[s] = http.client.HTTPConnection("127.0.0.1", PORTS[s], timeout=60)
            error = f"connection error ({type(exc).__name__})"
            statuses[error] = statuses.get(error, 0) + 1
            continue
        latencies.append(time.monotonic() - start)
        statuses[response.status] = statuses.get(response.status, 0) + 1
        per_server[s] += 1
        if response.status == 200:
            done += sum(
                1
                for o in orjson.loads(payload)["outcomes"]  # the clients share the server's cores
                if o["status"] == "ok" and o["code"] == "ok" and o["event_id"].startswith("s")
            )
    results.put((index, done, latencies, statuses, per_server))


def open_loop_client(round_id, key, batches, start, interval, threads, results):
    """One process of the open-loop load: batch j is due at start + j * interval whatever the
    answers so far; a batch answered 503 is due again Retry-After seconds later. `threads`
    connections send whichever batch is due first."""
    import heapq
    import threading

    due = [(start + j * interval, j) for j in range(len(batches))]
    heapq.heapify(due)
    lock = threading.Lock()
    statuses, ok_latency, shed_latency, done_at = {}, [], [], []
    per_server = [0] * len(PORTS)
    tries = [0] * len(batches)  # a batch offered again goes to the next server

    def worker():
        conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=60) for port in PORTS]
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        while True:
            with lock:
                if not due:
                    return
                at, j = heapq.heappop(due)
                s = (j + tries[j]) % len(PORTS)
                tries[j] += 1
            time.sleep(max(0.0, at - time.monotonic()))
            sent = time.monotonic()
            try:
                conns[s].request("POST", f"/api/rounds/{round_id}/scans", body=batches[j][0], headers=headers)
                response = conns[s].getresponse()
                response.read()
                status, retry_after = response.status, float(response.getheader("Retry-After") or 2)
            except OSError as exc:
                conns[s].close()
                conns[s] = http.client.HTTPConnection("127.0.0.1", PORTS[s], timeout=60)
                status, retry_after = f"connection error ({type(exc).__name__})", 1.0
            latency = time.monotonic() - sent
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 200:
                    per_server[s] += 1
                    ok_latency.append(latency)
                    done_at.append(time.monotonic())
                else:
                    if status == 503:
                        shed_latency.append(latency)
                    # with jitter, as the collector page does: shed devices must not return together
                    heapq.heappush(due, (time.monotonic() + retry_after * random.uniform(0.5, 1.5), j))

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    results.put((statuses, ok_latency, shed_latency, max(done_at) if done_at else start, per_server))


def _freeze_heap() -> None:
    """Before the client processes are forked: the parent's objects (Django, 800,000 codes, the
    batches) are moved out of the collector's sight, so a collection in a child does not touch, and
    so copy, the whole inherited heap while the server is being measured (the gc module's advice
    for fork without exec). Seen before this: the clients took 40-60 % of a core in the first
    seconds of the sustained run, 13-15 % after."""
    gc.collect()
    gc.freeze()


def open_loop(round_id, key, batches, rate_batches, processes=2, threads=32):
    """Offer `batches` at `rate_batches` a second from `processes` x `threads` connections."""
    results = mp.Queue()
    start = time.monotonic() + 1.0
    per_process = [batches[i::processes] for i in range(processes)]
    _freeze_heap()
    procs = [
        mp.Process(
            target=open_loop_client,
            args=(round_id, key, b, start + i / rate_batches, processes / rate_batches, threads, results),
        )
        for i, b in enumerate(per_process)
    ]
    for p in procs:
        p.start()
    gathered = [results.get() for _ in procs]
    for p in procs:
        p.join()
    statuses: dict = {}
    for g in gathered:
        for k, v in g[0].items():
            statuses[k] = statuses.get(k, 0) + v
    ok_latency = sorted(lat for g in gathered for lat in g[1])
    shed_latency = sorted(lat for g in gathered for lat in g[2])
    per_server = [sum(g[4][s] for g in gathered) for s in range(len(PORTS))]
    return statuses, ok_latency, shed_latency, max(g[3] for g in gathered) - start, per_server


def load(round_id, key, per_client_batches, seconds):
    """Closed-loop clients, one process each, until the deadline; per client (scans, latencies,
    statuses), and the elapsed time."""
    results, stop, ready = mp.Queue(), mp.Event(), mp.Barrier(len(per_client_batches) + 1)
    procs = [
        mp.Process(target=client, args=(round_id, key, b, seconds, results, i, stop, ready))
        for i, b in enumerate(per_client_batches)
    ]
    _freeze_heap()
    for p in procs:
        p.start()
    ready.wait()  # the clock starts when every client is connected and about to send
    start = time.monotonic()
    gathered = sorted(results.get() for _ in procs)
    elapsed = time.monotonic() - start
    for p in procs:
        p.join()
    if stop.is_set():
        print(
            f"  a client sent all its batches after {elapsed:.1f} s of {seconds:.0f}: the rate is over that"
            " time (more --residents for a longer run)",
            flush=True,
        )
    return [g[1:] for g in gathered], elapsed


def _statuses(gathered) -> dict:
    statuses: dict = {}
    for g in gathered:
        for k, v in g[2].items():
            statuses[k] = statuses.get(k, 0) + v
    return statuses


def _p(latencies, q) -> str:
    latencies = sorted(latencies)
    return _ms(latencies[max(0, int(len(latencies) * q) - 1)])


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


def start_server(port: int) -> subprocess.Popen:
    """`gongzhi serve` as an operator starts it, without the consumer and the per-request log line.
    Its own log (gunicorn's lines, requests answered 5xx) goes to a file."""
    log = Path(ENV["GONGZHI_VAR_DIR"]) / f"server-{port}.log"
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gongzhi.cli",
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(ARGS.workers),
            "--no-consumer",
            "--no-access-log",
        ],
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
        start_new_session=True,  # stopped with its gunicorn workers as one group
    )


def wait_up(port: int) -> None:
    """Until the server answers /healthz (with its log, if it never does)."""
    log = Path(ENV["GONGZHI_VAR_DIR"]) / f"server-{port}.log"
    for _ in range(300):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server on port {port} did not answer:\n{log.read_text(errors='replace')[-3000:]}")


def _per_server(counts) -> str:
    return ", ".join(f":{port} {n:,}" for port, n in zip(PORTS, counts, strict=True))


def main() -> None:
    print(f"backend: {'postgresql' if ARGS.postgres else 'sqlite'}; residents {ARGS.residents:,}", flush=True)
    round_id, codes, key = setup()
    raw = raw_insert_rate(min(len(codes), 200_000))
    print(f"raw insert limit (same rows, same indexes, batches of 500): {raw:,.0f} rows/s", flush=True)
    connection.close()
    servers = []
    try:
        # One after the other: each migrates (nothing to do) and collects the static files first.
        for port in PORTS:
            servers.append(start_server(port))
            wait_up(port)
        print(
            f"servers: {len(PORTS)} x `gongzhi serve --workers {ARGS.workers}` on"
            f" {', '.join(f'127.0.0.1:{port}' for port in PORTS)}, one database",
            flush=True,
        )
        # Residents: 45 % for the throughput run, 15 % for the latency run, 40 % for overload.
        a, b = int(len(codes) * 0.45), int(len(codes) * 0.6)
        throughput_codes, latency_codes, overload_codes = codes[:a], codes[a:b], codes[b:]
        # Sustained load: closed-loop clients sending 500-event batches, and beside them one probe
        # client sending 100-scan batches, whose latency is the one asked for "at that load".
        per_client = [throughput_codes[i :: ARGS.clients] for i in range(ARGS.clients)]
        batches = [bodies(round_id, c, 500, f"T{i}") for i, c in enumerate(per_client)]
        batches.append(bodies(round_id, latency_codes, 100, "L"))
        gathered, elapsed = load(round_id, key, batches, ARGS.seconds)
        bulk, probe = gathered[:-1], gathered[-1]
        scans = sum(g[0] for g in gathered)
        rate = scans / elapsed
        bulk_latency = [lat for g in bulk for lat in g[1]]
        print(
            f"sustained: {scans:,} scans in {elapsed:.1f} s = {rate:,.0f} scans/s"
            f" (ratio to raw insert {rate / raw:.2f});"
            f" statuses {_statuses(gathered)}",
            flush=True,
        )
        print(
            f"  {ARGS.clients} clients, 500-event batches (410 scans):"
            f" {sum(g[0] for g in bulk) / elapsed:,.0f} scans/s,"
            f" p50 {_p(bulk_latency, 0.5)}, p99 {_p(bulk_latency, 0.99)}",
            flush=True,
        )
        print(
            f"  probe, 100-scan batches at that load: {len(probe[1])} batches, p50 {_p(probe[1], 0.5)},"
            f" p99 {_p(probe[1], 0.99)}",
            flush=True,
        )
        answered = [sum(g[3][s] for g in gathered) for s in range(len(PORTS))]
        print(f"  batches answered per server: {_per_server(answered)} (total {sum(answered):,})", flush=True)
        # Overload, open loop: batches offered at three times the rate just sustained, on a
        # schedule that does not wait for answers; a shed batch is offered again after Retry-After.
        batches = bodies(round_id, overload_codes, 500, "X")
        offered = 3 * rate
        statuses, ok_latency, shed_latency, drained, per_server = open_loop(
            round_id, key, batches, offered / (len(overload_codes) / len(batches))
        )
        from gongzhi.testing.models import Sample

        stored = Sample.objects.filter(round__public_id=round_id, tube__barcode__startswith="X").count()
        shed = f"p50 {_ms(statistics.median(shed_latency))}" if shed_latency else "none"
        ok = f"p50 {_p(ok_latency, 0.5)}, p99 {_p(ok_latency, 0.99)}"
        print(
            f"overload, open loop at {offered:,.0f} scans/s offered (3x): {len(overload_codes):,} scans in"
            f" {len(batches)} batches, offered over {len(overload_codes) / offered:.1f} s; statuses {statuses};"
            f" 200 answered in {ok}; 503 answered in {shed};"
            f" all stored after {drained:.1f} s ({len(overload_codes) / drained:,.0f} scans/s);"
            f" stored {stored:,} of {len(overload_codes):,}",
            flush=True,
        )
        print(f"  batches answered 200 per server: {_per_server(per_server)} (total {sum(per_server):,})", flush=True)
        with (
            connection.cursor() as cursor
        ):  # one plain statement: the ORM's DISTINCT subquery ran minutes on PostgreSQL
            cursor.execute(
                "SELECT count(*), count(DISTINCT resident_id) FROM testing_sample"
                " WHERE round_id = (SELECT id FROM testing_round WHERE public_id = %s)",
                [round_id],
            )
            total, distinct = cursor.fetchone()
        print(f"samples in the round: {total:,}, distinct residents {distinct:,}", flush=True)
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
        for server in servers:
            server.wait(timeout=30)
        shutil.rmtree(ENV["GONGZHI_VAR_DIR"], ignore_errors=True)
        if ARGS.postgres:
            connection.close()
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {PG_DB}"])


if __name__ == "__main__":
    main()
