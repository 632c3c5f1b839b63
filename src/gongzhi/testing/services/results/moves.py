"""Writing the results of the tubes really moved: the set-wise UPDATE, the workflow events, the rollup,
and the announcement of positive pools."""

from collections import Counter
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from gongzhi.core import events, transitions
from gongzhi.core.db import pg_array
from gongzhi.core.errors import ApplicationError
from gongzhi.testing import flows
from gongzhi.testing.models import Round, Tube
from gongzhi.testing.services.lookups import chunks, db_time
from gongzhi.testing.services.results._common import POOLS_POSITIVE, _TubeRow
from gongzhi.testing.services.rollup import progress_add


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
