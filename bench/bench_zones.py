"""Risk zones proposed from positive tubes: the time from a lab's positive results to the zones
around them (issue 14: 2,000 positive tubes, their members resolved to residents and buildings,
under 5 s).

    .venv/bin/python bench/bench_zones.py                       # SQLite, 60 communities
    .venv/bin/python bench/bench_zones.py --postgres            # scratch database gongzhi_bench_zones
    .venv/bin/python bench/bench_zones.py --communities 10 --tubes 200   # a quick check

The city (built once, timed apart): `gongzhi demo` fills --communities real communities with
households (5,000 residents each). A round over the district is opened, and 10 residents of one
building to a tube are scanned through the scan ingest, --tubes tubes spread over every community
(in building order, as door-to-door collection fills them); the lab then records them all positive
(`tube_results_record`, which announces the pools in chunks of 500, as in production).

Timed: what the zones' subscriber does with those announcements (`zones_propose_for_tubes` per
announcement: the still-positive tubes' members resolved to their buildings, grids and
communities, the rules' proposals, one zone per area with its event), --trials times, each from no
zones; the recalls' subscriber, which the same announcements drive, is timed beside it as the limit
of the same kind of work. Each trial is checked: one lockdown zone per building holding a positive
tube, one control zone per grid, one prevention zone per street.

Then the list of zones (`/zones/`) as a city user, over --list-zones more open zones (a city in an
outbreak had 27,486): page 1, a deep page and one kind, timed through the page and, beside it, the
list's order sorted whole by the database (the way the list read before it went kind by kind).

Never touches the project's own database or var folder. The load average is printed beside each part.
"""

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import tempfile
import time

ARGS = argparse.ArgumentParser()
ARGS.add_argument("--postgres", action="store_true")
ARGS.add_argument("--communities", type=int, default=60)
ARGS.add_argument("--residents-per-community", type=int, default=5000)
ARGS.add_argument("--tubes", type=int, default=2000)
ARGS.add_argument("--trials", type=int, default=3)
ARGS.add_argument("--database", default="gongzhi_bench_zones")
ARGS.add_argument("--dir", default="/tmp/gongzhi-bench-zones")
ARGS.add_argument("--list-zones", type=int, default=30000, help="open zones added for the list's part")
ARGS.add_argument("--list-trials", type=int, default=21)
ARGS = ARGS.parse_args()

