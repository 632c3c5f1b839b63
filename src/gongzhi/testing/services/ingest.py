"""Scan ingest: a collector's batch of up to 500 scan events, applied idempotently in about ten
statements whatever its size. The rules are pure (testing.collection); here the batch's state is read
set-wise, the answers stored for replays, tubes and samples written, the rollup kept, and the batch's
workflow moves recorded in bulk (one event per kind of move, core.transitions)."""

import dataclasses
import functools
import hashlib
import zlib
from collections import Counter

import orjson
from django.db import connection
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import measures, transitions
from gongzhi.core.db import Statement, analyze_if_stale, in_turn, insert_statements, pg_array, write_transaction
from gongzhi.core.errors import ApplicationError
from gongzhi.core.masking import mask_name_ends
from gongzhi.core.workflow import START
from gongzhi.people.models import Resident
from gongzhi.places.models import Household
from gongzhi.testing import collection, flows
from gongzhi.testing.models import Round, Sample, ScanBatch, Tube
from gongzhi.testing.services.lookups import (
    chunks,
    db_time,
    select_in_statements,
    tube_lookup_statements,
    tubes_by_barcode,
    tubes_found,
)
from gongzhi.testing.services.rollup import progress_statements

MAX_BATCH = 500

_ingest_batches = 0  # batches this process has taken, to look at the hot tables' statistics now and then


def _code_as_stored(code: str) -> str:
    """A scanned code as the register stores it: a door key in lower case, an ID number in upper
    case (typed with a lower-case x), a resident code as it is."""
    if code.startswith("R:"):
        return code
    if code.startswith("H:"):
        return "H:" + code[2:].lower()
    return code.upper() if len(code) == 18 else code


def _code_lookups(round_: Round, codes: set[str]) -> list[tuple[str, Statement]]:
    """The statements that find the scanned codes, each with the prefix of its codes, to send with
    the batch's other reads in one message (`core.db.in_turn`); their rows go to `_resolve_codes`.
    A code is a resident code (R:<id>), a household's door code (H:<door key>, all members) or an
    ID number."""
    resident_ids, household_ids, id_numbers = [], [], []
    for c in map(_code_as_stored, codes):
        if c.startswith("R:"):
            resident_ids.append(c[2:])
        elif c.startswith("H:"):
            household_ids.append(c[2:])
        elif len(c) == 18:
            id_numbers.append(c)
    # Plans that cannot go wrong: each lookup is driven by one indexed column, the round's area is
    # checked here, and a resident's sample is a per-row subquery on the (resident, round) key, the
    # round being no index of its own (`+ 0`). With joins, or the area or round in SQL, PostgreSQL
    # planned from the statistics of a table that grows by millions of rows in a round and scanned
    # the whole area or round for each batch (profiled). Residents outside the area are not found.
    # On PostgreSQL the round is written plainly: tubes and samples are partitioned by round, so it
    # confines each probe to the round's partitions, where the (resident, round) and (id, round) keys
    # are matched whole (one row: no other index can look cheaper).
    resident, sample, tube = Resident._meta.db_table, Sample._meta.db_table, Tube._meta.db_table
    if connection.vendor == "postgresql":
        sampled_in = (
            f"(SELECT t.barcode FROM {sample} s JOIN {tube} t ON t.id = s.tube_id AND t.round_id = %s"
            " WHERE s.resident_id = r.id AND s.round_id = %s)"
        )
        round_params: tuple[int, ...] = (round_.pk, round_.pk)
    else:
        sampled_in = (
            f"(SELECT t.barcode FROM {sample} s JOIN {tube} t ON t.id = s.tube_id"
            " WHERE s.resident_id = r.id AND s.round_id + 0 = %s)"
        )
        round_params = (round_.pk,)
    lookups = (
        (
            "R:",
            f"SELECT r.id, r.community_code, r.public_id, r.name, {sampled_in} FROM {resident} r",
            "r.public_id",
            resident_ids,
        ),
        (
            "H:",
            f"SELECT r.id, r.community_code, h.door_key, r.name, {sampled_in} FROM {Household._meta.db_table} h"
            f" JOIN {resident} r ON r.household_id = h.id",
            "h.door_key",
            household_ids,
        ),
        (
            "",
            f"SELECT r.id, r.community_code, r.id_number, r.name, {sampled_in} FROM {resident} r",
            "r.id_number",
            id_numbers,
        ),
    )
    return [
        (prefix, statement)
        for prefix, select, column, values in lookups
        for statement in select_in_statements(f"{select} WHERE {column} {{in}} ORDER BY r.id", values, *round_params)
    ]


