"""A mass-testing round over a whole city, end to end: every resident scanned over HTTP into pooled
tubes, every tube's lab result recorded, coverage computed; then, at that size, the time from a
positive tube to its recall list, and one community's coverage.

    .venv/bin/python bench/bench_city_round.py                                  # 20 communities, SQLite
    .venv/bin/python bench/bench_city_round.py --communities 3047 --per-community 6892 --postgres
                                                       # the whole city: 3,047 communities, 21.0 M residents

The population is generated first (`gongzhi demo`, timed apart: it is not part of the round).
Scans go through gunicorn as `gongzhi serve` runs it, from client processes on the same 2 cores;
results through the service the lab API and file import call, 5,000 tubes a call.
Never touches the project's own database.
"""

import argparse
import http.client
import json
import multiprocessing as mp
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ARGS = argparse.ArgumentParser()
ARGS.add_argument("--postgres", action="store_true")
ARGS.add_argument("--communities", type=int, default=20)
ARGS.add_argument("--per-community", type=int, default=6892, help="residents per community (21 M / 3,047)")
ARGS.add_argument("--clients", type=int, default=4)
ARGS.add_argument("--pool", type=int, default=10)
ARGS.add_argument("--positive-every", type=int, default=1000, help="one tube in N is positive")
ARGS.add_argument("--trials", type=int, default=50)
ARGS.add_argument("--port", type=int, default=8392)
ARGS.add_argument(
    "--reuse", action="store_true", help="PostgreSQL: keep the scratch database's population from an earlier run"
)
ARGS.add_argument(
    "--coverage-only",
    default="",
    metavar="DIR",
    help="SQLite: only time one community's coverage again, on the round an earlier run left in DIR",
)
ARGS.add_argument("--keep", action="store_true", help="PostgreSQL: leave the scratch database")
ARGS.add_argument(
    "--population-only",
    action="store_true",
    help="PostgreSQL: build the population, keep the database and stop (time the round later with --reuse)",
)
ARGS.add_argument(
    "--database",
    default="gongzhi_bench_city",
    help="PostgreSQL database; with --reuse, e.g. the register bench_search.py --keep left (gongzhi_bench_search)",
)
ARGS.add_argument("--profile-results", default="", metavar="HTML", help="write a pyinstrument profile of the results")
ARGS = ARGS.parse_args()
PG_DB = ARGS.database
ENV = dict(os.environ, DJANGO_SETTINGS_MODULE="gongzhi.config.settings.base", GONGZHI_LOG_LEVEL="ERROR")
if ARGS.postgres:
    if not ARGS.reuse:
        for sql in (f"DROP DATABASE IF EXISTS {PG_DB}", f"CREATE DATABASE {PG_DB}"):
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
    ENV["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
else:
    ENV.pop("DATABASE_URL", None)
    ENV["GONGZHI_VAR_DIR"] = ARGS.coverage_only or tempfile.mkdtemp(prefix="gongzhi-bench-city-")
os.environ.update(ENV)
if "DATABASE_URL" not in ENV:
    os.environ.pop("DATABASE_URL", None)

import django  # noqa: E402

django.setup()
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from gongzhi.core import events, roles  # noqa: E402
from gongzhi.core.services import api_token_create  # noqa: E402
from gongzhi.people.models import Resident  # noqa: E402
from gongzhi.places.services import role_assignment_create  # noqa: E402
from gongzhi.testing import selectors, services  # noqa: E402
from gongzhi.testing.models import Recall, RoundProgress, Sample, Tube  # noqa: E402

STEP = 20_000  # residents a client reads at a time


def client(index, round_id, key, ranges, results):
    """Scan every resident whose id falls in `ranges`, ten to a tube, 41 tubes a batch."""
    connection.close()
    conn = http.client.HTTPConnection("127.0.0.1", ARGS.port, timeout=120)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    scans, latencies, statuses, tube = 0, [], {}, 0
    for low, high in ranges:
        codes = list(
            Resident.objects.filter(id__gte=low, id__lt=high).order_by("id").values_list("public_id", flat=True)
        )
        events, batch_scans = [], 0
        for i in range(0, len(codes), ARGS.pool):
            tube += 1
            barcode = f"C{index}{tube:09d}"
            events.append({"event_id": f"o{barcode}", "kind": "open", "barcode": barcode})
            for code in codes[i : i + ARGS.pool]:
                events.append({"event_id": f"s{code}", "kind": "scan", "barcode": barcode, "code": "R:" + code})
            events.append({"event_id": f"c{barcode}", "kind": "close", "barcode": barcode})
            batch_scans += len(codes[i : i + ARGS.pool])
            last = i + ARGS.pool >= len(codes)
            if len(events) + ARGS.pool + 2 > 500 or last:
                body = json.dumps({"batch_id": f"{index}-{tube}", "events": events}).encode()
                while True:
                    start = time.monotonic()
                    try:
                        conn.request("POST", f"/api/rounds/{round_id}/scans", body=body, headers=headers)
                        response = conn.getresponse()
                        response.read()
                    except OSError:
                        conn = http.client.HTTPConnection("127.0.0.1", ARGS.port, timeout=120)
                        statuses["connection error"] = statuses.get("connection error", 0) + 1
                        continue
                    statuses[response.status] = statuses.get(response.status, 0) + 1
                    if response.status in (429, 503):
                        time.sleep(float(response.getheader("Retry-After") or 2) * random.uniform(0.5, 1.5))
                        continue
                    break
                latencies.append(time.monotonic() - start)
                scans += batch_scans
                events, batch_scans = [], 0
    results.put((index, scans, latencies, statuses))


def p95(values) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def coverage_trials(round_, trials: int) -> list[float]:
    """One community's coverage as its worker sees it, for communities drawn at random."""
    from gongzhi.places.models import Area

    User = get_user_model()
    codes = list(Area.objects.filter(level=Area.Level.COMMUNITY).values_list("code", flat=True))
    timings = []
    for n, code in enumerate(random.Random(8).sample(codes, trials)):
        worker, created = User.objects.get_or_create(username=f"bench-coverage-{n}")
        if created:
            role_assignment_create(user=worker, role=roles.COMMUNITY_WORKER, area_code=code)
        worker = User.objects.get(pk=worker.pk)
        start = time.perf_counter()
        summary = selectors.coverage_summary(user=worker, round_=round_, area_code=code)
        timings.append((time.perf_counter() - start) * 1000)
        assert summary["expected"] > 0 and summary["sampled"] == summary["expected"], summary
    return timings


def main() -> None:
    if ARGS.coverage_only:
        from gongzhi.testing.models import Round

        timings = coverage_trials(Round.objects.get(), ARGS.trials)
        print(
            f"{connection.vendor}: one community's coverage ({ARGS.trials} communities):"
            f" p50 {statistics.median(timings):.1f} ms, p95 {p95(timings):.1f} ms",
            flush=True,
        )
        return
    backend = connection.vendor
    print(f"backend: {backend}; {ARGS.communities} communities x {ARGS.per_community} residents", flush=True)
    call_command("migrate", verbosity=0)
    call_command("load_areas", verbosity=0)
    started = time.perf_counter()
    if ARGS.reuse and Resident.objects.exists():
        with connection.cursor() as cursor:  # a clean slate for the round, the population kept
            cursor.execute(
                "TRUNCATE core_workflowevent, core_outboxmessage, testing_recall, testing_exemption, testing_sample,"
                " testing_scanbatch, testing_roundprogress, testing_tube, testing_slotassignment, testing_site,"
                " testing_round CASCADE"
            )
            cursor.execute("ANALYZE")
        print("population kept from an earlier run", flush=True)
    else:
        call_command("demo", communities=ARGS.communities, residents_per_community=ARGS.per_community, seed=11)
    residents = Resident.objects.count()
    print(f"population: {residents:,} residents generated in {time.perf_counter() - started:.0f} s", flush=True)
    if ARGS.population_only:
        return

    User = get_user_model()
    admin = User.objects.get(username="admin")
    collector = User.objects.get(username="collector")
    round_ = services.round_create(actor=admin, name="全市第一轮", area_code="5101", pool_size=ARGS.pool)
    services.round_collector_assign(actor=admin, round_=round_, user=collector)
    key = api_token_create(user=collector, name="bench")[1]
    low, high = Resident.objects.order_by("id").values_list("id", flat=True)[:1][0], Resident.objects.latest("id").id
    ranges = [(a, min(a + STEP, high + 1)) for a in range(low, high + 1, STEP)]
    connection.close()

    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "gongzhi.config.wsgi:application", "--config",
         "python:gongzhi.config.gunicorn", "--bind", f"127.0.0.1:{ARGS.port}", "--log-level", "error"],
        env=ENV,
    )  # fmt: skip
    try:
        for _ in range(150):
            try:
                c = http.client.HTTPConnection("127.0.0.1", ARGS.port, timeout=1)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        round_started = time.perf_counter()
        results = mp.Queue()
        procs = [
            mp.Process(target=client, args=(i, round_.public_id, key, ranges[i :: ARGS.clients], results))
            for i in range(ARGS.clients)
        ]
        for p in procs:
            p.start()
        gathered = [results.get() for _ in procs]
        for p in procs:
            p.join()
        ingest_s = time.perf_counter() - round_started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    scans = sum(g[1] for g in gathered)
    latencies = [lat for g in gathered for lat in g[2]]
    statuses: dict = {}
    for g in gathered:
        for k, v in g[3].items():
            statuses[k] = statuses.get(k, 0) + v
    samples = Sample.objects.filter(round=round_).count()
    tubes = Tube.objects.filter(round=round_).count()
    print(
        f"collection: {scans:,} scans in {ingest_s:.0f} s = {scans / ingest_s:,.0f} scans/s; statuses {statuses};"
        f" batch p50 {statistics.median(latencies) * 1000:.0f} ms; samples {samples:,}, tubes {tubes:,}",
        flush=True,
    )

    # Lab results: every tube but a few kept back for the recall trials, 5,000 a call.
    started = time.perf_counter()
    barcodes = list(Tube.objects.filter(round=round_).order_by("id").values_list("barcode", flat=True))
    random.Random(3).shuffle(barcodes)
    held_back, barcodes = barcodes[: ARGS.trials], barcodes[ARGS.trials :]
    positives = 0
    profiler = None
    if ARGS.profile_results:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    for i in range(0, len(barcodes), 5000):
        chunk = barcodes[i : i + 5000]
        items = [(b, "positive" if (i + j) % ARGS.positive_every == 0 else "negative") for j, b in enumerate(chunk)]
        positives += sum(r == "positive" for _, r in items)
        answers = services.tube_results_record(actor=admin, round_=round_, results=items)
        assert all(a["status"] == "ok" for a in answers), [a for a in answers if a["status"] != "ok"][:3]
    # The recalls of positive pools open after each call's commit, where the Huey consumer delivers
    # the outbox; here the same delivery runs in this process, timed with the results.
    delivered = events.deliver_pending(limit=1_000_000)
    results_s = time.perf_counter() - started
    if profiler is not None:
        profiler.stop()
        with open(ARGS.profile_results, "w") as out:
            out.write(profiler.output_html())
        print(profiler.output_text(unicode=False, color=False, show_all=False)[:6000], flush=True)
    print(
        f"results: {len(barcodes):,} tubes ({positives:,} positive) in {results_s:.0f} s;"
        f" recalls {Recall.objects.filter(round=round_).count():,} (opened by {delivered} outbox deliveries)",
        flush=True,
    )

    started = time.perf_counter()
    city = User.objects.get(username="city")
    coverage = selectors.coverage_summary(user=city, round_=round_)
    rollup = RoundProgress.objects.filter(round=round_).count()
    coverage_s = time.perf_counter() - started
    print(f"coverage of the city: {coverage} in {coverage_s:.1f} s; rollup rows {rollup:,}", flush=True)
    print(
        f"whole round (collection + results + coverage): {ingest_s + results_s + coverage_s:.0f} s"
        f" for {scans:,} scans and {tubes:,} tubes",
        flush=True,
    )

    # At this size: a positive tube to the recall list its community's worker reads, and one
    # community's coverage, each for tubes and communities drawn at random.
    recall_ms, coverage_ms = [], []
    for n, barcode in enumerate(held_back):
        tube = Tube.objects.get(round=round_, barcode=barcode)
        worker = User.objects.create(username=f"bench-worker-{round_.pk}-{n}")  # a kept population: new ones
        role_assignment_create(user=worker, role=roles.COMMUNITY_WORKER, area_code=tube.community_code)
        worker = User.objects.get(pk=worker.pk)
        start = time.perf_counter()
        services.tube_results_record(actor=admin, round_=round_, results=[(barcode, "positive")])
        events.deliver_pending()  # what the consumer does after the commit
        page = list(selectors.recall_list(user=worker, round_=round_)[:50])
        recall_ms.append((time.perf_counter() - start) * 1000)
        assert any(r.tube_id == tube.pk for r in page) or len(page) == 50, "the recall is not on the list"
        worker = User.objects.get(pk=worker.pk)
        start = time.perf_counter()
        summary = selectors.coverage_summary(user=worker, round_=round_, area_code=tube.community_code)
        coverage_ms.append((time.perf_counter() - start) * 1000)
        assert summary["sampled"] > 0
    print(
        f"positive tube -> recall list ({ARGS.trials} trials): p50 {statistics.median(recall_ms):.1f} ms,"
        f" p95 {p95(recall_ms):.1f} ms",
        flush=True,
    )
    print(
        f"one community's coverage ({ARGS.trials} communities): p50 {statistics.median(coverage_ms):.1f} ms,"
        f" p95 {p95(coverage_ms):.1f} ms",
        flush=True,
    )
    if ARGS.postgres and not (ARGS.keep or ARGS.population_only):
        connection.close()
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {PG_DB}"])


if __name__ == "__main__":
    main()
