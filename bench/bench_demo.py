"""Benchmark of the demo city generator (`gongzhi demo`) against the raw insert limit.

    .venv/bin/python bench/bench_demo.py --residents 1000000
    .venv/bin/python bench/bench_demo.py --residents 1000000 --runs 3 --backends sqlite

For each backend (SQLite in a temporary directory; PostgreSQL when reachable at
postgres://postgres@127.0.0.1:5432/, in a scratch database created and dropped here) and each
run, three fresh databases, each in its own process so peak memory is its own:

  demo  demo_city_load of `--residents` residents, `--per-community` per community, into the first
        communities in code order: residents/s, all rows/s, peak RSS (ru_maxrss) of the loader
        and of its generator process;
  raw   the same rows, drawn and keyed outside the clock, written with plain DB-API executemany
        one community per transaction: the insert limit the demo's rate is divided by;
  copy  (PostgreSQL only) the same through COPY, the limit of the path the demo uses there.

Prints one line per measurement and the medians, and a JSON summary at the end.
"""

import argparse
import datetime
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PG_SERVER = "postgres://postgres@127.0.0.1:5432/"
PG_DATABASE = "gongzhi_bench_demo"
ROOT = Path(__file__).resolve().parents[1]


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_SERVER + "postgres", autocommit=True, connect_timeout=3) as conn:
        conn.execute(sql)


def postgres_reachable() -> bool:
    try:
        _pg_admin("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False
    return True


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # kilobytes on Linux


def _cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def child(mode: str, backend: str, residents: int, per_community: int) -> dict:
    """One measurement in a fresh database; runs in its own process."""
    tmp = tempfile.mkdtemp(prefix="gongzhi-bench-demo-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "gongzhi.config.settings.base"
    os.environ["GONGZHI_VAR_DIR"] = tmp
    if backend == "postgresql":
        _pg_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        _pg_admin(f"CREATE DATABASE {PG_DATABASE}")
        os.environ["DATABASE_URL"] = PG_SERVER + PG_DATABASE
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from gongzhi.core.db import bulk_insert
    from gongzhi.demo import communities as demo_communities
    from gongzhi.demo import loader
    from gongzhi.demo.population import community_plan
    from gongzhi.places.services import areas_load

    try:
        call_command("migrate", verbosity=0)
        areas_load()
        communities = demo_communities.demo_communities_select(count=residents // per_community)
        as_of = datetime.date(2025, 1, 1)
        out = {"mode": mode, "backend": backend, "communities": len(communities), "load_average": os.getloadavg()[0]}
        if mode == "demo":
            cpu_before = _cpu_seconds(resource.RUSAGE_SELF)
            result = loader.demo_city_load(
                communities=communities, seed=2022, as_of=as_of, residents_per_community=per_community
            )
            seconds, rows, count = result.seconds, result.rows, result.residents
            out["peak_rss_mb"] = round(_peak_mb(resource.RUSAGE_SELF))
            out["generator_peak_rss_mb"] = round(_peak_mb(resource.RUSAGE_CHILDREN))
            # CPU time shows what the wall clock hides when other work shares the cores.
            out["cpu_seconds"] = round(_cpu_seconds(resource.RUSAGE_SELF) - cpu_before, 1)
            out["generator_cpu_seconds"] = round(_cpu_seconds(resource.RUSAGE_CHILDREN), 1)
        else:
            seconds, rows, count = 0.0, 0, 0
            specs = list(demo_communities.community_specs(communities))
            for area, spec in zip(communities, specs, strict=True):
                plan = community_plan(spec, seed=2022, as_of=as_of, residents=per_community)
                with transaction.atomic(), connection.cursor() as cursor:
                    table_rows = loader.community_rows(cursor, area, plan)
                    started = time.perf_counter()
                    for model, fields in loader.TABLES:
                        batch = table_rows[model]
                        if mode == "copy":
                            bulk_insert(cursor, model, fields, batch)
                        else:
                            sql = loader.insert_sql(model, fields)
                            if connection.vendor == "sqlite":
                                sql = sql.replace("%s", "?")
                            # The driver's own cursor: no Django wrapper in the way.
                            cursor.cursor.executemany(sql, batch)
                        rows += len(batch)
                    count += len(plan.residents)
                seconds += time.perf_counter() - started  # the commit included
        out.update(
            {
                "residents": count,
                "rows": rows,
                "seconds": round(seconds, 2),
                "residents_per_s": round(count / seconds),
                "rows_per_s": round(rows / seconds),
            }
        )
        return out
    finally:
        connection.close()
        if backend == "postgresql":
            _pg_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")


def run_child(mode: str, backend: str, args) -> dict:
    command = [
        sys.executable,
        __file__,
        "--child",
        mode,
        "--backends",
        backend,
        "--residents",
        str(args.residents),
        "--per-community",
        str(args.per_community),
    ]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{mode} on {backend} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--per-community", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--child", choices=["demo", "raw", "copy"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.backends, args.residents, args.per_community)))
        return
    backends = [b for b in args.backends.split(",") if b]
    if "postgresql" in backends and not postgres_reachable():
        print(f"PostgreSQL not reachable at {PG_SERVER}: skipped")
        backends.remove("postgresql")
    print(f"{os.cpu_count()} CPUs; {args.residents:,} residents, {args.per_community:,} per community")
    summary = {}
    for backend in backends:
        modes = ["demo", "raw"] + (["copy"] if backend == "postgresql" else [])
        measured: dict[str, list[dict]] = {m: [] for m in modes}
        for run in range(args.runs):
            for mode in modes:
                m = run_child(mode, backend, args)
                measured[mode].append(m)
                extra = (
                    f", peak RSS {m['peak_rss_mb']} MB (generator {m['generator_peak_rss_mb']}"
                    f" MB), CPU {m['cpu_seconds']} s (generator "
                    f"{m['generator_cpu_seconds']} s)"
                    if mode == "demo"
                    else ""
                )
                print(
                    f"{backend:<10} run {run + 1} {mode:<4}: {m['residents']:,} residents, "
                    f"{m['rows']:,} rows in {m['seconds']} s = {m['residents_per_s']:,} "
                    f"residents/s, {m['rows_per_s']:,} rows/s{extra} "
                    f"(load average {m['load_average']:.2f})"
                )
        median = {
            mode: {key: statistics.median(m[key] for m in runs) for key in ("residents_per_s", "rows_per_s", "seconds")}
            for mode, runs in measured.items()
        }
        median["demo"]["peak_rss_mb"] = max(m["peak_rss_mb"] for m in measured["demo"])
        median["demo"]["generator_peak_rss_mb"] = max(m["generator_peak_rss_mb"] for m in measured["demo"])
        ratio = median["demo"]["rows_per_s"] / median["raw"]["rows_per_s"]
        demo = median["demo"]
        line = (
            f"{backend:<10} median of {args.runs}: demo {demo['residents_per_s']:,.0f}"
            f" residents/s, {demo['rows_per_s']:,.0f} rows/s; raw executemany "
            f"{median['raw']['rows_per_s']:,.0f} rows/s; demo/raw = {ratio:.2f}"
        )
        if "copy" in median:
            copy_ratio = median["demo"]["rows_per_s"] / median["copy"]["rows_per_s"]
            line += f"; raw COPY {median['copy']['rows_per_s']:,.0f} rows/s, demo/COPY = {copy_ratio:.2f}"
        print(line + f"; peak RSS {median['demo']['peak_rss_mb']:.0f} MB")
        summary[backend] = {"median": median, "ratio_to_executemany": round(ratio, 3)}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
