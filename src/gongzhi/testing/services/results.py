"""Lab results: per tube, by API or from a file, and their corrections. A negative tube marks its
members negative; a positive tube marks them positive-pool and announces it (core.events:
"testing.pools_positive"), and testing's own subscriber opens the recalls (services.recalls), after
the commit.

Each call is one transaction; its moves are checked against TUBE_FLOW and SAMPLE_FLOW set-wise (the
UPDATEs only move rows from allowed states) and recorded as one workflow event per kind of move,
with the lab's account and the row count: who recorded which results stays on record.

Rows of one call that give a tube different results are none of them applied: they are held
(ResultConflict) for the lab to see, until a later call, or a correction, gives the tube its result.
A recorded result changes only by a correction (`tube_result_correct`), with the reason."""

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import events, transitions
from gongzhi.core.cleaning import clean_code, clean_text
from gongzhi.core.db import analyze_if_stale, pg_array
from gongzhi.core.errors import ApplicationError, Problem
from gongzhi.core.messages import CORE
from gongzhi.core.models import AuditEvent
from gongzhi.core.services import audit_record
from gongzhi.testing import collection, flows, result_file
from gongzhi.testing import result_values as rv
from gongzhi.testing.messages import TESTING
from gongzhi.testing.models import ResultConflict, Round, RoundProgress, Tube
from gongzhi.testing.services import recalls
from gongzhi.testing.services.lookups import chunks, db_time, tubes_by_barcode
from gongzhi.testing.services.rollup import progress_add

MAX_RESULTS = 5000
POOLS_POSITIVE = "testing.pools_positive"
MAX_BARCODE = 32  # Tube.barcode
# A barcode of digits not found is looked for again with up to MAX_ZEROS leading zeros (what Excel
# drops from a number), for at most MAX_ZERO_HINTS barcodes of a batch.
MAX_ZEROS, MAX_ZERO_HINTS = 8, 1000
_SCIENTIFIC = re.compile(r"[0-9](\.[0-9]+)?E\+[0-9]{2}", re.IGNORECASE)  # as Excel shows a long number


def tube_results_record(*, actor, round_: Round, results: list[tuple[str, object]]) -> list[dict]:
    """Record lab results per tube. Idempotent; every item is answered, in order: status "ok" (code
    recorded, unchanged or repeated), "held" (conflict_held: this call's items for the tube disagree;
    with their `values`) or "error" (a code of testing.result_values), with the words."""
    if len(results) > MAX_RESULTS:
        raise ApplicationError(_("每批最多5000条检测结果"), status=413)
    answers, _positive = _record(actor, round_, [(n, b, v) for n, (b, v) in enumerate(results, start=1)], source="")
    return answers


@dataclass(frozen=True)
class _TubeRow:
    pk: int
    barcode: str
    state: str
    community_code: str
    samples: int


def _barcode_of(value: object) -> str:
    """A barcode as typed or copied: half-width, no spaces; a number Excel made of it back to digits."""
    if isinstance(value, str) and value.isascii() and value.isalnum():  # as machines send it
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return clean_code(value)
    return clean_text(value).replace(" ", "")


def _answer(barcode: str, status: str, code: str, **params) -> dict:
    return {"barcode": barcode, "status": status, "code": code, "message": TESTING.text(code, **params)}


def _label(state: str) -> str:
    return str(Tube.Status(state).label)