def _resolve_codes(
    round_: Round, codes: set[str], lookups: list[tuple[str, list[tuple]]]
) -> tuple[dict[str, list[int]], dict[int, str], dict[int, str], dict[int, str]]:
    """Scanned codes -> resident ids inside the round's area, each resident's community, the
    barcode of the tube each was already sampled into this round, and each one's name as the
    collector sees it (王*明), from the rows of `_code_lookups` (prefix, rows)."""
    area = round_.area_code
    found: dict[str, list[int]] = {}
    community_of: dict[int, str] = {}
    sampled: dict[int, str] = {}
    names: dict[int, str] = {}
    for prefix, rows in lookups:
        for pk, community, key, name, barcode in rows:
            if community.startswith(area) and (prefix == "H:" or prefix + key not in found):
                found.setdefault(prefix + key, []).append(pk)
                community_of[pk] = community
                names[pk] = mask_name_ends(name)
                if barcode is not None:
                    sampled[pk] = barcode
    for code in codes:  # a door key typed in capitals, an ID number with a lower-case x
        if code not in found and _code_as_stored(code) in found:
            found[code] = found[_code_as_stored(code)]
    return found, community_of, sampled, names


@functools.lru_cache(maxsize=64)
def _barcode_rule(pattern: str):
    try:
        return collection.barcode_rule(pattern)
    except ValueError:  # a format stored before it was checked: the default one
        return collection.BARCODE


def event_window(round_: Round, now):
    """The event times believed in this round (collection.EARLIEST_BEFORE_ROUND, LATEST_AHEAD)."""
    start = min(round_.starts_at, round_.created_at) if round_.created_at else round_.starts_at
    return start - collection.EARLIEST_BEFORE_ROUND, now + collection.LATEST_AHEAD


def batch_key_of(events: list[collection.Event]) -> str:
    """The key of a batch the device did not name: a digest of its events in order."""
    digest = hashlib.sha256()
    for e in events:
        digest.update(f"{e.event_id}|{e.kind}|{e.barcode}|{e.code}|{e.at.isoformat() if e.at else ''}\n".encode())
    return digest.hexdigest()


def _pack_outcomes(outcomes: list[collection.Outcome]) -> bytes:
    """A batch's answers as stored: compressed JSON rows of codes and parameters (the words are chosen
    when answering, in the asker's language), about a tenth of their JSON size."""
    rows = [[o.event_id, o.status, o.code, o.params, o.added] for o in outcomes]
    return zlib.compress(orjson.dumps(rows, option=orjson.OPT_NON_STR_KEYS, default=str), 1)


def _unpack_outcomes(packed: bytes) -> list[collection.Outcome]:
    outcomes = []
    for event_id, status, code, params, added in orjson.loads(zlib.decompress(bytes(packed))):
        if isinstance(params, str):  # answers stored with their words, before codes
            params = {"_message": params} if params else {}
        outcomes.append(collection.Outcome(event_id, status, code, params, added))
    return outcomes


