"""Time a 50,000-row roster: dry run, import, re-import (unchanged), re-import with changes.

    .venv/bin/python bench/bench_register_import.py                 # SQLite in a fresh temporary folder
    .venv/bin/python bench/bench_register_import.py --postgres      # a scratch PostgreSQL database, dropped after
    .venv/bin/python bench/bench_register_import.py --rows 10000

It never touches the project's own database.
"""

import argparse
import datetime as dt
import io
import os
import subprocess
import tempfile
import time

_args = argparse.ArgumentParser()
_args.add_argument("--rows", type=int, default=50_000)
_args.add_argument("--postgres", action="store_true")
ARGS, _ = _args.parse_known_args()
PG_DB = "gongzhi_bench_register"
if ARGS.postgres:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {PG_DB}"], check=True)
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {PG_DB}"], check=True)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
else:
    os.environ.pop("DATABASE_URL", None)
    os.environ["GONGZHI_VAR_DIR"] = tempfile.mkdtemp(prefix="gongzhi-bench-register-")
os.environ["DJANGO_SETTINGS_MODULE"] = "gongzhi.config.settings.base"
import django  # noqa: E402

django.setup()
import openpyxl  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from gongzhi.people import register_import  # noqa: E402
from gongzhi.people.id_rules import make_id_number  # noqa: E402
from gongzhi.people.models import Resident, ResidentTag  # noqa: E402
from gongzhi.places.models import Area, Building, Grid, Household  # noqa: E402
from gongzhi.places.services import areas_load  # noqa: E402

N = ARGS.rows
TAGS = ["", "", "", "", "独居老人", "慢性病、透析", "党员"]


def roster(n, phone_offset=0):
    # A normal workbook (shared strings, a <dimension>), like a file Excel saves; openpyxl's
    # write-only files use inline strings, which read about twice as slowly.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["居民花名册"])
    ws.append(
        [
            "姓名",
            "身份证号",
            "手机号",
            "网格",
            "楼栋",
            "单元",
            "房号",
            "与户主关系",
            "重点人群",
            "出生日期(选填)",
            "备注",
        ]
    )
    for i in range(n):
        born = dt.date(1940, 1, 1) + dt.timedelta(days=i % 25000)
        id_number = make_id_number(f"5101{i // 500 % 100:02d}", born, i, i % 2 == 0)
        household = i // 3
        building = household // 200 + 1
        grid = (building - 1) // 10 + 1
        ws.append(
            [
                f"居民{i}",
                id_number,
                f"138{(i + phone_offset) % 10**8:08d}",
                grid,
                f"{building}栋",
                household % 4 + 1,
                str(100 + household % 200),
                "",
                TAGS[i % len(TAGS)],
                born.isoformat(),
                "",
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def timed(label, fn):
    start = time.perf_counter()
    result = fn()
    print(f"{label:<34} {time.perf_counter() - start:7.2f} s", flush=True)
    return result


def main():
    call_command("migrate", verbosity=0)
    if not Area.objects.exists():
        areas_load()
    community = Area.objects.get(code="510104017001")
    # A scratch database: start empty.
    for model in (ResidentTag, Resident, Household, Building, Grid):
        model.objects.all().delete()
    user, _ = get_user_model().objects.get_or_create(username="bench")
    print(f"{connection.vendor}, {N} rows")
    content = timed("generate xlsx", lambda: roster(N))
    print(f"  file size {len(content) / 1e6:.1f} MB")

    def run(data, dry):
        return register_import.register_file_import(
            actor=user, community=community, file_name="r.xlsx", content=data, dry_run=dry
        )

    r = timed("dry run (new community)", lambda: run(content, True))
    assert not r.errors, r.errors[:5]
    r = timed("import (all new)", lambda: run(content, False))
    print(
        f"  created {r.to_create}, households {r.households_to_create}, "
        f"buildings {r.buildings_to_create}, grids {r.grids_to_create}"
    )
    r = timed("re-import (all unchanged)", lambda: run(content, False))
    assert r.unchanged == N, r
    changed = roster(N, phone_offset=7)
    r = timed("import (all phones changed)", lambda: run(changed, False))
    assert r.to_update == N, r
    print(f"  residents in community: {Resident.objects.filter(community_code=community.code).count()}")


try:
    main()
finally:
    if ARGS.postgres:
        from django.db import connections

        connections.close_all()
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {PG_DB}"])
