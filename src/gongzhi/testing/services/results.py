"""Lab results: per tube, by API or from a file. A negative tube marks its members negative; a
positive tube marks them positive-pool and announces it (core.events: "testing.pools_positive"), and
testing's own subscriber opens the recalls (services.recalls), after the commit.

Each call is one transaction; its moves are checked against TUBE_FLOW and SAMPLE_FLOW set-wise (the
UPDATEs only move rows from allowed states) and recorded as one workflow event per kind of move,
with the lab's account and the row count: who recorded which results stays on record."""

from collections import Counter
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import events, tabular, transitions
from gongzhi.core.cleaning import clean_code, clean_text
from gongzhi.core.db import analyze_if_stale, pg_array
from gongzhi.core.errors import ApplicationError
from gongzhi.core.messages import CORE
from gongzhi.core.models import AuditEvent
from gongzhi.core.services import audit_record
from gongzhi.testing import collection, flows
from gongzhi.testing.models import Round, Sample, Tube
from gongzhi.testing.services.lookups import chunks, db_time, tubes_by_barcode
from gongzhi.testing.services.rollup import progress_add

MAX_RESULTS = 5000
POOLS_POSITIVE = "testing.pools_positive"

RESULT_WORDS = {
    "negative": flows.NEGATIVE,
    "neg": flows.NEGATIVE,
    "阴性": flows.NEGATIVE,
    "-": flows.NEGATIVE,
    "positive": flows.POSITIVE,
    "pos": flows.POSITIVE,
    "阳性": flows.POSITIVE,
    "+": flows.POSITIVE,
}
SAMPLE_RESULT = {flows.NEGATIVE: flows.NEGATIVE, flows.POSITIVE: flows.POSITIVE_POOL}


def _check_items(results: list[tuple[str, str]]) -> tuple[list[dict], dict[str, str]]:
    """One answer per item (errors for bad ones) and barcode -> result for the good ones."""
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
    return answers, wanted


def tube_results_record(*, actor, round_: Round, results: list[tuple[str, str]]) -> list[dict]:
    """Record lab results per tube. Idempotent; a result that contradicts a recorded one is refused
    for that tube, and every other item is still processed. Returns one answer per item."""
    if len(results) > MAX_RESULTS:
        raise ApplicationError(_("每批最多5000条检测结果"), status=413)
    answers, wanted = _check_items(results)
    now = timezone.now()
    analyze_if_stale(Tube, Sample)  # the updates below go by tube; fresh statistics keep them on the index
    with transaction.atomic():
        tubes = {
            row[1]: _TubeRow(*row) for row in tubes_by_barcode(round_, wanted, "id, barcode, status, community_code")
        }
        current = {barcode: tube.state for barcode, tube in tubes.items()}  # as this call leaves them
        # (source, result) -> tubes to move
        to_move: dict[tuple[str, str], list[_TubeRow]] = {}
        for answer in answers:
            if answer["status"] != "pending":
                continue
            barcode, result = answer["barcode"], wanted[answer["barcode"]]
            tube, state = tubes.get(barcode), current.get(barcode)
            if tube is None or state is None:
                _answer(answer, "error", _("本轮没有这个管号"))
            elif state in (flows.NEGATIVE, flows.POSITIVE):
                same = state == result
                _answer(answer, "ok" if same else "error", "" if same else _("该管已有不同的结果，未更改"))
            elif flows.TUBE_FLOW.step(state, result) is None:
                _answer(answer, "error", _("该管状态不能记录结果"))
            else:
                to_move.setdefault((state, result), []).append(tube)
                current[barcode] = result
                _answer(answer, "ok", "")
        raced = _apply_results(round_, to_move, actor, now)
        if raced:  # another call resulted these tubes between our read and our write: say what it recorded
            recorded = {
                b: state
                for _pk, b, state, _code in tubes_by_barcode(round_, raced, "id, barcode, status, community_code")
            }
            for answer in answers:
                if answer["barcode"] in raced and answer["status"] == "ok":
                    if recorded.get(answer["barcode"]) != wanted[answer["barcode"]]:
                        _answer(answer, "error", _("该管已有不同的结果，未更改"))
    return answers