ENV = dict(os.environ, DJANGO_SETTINGS_MODULE="gongzhi.config.settings.base", GONGZHI_LOG_LEVEL="ERROR")
if ARGS.postgres:
    for sql in (f"DROP DATABASE IF EXISTS {ARGS.database}", f"CREATE DATABASE {ARGS.database}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
    ENV["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{ARGS.database}"
    ENV["GONGZHI_VAR_DIR"] = tempfile.mkdtemp(prefix="gongzhi-bench-zones-")
else:
    ENV.pop("DATABASE_URL", None)
    shutil.rmtree(ARGS.dir, ignore_errors=True)
    os.makedirs(ARGS.dir, exist_ok=True)
    ENV["GONGZHI_VAR_DIR"] = ARGS.dir
os.environ.update(ENV)
if "DATABASE_URL" not in ENV:
    os.environ.pop("DATABASE_URL", None)

import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from gongzhi.core.models import OutboxMessage, RoleAssignment, WorkflowEvent  # noqa: E402
from gongzhi.people.models import Resident  # noqa: E402
from gongzhi.testing import services as testing_services  # noqa: E402
from gongzhi.testing.collection import CLOSE, OPEN, SCAN, Event  # noqa: E402
from gongzhi.testing.handlers import open_recalls_for_positive_pools  # noqa: E402
from gongzhi.testing.models import Recall  # noqa: E402
from gongzhi.testing.services.results import POOLS_POSITIVE  # noqa: E402
from gongzhi.zones import services  # noqa: E402
from gongzhi.zones.models import Zone  # noqa: E402

POOL = 10


def make_user_with_role(username: str, role: str, area_code: str):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username=username, password=None)
    RoleAssignment.objects.create(user=user, role=role, area_code=area_code)
    return user


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def say(text: str = "") -> None:
    print(text, flush=True)


def build() -> list[dict]:
    call_command("migrate", verbosity=0)
    call_command("load_areas", verbosity=0)
    started = time.perf_counter()
    call_command(
        "demo",
        communities=ARGS.communities,
        residents_per_community=ARGS.residents_per_community,
        seed=11,
        without_round=True,
        verbosity=0,
    )
    say(f"demo city: {ARGS.communities} communities in {time.perf_counter() - started:.0f} s; {load()}")
    district = Resident.objects.order_by("community_code").values_list("community_code", flat=True).first()[:6]
    manager = make_user_with_role("bench_zones_manager", "district_staff", district)
    collector = make_user_with_role("bench_zones_collector", "collector", district)
    lab = make_user_with_role("bench_zones_lab", "lab", "5101")
    round_ = testing_services.round_create(actor=manager, name="基准轮次", area_code=district, pool_size=POOL)
    # Residents by building, 10 to a tube; every k-th tube kept so the tubes spread over the city.
    rows = list(
        Resident.objects.filter(community_code__startswith=district, household__isnull=False)
        .order_by("household__building_id", "id")
        .values_list("public_id", "household__building_id")
    )
    tubes: list[list[str]] = []
    current: list[str] = []
    last_building = None
    for public_id, building in rows:
        if current and (building != last_building or len(current) == POOL):
            tubes.append(current)
            current = []
        current.append(public_id)
        last_building = building
    if current:
        tubes.append(current)
    step = max(1, len(tubes) // ARGS.tubes)
    chosen = tubes[::step][: ARGS.tubes]
    started = time.perf_counter()
    barcodes = []
    for i, members in enumerate(chosen):
        barcode = f"TUBE{i:08d}"
        barcodes.append(barcode)
        events = [Event(event_id=f"{barcode}-o", kind=OPEN, barcode=barcode)]
        events += [
            Event(event_id=f"{barcode}-{n}", kind=SCAN, barcode=barcode, code="R:" + p) for n, p in enumerate(members)
        ]
        events.append(Event(event_id=f"{barcode}-c", kind=CLOSE, barcode=barcode))
        testing_services.scan_batch_ingest(round_=round_, collector=collector, events=events)
    say(
        f"{len(chosen):,} tubes of {sum(map(len, chosen)):,} residents scanned in {time.perf_counter() - started:.0f} s"
    )
    testing_services.tube_results_record(actor=lab, round_=round_, results=[(b, "positive") for b in barcodes])
    announcements = list(
        OutboxMessage.objects.filter(topic=POOLS_POSITIVE, handler__startswith="gongzhi.zones").values_list(
            "payload", flat=True
        )
    )
    OutboxMessage.objects.filter(topic=POOLS_POSITIVE).update(done_at=django.utils.timezone.now())
    say(f"{len(barcodes):,} tubes recorded positive: {len(announcements)} announcements")
    return announcements


def expected(payloads: list[dict]) -> tuple[int, int, int]:
    from gongzhi.testing.selectors import positive_tube_places

    places = [
        p for payload in payloads for p in positive_tube_places(round_id=payload["round"], tube_ids=payload["tubes"])
    ]
    return (
        len({b for _t, b, _g, _c in places}),
        len({g for _t, _b, g, _c in places}),
        len({c[:9] for _t, _b, _g, c in places}),
    )


def main() -> None:
    say(f"backend: {connection.vendor}; {load()}")
    payloads = build()
    buildings, grids, streets = expected(payloads)
    tubes = sum(len(p["tubes"]) for p in payloads)
    zone_times, recall_times = [], []
    for trial in range(ARGS.trials):
        Zone.objects.all().delete()
        WorkflowEvent.objects.filter(flow="zone").delete()
        began = time.perf_counter()
        for payload in payloads:
            services.zones_propose_for_tubes(round_id=payload["round"], tube_ids=payload["tubes"])
        zone_times.append(time.perf_counter() - began)
        made = (
            Zone.objects.filter(kind="lockdown").count(),
            Zone.objects.filter(kind="control").count(),
            Zone.objects.filter(kind="prevention").count(),
        )
        check = (
            "ok" if made == (buildings, grids, streets) else f"CHECK FAILED: {made} != {(buildings, grids, streets)}"
        )
        Recall.objects.all().delete()
        WorkflowEvent.objects.filter(flow="recall").delete()
        began = time.perf_counter()
        for payload in payloads:
            open_recalls_for_positive_pools(payload)
        recall_times.append(time.perf_counter() - began)
        say(
            f"trial {trial + 1}: zones for {tubes:,} positive tubes {zone_times[-1]:.2f} s ({made[0]:,} lockdown,"
            f" {made[1]:,} control, {made[2]:,} prevention; {check}); recalls {recall_times[-1]:.2f} s; {load()}"
        )
    zone, recall = statistics.median(zone_times), statistics.median(recall_times)
    say(f"\n== figures ({connection.vendor}; {load()})")
    verdict = "met" if zone < 5 else "NOT met"
    say(f"  zone proposals for {tubes:,} positive tubes, median of {ARGS.trials}: {zone:.2f} s  < 5 s: {verdict}")
    say(
        f"  recalls opened for the same tubes (the same kind of work): {recall:.2f} s;"
        f" zones / recalls {zone / recall:.2f}"
    )
    list_part()


def percentile(times: list[float], q: float) -> float:
    return sorted(times)[min(len(times) - 1, round(q * (len(times) - 1)))]


def list_part() -> None:
    """The zone list as a city user over many open zones: the page (kind by kind, zones_page) and
    the same rows sorted whole by the database, alternating, each timed --list-trials times."""
    from django.test import Client
    from django.utils import timezone

    from gongzhi.zones import rules, selectors

    communities = sorted(set(Resident.objects.values_list("community_code", flat=True).distinct()[:1000]))
    now = timezone.now()
    states = ["proposed", "active", "active", "released"]
    Zone.objects.bulk_create(
        Zone(
            kind=rules.KINDS[n % 3], level=rules.BUILDING, area_key=f"bench-{n}", area_name=f"基准楼栋{n}",
            community_code=communities[n % len(communities)], status=states[n % 4], rules_version="bench",
            first_positive_at=now, last_positive_at=now - dt.timedelta(minutes=n % 5000),
        )
        for n in range(ARGS.list_zones)
    )  # fmt: skip
    city = make_user_with_role("bench_zones_city", "city_staff", "5101")
    client = Client()
    client.force_login(city)
    open_zones = Zone.objects.filter(status__in=("proposed", "active")).count()
    deep = max(1, open_zones // selectors.PAGE // 2)
    say(f"\n== the zone list as a city user, {open_zones:,} open zones ({load()})")
    asked = {"page 1": ("", 1), f"page {deep}": ("", deep), "kind control, page 1": ("control", 1)}
    for label, (kind, page) in asked.items():
        query = f"/zones/?page={page}" + (f"&kind={kind}" if kind else "")
        offset = (page - 1) * selectors.PAGE
        paged, sorted_whole, pages = [], [], []
        for _ in range(ARGS.list_trials):
            began = time.perf_counter()
            answer = client.get(query)
            pages.append(time.perf_counter() - began)
            assert answer.status_code == 200, answer.status_code
            qs = selectors.zone_list(user=city, status="open", kind=kind)
            began = time.perf_counter()
            rows = selectors.zones_page(qs, statuses=("proposed", "active"), offset=offset, limit=selectors.PAGE + 1)
            paged.append(time.perf_counter() - began)
            began = time.perf_counter()
            whole = list(qs[offset : offset + selectors.PAGE + 1])
            sorted_whole.append(time.perf_counter() - began)
            assert [z.pk for z in rows] == [z.pk for z in whole], "the two reads disagree"
        say(
            f"  {label}: the page p50 {statistics.median(pages) * 1000:.1f}"
            f" / p95 {percentile(pages, 0.95) * 1000:.1f} ms;"
            f" its rows read kind by kind p50 {statistics.median(paged) * 1000:.1f} ms, sorted whole"
            f" {statistics.median(sorted_whole) * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()
