"""A closed round's rows written out and removed (`gongzhi testing-retention`; docs/decisions.md,
"Tubes and samples partitioned by round").

The round's tubes, samples, recalls, held results and scan batches are written as one gzip-compressed
CSV file per table (first line the column names) with a manifest of row counts and checksums, read
back and counted before anything is removed. Removed, on demand: on PostgreSQL the round's partitions
of tubes and samples are detached and dropped and its other rows deleted, in one transaction with the
archive, the round's partitions locked against writes from the first row written to the drop; on
SQLite the rows are deleted in batches, each its own write transaction, after the round is marked.

What stays: the round (marked `archived_at`: it cannot be opened again), its sites, slots,
collectors and exemptions, the per-community rollup (RoundProgress, recounted from the samples just
before they go) that the round's dashboard and coverage read from then on, and the audit and
workflow history. Both the archive (an export of personal data) and the removal are audited.
"""

import dataclasses
import io
import json
import os
import shutil
from pathlib import Path

from django.db import connection, models, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.db import write_transaction
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEvent
from gongzhi.core.services import audit_record
from gongzhi.testing import flows
from gongzhi.testing.models import Recall, ResultConflict, Round, RoundProgress, Sample, ScanBatch, Tube
from gongzhi.testing.services.archive import TableFile, sha256_of, write_orm, write_postgresql
from gongzhi.testing.services.partitions import PARTITIONED, default_partition_name, partition_of

ARCHIVED: tuple[type[models.Model], ...] = (Sample, Tube, Recall, ResultConflict, ScanBatch)
# Rows that point at a tube go before the tubes (SQLite still holds those foreign keys).
REMOVAL_ORDER: tuple[type[models.Model], ...] = (ResultConflict, Recall, Sample, ScanBatch, Tube)
RECALL_DONE = (flows.NEGATIVE, flows.POSITIVE, flows.CANCELLED)
BATCH = 5000
LOCK_TIMEOUT = "10s"  # how long a drop waits for the tables before giving up (every write waits behind it)


@dataclasses.dataclass
class Retention:
    """What a run did: the archive written (directory, files, the manifest's checksum), the rows
    removed per table and the partitions dropped."""

    round_public_id: str
    directory: Path | None = None
    files: list[TableFile] = dataclasses.field(default_factory=list)
    manifest_sha256: str = ""
    removed: dict[str, int] = dataclasses.field(default_factory=dict)
    dropped: list[str] = dataclasses.field(default_factory=list)
    progress_recounted: int = 0
    export_committed: bool = False  # the archive's audit row is committed: the files stay whatever follows


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def round_rows(round_: Round) -> dict[str, int]:
    """The round's rows per table (counted: seconds for a city's round on PostgreSQL)."""
    return {m._meta.db_table: m._default_manager.filter(round_id=round_.pk).count() for m in ARCHIVED}


def retention_refusal(round_: Round, *, removing: bool) -> str | None:
    """Why this round's rows may not be archived (or removed) now, or None. Only a closed round is
    archived; its rows are removed only when no recall is still being worked and no held result is
    waiting for the lab (both would lose their tube)."""
    if round_.status != flows.CLOSED:
        return _("只能归档已结束的轮次（本轮状态：%(status)s）") % {"status": round_.get_status_display()}
    if not removing:
        return None
    working = Recall.objects.filter(round=round_).exclude(status__in=RECALL_DONE).count()
    if working:
        return _("本轮还有%(n)d名复核人员未处理完，处理完才能移出明细") % {"n": working}
    held = ResultConflict.objects.filter(round=round_, resolved_at__isnull=True).count()
    if held:
        return _("本轮还有%(n)d个待核实的检测结果，处理后才能移出明细") % {"n": held}
    return None


def round_retain(
    *,
    actor,
    round_: Round,
    archive_to: Path | None,
    remove: bool,
    without_archive: bool = False,
    batch_size: int = BATCH,
) -> Retention:
    """Archive a closed round's rows into a new directory under `archive_to`, and/or remove them.
    Removing needs the archive written and verified in this same call, or `without_archive`
    explicitly. A round already marked archived whose rows were not all removed (an interrupted
    SQLite run) has the rest removed. The actor (None: the operator's command line) is audited."""
    if archive_to is None and not remove:
        raise ApplicationError(_("请指定归档目录或移出明细"))
    if remove and archive_to is None and not without_archive:
        raise ApplicationError(_("没有在本次写出并核对归档，不能移出明细"))
    result = Retention(round_public_id=round_.public_id)
    if round_.archived_at is not None:
        if archive_to is not None or not remove:
            raise ApplicationError(_("本轮的采样明细已归档并移出数据库"))
        result.removed = _remove_rows(round_, batch_size)  # the rest of an interrupted removal
        return result
    refusal = retention_refusal(round_, removing=remove)
    if refusal:
        raise ApplicationError(refusal, status=409)
    if archive_to is not None:
        result.directory = _new_directory(archive_to, round_)
    try:
        if connection.vendor == "postgresql":
            with transaction.atomic():
                _retain_postgresql(actor, round_, result, remove)
        else:
            _retain_sqlite(actor, round_, result, remove, batch_size)
    except BaseException:
        if result.directory is not None and not result.export_committed:
            shutil.rmtree(result.directory, ignore_errors=True)  # no audit, no archive
        raise
    return result