def _record(actor, round_: Round, items: list[tuple[int, object, object]], source: str) -> tuple[list[dict], int]:
    """Answers to (row, barcode, value) items, in order, and the number of tubes that became positive."""
    rule = _barcode_rule(round_)
    answers: list[dict] = []
    # barcode -> (answer's index, result, value as written), for the items whose value is understood
    wanted: dict[str, list[tuple[int, str, str]]] = {}
    unclear: dict[str, list[tuple[int, str]]] = {}  # barcode -> rows whose value is not understood
    numbers: set[str] = set()  # barcodes held as numbers in a spreadsheet: a leading 0 may be gone
    zeros: dict[str, list[int]] = {}  # barcodes of digits not found: answers to say if zeros are missing
    for row, raw, value in items:
        barcode = _barcode_of(raw)
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            numbers.add(barcode)
        result = value if isinstance(value, Problem) else rv.result_of(value)
        if not barcode:
            answers.append(_answer(barcode, "error", rv.BARCODE_EMPTY))
        elif len(barcode) > MAX_BARCODE or not rule.fullmatch(barcode):
            if _SCIENTIFIC.fullmatch(barcode):
                answers.append(_answer(barcode[:64], "error", rv.BARCODE_SCIENTIFIC, value=barcode[:64]))
                continue
            if barcode.isdigit():  # 1234567 for a round of 10 digits: 0001234567?
                zeros.setdefault(barcode, []).append(len(answers))
            answers.append(_answer(barcode[:64], "error", rv.BARCODE_FORMAT))
        elif isinstance(result, Problem):
            unclear.setdefault(barcode, []).append((row, "?" if isinstance(value, Problem) else str(value).strip()))
            answers.append(_answer(barcode, "error", result.code, **result.params))
        else:
            wanted.setdefault(barcode, []).append((len(answers), result, "" if value is None else str(value).strip()))
            answers.append({})
    now = timezone.now()
    analyze_if_stale(Tube)  # the updates below go by tube; fresh statistics keep them on the index
    with transaction.atomic():
        tubes = {
            row[1]: _TubeRow(*row)
            for row in tubes_by_barcode(round_, wanted, "id, barcode, status, community_code, sample_count")
        }
        to_move: dict[tuple[str, str], list[_TubeRow]] = {}  # (source, result) -> tubes to move
        held: list[tuple[_TubeRow, list[dict]]] = []
        confirmed: dict[str, tuple[str, int]] = {}  # barcode -> (result, tube) of tubes that have it now
        for barcode, given in wanted.items():
            tube = tubes.get(barcode)
            results = {result for _i, result, _w in given}
            if tube is None:
                missing = rv.NO_SUCH_TUBE_NUMBER if barcode in numbers else rv.NO_SUCH_TUBE
                for index, _r, _w in given:
                    answers[index] = _answer(barcode, "error", missing)
                if barcode.isdigit():
                    zeros.setdefault(barcode, []).extend(index for index, _r, _w in given)
            elif len(results) > 1 or barcode in unclear:
                # Rows that disagree, or a row whose value could not be read beside a readable one
                # (弱阳性 beside 阴性, a formula with no saved value): none is applied, all are held.
                values = [written for _i, _r, written in given] + [w for _row, w in unclear.get(barcode, [])]
                for index, _r, _w in given:
                    answers[index] = {
                        **_answer(barcode, "held", rv.CONFLICT_HELD, values="、".join(values)),
                        "values": values,
                    }
                rows = [{"row": items[i][0], "value": w} for i, _r, w in given]
                rows += [{"row": row, "value": w} for row, w in unclear.get(barcode, [])]
                held.append((tube, sorted(rows, key=lambda r: r["row"])))
            else:
                result = results.pop()
                if tube.state == result:
                    first = rv.UNCHANGED
                    confirmed[barcode] = (result, tube.pk)
                elif tube.state in flows.SAMPLE_RESULT:
                    first = rv.RESULT_DIFFERS
                elif flows.TUBE_FLOW.step(tube.state, result) is None:
                    first = rv.TUBE_NOT_RESULTABLE
                else:
                    first = rv.RECORDED
                    to_move.setdefault((tube.state, result), []).append(tube)
                    confirmed[barcode] = (result, tube.pk)
                for n, (index, _r, _w) in enumerate(given):
                    if first == rv.RESULT_DIFFERS:
                        answers[index] = _answer(
                            barcode, "error", first, recorded=_label(tube.state), given=_label(result)
                        )
                    elif first == rv.TUBE_NOT_RESULTABLE:
                        answers[index] = _answer(barcode, "error", first)
                    else:
                        answers[index] = _answer(barcode, "ok", first if n == 0 else rv.REPEATED)
        raced, positive = _apply_results(round_, to_move, actor, now)
        if raced:  # another call resulted these tubes between our read and our write: say what it recorded
            recorded = {
                b: state
                for _pk, b, state, _code in tubes_by_barcode(round_, raced, "id, barcode, status, community_code")
            }
            for barcode in raced:
                for n, (index, result, _w) in enumerate(wanted[barcode]):
                    state = recorded.get(barcode, result)
                    if state != result:
                        words = {"recorded": _label(state), "given": _label(result)}
                        answers[index] = _answer(barcode, "error", rv.RESULT_DIFFERS, **words)
                        confirmed.pop(barcode, None)
                    else:
                        answers[index] = _answer(barcode, "ok", rv.UNCHANGED if n == 0 else rv.REPEATED)
        _hold_conflicts(round_, held, actor, source, now)
        by_result: dict[str, list[int]] = {}
        for result, pk in confirmed.values():
            by_result.setdefault(result, []).append(pk)
        _resolve_conflicts(round_, by_result, actor, now)
    _lost_zeros(round_, rule, zeros, answers)
    return answers, positive


