"""Writes for mass-testing rounds: rounds and sites, batched scan ingestion, lab results, recalls."""

import dataclasses
import hashlib
import json
import zlib
from collections import Counter
from datetime import datetime

from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import tabular
from gongzhi.core.cleaning import clean_code, clean_text
from gongzhi.core.db import analyze_if_stale, pg_array, write_transaction
from gongzhi.core.errors import ApplicationError
from gongzhi.people.models import Resident
from gongzhi.places.models import Area, Household
from gongzhi.testing import collection
from gongzhi.testing.models import Recall, RecallEvent, Round, RoundProgress, Sample, ScanBatch, Tube

MAX_BATCH = 500
_CHUNK = 900  # SQLite's bound-parameter limit is 999 on old builds


def _chunks(values, size=_CHUNK):
    values = list(values)
    for i in range(0, len(values), size):
        yield values[i : i + size]


def round_create(*, actor, name: str, area_code: str, pool_size: int, starts_at: datetime | None = None) -> Round:
    """Open a round over an area (a community up to the city)."""
    name = name.strip()
    if not name:
        raise ApplicationError(_("请填写轮次名称"))
    if not 1 <= pool_size <= 20:
        raise ApplicationError(_("混采人数必须在1到20之间"))
    if not Area.objects.filter(code=area_code).exists():
        raise ApplicationError(_("区划代码不存在"), {"area_code": area_code})
    with transaction.atomic():
        round_ = Round(
            name=name[:100],
            area_code=area_code,
            pool_size=pool_size,
            created_by=actor,
            status=Round.Status.OPEN,
            starts_at=starts_at or timezone.now(),
        )
        round_.full_clean()
        round_.save()
    return round_


def _select_in(sql: str, values, *params, array_type: str = "text") -> list[tuple]:
    """Rows of `sql`, whose `{in}` is a membership test of one column against `values`: one
    statement with an array on PostgreSQL (`= ANY(%s::type[])`), chunked `IN (...)` lists on
    SQLite. Raw SQL because building the ORM lookup for hundreds of values cost more than running
    it (profiled). `params` come before the values."""
    values = list(values)
    if not values:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(sql.format(**{"in": f"= ANY(%s::{array_type}[])"}), [*params, pg_array(values)])
            return cursor.fetchall()
        rows: list[tuple] = []
        for chunk in _chunks(values):
            cursor.execute(sql.format(**{"in": f"IN ({', '.join(['%s'] * len(chunk))})"}), [*params, *chunk])
            rows += cursor.fetchall()
        return rows


def _tubes_by_barcode(round_: Round, barcodes, columns: str) -> list[tuple]:
    """`columns` of this round's tubes with these barcodes. On PostgreSQL each barcode is looked up
    by a per-row subquery on the (barcode, round) key and the rows then fetched by primary key:
    with a plain `barcode = ANY(...)` the planner, misled by statistics of a table growing by
    millions of rows, chose a parallel scan of every tube (60 ms a batch at 300,000 tubes)."""
    barcodes = list(barcodes)
    if not barcodes:
        return []
    table = Tube._meta.db_table
    if connection.vendor != "postgresql":
        return _select_in(
            f"SELECT {columns} FROM {table} WHERE round_id + 0 = %s AND barcode {{in}}", barcodes, round_.pk
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT t.id FROM {table} t WHERE t.barcode = b.code AND t.round_id + 0 = %s)"
            " FROM unnest(%s::text[]) AS b(code)",
            [round_.pk, pg_array(barcodes)],
        )
        ids = [pk for (pk,) in cursor.fetchall() if pk is not None]
    return _select_in(f"SELECT {columns} FROM {table} WHERE id {{in}}", ids, array_type="bigint")


_ingest_batches = 0  # batches this process has taken, to look at the hot tables' statistics now and then