def _new_directory(base: Path, round_: Round) -> Path:
    """A directory of its own for this run's archive (never an earlier run's)."""
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
    Path(base).mkdir(parents=True, exist_ok=True)
    for n in range(1, 100):
        directory = Path(base) / f"round-{round_.public_id}-{stamp}{'' if n == 1 else f'-{n}'}"
        try:
            directory.mkdir()
        except FileExistsError:
            continue
        return directory
    raise ApplicationError(_("归档目录已存在"), {"directory": str(directory)})


# PostgreSQL: one transaction


def _retain_postgresql(actor, round_: Round, result: Retention, remove: bool) -> None:
    Round.objects.select_for_update().filter(pk=round_.pk).first()  # no transition meanwhile
    round_.refresh_from_db()
    refusal = retention_refusal(round_, removing=remove)
    if refusal:
        raise ApplicationError(refusal, status=409)
    sources: dict[str, str] = {}  # table -> where its rows of the round are
    with connection.cursor() as cursor:
        for model in PARTITIONED:
            own = partition_of(model, round_.pk)
            sources[model._meta.db_table] = own or model._meta.db_table
            # No write to the round's rows from the first row archived to the drop (other rounds go on).
            cursor.execute(f"LOCK TABLE {_q(own or default_partition_name(model))} IN SHARE MODE")
        for model in (Recall, ResultConflict):
            list(model._default_manager.select_for_update().filter(round_id=round_.pk).values_list("pk"))
        counts = {}
        for model in ARCHIVED:
            table = model._meta.db_table
            source = sources.get(table, table)
            where = f" WHERE round_id = {int(round_.pk)}" if source == table else ""
            cursor.execute(f"SELECT count(*) FROM {_q(source)}{where}")
            counts[table] = cursor.fetchone()[0]
    if result.directory is not None:
        for model in ARCHIVED:
            result.files.append(write_postgresql(model, round_, sources, result.directory))
        _verify_and_audit(actor, round_, result, counts)
    if not remove:
        return
    result.progress_recounted = _progress_recount(round_)
    # Deferred foreign-key checks of this transaction's own writes run now: a table with checks
    # pending cannot be dropped (only when called inside a wider transaction, as in the tests).
    connection.check_constraints()
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        for model in REMOVAL_ORDER:
            table = model._meta.db_table
            source = sources.get(table, table)
            if source != table:  # the round's own partition
                cursor.execute(f"ALTER TABLE {_q(table)} DETACH PARTITION {_q(source)}")
                cursor.execute(f"DROP TABLE {_q(source)}")
                result.dropped.append(source)
                removed = counts[table]
            else:
                cursor.execute(f"DELETE FROM {_q(table)} WHERE round_id = %s", [round_.pk])
                removed = cursor.rowcount
            if removed != counts[table]:
                raise ApplicationError(_("移出的行数与归档不符，已全部撤销"), {"table": table}, status=409)
            result.removed[table] = removed
        cursor.execute("SET LOCAL lock_timeout TO DEFAULT")
    _mark_and_audit_removal(actor, round_, result)


# SQLite: archive by the ORM, then mark, then delete in batches


def _retain_sqlite(actor, round_: Round, result: Retention, remove: bool, batch_size: int) -> None:
    counts: dict[str, int] = {}
    if result.directory is not None:
        for model in ARCHIVED:
            result.files.append(write_orm(model, round_, result.directory))
        counts = {f.table: f.rows for f in result.files}
        with write_transaction():
            _verify_and_audit(actor, round_, result, round_rows(round_))
        result.export_committed = not connection.in_atomic_block
    if not remove:
        return
    with write_transaction():
        round_.refresh_from_db()
        refusal = retention_refusal(round_, removing=True)
        if refusal:
            raise ApplicationError(refusal, status=409)
        now = round_rows(round_)
        if counts and now != counts:
            raise ApplicationError(
                _("归档之后本轮数据又有变化，请重新归档"), {"archived": counts, "now": now}, status=409
            )
        result.progress_recounted = _progress_recount(round_)
        result.removed = now
        _mark_and_audit_removal(actor, round_, result)
    _remove_rows(round_, batch_size)


