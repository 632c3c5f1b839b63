"""The replica router (config/routers.py), used when GONGZHI_REPLICA_URL is set: reads go to the
primary unless marked replica-tolerant (core.replica.reading_from_replica: dashboards, reports,
exports), writes always to the primary.

The integration tests put a second real database beside the test database, standing in for the
replica (the "replica" alias of settings/test.py: a test database of its own, not a mirror), write a
row only there and show which pages read it. They are transactional: inside the test's own
transaction on the primary the router sends every read to the primary, as it must."""

import importlib
import io
import threading

import openpyxl
import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from gongzhi.config.routers import ReplicaRouter
from gongzhi.core.models import AuditEvent
from gongzhi.core.replica import REPLICA, reading_from_replica, replica_tolerated
from gongzhi.testing import collection, services
from gongzhi.testing.models import Round, RoundProgress
from gongzhi.testing.selectors import progress_totals
from tests.factories import HouseholdFactory, ResidentFactory, make_user_with_role

ROUTER = "gongzhi.config.routers.ReplicaRouter"


# Settings -----------------------------------------------------------------------------------------


@pytest.fixture
def reload_settings(monkeypatch):
    from gongzhi.config.settings import base

    def load(**env: str):
        monkeypatch.delenv("GONGZHI_REPLICA_URL", raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return importlib.reload(base)

    yield load
    monkeypatch.undo()
    importlib.reload(base)


def test_without_a_replica_url_there_is_no_replica_and_no_router(reload_settings):
    plain = reload_settings()
    assert list(plain.DATABASES) == ["default"]
    assert not getattr(plain, "DATABASE_ROUTERS", [])


def test_a_replica_url_adds_the_replica_parsed_like_the_primary_and_the_router(reload_settings):
    both = reload_settings(
        DATABASE_URL="postgres://gongzhi@10.0.0.5:5432/gongzhi",
        GONGZHI_REPLICA_URL="postgres://gongzhi_ro@10.0.0.6:5433/gongzhi",
    )
    primary, replica = both.DATABASES["default"], both.DATABASES["replica"]
    assert (replica["HOST"], replica["PORT"], replica["USER"], replica["NAME"]) == (
        "10.0.0.6",
        5433,
        "gongzhi_ro",
        "gongzhi",
    )
    assert replica["ENGINE"] == primary["ENGINE"] and "postgresql" in replica["ENGINE"]
    assert replica["OPTIONS"] == primary["OPTIONS"] == {"options": "-c jit=off"}
    assert replica["CONN_MAX_AGE"] == primary["CONN_MAX_AGE"]
    assert both.DATABASE_ROUTERS == [ROUTER]


def test_the_test_settings_replica_is_a_database_of_its_own_and_no_router_is_on(settings):
    from django.test.utils import get_unique_databases_and_mirrors

    assert settings.DATABASE_ROUTERS == []
    unique, mirrors = get_unique_databases_and_mirrors(aliases={DEFAULT_DB_ALIAS, REPLICA})
    assert mirrors == {}
    assert len(unique) == 2  # two test databases, not one under two names


# The router's decisions (no database) -------------------------------------------------------------


def test_reads_go_to_the_primary_unless_marked():
    router = ReplicaRouter()
    assert router.db_for_read(Round) == DEFAULT_DB_ALIAS
    with reading_from_replica():
        assert router.db_for_read(Round) == REPLICA
        with reading_from_replica():
            assert router.db_for_read(RoundProgress) == REPLICA
        assert router.db_for_read(Round) == REPLICA  # the inner one left the outer one on
    assert router.db_for_read(Round) == DEFAULT_DB_ALIAS and not replica_tolerated()


def test_the_mark_works_as_a_decorator_and_ends_on_an_exception():
    @reading_from_replica()
    def report():
        return replica_tolerated()

    assert report() is True and not replica_tolerated()
    with pytest.raises(LookupError), reading_from_replica():
        raise LookupError
    assert not replica_tolerated()


def test_the_mark_is_the_threads_own():
    """gunicorn's threads serve requests side by side: one request's mark is not another's."""
    seen = []
    with reading_from_replica():
        other = threading.Thread(target=lambda: seen.append(ReplicaRouter().db_for_read(Round)))
        other.start()
        other.join()
    assert seen == [DEFAULT_DB_ALIAS]


def test_writes_always_go_to_the_primary():
    router = ReplicaRouter()
    assert router.db_for_write(AuditEvent) == DEFAULT_DB_ALIAS
    with reading_from_replica():
        assert router.db_for_write(AuditEvent) == DEFAULT_DB_ALIAS
        assert router.db_for_write(Round, instance=Round(name="x")) == DEFAULT_DB_ALIAS


def test_inside_a_transaction_on_the_primary_reads_stay_there(monkeypatch):
    monkeypatch.setattr(connections[DEFAULT_DB_ALIAS], "in_atomic_block", True)
    with reading_from_replica():
        assert ReplicaRouter().db_for_read(Round) == DEFAULT_DB_ALIAS


def test_only_the_primary_is_migrated_and_rows_of_both_may_refer_to_each_other():
    router = ReplicaRouter()
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "testing", "round") is True
    assert router.allow_migrate(REPLICA, "testing", "round") is False
    primary_row, replica_row, elsewhere = Round(), Round(), Round()
    primary_row._state.db, replica_row._state.db, elsewhere._state.db = DEFAULT_DB_ALIAS, REPLICA, "archive"
    assert router.allow_relation(primary_row, replica_row) is True
    assert router.allow_relation(primary_row, elsewhere) is None


