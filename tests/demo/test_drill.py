"""`gongzhi drill` at a small scale: an outbreak played through every module on simulated time, with
what each module must show at the end, and the same seed giving the same report."""

import datetime as dt
import io
import time
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Q

from gongzhi.appeals.models import Appeal
from gongzhi.command.models import AreaFigure
from gongzhi.core.models import AuditEvent
from gongzhi.demo.drill import report, scenario
from gongzhi.demo.drill.play import Drill
from gongzhi.places.services import areas_load
from gongzhi.supplies.models import Order
from gongzhi.testing.models import Recall, Round
from gongzhi.zones.models import Zone

pytestmark = pytest.mark.django_db

SCALE = 0.002  # 6 communities of the city's 3,047
PER_COMMUNITY = 900


class _Undo(Exception):
    pass


def _ids_moved_on() -> None:
    """Row ids as a database that held other rows before gives them: a PostgreSQL sequence is not
    rewound when rows are deleted (SQLite takes the largest id plus one, so it has nothing to move)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in apps.get_models():
            pk = model._meta.pk
            if pk.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField"):
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, %s), 100000)", [model._meta.db_table, pk.column]
                )


def _played(seed: int) -> tuple[Drill, object]:
    drill = Drill(scale=SCALE, seed=seed, residents_per_community=PER_COMMUNITY)
    return drill, drill.run()


@pytest.mark.django_db(transaction=True)  # committed as the command does: on PostgreSQL, scans on a second connection
def test_an_outbreak_goes_through_every_module_and_ends_released(areas):
    drill, outcome = _played(5)
    kpi = outcome.kpi

    assert kpi["communities"] == 6 and kpi["residents"] > 4000
    # testing: the city-wide round covered nearly everyone; every infected resident was found by a recall
    assert kpi["city_round"]["coverage"] > 0.95
    assert kpi["city_round"]["positive_tubes"] >= 1
    assert kpi["infected_seeded"] >= 1
    assert not drill.infected, "an infected resident was never found"
    assert kpi["cases_found"] == kpi["infected_seeded"] + kpi["secondary_cases"]
    assert kpi["api_refused"] == 0  # every order, request and read went through
    assert kpi["scans_refused"] == 0  # sealed residents went one to a tube, as the zones ask
    assert not Round.objects.exclude(status="closed").exists()
    assert not Recall.objects.filter(status__in=["open", "notified", "resampled"]).exists()
    # zones: proposed from the positives, put in force by the street, released after their days and rounds
    lockdown = kpi["zones"]["lockdown"]
    assert lockdown["proposed"] >= 1 and lockdown["in_force"] == lockdown["proposed"]
    assert not Zone.objects.filter(status__in=["proposed", "active"]).exists()
    for zone in Zone.objects.all():
        rule_days = {"lockdown": 7, "control": 7, "prevention": 3}[zone.kind]
        assert zone.ended_at - max(zone.since, zone.last_positive_at) >= dt.timedelta(days=rule_days)
    # notices: every household inside a lockdown or control zone read it or was told in person within a day
    assert kpi["notices"]["households"] > 0
    assert kpi["notices"]["reached_within_24h"] == 1.0
    # supplies: every order placed was delivered (nothing lost)
    assert kpi["supplies"]["orders"] > 0
    assert set(Order.objects.values_list("status", flat=True)) == {"delivered"}
    # requests: each was taken, resolved and answered; the SLA breaches are counted per level
    assert kpi["requests"]["submitted"] > 0
    assert set(Appeal.objects.values_list("status", flat=True)) <= {"closed", "merged"}
    assert set(kpi["requests"]["sla_breaches_by_level"]) == {"grid", "community", "street"}
    # volunteers: mobilised where buildings were sealed, their hours confirmed
    assert kpi["volunteer_hours"] and all(h > 0 for h in kpi["volunteer_hours"].values())
    assert set(kpi["volunteer_hours"]) <= set(drill.infected_communities)
    # each street roster proven optimal, well within its time limit (the limit cannot shape the report)
    rosters = AuditEvent.objects.filter(entity="roster")
    assert rosters.exists() and {e.detail["status"] for e in rosters} == {"optimal"}
    # the command view was recounted from the rollup
    assert AreaFigure.objects.filter(area_code="5101").exists()
    # the system's part names every step it timed
    assert {"scan batches (collectors' devices)", "queue: recalls and zone proposals"} <= set(outcome.system)
    # nobody can sign in as the drill's staff or the volunteers it signed up
    made = get_user_model().objects.filter(Q(username__startswith="drill-") | Q(volunteer__isnull=False))
    assert made.count() > 10 and not any(user.has_usable_password() for user in made)


def test_the_same_seed_gives_the_same_report(areas):
    with pytest.raises(_Undo), transaction.atomic():
        _, first = _played(8)
        raise _Undo
    _, second = _played(8)
    assert report.kpi_markdown(first.kpi) == report.kpi_markdown(second.kpi)
    assert first.series == second.series


@pytest.mark.django_db(transaction=True)
def test_scan_threads_lagging_behind_do_not_change_the_outbreak(areas, monkeypatch):
    """On PostgreSQL the second run takes its scans on other connections, here slowed so that they fall
    far behind the drill, and its rows get other ids: its report must be the one the single-connection
    run wrote (a scan batch sees the zones, and carries the time, it had when it was collected; no
    draw depends on a row id)."""
    alone = Drill(scale=SCALE, seed=6, residents_per_community=PER_COMMUNITY, scan_threads=0)
    first = alone.run()
    assert alone.pool is None
    call_command("flush", "--no-input", verbosity=0)
    areas_load()
    _ids_moved_on()
    taken = Drill._ingest_in_thread

    def late(self, *job):
        time.sleep(0.3)
        return taken(self, *job)

    monkeypatch.setattr(Drill, "_ingest_in_thread", late)
    drill, second = _played(6)
    assert (drill.pool is not None) == (connection.vendor == "postgresql")
    assert report.kpi_markdown(first.kpi) == report.kpi_markdown(second.kpi)
    assert first.series == second.series


def test_the_command_writes_the_report_and_refuses_a_database_in_use(areas, tmp_path: Path):
    out = io.StringIO()
    call_command(
        "drill", "--scale", str(SCALE), "--seed", "3", "--residents-per-community", "300", "--out", str(tmp_path),
        stdout=out,
    )  # fmt: skip
    written = sorted(p.name for p in tmp_path.iterdir())
    stem = f"drill-scale-{SCALE}-seed-3-"
    assert any(n.startswith(stem) and n.endswith(".md") for n in written)
    page = next(tmp_path.glob(f"{stem}*.html")).read_text(encoding="utf-8")
    assert "echarts.min.js" in page and "drill-report.js" in written
    script = next(tmp_path.glob(f"{stem}*.html")).parent / "drill-report.js"
    assert "echarts.init" in script.read_text(encoding="utf-8")
    text = next(tmp_path.glob(f"{stem}*.md")).read_text(encoding="utf-8")
    assert "vulnerable households delivered within 24 h of sealing" in text
    assert "Where the system was the bottleneck" in text
    # the echarts path in the page leads to the vendored file
    src = page.split('<script src="')[1].split('"')[0]
    assert (tmp_path / src).resolve().is_file()

    with pytest.raises(CommandError, match="rounds"):
        call_command("drill", "--scale", str(SCALE), "--out", str(tmp_path), stdout=io.StringIO())


def test_bad_arguments_are_refused(areas):
    with pytest.raises(CommandError, match="scale"):
        call_command("drill", "--scale", "0", stdout=io.StringIO())
    with pytest.raises(CommandError, match="residents-per-community"):
        call_command("drill", "--residents-per-community", "0", stdout=io.StringIO())


def test_communities_spread_over_the_code_order():
    codes = [f"{n:04d}" for n in range(3047)]
    chosen = scenario.communities_for(codes, 0.1)
    assert len(chosen) == 305 and chosen[0] == "0000" and chosen[-1] >= "3030"
    assert scenario.communities_for(codes, 1.0) == codes
    assert scenario.communities_for(codes[:3], 0.0001) == ["0000"]


def test_percentile_is_nearest_rank():
    assert scenario.percentile([], 0.5) is None
    assert scenario.percentile([5.0, 1.0, 3.0], 0.5) == 3.0
    assert scenario.percentile([1.0, 2.0, 3.0, 4.0], 0.9) == 4.0


def test_a_step_over_its_budget_is_named_as_the_bottleneck():
    from gongzhi.demo.drill.play import Step

    system = {
        "scan batches (collectors' devices)": Step(calls=3, rows=1500, seconds=[0.2, 0.3, 2.5]),
        "escalation sweep (every 10 min)": Step(calls=2, rows=2, seconds=[0.1, 0.1]),
    }
    rows = {row["step"]: row for row in report.system_rows(system)}
    assert rows["scan batches (collectors' devices)"]["held"] is False
    assert rows["escalation sweep (every 10 min)"]["held"] is True
    text = report.system_markdown(system, 60.0, "sqlite")
    assert "Steps over their budget per call" in text and "scan batches" in text.split("bottleneck")[1]
