"""`gongzhi testing-retention`: a closed round's rows archived (a gzip-compressed CSV per table and a
manifest, verified) and removed, audited; on PostgreSQL its partitions detached and dropped, on
SQLite its rows deleted in batches. Every test runs on both databases."""

import csv
import gzip
import hashlib
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from gongzhi.core import events
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEvent
from gongzhi.testing import flows, selectors, services
from gongzhi.testing.collection import CLOSE, OPEN, SCAN, Event
from gongzhi.testing.models import Recall, Round, RoundProgress, Sample, ScanBatch, Tube
from gongzhi.testing.services.partitions import partition_of
from tests.factories import ResidentFactory, make_user_with_role

pytestmark = pytest.mark.django_db
POSTGRESQL = connection.vendor == "postgresql"


@pytest.fixture
def collector(community_a):
    return make_user_with_role("c1", "collector", community_a.code)


def scan_tube(round_, collector, barcode, residents):
    events_ = [Event(f"{barcode}-o", OPEN, barcode)]
    events_ += [Event(f"{barcode}-{i}", SCAN, barcode, "R:" + r.public_id) for i, r in enumerate(residents)]
    events_.append(Event(f"{barcode}-c", CLOSE, barcode))
    assert {o.status for o in services.scan_batch_ingest(round_=round_, collector=collector, events=events_)} == {"ok"}


@pytest.fixture
def residents(community_a):
    return ResidentFactory.create_batch(7)


@pytest.fixture
def sampled_round(community_a, worker_a, collector, residents):
    """A round with two tubes of samples (7 residents), a negative and a pending one."""
    round_ = services.round_create(actor=worker_a, name="第1轮全员核酸", area_code=community_a.code, pool_size=5)
    scan_tube(round_, collector, "TUBE0001", residents[:5])
    scan_tube(round_, collector, "TUBE0002", residents[5:])
    services.tube_results_record(actor=worker_a, round_=round_, results=[("TUBE0001", "阴性")])
    return round_


@pytest.fixture
def other_round(community_a, worker_a, collector, residents):
    """Another round, open, whose rows must never be touched."""
    round_ = services.round_create(actor=worker_a, name="第2轮全员核酸", area_code=community_a.code, pool_size=5)
    scan_tube(round_, collector, "TUBE0001", residents[:3])
    return round_


def close(round_, actor):
    return services.round_transition(actor=actor, round_=round_, to_status=flows.CLOSED)