# A second real database standing in for the replica -----------------------------------------------

replica_db = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])
REPLICA_NAME = "只在副本里的轮次"


@pytest.fixture
def world(areas, community_a):
    """On the primary: a round of 4 residents, 2 sampled, 1 exempted, 1 untested. On the replica: the
    same round under another name, its progress row saying 4242 sampled, and no residents at all."""
    from gongzhi.testing.models import Exemption

    worker = make_user_with_role("worker_r", "community_worker", community_a.code)
    household = HouseholdFactory()
    residents = [ResidentFactory(household=household, name=f"居民{i}") for i in range(4)]
    collector = make_user_with_role("collector_r", "collector", community_a.code)
    round_ = services.round_create(actor=worker, name="第一轮", area_code=community_a.code, pool_size=10)
    services.scan_batch_ingest(
        round_=round_,
        collector=collector,
        events=[
            collection.Event("1", "open", "TUBE000001"),
            collection.Event("2", "scan", "TUBE000001", "R:" + residents[0].public_id),
            collection.Event("3", "scan", "TUBE000001", "R:" + residents[1].public_id),
            collection.Event("4", "close", "TUBE000001"),
        ],
    )
    Exemption.objects.create(round=round_, resident=residents[2], community_code=community_a.code, reason="hospital")
    copy = Round(
        pk=round_.pk,
        public_id=round_.public_id,
        name=REPLICA_NAME,
        area_code=round_.area_code,
        pool_size=round_.pool_size,
        status=round_.status,
    )
    Round.objects.using(REPLICA).bulk_create([copy])
    RoundProgress.objects.using(REPLICA).create(round_id=round_.pk, community_code=community_a.code, sampled=4242)
    return worker, round_, residents


@pytest.fixture
def router_on(settings):
    settings.DATABASE_ROUTERS = [ROUTER]


@replica_db
def test_dashboards_and_exports_read_the_replica_and_other_pages_the_primary(client, world, router_on):
    worker, round_, residents = world
    client.force_login(worker)

    progress = client.get(f"/rounds/{round_.public_id}/progress.json", {"level": "community"}).json()
    assert progress["totals"]["sampled"] == 4242  # the replica's rollup

    dashboard = client.get(f"/rounds/{round_.public_id}/")
    assert dashboard.context["totals"]["sampled"] == 4242
    assert dashboard.context["round"].name == "第一轮"  # the round itself, deciding access: the primary's

    listed = client.get("/rounds/").content.decode()  # an ordinary page: the primary only
    assert "第一轮" in listed and REPLICA_NAME not in listed

    coverage = client.get(f"/rounds/{round_.public_id}/coverage/").content.decode()
    assert 'id="untested-count">0<' in coverage and residents[3].name not in coverage  # no residents there

    before = AuditEvent.objects.filter(entity="untested").count()
    exported = client.get(f"/rounds/{round_.public_id}/untested.xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
    assert len(rows) == 1  # the header: the replica has no residents
    # ... and the export's audit went to the primary, not the replica
    assert AuditEvent.objects.filter(entity="untested").count() == before + 1
    assert AuditEvent.objects.using(REPLICA).count() == 0


@replica_db
def test_a_marked_read_inside_a_transaction_on_the_primary_reads_the_primary(world, router_on):
    worker, round_, _ = world
    with reading_from_replica():
        assert progress_totals(user=worker, round_=round_)["sampled"] == 4242
        with transaction.atomic():
            assert progress_totals(user=worker, round_=round_)["sampled"] == 2


@replica_db
def test_without_the_router_every_page_reads_the_primary(client, world, settings):
    worker, round_, residents = world
    assert settings.DATABASE_ROUTERS == []
    client.force_login(worker)
    progress = client.get(f"/rounds/{round_.public_id}/progress.json", {"level": "community"}).json()
    assert progress["totals"]["sampled"] == 2
    coverage = client.get(f"/rounds/{round_.public_id}/coverage/").content.decode()
    assert 'id="untested-count">1<' in coverage and residents[3].name in coverage


@replica_db
def test_the_residents_export_reads_the_replica_and_audits_on_the_primary(client, world, router_on):
    worker, _round, residents = world  # the replica holds no residents
    client.force_login(worker)
    assert residents[0].name in client.get("/residents/").content.decode()  # the list: the primary
    before = AuditEvent.objects.filter(entity="resident").count()
    exported = client.get("/residents/export.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(exported.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert len(rows) == 1  # the header only: read from the replica
    assert AuditEvent.objects.filter(entity="resident").count() == before + 1
    assert AuditEvent.objects.using(REPLICA).count() == 0