def _lost_zeros(round_: Round, rule: re.Pattern[str], zeros: dict[str, list[int]], answers: list[dict]) -> None:
    """Name the tube a barcode of digits was before Excel dropped its leading zeros (1234567 for
    0001234567), when exactly one of its forms with zeros in front that fit the round's format is a
    tube of the round. Only named, in the row's error: the lab corrects the file. (Recorded as that
    tube, a result would land on a tube the lab never named, and a positive opens recalls.)"""
    forms = {
        barcode: [padded for n in range(1, MAX_ZEROS + 1) if rule.fullmatch(padded := "0" * n + barcode)]
        for barcode in list(zeros)[:MAX_ZERO_HINTS]
    }
    wanted = {padded for padded_forms in forms.values() for padded in padded_forms if len(padded) <= MAX_BARCODE}
    if not wanted:
        return
    found = {barcode for (barcode,) in tubes_by_barcode(round_, wanted, "barcode")}
    for barcode, padded_forms in forms.items():
        matches = [padded for padded in padded_forms if padded in found]
        if len(matches) == 1:
            for index in zeros[barcode]:
                answers[index] = _answer(barcode, "error", rv.BARCODE_LOST_ZEROS, tube=matches[0])


def _barcode_rule(round_: Round):
    try:
        return collection.barcode_rule(round_.barcode_pattern)
    except ValueError:
        return collection.BARCODE


def _hold_conflicts(round_: Round, held: list[tuple["_TubeRow", list[dict]]], actor, source: str, now) -> None:
    """Keep each tube's disagreeing rows, replacing those a previous call held for it."""
    if not held:
        return
    open_: dict[int, ResultConflict] = {}
    for chunk in chunks([tube.pk for tube, _rows in held]):
        open_.update(
            (c.tube_id, c)
            for c in ResultConflict.objects.filter(round=round_, resolved_at__isnull=True, tube_id__in=chunk)
        )
    by = actor if getattr(actor, "pk", None) else None
    new, changed = [], []
    for tube, rows in held:
        conflict = open_.get(tube.pk)
        if conflict is None:
            new.append(
                ResultConflict(
                    round=round_,
                    tube_id=tube.pk,
                    barcode=tube.barcode,
                    community_code=tube.community_code,
                    rows=rows,
                    source=source[:255],
                    held_by=by,
                )
            )
        else:
            conflict.rows, conflict.source, conflict.held_by, conflict.updated_at = rows, source[:255], by, now
            changed.append(conflict)
    ResultConflict.objects.bulk_create(new, batch_size=500)
    ResultConflict.objects.bulk_update(changed, ["rows", "source", "held_by", "updated_at"], batch_size=500)