def run(*args) -> str:
    out = io.StringIO()
    call_command("testing_retention", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def read_csv(path: Path) -> list[list[str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def rows(round_) -> dict[str, int]:
    return {m._meta.db_table: m.objects.filter(round_id=round_.pk).count() for m in (Sample, Tube, Recall, ScanBatch)}


def test_an_open_round_is_refused_and_nothing_is_written(sampled_round, tmp_path):
    with pytest.raises(CommandError, match="只能归档已结束的轮次"):
        run(sampled_round.public_id, "--archive", tmp_path, "--drop")
    with pytest.raises(CommandError, match="只能归档已结束的轮次"):
        run(sampled_round.public_id, "--archive", tmp_path)
    assert list(tmp_path.iterdir()) == []
    assert Sample.objects.filter(round=sampled_round).count() == 7
    assert not AuditEvent.objects.filter(entity__startswith="testing.round").exists()


def test_a_drop_needs_the_archive_of_the_same_run_or_says_so(sampled_round, worker_a):
    close(sampled_round, worker_a)
    with pytest.raises(CommandError, match="--archive"):
        run(sampled_round.public_id, "--drop")
    with pytest.raises(ApplicationError, match="没有在本次写出并核对归档"):
        from gongzhi.testing.services import retention

        retention.round_retain(actor=None, round_=sampled_round, archive_to=None, remove=True)
    assert Sample.objects.filter(round=sampled_round).count() == 7


def test_the_archive_writes_each_table_with_a_verified_manifest_and_keeps_the_rows(
    sampled_round, other_round, worker_a, tmp_path, residents
):
    close(sampled_round, worker_a)
    before = rows(sampled_round)
    out = run(sampled_round.public_id, "--archive", tmp_path, "--by", worker_a.username)
    (directory,) = tmp_path.iterdir()
    assert directory.name.startswith(f"round-{sampled_round.public_id}-")
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["round"]["public_id"] == sampled_round.public_id
    assert manifest["database"] == connection.vendor
    tables = {t["table"]: t for t in manifest["tables"]}
    assert set(tables) == {
        "testing_sample",
        "testing_tube",
        "testing_recall",
        "testing_resultconflict",
        "testing_scanbatch",
    }
    for entry in tables.values():
        path = directory / entry["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
        content = read_csv(path)
        assert content[0] == entry["columns"]
        assert len(content) - 1 == entry["rows"]
    assert tables["testing_sample"]["rows"] == 7 and tables["testing_tube"]["rows"] == 2
    samples = read_csv(directory / "testing_sample.csv.gz")
    column = samples[0].index("resident_id")
    assert sorted(int(r[column]) for r in samples[1:]) == sorted(r.pk for r in residents)
    assert {r[samples[0].index("round_id")] for r in samples[1:]} == {str(sampled_round.pk)}  # the other round's not
    assert "verified" in out
    assert rows(sampled_round) == before  # archived only
    audit = AuditEvent.objects.get(entity="testing.round_archive")
    assert audit.action == AuditEvent.Action.EXPORT and audit.actor == worker_a
    assert audit.row_ids == [sampled_round.public_id]
    assert audit.detail["rows"]["testing_sample"] == 7
    assert audit.detail["manifest_sha256"] == hashlib.sha256((directory / "manifest.json").read_bytes()).hexdigest()


def test_archive_and_drop_removes_only_the_closed_round_and_keeps_its_figures(
    client, sampled_round, other_round, worker_a, tmp_path
):
    close(sampled_round, worker_a)
    progress_before = {
        p.community_code: (p.sampled, p.tubes, p.tubes_resulted)
        for p in RoundProgress.objects.filter(round=sampled_round)
    }
    other_before = rows(other_round)
    out = run(sampled_round.public_id, "--archive", tmp_path, "--drop", "--batch-size", 2)
    assert "removed testing_sample: 7 rows" in out
    assert rows(sampled_round) == {"testing_sample": 0, "testing_tube": 0, "testing_recall": 0, "testing_scanbatch": 0}
    assert rows(other_round) == other_before
    sampled_round.refresh_from_db()
    assert sampled_round.archived_at is not None and sampled_round.status == flows.CLOSED
    if POSTGRESQL:
        assert "dropped partition testing_sample_r" in out
        assert partition_of(Sample, sampled_round.pk) is None and partition_of(Tube, sampled_round.pk) is None
        assert partition_of(Sample, other_round.pk) is not None
    # The rollup stays (recounted from the samples before they went): the dashboard's figures.
    kept = {
        p.community_code: (p.sampled, p.tubes, p.tubes_resulted)
        for p in RoundProgress.objects.filter(round=sampled_round)
    }
    assert kept == progress_before == {sampled_round.area_code: (7, 2, 1)}
    summary = selectors.coverage_summary(user=worker_a, round_=sampled_round)
    assert summary["archived"] and summary["sampled"] == 7
    assert list(selectors.untested_residents(user=worker_a, round_=sampled_round)) == []
    client.force_login(worker_a)
    page = client.get(f"/rounds/{sampled_round.public_id}/coverage/").content.decode()
    # The page says the details went, not that everyone was tested; no export of an empty list.
    assert 'id="archived-note"' in page and "明细已归档" in page
    assert "全部已检测或免检" not in page and "untested.xlsx" not in page
    removal = AuditEvent.objects.get(entity="testing.round")
    assert removal.action == AuditEvent.Action.UPDATE
    assert removal.detail["removed"]["testing_sample"] == 7
    assert removal.detail["archive"].startswith(str(tmp_path))
    assert removal.detail["manifest_sha256"]
    assert AuditEvent.objects.filter(entity="testing.round_archive").count() == 1
    with pytest.raises(ApplicationError, match="已归档"):
        services.round_transition(actor=worker_a, round_=sampled_round, to_status=flows.OPEN)
    with pytest.raises(CommandError, match="已归档"):
        run(sampled_round.public_id, "--archive", tmp_path)


def test_drop_without_archive_is_explicit_and_audited(sampled_round, worker_a):
    close(sampled_round, worker_a)
    run(sampled_round.public_id, "--drop-without-archive")
    assert Sample.objects.filter(round=sampled_round).count() == 0
    removal = AuditEvent.objects.get(entity="testing.round")
    assert removal.detail["archive"] is None and removal.detail["removed"]["testing_sample"] == 7
    assert removal.actor is None and removal.actor_name == "system"


def test_the_rows_stay_while_a_recall_is_being_worked(sampled_round, worker_a, tmp_path):
    services.tube_results_record(actor=worker_a, round_=sampled_round, results=[("TUBE0002", "阳性")])
    events.deliver_pending()  # the recalls open after the commit
    assert Recall.objects.filter(round=sampled_round).count() == 2
    close(sampled_round, worker_a)
    with pytest.raises(CommandError, match="复核"):
        run(sampled_round.public_id, "--archive", tmp_path, "--drop")
    assert list(tmp_path.iterdir()) == []  # nothing written: the refusal comes first
    assert Sample.objects.filter(round=sampled_round).count() == 7
    run(sampled_round.public_id, "--archive", tmp_path)  # archiving alone is allowed
    (directory,) = tmp_path.iterdir()
    assert len(read_csv(directory / "testing_recall.csv.gz")) == 3
    for recall in Recall.objects.filter(round=sampled_round):  # worked to the end: now it may go
        for step in (flows.RESAMPLED, flows.NEGATIVE):
            services.recall_transition(actor=worker_a, recall=recall, to_status=step)
    run(sampled_round.public_id, "--archive", tmp_path, "--drop")
    assert Recall.objects.filter(round=sampled_round).count() == 0


def test_a_round_in_the_default_partition_is_archived_and_removed_alone(community_a, worker_a, collector, tmp_path):
    """A round made outside the service has no partition of its own (PostgreSQL): its rows are
    deleted from the default partition, and another such round's rows stay."""
    residents = ResidentFactory.create_batch(3)
    first, second = (
        Round.objects.create(name=f"手工{n}", area_code=community_a.code, pool_size=5, status="open") for n in (1, 2)
    )
    scan_tube(first, collector, "TUBE0001", residents)
    scan_tube(second, collector, "TUBE0001", residents[:2])
    close(first, worker_a)
    assert partition_of(Sample, first.pk) is None
    out = run(first.public_id, "--archive", tmp_path, "--drop")
    assert "dropped partition" not in out
    assert Sample.objects.filter(round=first).count() == 0
    assert Sample.objects.filter(round=second).count() == 2
    assert Tube.objects.filter(round=second).count() == 1


def test_without_an_action_the_command_shows_the_round(sampled_round):
    out = run(sampled_round.pk)
    assert "testing_sample: 7 rows" in out
    assert "may be archived and removed: no" in out
    if POSTGRESQL:
        assert f"partition testing_sample_r{sampled_round.pk}" in out
    with pytest.raises(CommandError, match="no round"):
        run("NOSUCHROUND")


def test_an_archived_round_pages_show_the_kept_figures_and_no_untested_list(
    client, sampled_round, worker_a, community_a, residents
):
    close(sampled_round, worker_a)
    run(sampled_round.public_id, "--drop-without-archive")
    sampled_round.refresh_from_db()
    client.force_login(worker_a)
    page = client.get(f"/rounds/{sampled_round.public_id}/coverage/").content.decode()
    assert "本轮的采样明细已归档并移出数据库" in page
    answer = client.get(f"/api/rounds/{sampled_round.public_id}/coverage").json()
    assert answer["archived"] is True and answer["sampled"] == 7
    assert answer["untested"] == answer["expected"] - 7 - answer["exempted"]
    dashboard = client.get(f"/rounds/{sampled_round.public_id}/").content.decode()
    assert 'data-k="tubes">2<' in dashboard  # from the rollup
    # Below a community the figure is no longer known: said, not guessed.
    grid_worker = make_user_with_role("gw", "grid_worker", community_a.code, grid=residents[0].household.building.grid)
    summary = selectors.coverage_summary(user=grid_worker, round_=sampled_round)
    assert summary["archived"] and summary["sampled"] is None and summary["untested"] is None
    client.force_login(grid_worker)
    assert client.get(f"/api/rounds/{sampled_round.public_id}/coverage").json()["sampled"] is None


def test_an_archived_round_offers_no_step(client, sampled_round, worker_a):
    close(sampled_round, worker_a)
    client.force_login(worker_a)
    transition_url = f"/rounds/{sampled_round.public_id}/transition/"
    assert transition_url in client.get(f"/rounds/{sampled_round.public_id}/").content.decode()  # reopen offered
    run(sampled_round.public_id, "--drop-without-archive")
    assert transition_url not in client.get(f"/rounds/{sampled_round.public_id}/").content.decode()
    client.post(transition_url, {"to_status": flows.OPEN})
    sampled_round.refresh_from_db()
    assert sampled_round.status == flows.CLOSED