def scan_batch_ingest(
    *, round_: Round, collector, events: list[collection.Event], site=None, batch_key: str = ""
) -> list[collection.Outcome]:
    """Apply up to 500 scan events from one collector's device, idempotently.

    A replayed batch (same collector and batch key) gets its stored answers and writes nothing.
    Otherwise reads the batch's tubes, residents and their samples in a few set-based queries,
    applies the rules in `collection`, and writes tubes, samples, the batch's answers and the
    progress rollup in one transaction: about ten statements whatever the batch size, sent in three
    messages on PostgreSQL (the reads; the new tubes, whose ids the samples need; the rest).
    """
    if len(events) > MAX_BATCH:
        raise ApplicationError(_("每批最多%(n)d条扫码记录") % {"n": MAX_BATCH}, status=413)
    if round_.status != flows.OPEN:
        raise ApplicationError(_("该轮次未在进行中，不能采样"), status=409)
    key = batch_key[:64] or batch_key_of(events)
    now = timezone.now()
    if any(e.at is None for e in events):
        events = [e if e.at else dataclasses.replace(e, at=now) for e in events]
    codes = {e.code for e in events if e.kind == collection.SCAN and e.code and len(e.code) <= collection.MAX_FIELD}
    code_lookups = _code_lookups(round_, codes)
    tube_lookups = tube_lookup_statements(
        round_, {e.barcode for e in events if len(e.barcode) <= collection.MAX_FIELD}, _TUBE_STATE
    )
    with write_transaction(), connection.cursor() as cursor:
        # The batch's reads in one message (one round trip on PostgreSQL): its stored answers if it is
        # a replay, its residents and their samples, its tubes.
        stored, *found = in_turn(
            [
                (
                    f"SELECT answers FROM {ScanBatch._meta.db_table} WHERE round_id = %s AND collector_id = %s"
                    " AND batch_key = %s",
                    [round_.pk, collector.pk, key],
                ),
                *(statement for _, statement in code_lookups),
                *tube_lookups,
            ]
        )
        if stored:
            return _unpack_outcomes(stored[0][0])
        residents_by_code, community_of, sampled, names = _resolve_codes(
            round_,
            codes,
            [(prefix, rows) for (prefix, _), rows in zip(code_lookups, found[: len(code_lookups)], strict=True)],
        )
        tubes: dict[str, collection.TubeState] = {}
        tube_rows: dict[str, tuple[int, str]] = {}  # barcode -> (id, community)
        tube_found = [row for rows in found[len(code_lookups) :] for row in rows]
        for pk, barcode, collector_id, pool_size, count, status, community_code in tubes_found(
            round_, tube_found, _TUBE_STATE
        ):
            tube_rows[barcode] = (pk, community_code)
            tubes[barcode] = collection.TubeState(barcode, collector_id, pool_size, count, status != flows.OPEN)
        result = collection.apply_events(
            events,
            collector_id=collector.pk,
            pool_size=round_.pool_size,
            tubes=tubes,
            sampled=sampled,
            residents_by_code=residents_by_code,
            # in a lockdown or control zone, one to a tube (decided by zones, through core.measures)
            single_tube_residents=frozenset(
                measures.residents_under(measures.SINGLE_TUBE, community_of, set(community_of.values()))
            ),
            barcode=_barcode_rule(round_.barcode_pattern),
            window=event_window(round_, now),
            received_at=now,
            names=names,
        )
        progress: dict[str, Counter] = {"sampled": Counter(), "tubes": Counter()}
        moves = _tube_moves(result)
        _write_tubes(cursor, round_, collector, site, result, moves, tube_rows, community_of, progress, now)
        samples = _sample_statements(round_, collector, result, tube_rows, community_of, progress)
        # The rest of the batch's writes in one message (one round trip on PostgreSQL), the rollup
        # last: it holds the communities' counter rows until commit.
        in_turn(
            [
                *samples,
                *_move_statements(round_, collector, result, moves, tube_rows, community_of),
                (
                    f"INSERT INTO {ScanBatch._meta.db_table} (round_id, collector_id, batch_key, received_at,"
                    " answers) VALUES (%s, %s, %s, %s, %s)",
                    [round_.pk, collector.pk, key, db_time(now), _pack_outcomes(result.outcomes)],
                ),
                *progress_statements(round_, progress),
            ]
        )
    global _ingest_batches
    _ingest_batches += 1
    if _ingest_batches % 200 == 0:
        analyze_if_stale(Tube, Sample, ScanBatch)
    return result.outcomes


_TUBE_STATE = "id, barcode, collector_id, pool_size, sample_count, status, community_code"  # as rules see a tube
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


def _tube_moves(result: collection.BatchResult) -> dict[tuple[str, str], list[str]]:
    """The batch's tube workflow moves, (source, target) -> barcodes: new tubes start open (or
    closed, filled within the batch); tubes of earlier batches closed now go open -> closed."""
    moves: dict[tuple[str, str], list[str]] = {}
    for t in result.tubes.values():
        if t.is_new:
            moves.setdefault((START, flows.CLOSED if t.closed else flows.OPEN), []).append(t.barcode)
        elif t.closed_now:
            moves.setdefault((flows.OPEN, flows.CLOSED), []).append(t.barcode)
    return moves


