"""The service-hour ledger at city size: a district's hours report from the rollup the write path
keeps, against summing the ledger itself, in the same run.

    .venv/bin/python bench/bench_hours.py                                   # 50,000 volunteers, 1 M entries, SQLite
    .venv/bin/python bench/bench_hours.py --volunteers 500000 --entries 10000000 [--postgres]   # city size

Volunteers are spread over every community of the city, one in five with a work unit (5,000
units); each ledger entry is one confirmed check-in of 2-8 hours in the last twelve months. Rows
are bulk-loaded, and the rollup (hours per community, unit and month) is built from the same
entries, as the write path would have kept it. Check-in and assignment rows are not generated:
the report never reads them.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from decimal import Decimal

ARGS = argparse.ArgumentParser()
ARGS.add_argument("--postgres", action="store_true")
ARGS.add_argument("--volunteers", type=int, default=50_000)
ARGS.add_argument("--entries", type=int, default=1_000_000)
ARGS.add_argument("--runs", type=int, default=30)
ARGS.add_argument("--reuse-dir", default="", help="SQLite: measure again on the database an earlier run left in DIR")
ARGS = ARGS.parse_args()
PG_DB = "gongzhi_bench_hours"
if ARGS.postgres:
    for sql in (f"DROP DATABASE IF EXISTS {PG_DB}", f"CREATE DATABASE {PG_DB}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
else:
    os.environ.pop("DATABASE_URL", None)
    os.environ["GONGZHI_VAR_DIR"] = ARGS.reuse_dir or tempfile.mkdtemp(prefix="gongzhi-bench-hours-")
os.environ["DJANGO_SETTINGS_MODULE"] = "gongzhi.config.settings.base"
sys.argv = sys.argv[:1]

import django  # noqa: E402

django.setup()
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Sum  # noqa: E402
from django.utils import timezone  # noqa: E402

from gongzhi.core.db import analyze, bulk_insert  # noqa: E402
from gongzhi.core.ids import new_public_id  # noqa: E402
from gongzhi.core.models import RoleAssignment  # noqa: E402
from gongzhi.places.models import Area  # noqa: E402
from gongzhi.volunteers import selectors  # noqa: E402
from gongzhi.volunteers.models import HourEntry, HourTotal, Organisation, Volunteer  # noqa: E402


def _db_time(value):
    return connection.ops.adapt_datetimefield_value(value) if connection.vendor == "sqlite" else value


def load() -> None:
    rng = random.Random(5)
    communities = list(Area.objects.filter(level=Area.Level.COMMUNITY).values_list("code", flat=True))
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        bulk_insert(
            cursor,
            Organisation,
            ["public_id", "kind", "name", "community_code", "created_at", "updated_at"],
            [
                (new_public_id(), "unit", f"单位{i:05d}", rng.choice(communities), _db_time(now), _db_time(now))
                for i in range(5000)
            ],
        )
    units = list(Organisation.objects.values_list("id", flat=True))
    volunteer_rows, home = [], []
    for i in range(ARGS.volunteers):
        community = rng.choice(communities)
        unit = rng.choice(units) if i % 5 == 0 else None
        home.append((community, unit))
        volunteer_rows.append(
            (
                new_public_id(), f"志愿者{i}", str(510104000000000000 + i), str(13000000000 + i),
                community, unit, False, "screening", "[]", "[]", "approved", _db_time(now), "2026-11",
                _db_time(now), _db_time(now), "0", "",
            )
        )  # fmt: skip
    fields = [
        "public_id", "name", "id_number", "phone", "community_code", "unit_id", "party_member", "group", "skills",
        "availability", "status", "consent_at", "consent_version", "created_at", "updated_at", "hours_total",
        "review_note",
    ]  # fmt: skip
    with connection.cursor() as cursor:
        for start in range(0, len(volunteer_rows), 50_000):
            with transaction.atomic():
                bulk_insert(cursor, Volunteer, fields, volunteer_rows[start : start + 50_000])
    ids = list(Volunteer.objects.order_by("id").values_list("id", flat=True))
    today = timezone.localdate()
    totals: dict[tuple, list] = defaultdict(lambda: [Decimal("0"), 0])
    per_volunteer = [Decimal("0")] * len(ids)
    chunk: list[tuple] = []
    entry_fields = ["volunteer_id", "community_code", "unit_id", "kind", "hours", "served_on", "reason", "created_at"]
    with connection.cursor() as cursor:
        for n in range(ARGS.entries):
            v = rng.randrange(len(ids))
            community, unit = home[v]
            hours = Decimal(rng.choice((2, 3, 4, 4, 4, 6, 8)))
            served = today - dt.timedelta(days=rng.randrange(365))
            chunk.append((ids[v], community, unit, "service", hours, served, "", _db_time(now)))
            total = totals[(community, unit, served.replace(day=1))]
            total[0] += hours
            total[1] += 1
            per_volunteer[v] += hours
            if len(chunk) == 100_000 or n == ARGS.entries - 1:
                with transaction.atomic():
                    bulk_insert(cursor, HourEntry, entry_fields, chunk)
                chunk = []
        with transaction.atomic():
            rows = [(c, u, m, h, e) for (c, u, m), (h, e) in totals.items()]
            for start in range(0, len(rows), 100_000):
                bulk_insert(
                    cursor,
                    HourTotal,
                    ["community_code", "unit_id", "month", "hours", "entries"],
                    rows[start : start + 100_000],
                )
    analyze(Volunteer, HourEntry, HourTotal, Organisation)
    print(f"rollup rows: {len(totals):,}", flush=True)


def main() -> None:
    print(f"backend: {connection.vendor}; {ARGS.volunteers:,} volunteers, {ARGS.entries:,} ledger entries", flush=True)
    call_command("migrate", verbosity=0)
    call_command("load_areas", verbosity=0)
    started = time.perf_counter()
    if ARGS.reuse_dir and Volunteer.objects.exists():
        print(f"reusing {Volunteer.objects.count():,} volunteers and {HourEntry.objects.count():,} entries", flush=True)
    else:
        load()
        print(f"loaded in {time.perf_counter() - started:.0f} s", flush=True)
    district = "510104"  # 锦江区
    staff, created = get_user_model().objects.get_or_create(username="district-staff")
    if created:
        RoleAssignment.objects.create(user=staff, role="district_staff", area_code=district)
    staff = get_user_model().objects.get(pk=staff.pk)
    today = timezone.localdate()
    since = today - dt.timedelta(days=365)
    times = []
    for _ in range(ARGS.runs):
        staff = get_user_model().objects.get(pk=staff.pk)  # a fresh request's user: its scope is read again
        start = time.perf_counter()
        report = selectors.hours_report(user=staff, area_code=district, since=since, until=today)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(
        f"district report from the rollup ({len(report['by_community'])} communities, {len(report['by_unit'])} units,"
        f" {report['total']:,} hours): p50 {statistics.median(times):.1f} ms,"
        f" p95 {times[int(len(times) * 0.95) - 1]:.1f} ms",
        flush=True,
    )
    raw = []
    for _ in range(3):
        start = time.perf_counter()
        ledger = HourEntry.objects.filter(community_code__startswith=district, served_on__gte=since).aggregate(
            hours=Sum("hours")
        )
        raw.append((time.perf_counter() - start) * 1000)
    print(
        f"the same total summed from the ledger: {ledger['hours']:,} hours, median {statistics.median(raw):.0f} ms"
        f" ({statistics.median(raw) / statistics.median(times):.0f}x the rollup)",
        flush=True,
    )
    assert ledger["hours"] == report["total"], (ledger["hours"], report["total"])
    if ARGS.postgres:
        connection.close()
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {PG_DB}"])


if __name__ == "__main__":
    main()