def _resolve_conflicts(round_: Round, tubes: dict[str, list[int]], actor, now, reason: str = "") -> int:
    """Close the held conflicts of these tubes, which now have a result (result -> tube ids). One
    indexed query when the round has none held (the normal path)."""
    if not any(tubes.values()) or not ResultConflict.objects.filter(round=round_, resolved_at__isnull=True).exists():
        return 0
    by = actor if getattr(actor, "pk", None) else None
    resolved = 0
    for result, ids in sorted(tubes.items()):
        for chunk in chunks(ids):
            resolved += ResultConflict.objects.filter(round=round_, resolved_at__isnull=True, tube_id__in=chunk).update(
                resolved_at=now, resolved_by=by, resolution=result, resolution_reason=reason[:200], updated_at=now
            )
    return resolved


def _move_tubes(round_id: int, ids: list[int], source: str, result: str, now) -> set[int]:
    """Set these tubes' result where they are still in `source` (the flow's rule, set-wise, in the
    WHERE); returns the ids really moved. Another call that resulted a tube first wins: its tube is not
    moved here, nor counted, nor announced twice."""
    table = Tube._meta.db_table
    moved: set[int] = set()
    with connection.cursor() as cursor:
        for chunk in chunks(ids, 5000 if connection.vendor == "postgresql" else 900):
            params: list[Any]
            if connection.vendor == "postgresql":  # the round: one partition's index, not every round's
                where, params = "id = ANY(%s::bigint[]) AND round_id = %s", [pg_array(chunk), round_id]
            else:
                # SQLite has no partitions; "+ 0" keeps it on the primary key rather than the round's index
                where, params = f"id IN ({', '.join(['%s'] * len(chunk))}) AND round_id + 0 = %s", [*chunk, round_id]
            cursor.execute(
                f"UPDATE {table} SET status = %s, result_at = %s, closed_at = COALESCE(closed_at, %s)"
                f" WHERE {where} AND status = %s RETURNING id",
                [result, db_time(now), db_time(now), *params, source],
            )
            moved.update(pk for (pk,) in cursor.fetchall())
    return moved


def _apply_results(round_: Round, to_move: dict[tuple[str, str], list["_TubeRow"]], actor, now) -> tuple[set[str], int]:
    """Write the tubes' and their samples' results, the rollup, the workflow events, and announce
    positive pools, for the tubes really moved. The moves were checked against the flows above and
    again by each UPDATE's WHERE. Returns the barcodes that another call moved first, and the number
    of tubes made positive."""
    refused = flows.TUBE_FLOW.check_all(to_move)
    if refused:
        raise ApplicationError(_("采样管状态不能这样变更"), {"moves": refused}, status=409)
    by_result: dict[str, list[_TubeRow]] = {}
    raced: set[str] = set()
    for (source, result), planned in sorted(to_move.items()):
        moved_ids = _move_tubes(round_.pk, [t.pk for t in planned], source, result, now)
        tubes = [t for t in planned if t.pk in moved_ids]
        raced |= {t.barcode for t in planned if t.pk not in moved_ids}
        transitions.record_many(
            flow=flows.TUBE_FLOW,
            source=source,
            target=result,
            keys=[t.barcode for t in tubes],
            area_codes={t.community_code for t in tubes},
            actor=actor,
            detail={"round": round_.public_id},
        )
        by_result.setdefault(result, []).extend(tubes)
    for result, tubes in sorted(by_result.items()):
        # The samples take their tube's result with it (flows.SAMPLE_RESULT): their step is recorded,
        # nothing of theirs is written.
        transitions.record_many(
            flow=flows.SAMPLE_FLOW,
            source=flows.PENDING,
            target=flows.SAMPLE_RESULT[result],
            keys=[t.barcode for t in tubes],
            area_codes={t.community_code for t in tubes},
            actor=actor,
            count=sum(t.samples for t in tubes),
            detail={"round": round_.public_id, "by": "tube"},
        )
        resulted = Counter(t.community_code for t in tubes)
        positive = resulted if result == flows.POSITIVE else Counter()
        progress_add(round_, {"tubes_resulted": resulted, "positive_tubes": positive})
        if result == flows.POSITIVE:
            for chunk in chunks(tubes, 500):
                events.publish(
                    POOLS_POSITIVE,
                    {"round": round_.pk, "tubes": [t.pk for t in chunk], "actor": getattr(actor, "pk", None)},
                    area_code=min(t.community_code for t in chunk),
                )
    return raced, len(by_result.get(flows.POSITIVE, ()))