@dataclass(frozen=True)
class _TubeRow:
    pk: int
    barcode: str
    state: str
    community_code: str


def _answer(answer: dict, status: str, message: str) -> None:
    answer["status"], answer["message"] = status, message


def _move_tubes(ids: list[int], source: str, result: str, now) -> set[int]:
    """Set these tubes' result where they are still in `source` (the flow's rule, set-wise, in the
    WHERE); returns the ids really moved. Another call that resulted a tube first wins: its tube is not
    moved here, nor counted, nor announced twice."""
    table = Tube._meta.db_table
    moved: set[int] = set()
    with connection.cursor() as cursor:
        for chunk in chunks(ids, 5000 if connection.vendor == "postgresql" else 900):
            if connection.vendor == "postgresql":
                where, params = "id = ANY(%s::bigint[])", [pg_array(chunk)]
            else:
                where, params = f"id IN ({', '.join(['%s'] * len(chunk))})", list(chunk)
            cursor.execute(
                f"UPDATE {table} SET status = %s, result_at = %s, closed_at = COALESCE(closed_at, %s)"
                f" WHERE {where} AND status = %s RETURNING id",
                [result, db_time(now), db_time(now), *params, source],
            )
            moved.update(pk for (pk,) in cursor.fetchall())
    return moved


def _apply_results(round_: Round, to_move: dict[tuple[str, str], list["_TubeRow"]], actor, now) -> set[str]:
    """Write the tubes' and their samples' results, the rollup, the workflow events, and announce
    positive pools, for the tubes really moved. The moves were checked against the flows above and
    again by each UPDATE's WHERE. Returns the barcodes that another call moved first."""
    refused = flows.TUBE_FLOW.check_all(to_move)
    if refused:
        raise ApplicationError(_("采样管状态不能这样变更"), {"moves": refused}, status=409)
    by_result: dict[str, list[_TubeRow]] = {}
    raced: set[str] = set()
    for (source, result), planned in sorted(to_move.items()):
        moved_ids = _move_tubes([t.pk for t in planned], source, result, now)
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
        ids = [t.pk for t in tubes]
        sample_result = SAMPLE_RESULT[result]
        samples = 0
        for chunk in chunks(ids):
            samples += Sample.objects.filter(tube_id__in=chunk, result=flows.PENDING).update(result=sample_result)
        transitions.record_many(
            flow=flows.SAMPLE_FLOW,
            source=flows.PENDING,
            target=sample_result,
            keys=[t.barcode for t in tubes],
            area_codes={t.community_code for t in tubes},
            actor=actor,
            count=samples,
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
    return raced


RESULT_FILE_ALIASES = {
    "barcode": ("管号", "条码", "采样管条码", "试管编号", "barcode", "tube"),
    "result": ("结果", "检测结果", "result"),
}


def tube_results_import(*, actor, round_: Round, file_name: str, content: bytes) -> dict:
    """Lab results from a .csv or .xlsx (columns 管号 and 结果). Per-row answers carry the row
    number as Excel shows it; valid rows are recorded even when others are wrong (each tube's
    result stands alone), and nothing partial is written for a row. The file is audited (name,
    rows, recorded) beside the workflow events of its tubes."""
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
        raise ApplicationError(CORE.of(exc.problem), status=422) from exc
    answers = []
    for start in range(0, len(table.rows), MAX_RESULTS):
        chunk = table.rows[start : start + MAX_RESULTS]
        items = [(clean_code(row.get("barcode")), clean_text(row.get("result"))) for _, row in chunk]
        for (number, _row), answer in zip(
            chunk, tube_results_record(actor=actor, round_=round_, results=items), strict=True
        ):
            answers.append({"row": number, **answer})
    outcome = {
        "rows": len(answers),
        "recorded": sum(a["status"] == "ok" for a in answers),
        "errors": [a for a in answers if a["status"] != "ok"],
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
            **{k: outcome[k] for k in ("rows", "recorded")},
        },
    )
    return outcome