def _resolve_codes(round_: Round, codes: set[str]) -> tuple[dict[str, list[int]], dict[int, str], dict[int, str]]:
    """Scanned codes -> resident ids inside the round's area, each resident's community, and the
    barcode of the tube each was already sampled into this round. A code is a resident code
    (R:<id>), a household code (H:<id>, all members) or an ID number."""
    resident_ids, household_ids, id_numbers = [], [], []
    for c in codes:
        if c.startswith("R:"):
            resident_ids.append(c[2:])
        elif c.startswith("H:"):
            household_ids.append(c[2:])
        elif len(c) == 18:
            id_numbers.append(c.upper())
    # Plans that cannot go wrong: each lookup is driven by one indexed column, the round's area is
    # checked here, and a resident's sample is a per-row subquery on the (resident, round) key, the
    # round being no index of its own (`+ 0`). With joins, or the area or round in SQL, PostgreSQL
    # planned from the statistics of a table that grows by millions of rows in a round and scanned
    # the whole area or round for each batch (profiled). Residents outside the area are not found.
    resident, sample, tube = Resident._meta.db_table, Sample._meta.db_table, Tube._meta.db_table
    sampled_in = (
        f"(SELECT t.barcode FROM {sample} s JOIN {tube} t ON t.id = s.tube_id"
        " WHERE s.resident_id = r.id AND s.round_id + 0 = %s)"
    )
    area = round_.area_code
    found: dict[str, list[int]] = {}
    community_of: dict[int, str] = {}
    sampled: dict[int, str] = {}
    lookups = (
        (
            "R:",
            f"SELECT r.id, r.community_code, r.public_id, {sampled_in} FROM {resident} r",
            "r.public_id",
            resident_ids,
        ),
        (
            "H:",
            f"SELECT r.id, r.community_code, h.public_id, {sampled_in} FROM {Household._meta.db_table} h"
            f" JOIN {resident} r ON r.household_id = h.id",
            "h.public_id",
            household_ids,
        ),
        ("", f"SELECT r.id, r.community_code, r.id_number, {sampled_in} FROM {resident} r", "r.id_number", id_numbers),
    )
    for prefix, select, column, values in lookups:
        for pk, community, key, barcode in _select_in(
            f"{select} WHERE {column} {{in}} ORDER BY r.id", values, round_.pk
        ):
            if community.startswith(area) and (prefix == "H:" or prefix + key not in found):
                found.setdefault(prefix + key, []).append(pk)
                community_of[pk] = community
                if barcode is not None:
                    sampled[pk] = barcode
    if id_numbers:
        for code in codes:  # ID numbers typed with a lower-case x
            if code not in found and code.upper() in found:
                found[code] = found[code.upper()]
    return found, community_of, sampled


def batch_key_of(events: list[collection.Event]) -> str:
    """The key of a batch the device did not name: a digest of its events in order."""
    digest = hashlib.sha256()
    for e in events:
        digest.update(f"{e.event_id}|{e.kind}|{e.barcode}|{e.code}|{e.at.isoformat() if e.at else ''}\n".encode())
    return digest.hexdigest()


def _pack_outcomes(outcomes: list[collection.Outcome]) -> bytes:
    """A batch's answers as stored: compressed JSON rows, about a tenth of their JSON size."""
    rows = [[o.event_id, o.status, o.code, o.message, o.added] for o in outcomes]
    return zlib.compress(json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode(), 1)


def _unpack_outcomes(packed: bytes) -> list[collection.Outcome]:
    return [collection.Outcome(*row) for row in json.loads(zlib.decompress(bytes(packed)))]