def _move_statements(round_, collector, result, moves, tube_rows, community_of) -> list[Statement]:
    """One workflow event per kind of move in the batch (tubes opened, tubes closed, samples taken),
    each naming its tubes, in one statement: the bulk form of core.transitions, so ingest stays
    set-based."""
    events = [
        transitions.bulk_event(
            flow=flows.TUBE_FLOW,
            source=source,
            target=target,
            keys=barcodes,
            area_codes={tube_rows[b][1] for b in barcodes if b in tube_rows},
            actor=collector,
            detail={"round": round_.public_id},
        )
        for (source, target), barcodes in sorted(moves.items())
    ]
    if result.new_samples:
        sampled = transitions.bulk_event(
            flow=flows.SAMPLE_FLOW,
            source=START,
            target=flows.PENDING,
            keys=sorted({barcode for _, barcode, _ in result.new_samples}),
            area_codes={community_of[r] for r, _, _ in result.new_samples},
            actor=collector,
            count=len(result.new_samples),
            detail={"round": round_.public_id, "by": "tube"},
        )
        events.append(sampled)
    return transitions.record_all_statements(events)


def _write_tubes(cursor, round_, collector, site, result, moves, tube_rows, community_of, progress, now) -> None:
    """New tubes are inserted with their final count and state, and their ids read back by
    RETURNING; tubes from earlier batches are updated one by one (a tube rarely spans batches).
    The moves are checked against TUBE_FLOW first, set-wise."""
    refused = flows.TUBE_FLOW.check_all(moves)
    if refused:
        raise ApplicationError(_("采样管状态不能这样变更"), {"moves": refused}, status=409)
    per_tube = Counter(barcode for _, barcode, _ in result.new_samples)
    first_community: dict[str, str] = {}
    for resident_id, barcode, _at in result.new_samples:
        first_community.setdefault(barcode, community_of[resident_id])
    fallback = site.community_code if site else round_.area_code.ljust(12, "0")[:12]
    new = [t for t in result.tubes.values() if t.is_new]
    times = {at: db_time(at) for at in {t.opened_at or now for t in new} | {t.closed_at or now for t in new}}
    rows = [
        (
            round_.pk,
            t.barcode,
            first_community.get(t.barcode, fallback),
            site.pk if site else None,
            collector.pk,
            t.pool_size,
            per_tube[t.barcode],
            flows.CLOSED if t.closed else flows.OPEN,
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
        for chunk in chunks(rows, 80):  # 11 values a row: under SQLite's 999 bound values
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
        for pk, barcode, community_code in tubes_by_barcode(round_, lost, "id, barcode, community_code"):
            tube_rows[barcode] = (pk, community_code)
    for state in result.tubes.values():
        if state.is_new or not (per_tube[state.barcode] or state.closed_now):
            continue
        changes: dict[str, object] = {"sample_count": F("sample_count") + per_tube[state.barcode]}
        if state.closed_now:
            changes.update(status=flows.CLOSED, closed_at=state.closed_at or now)
        Tube.objects.filter(round=round_, pk=tube_rows[state.barcode][0], status=flows.OPEN).update(**changes)


def _sample_statements(round_, collector, result, tube_rows, community_of, progress) -> list[Statement]:
    """The batch's new samples, skipping any that hit the (resident, round) key: one statement on
    PostgreSQL (unnest of arrays), multi-row VALUES within SQLite's bound values."""
    if not result.new_samples:
        return []
    progress["sampled"].update(community_of[r] for r, _, _ in result.new_samples)
    times = {at: db_time(at) for at in {at for _, _, at in result.new_samples}}
    rows = [
        (round_.pk, r, tube_rows[barcode][0], collector.pk, community_of[r], times[at])
        for r, barcode, at in result.new_samples
    ]
    columns = ("round_id", "resident_id", "tube_id", "collector_id", "community_code", "collected_at")
    if connection.vendor != "postgresql":
        return insert_statements(Sample, columns, rows, on_conflict="ON CONFLICT DO NOTHING")
    return [
        (
            f"INSERT INTO {Sample._meta.db_table} ({', '.join(columns)}) SELECT * FROM unnest(%s::bigint[],"
            " %s::bigint[], %s::bigint[], %s::bigint[], %s::text[], %s::timestamptz[]) ON CONFLICT DO NOTHING",
            [pg_array(col) for col in zip(*rows, strict=True)],
        )
    ]
