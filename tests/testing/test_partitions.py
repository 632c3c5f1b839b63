"""Tubes and samples partitioned by round on PostgreSQL (migration 0007, testing.services.partitions).
On SQLite nothing is partitioned: each test checks that instead of skipping (the PostgreSQL pass of
`make test` runs them in full)."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection

from gongzhi.core.db import analyze_if_stale
from gongzhi.testing import services
from gongzhi.testing.collection import CLOSE, OPEN, SCAN, Event
from gongzhi.testing.models import Round, Sample, Tube
from gongzhi.testing.services.partitions import (
    default_partition_name,
    is_partitioned,
    partition_name,
    partition_of,
    round_partitions_create,
)
from tests.factories import ResidentFactory, make_user_with_role

pytestmark = pytest.mark.django_db
POSTGRESQL = connection.vendor == "postgresql"


@pytest.fixture
def collector(community_a):
    return make_user_with_role("c1", "collector", community_a.code)


def scan_tube(round_, collector, barcode, residents):
    events = [Event(f"{barcode}-o", OPEN, barcode)]
    events += [Event(f"{barcode}-{i}", SCAN, barcode, "R:" + r.public_id) for i, r in enumerate(residents)]
    events.append(Event(f"{barcode}-c", CLOSE, barcode))
    outcomes = services.scan_batch_ingest(round_=round_, collector=collector, events=events)
    assert {o.status for o in outcomes} == {"ok"}


def rows_in(table: str, round_id: int | None = None) -> int:
    """Rows physically in this table (ONLY: not its partitions)."""
    with connection.cursor() as cursor:
        where = f" WHERE round_id = {int(round_id)}" if round_id is not None else ""
        cursor.execute(f"SELECT count(*) FROM ONLY {connection.ops.quote_name(table)}{where}")
        return cursor.fetchone()[0]


def catalog(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_tubes_and_samples_are_list_partitioned_by_round_with_a_default_partition():
    if not POSTGRESQL:
        assert not is_partitioned(Tube) and not is_partitioned(Sample)
        return
    partitioned = catalog(
        "SELECT c.relname, p.partstrat, a.attname FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid"
        " JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0] ORDER BY 1"
    )
    assert ("testing_sample", "l", "round_id") in partitioned
    assert ("testing_tube", "l", "round_id") in partitioned
    for model in (Tube, Sample):
        table = model._meta.db_table
        assert is_partitioned(model)
        defaults = catalog(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = %s::regclass AND pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'",
            [table],
        )
        assert defaults == [(default_partition_name(model),)]
        # The primary key holds the partition key; Django's key is still `id`.
        (key,) = catalog(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'",
            [table],
        )
        assert key == ("PRIMARY KEY (id, round_id)",)
        assert model._meta.pk.name == "id"


def test_the_indexes_and_unique_keys_of_the_models_are_on_the_partitioned_tables():
    indexes = {
        name: index
        for model in (Tube, Sample)
        for name, index in connection.introspection.get_constraints(connection.cursor(), model._meta.db_table).items()
    }
    assert indexes["sample_round_community"]["columns"] == ["round_id", "community_code"]
    assert indexes["sample_resident_round_unique"]["unique"]
    assert indexes["sample_resident_round_unique"]["columns"] == ["resident_id", "round_id"]
    assert indexes["tube_round_area"]["columns"] == ["round_id", "community_code"]
    assert not any("status" in i["columns"] for i in indexes.values())  # a result is written in place
    assert indexes["tube_barcode_round_unique"]["columns"] == ["barcode", "round_id"]
    assert any(i["columns"] == ["tube_id"] and i["index"] for i in indexes.values())  # samples of a tube
    if POSTGRESQL:
        # Nothing points at a tube in the database any more (a partitioned table's id is unique only with the round).
        assert (
            catalog("SELECT conname FROM pg_constraint WHERE contype = 'f' AND confrelid = 'testing_tube'::regclass")
            == []
        )
        assert (
            catalog("SELECT conname FROM pg_constraint WHERE contype = 'f' AND confrelid = 'testing_sample'::regclass")
            == []
        )


def test_the_models_and_the_migrations_agree():
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_a_new_round_gets_its_partitions_and_its_tubes_and_samples_land_in_them(community_a, worker_a, collector):
    round_ = services.round_create(actor=worker_a, name="第1轮", area_code=community_a.code, pool_size=10)
    residents = ResidentFactory.create_batch(3)
    scan_tube(round_, collector, "TUBE0001", residents)
    assert Sample.objects.filter(round=round_).count() == 3
    if not POSTGRESQL:
        assert round_partitions_create(round_.pk) == []
        return
    assert partition_of(Sample, round_.pk) == partition_name(Sample, round_.pk) == f"testing_sample_r{round_.pk}"
    assert partition_of(Tube, round_.pk) == f"testing_tube_r{round_.pk}"
    assert rows_in(f"testing_sample_r{round_.pk}") == 3
    assert rows_in(f"testing_tube_r{round_.pk}") == 1
    assert rows_in("testing_sample_default", round_.pk) == 0
    assert rows_in("testing_tube_default", round_.pk) == 0
    assert round_partitions_create(round_.pk) == []  # made once
    # A second round: its own partitions; the same resident again in it is a new sample.
    second = services.round_create(actor=worker_a, name="第2轮", area_code=community_a.code, pool_size=10)
    scan_tube(second, collector, "TUBE0001", residents[:1])
    assert rows_in(f"testing_sample_r{second.pk}") == 1
    assert rows_in(f"testing_sample_r{round_.pk}") == 3


def test_a_repeated_scan_is_still_refused_by_the_unique_key_across_batches(community_a, worker_a, collector):
    """ON CONFLICT on the partitioned table: the (resident, round) key holds the partition key."""
    round_ = services.round_create(actor=worker_a, name="第1轮", area_code=community_a.code, pool_size=10)
    resident = ResidentFactory()
    scan_tube(round_, collector, "TUBE0001", [resident])
    outcomes = services.scan_batch_ingest(
        round_=round_,
        collector=collector,
        events=[Event("x-o", OPEN, "TUBE0002"), Event("x-1", SCAN, "TUBE0002", "R:" + resident.public_id)],
    )
    assert Sample.objects.filter(round=round_, resident=resident).count() == 1
    assert [o.code for o in outcomes if o.event_id == "x-1"] != ["added"]


def test_the_default_partition_catches_a_round_without_its_own_and_gives_them_up_later(
    community_a, worker_a, collector
):
    """A round made without the service (here straight through the ORM) has no partition: its rows
    land in the default one, nothing is lost; making its partitions later moves them in."""
    round_ = Round.objects.create(name="手工轮次", area_code=community_a.code, pool_size=10, status="open")
    residents = ResidentFactory.create_batch(2)
    scan_tube(round_, collector, "TUBE0009", residents)
    assert Sample.objects.filter(round=round_).count() == 2
    if not POSTGRESQL:
        return
    assert partition_of(Sample, round_.pk) is None
    assert rows_in("testing_sample_default", round_.pk) == 2
    assert rows_in("testing_tube_default", round_.pk) == 1
    assert sorted(round_partitions_create(round_.pk)) == [f"testing_sample_r{round_.pk}", f"testing_tube_r{round_.pk}"]
    assert rows_in("testing_sample_default", round_.pk) == 0
    assert rows_in(f"testing_sample_r{round_.pk}") == 2
    assert rows_in(f"testing_tube_r{round_.pk}") == 1
    assert Sample.objects.filter(round=round_, tube__barcode="TUBE0009").count() == 2  # Django still joins


def test_the_scan_lookups_reach_only_the_round_partition(community_a, worker_a):
    """The ingest's per-resident and per-barcode probes name the round plainly: PostgreSQL prunes
    them to the round's partitions (the default partition and other rounds' are never read)."""
    round_ = services.round_create(actor=worker_a, name="第1轮", area_code=community_a.code, pool_size=10)
    services.round_create(actor=worker_a, name="第2轮", area_code=community_a.code, pool_size=10)
    if not POSTGRESQL:
        return
    plan = "\n".join(
        row[0]
        for row in catalog(
            "EXPLAIN SELECT (SELECT t.barcode FROM testing_sample s JOIN testing_tube t ON t.id = s.tube_id"
            " AND t.round_id = %s WHERE s.resident_id = 1 AND s.round_id = %s),"
            " (SELECT t.id FROM testing_tube t WHERE t.barcode = 'X' AND t.round_id = %s)",
            [round_.pk, round_.pk, round_.pk],
        )
    )
    assert f"testing_sample_r{round_.pk}" in plan and f"testing_tube_r{round_.pk}" in plan
    assert "_default" not in plan and f"_r{round_.pk + 1}" not in plan


@pytest.mark.django_db(transaction=True)
def test_analyze_if_stale_looks_at_each_partition(areas, community_a):
    worker = make_user_with_role("w", "community_worker", community_a.code)
    collector = make_user_with_role("c", "collector", community_a.code)
    round_ = services.round_create(actor=worker, name="第1轮", area_code=community_a.code, pool_size=20)
    residents = ResidentFactory.create_batch(15)
    scan_tube(round_, collector, "TUBE0001", residents)
    if not POSTGRESQL:
        assert analyze_if_stale(Sample, at_least=10) == []
        return
    with connection.cursor() as cursor:  # a backend's counts reach pg_stat_user_tables at most once a second
        cursor.execute("SELECT pg_stat_force_next_flush()")
    # partitions earlier transactional tests left behind (their rows truncated) may be stale too
    own = f"testing_sample_r{round_.pk}"
    assert own in analyze_if_stale(Sample, at_least=10)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
    assert own not in analyze_if_stale(Sample, at_least=10)


def test_a_rounds_tubes_leave_room_for_their_result_and_a_samples_result_is_read_from_its_tube(
    community_a, worker_a, collector
):
    from gongzhi.testing.selectors import sample_result
    from gongzhi.testing.services.partitions import round_filter

    round_ = services.round_create(actor=worker_a, name="第1轮", area_code=community_a.code, pool_size=10)
    scan_tube(round_, collector, "TUBE0001", ResidentFactory.create_batch(3))
    answers = services.tube_results_record(actor=worker_a, round_=round_, results=[("TUBE0001", "negative")])
    assert answers[0]["status"] == "ok"
    samples = Sample.objects.filter(round=round_, **round_filter(round_.pk)).annotate(result=sample_result())
    assert list(samples.values_list("result", flat=True)) == ["negative"] * 3
    if not POSTGRESQL:
        assert round_filter(round_.pk) == {}  # SQLite: the tube index alone (the round may mislead its planner)
        return
    assert round_filter(round_.pk) == {"round_id": round_.pk}
    options = dict(
        catalog("SELECT relname, reloptions FROM pg_class WHERE relname LIKE %s", [f"testing_%_r{round_.pk}"])
    )
    # samples are never updated; a tube once, by its result, in place (no indexed column changes)
    assert options == {f"testing_sample_r{round_.pk}": None, f"testing_tube_r{round_.pk}": ["fillfactor=80"]}
    with connection.cursor() as cursor:
        sql, params = samples.values("id", "result").query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert f"testing_sample_r{round_.pk}" in plan and "testing_sample_default" not in plan


def test_every_statement_of_a_scan_batch_and_a_results_call_names_the_round(community_a, worker_a, collector):
    """Tubes and samples are partitioned by round: a statement on them by id alone probes every round's
    partition (at 337 rounds a results call of 5,000 tubes read by id took 1.3 s instead of 6 ms). So
    each statement the two hot paths run on tubes or samples names its round, on either database."""
    from django.test.utils import CaptureQueriesContext

    from gongzhi.testing.services import results as results_services

    round_ = services.round_create(actor=worker_a, name="第1轮", area_code=community_a.code, pool_size=10)
    services.round_create(actor=worker_a, name="第2轮", area_code=community_a.code, pool_size=10)
    residents = [ResidentFactory() for _ in range(3)]
    lab = make_user_with_role("lab1", "lab", community_a.code)
    with CaptureQueriesContext(connection) as captured:
        scan_tube(round_, collector, "TP0001", residents[:2])
        scan_tube(round_, collector, "TP0002", residents[2:])
        answers = results_services.tube_results_record(
            actor=lab, round_=round_, results=[("TP0001", "negative"), ("TP0002", "positive")]
        )
    assert [a["status"] for a in answers] == ["ok", "ok"]
    reads_or_writes = re.compile(r'\b(FROM|INTO|UPDATE|JOIN)\s+"?testing_(tube|sample)\b', re.IGNORECASE)
    on_partitioned = [q["sql"] for q in captured.captured_queries if reads_or_writes.search(q["sql"])]
    assert on_partitioned  # the paths were really watched
    unnamed = [sql for sql in on_partitioned if "round_id" not in sql]
    assert unnamed == []