def _remove_rows(round_: Round, batch_size: int) -> dict[str, int]:
    """Delete the round's rows table by table, a batch a write transaction (SQLite; on PostgreSQL
    what an interrupted removal left, normally nothing)."""
    removed: dict[str, int] = {}
    for model in REMOVAL_ORDER:
        table, n = model._meta.db_table, 0
        while True:
            with write_transaction(), connection.cursor() as cursor:
                cursor.execute(f"SELECT id FROM {_q(table)} WHERE round_id = %s LIMIT %s", [round_.pk, batch_size])
                ids = [pk for (pk,) in cursor.fetchall()]
                for start in range(0, len(ids), 900):
                    chunk = ids[start : start + 900]
                    cursor.execute(f"DELETE FROM {_q(table)} WHERE id IN ({', '.join(['%s'] * len(chunk))})", chunk)
            n += len(ids)
            if len(ids) < batch_size:
                break
        removed[table] = n
    return removed


# Both


def _verify_and_audit(actor, round_: Round, result: Retention, counts: dict[str, int]) -> None:
    """Each file's rows, read back, against the rows counted in the database; then the manifest, and
    the export audited with its checksum."""
    assert result.directory is not None
    wrong = {f.table: [f.rows, counts.get(f.table)] for f in result.files if f.rows != counts.get(f.table)}
    if wrong:
        raise ApplicationError(_("归档文件的行数与数据库不符"), {"tables": wrong}, status=500)
    manifest = {
        "round": {
            "public_id": round_.public_id,
            "id": round_.pk,
            "name": round_.name,
            "area_code": round_.area_code,
            "status": round_.status,
            "starts_at": round_.starts_at.isoformat(),
            "ends_at": round_.ends_at.isoformat() if round_.ends_at else None,
        },
        "database": connection.vendor,
        "written_at": timezone.now().isoformat(),
        "format": "gzip-compressed CSV, first line the column names; NULL is an empty field, binary is \\x hex",
        "tables": [dataclasses.asdict(f) for f in result.files],
    }
    path = result.directory / "manifest.json"
    buffer = io.StringIO()
    json.dump(manifest, buffer, ensure_ascii=False, indent=2)
    with open(path, "w", encoding="utf-8") as f:
        f.write(buffer.getvalue())
        f.flush()
        os.fsync(f.fileno())
    result.manifest_sha256 = sha256_of(path)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        entity="testing.round_archive",
        row_ids=[round_.public_id],
        area_codes=[round_.area_code],
        detail={
            "directory": str(result.directory),
            "rows": {f.table: f.rows for f in result.files},
            "manifest_sha256": result.manifest_sha256,
        },
    )


def _progress_recount(round_: Round) -> int:
    """Set the round's per-community rollup from its tubes and samples, which are about to go: the
    figures its dashboard and coverage keep showing. Returns the rows changed or added."""
    sampled = dict(
        Sample.objects.filter(round=round_)
        .order_by()
        .values("community_code")
        .annotate(n=Count("id"))
        .values_list("community_code", "n")
    )
    tubes = {
        row["community_code"]: row
        for row in Tube.objects.filter(round=round_)
        .order_by()
        .values("community_code")
        .annotate(
            tubes=Count("id"),
            tubes_resulted=Count("id", filter=Q(status__in=[flows.NEGATIVE, flows.POSITIVE])),
            positive_tubes=Count("id", filter=Q(status=flows.POSITIVE)),
        )
    }
    kept = {p.community_code: p for p in RoundProgress.objects.filter(round=round_)}
    changed = 0
    for code in sorted(set(sampled) | set(tubes) | set(kept)):
        counted = {
            "sampled": sampled.get(code, 0),
            **{k: tubes.get(code, {}).get(k, 0) for k in ("tubes", "tubes_resulted", "positive_tubes")},
        }
        row = kept.get(code)
        if row is None:
            RoundProgress.objects.create(round=round_, community_code=code, **counted)
            changed += 1
        elif any(getattr(row, k) != v for k, v in counted.items()):
            RoundProgress.objects.filter(pk=row.pk).update(**counted)
            changed += 1
    return changed


def _mark_and_audit_removal(actor, round_: Round, result: Retention) -> None:
    round_.archived_at = timezone.now()
    round_.save(update_fields=["archived_at", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        entity="testing.round",
        row_ids=[round_.public_id],
        area_codes=[round_.area_code],
        detail={
            "removed": result.removed,
            "partitions_dropped": result.dropped,
            "archive": str(result.directory) if result.directory else None,
            "manifest_sha256": result.manifest_sha256 or None,
            "progress_recounted": result.progress_recounted,
        },
    )
