"""Every list and search of the residents register, timed as the city's, a district's, a street's,
a community's and a grid's staff, on a city-sized register (issue 10: under 200 ms p95 each).

    .venv/bin/python bench/bench_search.py                     # 20 communities, SQLite (make bench)
    .venv/bin/python bench/bench_search.py --communities 3047 --per-community 6892 --postgres --keep
                                                     # the whole city, 21.0 M residents, kept for --reuse
    .venv/bin/python bench/bench_search.py --postgres --reuse  # time again on the kept register

Each request goes through Django's whole request path in process (test client: middleware, view or
endpoint, template or JSON), so the figure is the server's, without network or client. The register
is built once (`gongzhi demo`, timed apart); `--keep` leaves it (PostgreSQL database
gongzhi_bench_search, or the SQLite folder printed) and `--reuse` times it again without rebuilding.
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
ARGS.add_argument("--communities", type=int, default=20)
ARGS.add_argument("--per-community", type=int, default=6892)
ARGS.add_argument("--trials", type=int, default=15)
ARGS.add_argument("--keep", action="store_true", help="leave the register for --reuse")
ARGS.add_argument("--reuse", action="store_true", help="time the register an earlier --keep run left")
ARGS.add_argument("--database", default="gongzhi_bench_search", help="PostgreSQL database name")
ARGS.add_argument("--dir", default="/tmp/gongzhi-bench-search", help="SQLite: the kept register's folder")
ARGS = ARGS.parse_args()
ENV = dict(os.environ, DJANGO_SETTINGS_MODULE="gongzhi.config.settings.base", GONGZHI_LOG_LEVEL="ERROR")
if ARGS.postgres:
    if not ARGS.reuse:
        for sql in (f"DROP DATABASE IF EXISTS {ARGS.database}", f"CREATE DATABASE {ARGS.database}"):
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
    ENV["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{ARGS.database}"
else:
    ENV.pop("DATABASE_URL", None)
    if ARGS.keep or ARGS.reuse:
        folder = ARGS.dir
        if not ARGS.reuse:
            subprocess.run(["rm", "-rf", folder], check=True)
        os.makedirs(folder, exist_ok=True)
    else:
        folder = tempfile.mkdtemp(prefix="gongzhi-bench-search-")
    ENV["GONGZHI_VAR_DIR"] = folder
os.environ.update(ENV)
if "DATABASE_URL" not in ENV:
    os.environ.pop("DATABASE_URL", None)

import django  # noqa: E402

django.setup()
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from gongzhi.core.keyset import cursor_of  # noqa: E402
from gongzhi.core.models import RoleAssignment  # noqa: E402
from gongzhi.core.pii import prefix_q  # noqa: E402
from gongzhi.people.models import Resident, ResidentTag  # noqa: E402
from gongzhi.people.selectors import NAME_ORDER, REGISTER_ORDER  # noqa: E402
from gongzhi.places.models import Grid, Household  # noqa: E402

LIMIT_MS = 200.0


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def user_with(username: str, role: str, area_code: str, grid: Grid | None = None):
    user, _ = get_user_model().objects.get_or_create(username=username)
    RoleAssignment.objects.get_or_create(user=user, role=role, area_code=area_code, grid=grid)
    return user


def scope_sample(rows, count: int) -> list[Resident]:
    """Residents spread over a scope, read by primary key ranges (no sort over the city)."""
    low = rows.order_by("id").values_list("id", flat=True).first()
    high = rows.order_by("-id").values_list("id", flat=True).first()
    picked: list[Resident] = []
    rng = random.Random(7)
    while len(picked) < count:
        found = rows.filter(id__gte=rng.randint(low, high)).select_related("household").order_by("id").first()
        if found is not None:
            picked.append(found)
    return picked


def requests_for(label: str, rows, wide: bool) -> list[tuple[str, str, dict]]:
    """(what, path, params) for one viewer: every list and search the register offers."""
    sample = scope_sample(rows, 6)
    middle = sample[len(sample) // 2]
    household = Household.objects.get(pk=middle.household_id)
    address_word = household.address[-6:] if not wide else household.address[:4]
    wang = rows.filter(prefix_q("name", "王")).order_by("id").first() if wide else None
    wang_cursor = cursor_of(wang, NAME_ORDER) if wang else cursor_of(middle, REGISTER_ORDER)
    tag = ResidentTag.objects.filter(community_code=middle.community_code).values_list("tag", flat=True).first()
    asks = [
        ("list, first page", "/residents/", {}),
        ("list, API first page", "/api/residents", {"page_size": "50"}),
        ("list, page after the middle row", "/residents/", {"after": cursor_of(middle, REGISTER_ORDER), "page": "2"}),
        ("list, API page after the middle row", "/api/residents", {"after": cursor_of(middle, REGISTER_ORDER)}),
        ("list, API page before the middle row", "/api/residents", {"before": cursor_of(middle, REGISTER_ORDER)}),
        ("search, a name no one has", "/residents/", {"q": "欧阳无此人"}),
        ("search, a common surname", "/residents/", {"q": "王"}),
        ("search, a common surname, a later page", "/residents/", {"q": "王", "after": wang_cursor, "page": "2"}),
        ("search, a full name", "/residents/", {"q": sample[1].name}),
        ("search, an address that matches nothing", "/residents/", {"q": "无此街道999号"}),
        ("search, an address", "/residents/", {"q": address_word}),
        ("search, an ID number's last 4", "/residents/", {"q": sample[2].id_number[-4:]}),
        ("search, a phone's last 4", "/api/residents", {"q": sample[3].phone[-4:] or "1234"}),
        ("list, one vulnerable group", "/residents/", {"tag": tag or "elderly_alone"}),
    ]
    if label in ("community", "grid"):  # roles that see numbers in full may search them whole (audited)
        asks.append(("search, a full ID number", "/residents/", {"q": sample[4].id_number}))
        asks.append(("search, a full phone", "/api/residents", {"q": sample[5].phone or "13800000000"}))
    return asks


def main() -> None:
    print(f"backend: {connection.vendor}", flush=True)
    call_command("migrate", verbosity=0)
    call_command("load_areas", verbosity=0)
    started = time.perf_counter()
    if ARGS.reuse and Resident.objects.exists():
        print("register kept from an earlier run", flush=True)
    else:
        call_command("demo", communities=ARGS.communities, residents_per_community=ARGS.per_community, seed=11)
        print(f"register built in {time.perf_counter() - started:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    count = Resident.objects.count()
    print(f"register: {count:,} residents", flush=True)

    first = Resident.objects.order_by("id").first()
    assert first is not None
    community = first.community_code
    grid = Grid.objects.filter(community_code=community).order_by("id").first()
    viewers = [
        ("city", user_with("bench_city", "city_staff", "5101"), Resident.objects.all(), True),
        ("district", user_with("bench_district", "district_staff", community[:6]), Resident.objects.all(), True),
        ("street", user_with("bench_street", "street_staff", community[:9]), Resident.objects.all(), True),
        (
            "community",
            user_with("bench_community", "community_worker", community),
            Resident.objects.filter(community_code=community),
            False,
        ),
        (
            "grid",
            user_with("bench_grid", "grid_worker", community, grid),
            Resident.objects.filter(household__building__grid=grid),
            False,
        ),
    ]
    over: list[str] = []
    for label, user, scope_rows, wide in viewers:
        if label in ("district", "street"):
            prefix = community[:6] if label == "district" else community[:9]
            scope_rows = Resident.objects.filter(
                community_code__gte=prefix.ljust(12, "0"), community_code__lte=prefix.ljust(12, "9")
            )
        client = Client()
        client.force_login(user)
        print(f"\n{label} ({user.username}):", flush=True)
        for what, path, params in requests_for(label, scope_rows, wide):
            timings = []
            for trial in range(ARGS.trials + 1):
                began = time.perf_counter()
                answer = client.get(path, params)
                elapsed = (time.perf_counter() - began) * 1000
                if answer.status_code != 200:
                    raise SystemExit(f"{label} {what}: {answer.status_code} {answer.content[:300]!r}")
                if trial:  # the first request warms the caches
                    timings.append(elapsed)
            high = p95(timings)
            mark = "" if high < LIMIT_MS else "   <-- over 200 ms"
            if mark:
                over.append(f"{label}: {what}")
            print(f"  {what:<42} p50 {statistics.median(timings):7.1f} ms   p95 {high:7.1f} ms{mark}", flush=True)
    print(f"\n{count:,} residents, {ARGS.trials} trials each: {len(over)} over {LIMIT_MS:.0f} ms p95", flush=True)
    for line in over:
        print(f"  over: {line}", flush=True)
    if not ARGS.keep and not ARGS.reuse and ARGS.postgres:
        connection.close()
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {ARGS.database}"], check=True
        )


if __name__ == "__main__":
    main()