def tube_result_correct(*, actor, round_: Round, barcode: str, result: str, reason: str) -> dict:
    """Correct a tube's recorded result after a retest (复检更正), or give a tube whose rows were held
    its result; the reason is required and kept on the workflow events with the lab's account.

    Negative to positive: the members become positive-pool and the pool is announced, so their
    recalls open (again, for recalls a former correction cancelled) after the commit, as for any
    positive result. Positive to negative: the members become negative and their recalls not yet
    re-swabbed are cancelled by the platform; recalls already re-swabbed keep their course. The
    round's rollup follows. The caller decided the round with RECORD_RESULTS (round_get_for_user),
    as for recorded results."""
    reason = " ".join(str(reason or "").split())[:200]  # as written: Chinese punctuation stays full-width
    target = rv.result_of(result)
    if isinstance(target, Problem):
        raise ApplicationError(TESTING.of(target), status=422)
    if not reason:
        raise ApplicationError(_("更正检测结果须写明原因（如复检结果）"), status=422)
    barcode = _barcode_of(barcode)
    now = timezone.now()
    with transaction.atomic():
        tube = Tube.objects.select_for_update().filter(round=round_, barcode=barcode).first()
        if tube is None:
            raise ApplicationError(TESTING.text(rv.NO_SUCH_TUBE), status=404)
        source = tube.status
        resolved = _resolve_conflicts(round_, {target: [tube.pk]}, actor, now, reason=reason) > 0
        answer = {
            "barcode": barcode,
            "from_status": source,
            "to_status": target,
            "samples": 0,
            "recalls_cancelled": 0,
            "conflict_resolved": resolved,
        }
        if source == target:
            if resolved:  # the recorded result confirmed against the rows that disagreed with it
                return answer
            raise ApplicationError(_("该管已是{result}，无需更正").format(result=_label(target)), status=409)
        if flows.TUBE_FLOW.step(source, target) is None:
            raise ApplicationError(TESTING.text(rv.TUBE_NOT_RESULTABLE), status=409)
        detail = {"round": round_.public_id, "correction": True}
        code = tube.community_code
        moved = transitions.move_many(
            flow=flows.TUBE_FLOW,
            queryset=Tube.objects.filter(round=round_, pk=tube.pk),
            source=source,
            target=target,
            actor=actor,
            keys=[barcode],
            area_codes=[code],
            reason=reason,
            also={"result_at": now, "closed_at": tube.closed_at or now},
            detail=detail,
        )
        if not moved:
            raise ApplicationError(_("采样管状态不能这样变更"), status=409)
        answer["samples"] = tube.sample_count  # their result is the tube's: recorded, not written
        transitions.record_many(
            flow=flows.SAMPLE_FLOW,
            source=flows.SAMPLE_RESULT.get(source, flows.PENDING),
            target=flows.SAMPLE_RESULT[target],
            actor=actor,
            keys=[barcode],
            area_codes=[code],
            reason=reason,
            count=tube.sample_count,
            detail={**detail, "by": "tube"},
        )
        # The community's rollup row exists since the tube was scanned; an upsert would check the
        # row it inserts against positive_tubes >= 0 before finding the conflict, so this updates.
        delta = int(target == flows.POSITIVE) - int(source == flows.POSITIVE)
        counts = {"positive_tubes": F("positive_tubes") + delta}
        if source not in flows.SAMPLE_RESULT:
            counts["tubes_resulted"] = F("tubes_resulted") + 1
        RoundProgress.objects.filter(round=round_, community_code=code).update(**counts)
        if target == flows.POSITIVE:
            payload = {"round": round_.pk, "tubes": [tube.pk], "actor": getattr(actor, "pk", None), "reason": reason}
            events.publish(POOLS_POSITIVE, payload, area_code=code)
        elif source == flows.POSITIVE:
            answer["recalls_cancelled"] = recalls.recalls_cancel(actor=actor, tube=tube, reason=reason)
    return answer