def scan_batch_ingest(
    *, round_: Round, collector, events: list[collection.Event], site=None, batch_key: str = ""
) -> list[collection.Outcome]:
    """Apply up to 500 scan events from one collector's device, idempotently.

    A replayed batch (same collector and batch key) gets its stored answers and writes nothing.
    Otherwise reads the batch's tubes, residents and their samples in a few set-based queries,
    applies the rules in `collection`, and writes tubes, samples, the batch's answers and the
    progress rollup in one transaction (about ten statements whatever the batch size).
    """
    if len(events) > MAX_BATCH:
        raise ApplicationError(_("每批最多%(n)d条扫码记录") % {"n": MAX_BATCH}, status=413)
    if round_.status != Round.Status.OPEN:
        raise ApplicationError(_("该轮次未在进行中，不能采样"), status=409)
    key = batch_key[:64] or batch_key_of(events)
    now = timezone.now()
    if any(e.at is None for e in events):
        events = [e if e.at else dataclasses.replace(e, at=now) for e in events]
    with write_transaction(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT answers FROM {ScanBatch._meta.db_table} WHERE round_id = %s AND collector_id = %s"
            " AND batch_key = %s",
            [round_.pk, collector.pk, key],
        )
        stored = cursor.fetchone()
        if stored is not None:
            return _unpack_outcomes(stored[0])
        residents_by_code, community_of, sampled = _resolve_codes(
            round_, {e.code for e in events if e.kind == collection.SCAN and e.code}
        )
        tubes: dict[str, collection.TubeState] = {}
        tube_rows: dict[str, tuple[int, str]] = {}  # barcode -> (id, community)
        for pk, barcode, collector_id, pool_size, count, status, community_code in _tubes_by_barcode(
            round_,
            {e.barcode for e in events},
            "id, barcode, collector_id, pool_size, sample_count, status, community_code",
        ):
            tube_rows[barcode] = (pk, community_code)
            tubes[barcode] = collection.TubeState(barcode, collector_id, pool_size, count, status != Tube.Status.OPEN)
        result = collection.apply_events(
            events,
            collector_id=collector.pk,
            pool_size=round_.pool_size,
            tubes=tubes,
            sampled=sampled,
            residents_by_code=residents_by_code,
        )
        progress: dict[str, Counter] = {"sampled": Counter(), "tubes": Counter()}
        _write_tubes(cursor, round_, collector, site, result, tube_rows, community_of, progress, now)
        _write_samples(cursor, round_, result, tube_rows, community_of, progress)
        cursor.execute(
            f"INSERT INTO {ScanBatch._meta.db_table} (round_id, collector_id, batch_key, received_at, answers)"
            " VALUES (%s, %s, %s, %s, %s)",
            [round_.pk, collector.pk, key, _db_time(now), _pack_outcomes(result.outcomes)],
        )
        _progress_add(round_, progress)  # last: it holds the community's counter row until commit
    global _ingest_batches
    _ingest_batches += 1
    if _ingest_batches % 200 == 0:
        analyze_if_stale(Tube, Sample, ScanBatch)
    return result.outcomes


def _db_time(value):
    return connection.ops.adapt_datetimefield_value(value) if connection.vendor == "sqlite" else value


