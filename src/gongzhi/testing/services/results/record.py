"""Recording results, per call (API) or from a .csv/.xlsx file: reading the items, answering each one,
holding disagreeing rows, naming barcodes a spreadsheet damaged."""

import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.db import analyze_if_stale
from gongzhi.core.errors import ApplicationError, Problem
from gongzhi.core.messages import CORE
from gongzhi.core.models import AuditEvent
from gongzhi.core.services import audit_record
from gongzhi.testing import collection, flows, result_file
from gongzhi.testing import result_values as rv
from gongzhi.testing.messages import TESTING
from gongzhi.testing.models import Round, Tube
from gongzhi.testing.services.lookups import tubes_by_barcode
from gongzhi.testing.services.results._common import _answer, _barcode_of, _label, _TubeRow
from gongzhi.testing.services.results.conflicts import _hold_conflicts, _resolve_conflicts
from gongzhi.testing.services.results.moves import _apply_results

MAX_RESULTS = 5000
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
            if barcode.isdecimal():  # 1234567 for a round of 10 digits: 0001234567?
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
                if barcode.isdecimal():
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