def tube_results_import(*, actor, round_: Round, file_name: str, content: bytes) -> dict:
    """Lab results from a .csv or .xlsx (columns 管号 and 结果). Every row is accounted for, with its
    number as Excel shows it: recorded, unchanged (or the same again), held (the file's rows for the
    tube disagree) or an error with its code and reason. Rows of one tube are recorded together
    however far apart, so they are held together. The file is audited (name and counts) beside the
    workflow events of its tubes."""
    try:
        read = result_file.read_result_file(content, file_name)
    except result_file.ResultFileError as exc:
        problem = exc.problem
        raise ApplicationError((CORE if problem.code in CORE else TESTING).of(problem), status=422) from exc
    rows = read.rows
    answers: dict[int, dict] = {}
    by_tube: dict[str, list[tuple[int, object, object]]] = {}
    for row in rows:
        if row.formulas:
            barcode = "" if result_file.LABELS["barcode"] in row.formulas else _barcode_of(row.barcode)
            columns = "、".join(row.formulas)
            if barcode:  # its tube's other rows are held with it: this row may say otherwise
                problem = Problem(rv.FORMULA_NO_VALUE, {"columns": columns})
                by_tube.setdefault(barcode, []).append((row.number, row.barcode, problem))
            else:
                answers[row.number] = {
                    "row": row.number,
                    **_answer(barcode, "error", rv.FORMULA_NO_VALUE, columns=columns),
                }
        else:
            by_tube.setdefault(_barcode_of(row.barcode), []).append((row.number, row.barcode, row.value))
    positive = 0
    batch: list[tuple[int, object, object]] = []
    tubes = list(by_tube.values())
    for n, items in enumerate(tubes, start=1):
        batch += items
        if n % MAX_RESULTS == 0 or n == len(tubes):
            recorded, made_positive = _record(actor, round_, batch, source=file_name)
            positive += made_positive
            for (number, _b, _v), answer in zip(batch, recorded, strict=True):
                answers[number] = {"row": number, **answer}
            batch = []
    ordered = [answers[n] for n in sorted(answers)]
    outcome = {
        "rows": len(ordered),
        "recorded": sum(a["code"] == rv.RECORDED for a in ordered),
        "unchanged": sum(a["code"] in (rv.UNCHANGED, rv.REPEATED) for a in ordered),
        "positive": positive,
        "held": [a for a in ordered if a["status"] == "held"],
        "errors": [a for a in ordered if a["status"] == "error"],
        "ignored": read.ignored,  # columns read for nothing: shown, never dropped silently
    }
    audit_record(
        actor=actor,
        action=AuditEvent.Action.IMPORT,
        entity="tube_results",
        row_ids=[],
        area_codes=[round_.area_code],
        detail={
            "round": round_.public_id,
            "file_name": file_name[:255],
            **{k: outcome[k] for k in ("rows", "recorded", "unchanged", "positive")},
            "held": len(outcome["held"]),
            "errors": len(outcome["errors"]),
        },
    )
    return outcome