def _insert_ignore(cursor, table: str, columns: list[str], rows: list[tuple], types: list[str]) -> None:
    """Insert rows, skipping those that hit a unique key: one statement on PostgreSQL (unnest of
    arrays), one executemany on SQLite. `types` are the PostgreSQL array element types."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        arrays = [pg_array(col) for col in zip(*rows, strict=True)]
        casts = ", ".join(f"%s::{t}[]" for t in types)
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({casts}) ON CONFLICT DO NOTHING",
            arrays,
        )
    else:
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) ON CONFLICT DO NOTHING", rows)


_TUBE_COLUMNS = [
    "round_id",
    "barcode",
    "community_code",
    "site_id",
    "collector_id",
    "pool_size",
    "sample_count",
    "status",
    "opened_at",
    "closed_at",
    "result_at",
]
_TUBE_TYPES = ["bigint", "text", "text", "bigint", "bigint", "integer", "integer", "text"] + ["timestamptz"] * 3


def _write_tubes(cursor, round_, collector, site, result, tube_rows, community_of, progress, now) -> None:
    """New tubes are inserted with their final count and state, and their ids read back by
    RETURNING; tubes from earlier batches are updated one by one (a tube rarely spans batches)."""
    per_tube = Counter(barcode for _, barcode, _ in result.new_samples)
    first_community = {}
    for resident_id, barcode, _at in result.new_samples:
        first_community.setdefault(barcode, community_of[resident_id])
    fallback = site.community_code if site else round_.area_code.ljust(12, "0")[:12]
    new = [t for t in result.tubes.values() if t.is_new]
    times = {at: _db_time(at) for at in {t.opened_at or now for t in new} | {t.closed_at or now for t in new}}
    rows = [
        (
            round_.pk,
            t.barcode,
            first_community.get(t.barcode, fallback),
            site.pk if site else None,
            collector.pk,
            t.pool_size,
            per_tube[t.barcode],
            Tube.Status.CLOSED if t.closed else Tube.Status.OPEN,
            times[t.opened_at or now],
            times[t.closed_at or now] if t.closed else None,
            None,
        )
        for t in new
    ]
    if rows and connection.vendor == "postgresql":
        cursor.execute(
            f"INSERT INTO {Tube._meta.db_table} ({', '.join(_TUBE_COLUMNS)})"
            f" SELECT * FROM unnest({', '.join(f'%s::{t}[]' for t in _TUBE_TYPES)})"
            " ON CONFLICT DO NOTHING RETURNING id, barcode, community_code",
            [pg_array(col) for col in zip(*rows, strict=True)],
        )
        inserted = cursor.fetchall()
    else:
        inserted = []
        for chunk in _chunks(rows, 80):  # 11 values a row: under SQLite's 999 bound values
            marks = ", ".join(["(" + ", ".join(["%s"] * len(_TUBE_COLUMNS)) + ")"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {Tube._meta.db_table} ({', '.join(_TUBE_COLUMNS)}) VALUES {marks}"
                " ON CONFLICT DO NOTHING RETURNING id, barcode, community_code",
                [value for row in chunk for value in row],
            )
            inserted += cursor.fetchall()
    for pk, barcode, community_code in inserted:
        tube_rows[barcode] = (pk, community_code)
        progress["tubes"][community_code] += 1
    if len(inserted) < len(rows):  # another device opened the same barcode a moment ago
        lost = [t.barcode for t in new if t.barcode not in tube_rows]
        for pk, barcode, community_code in _tubes_by_barcode(round_, lost, "id, barcode, community_code"):
            tube_rows[barcode] = (pk, community_code)
    for state in result.tubes.values():
        if state.is_new or not (per_tube[state.barcode] or state.closed_now):
            continue
        changes = {"sample_count": F("sample_count") + per_tube[state.barcode]}
        if state.closed_now:
            changes.update(status=Tube.Status.CLOSED, closed_at=state.closed_at or now)
        Tube.objects.filter(pk=tube_rows[state.barcode][0]).update(**changes)


def _write_samples(cursor, round_, result, tube_rows, community_of, progress) -> None:
    if not result.new_samples:
        return
    times = {at: _db_time(at) for at in {at for _, _, at in result.new_samples}}
    _insert_ignore(
        cursor,
        Sample._meta.db_table,
        ["round_id", "resident_id", "tube_id", "community_code", "collected_at", "result"],
        [
            (round_.pk, r, tube_rows[barcode][0], community_of[r], times[at], Sample.Result.PENDING)
            for r, barcode, at in result.new_samples
        ],
        ["bigint", "bigint", "bigint", "text", "timestamptz", "text"],
    )
    progress["sampled"].update(community_of[r] for r, _, _ in result.new_samples)


_PROGRESS_FIELDS = ("sampled", "tubes", "tubes_resulted", "positive_tubes")


def _progress_add(round_: Round, counts: dict[str, Counter]) -> None:
    """Add to the per-community rollup in one upsert; rows appear on first use. Communities go in
    code order, so concurrent batches on PostgreSQL lock the rows in the same order."""
    codes = sorted({code for per_field in counts.values() for code, n in per_field.items() if n})
    if not codes:
        return
    rows = [(round_.pk, code, *(counts.get(name, {}).get(code, 0) for name in _PROGRESS_FIELDS)) for code in codes]
    table = RoundProgress._meta.db_table
    updates = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in _PROGRESS_FIELDS)
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, 150):
            marks = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} (round_id, community_code, {', '.join(_PROGRESS_FIELDS)}) VALUES {marks}"
                f" ON CONFLICT (round_id, community_code) DO UPDATE SET {updates}",
                [value for row in chunk for value in row],
            )


def recall_transition(*, actor, recall: Recall, to_status: str, note: str = "") -> Recall:
    """Move a recall along its workflow (see RECALL_FLOW); every step is an event row."""
    if to_status not in RECALL_FLOW.get(recall.status, ()):
        raise ApplicationError(_("复核状态不能这样变更"), {"from": recall.status, "to": to_status}, status=409)
    with transaction.atomic():
        RecallEvent.objects.create(
            recall=recall, actor=actor, from_status=recall.status, to_status=to_status, note=note[:200]
        )
        recall.status = to_status
        recall.save(update_fields=["status", "updated_at"])
    return recall


RECALL_FLOW = {
    Recall.Status.OPEN: (Recall.Status.NOTIFIED, Recall.Status.RESAMPLED),
    Recall.Status.NOTIFIED: (Recall.Status.RESAMPLED,),
    Recall.Status.RESAMPLED: (Recall.Status.NEGATIVE, Recall.Status.POSITIVE),
    Recall.Status.NEGATIVE: (),
    Recall.Status.POSITIVE: (),
}


RESULT_NEGATIVE, RESULT_POSITIVE = "negative", "positive"
RESULT_WORDS = {
    "negative": RESULT_NEGATIVE,
    "neg": RESULT_NEGATIVE,
    "阴性": RESULT_NEGATIVE,
    "-": RESULT_NEGATIVE,
    "positive": RESULT_POSITIVE,
    "pos": RESULT_POSITIVE,
    "阳性": RESULT_POSITIVE,
    "+": RESULT_POSITIVE,
}


def tube_results_record(*, actor, round_: Round, results: list[tuple[str, str]]) -> list[dict]:
    """Record lab results per tube. A negative tube marks its members negative; a positive tube
    opens a recall for each member. Idempotent; a result that contradicts a recorded one is refused
    for that tube, and every other item is still processed. Returns one answer per item."""
    if len(results) > 5000:
        raise ApplicationError(_("每批最多5000条检测结果"), status=413)
    answers: list[dict] = []
    wanted: dict[str, str] = {}
    for barcode, word in results:
        barcode = (barcode or "").strip()
        result = RESULT_WORDS.get((word or "").strip().lower())
        if not collection.BARCODE.match(barcode):
            answers.append({"barcode": barcode, "status": "error", "message": _("管号格式不正确")})
        elif result is None:
            answers.append({"barcode": barcode, "status": "error", "message": _("结果只能是阴性或阳性")})
        elif wanted.get(barcode, result) != result:
            answers.append({"barcode": barcode, "status": "error", "message": _("同一管号在本批中结果矛盾")})
        else:
            wanted[barcode] = result
            answers.append({"barcode": barcode, "status": "pending", "message": ""})
    now = timezone.now()
    analyze_if_stale(Tube, Sample)  # the updates below go by tube; fresh statistics keep them on the index
    with transaction.atomic():
        tubes = {
            barcode: Tube(pk=pk, barcode=barcode, status=status, community_code=community_code)
            for pk, barcode, status, community_code in _tubes_by_barcode(
                round_, wanted, "id, barcode, status, community_code"
            )
        }
        to_mark: dict[str, list[int]] = {RESULT_NEGATIVE: [], RESULT_POSITIVE: []}
        for answer in answers:
            if answer["status"] != "pending":
                continue
            barcode, result = answer["barcode"], wanted[answer["barcode"]]
            tube = tubes.get(barcode)
            if tube is None:
                answer.update(status="error", message=_("本轮没有这个管号"))
            elif tube.status in (Tube.Status.NEGATIVE, Tube.Status.POSITIVE):
                same = tube.status == result
                answer.update(status="ok" if same else "error", message="" if same else _("该管已有不同的结果，未更改"))
            else:
                to_mark[result].append(tube.pk)
                tube.status = result
                answer.update(status="ok")
        _apply_results(round_, to_mark, tubes, now)
    return answers


def _apply_results(round_: Round, to_mark: dict[str, list[int]], tubes: dict[str, Tube], now) -> None:
    by_pk = {t.pk: t for t in tubes.values()}
    for result, tube_ids in to_mark.items():
        if not tube_ids:
            continue
        sample_result = Sample.Result.NEGATIVE if result == RESULT_NEGATIVE else Sample.Result.POSITIVE_POOL
        for chunk in _chunks(tube_ids):
            Tube.objects.filter(pk__in=chunk).update(
                status=result, result_at=now, closed_at=Coalesce(F("closed_at"), Value(now))
            )
            Sample.objects.filter(tube_id__in=chunk).update(result=sample_result)
        resulted = Counter(by_pk[pk].community_code for pk in tube_ids)
        positive = resulted if result == RESULT_POSITIVE else Counter()
        _progress_add(round_, {"tubes_resulted": resulted, "positive_tubes": positive})
        if result == RESULT_POSITIVE:
            members = []
            for chunk in _chunks(tube_ids):
                members += list(
                    Sample.objects.filter(tube_id__in=chunk).values_list("resident_id", "tube_id", "community_code")
                )
            Recall.objects.bulk_create(
                [Recall(round=round_, resident_id=r, tube_id=t, community_code=c) for r, t, c in members],
                ignore_conflicts=True,
                batch_size=500,
            )


RESULT_FILE_ALIASES = {
    "barcode": ("管号", "条码", "采样管条码", "试管编号", "barcode", "tube"),
    "result": ("结果", "检测结果", "result"),
}


def tube_results_import(*, actor, round_: Round, file_name: str, content: bytes) -> dict:
    """Lab results from a .csv or .xlsx (columns 管号 and 结果). Per-row answers carry the row
    number as Excel shows it; valid rows are recorded even when others are wrong (each tube's
    result stands alone), and nothing partial is written for a row."""
    try:
        table = tabular.read_table(
            content,
            file_name,
            aliases=RESULT_FILE_ALIASES,
            required=["barcode", "result"],
            max_rows=100_000,
            max_bytes=20 * 1024 * 1024,
            labels={"barcode": "管号", "result": "结果"},
        )
    except tabular.TabularError as exc:
        raise ApplicationError(exc.message, status=422) from exc
    answers = []
    for start in range(0, len(table.rows), 5000):
        chunk = table.rows[start : start + 5000]
        items = [(clean_code(row.get("barcode")), clean_text(row.get("result"))) for _, row in chunk]
        for (number, _row), answer in zip(
            chunk, tube_results_record(actor=actor, round_=round_, results=items), strict=True
        ):
            answers.append({"row": number, **answer})
    return {
        "rows": len(answers),
        "recorded": sum(a["status"] == "ok" for a in answers),
        "errors": [a for a in answers if a["status"] != "ok"],
    }


def exemption_record(*, actor, round_: Round, resident: Resident, reason: str, note: str = ""):
    """Mark a resident as not expected in this round (away, in hospital, deceased, other)."""
    from gongzhi.testing.models import Exemption

    if reason not in Exemption.Reason.values:
        raise ApplicationError(_("免检原因只能是外出、住院、已故或其他"), status=422)
    if not resident.community_code.startswith(round_.area_code):
        raise ApplicationError(_("该居民不在本轮次的区域内"), status=422)
    with transaction.atomic():
        exemption, _created = Exemption.objects.update_or_create(
            round=round_,
            resident=resident,
            defaults={
                "reason": reason,
                "note": note[:200],
                "community_code": resident.community_code,
                "created_by": actor,
            },
        )
    return exemption


def site_create(
    *, round_: Round, community_code: str, name: str, address: str = "", hourly_capacity: int = 360, collectors: int = 1
):
    """Add a sampling site to a round, in a community of the round's area."""
    from gongzhi.testing.models import Site

    name = name.strip()
    if not name:
        raise ApplicationError(_("请填写采样点名称"))
    if (
        not community_code.startswith(round_.area_code)
        or not Area.objects.filter(code=community_code, level=Area.Level.COMMUNITY).exists()
    ):
        raise ApplicationError(_("采样点须设在本轮次区域内的社区"))
    if not 1 <= hourly_capacity <= 10_000 or not 1 <= collectors <= 500:
        raise ApplicationError(_("每小时采样能力须在1到10000之间，采样员人数须在1到500之间"))
    with transaction.atomic():
        site = Site(
            round=round_,
            community_code=community_code,
            name=name[:100],
            address=address.strip()[:200],
            hourly_capacity=hourly_capacity,
            collectors=collectors,
        )
        site.full_clean()
        site.save()
    return site


def slot_plan_create(*, round_: Round, community_code: str, window_minutes: int = 30) -> dict:
    """(Re)plan the time slots of a community's buildings over its sites in this round."""
    from django.db.models import Count

    from gongzhi.places.models import Building
    from gongzhi.testing import slots
    from gongzhi.testing.models import Site, SlotAssignment

    sites = list(Site.objects.filter(round=round_, community_code=community_code).order_by("id"))
    if not sites:
        raise ApplicationError(_("请先为该社区设置采样点"))
    buildings = list(
        Building.objects.filter(community_code=community_code)
        .annotate(people=Count("households__residents"))
        .order_by("number")
    )
    plan, unplaced = slots.plan_slots(
        [slots.BuildingLoad(b.pk, b.people) for b in buildings],
        [slots.SiteCapacity(s.pk, s.hourly_capacity) for s in sites],
        start=round_.starts_at,
        window_minutes=window_minutes,
    )
    with transaction.atomic():
        SlotAssignment.objects.filter(site__in=sites).delete()
        SlotAssignment.objects.bulk_create(
            [
                SlotAssignment(
                    site_id=p.site,
                    building_id=p.building,
                    community_code=community_code,
                    starts_at=p.starts_at,
                    ends_at=p.ends_at,
                    expected_people=p.people,
                )
                for p in plan
            ]
        )
    population = sum(b.people for b in buildings)
    return {
        "slots": len(plan),
        "unplaced": len(unplaced),
        "population": population,
        "sites_needed": slots.sites_needed(population),
        "collectors_needed": slots.collectors_needed(population),
        "sites": len(sites),
        "collectors": sum(s.collectors for s in sites),
    }


def recall_list_full_view_record(*, actor, recalls, ip_address: str | None = None) -> None:
    """Record that the actor saw the recall members' phones in full (roles that call them)."""
    from gongzhi.core.models import AuditEvent
    from gongzhi.core.services import audit_record

    if recalls:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.VIEW_FULL,
            entity="recall",
            row_ids=[r.resident.public_id for r in recalls],
            area_codes=[r.community_code for r in recalls],
            ip_address=ip_address,
        )


def untested_export(*, actor, round_: Round, residents, area_code: str = "") -> bytes:
    """The untested list as a door-knocking workbook; the export is audited with its rows."""
    from gongzhi.core.models import AuditEvent
    from gongzhi.core.services import audit_record
    from gongzhi.testing import exports

    content, row_ids, codes = exports.untested_workbook(residents)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        entity="untested",
        row_ids=row_ids,
        area_codes=codes or [area_code or round_.area_code],
        detail={"round": round_.public_id},
    )
    return content
