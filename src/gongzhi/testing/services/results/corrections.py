"""Corrections of a recorded result after a retest (复检更正), with the reason."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import events, transitions
from gongzhi.core.errors import ApplicationError, Problem
from gongzhi.testing import flows
from gongzhi.testing import result_values as rv
from gongzhi.testing.messages import TESTING
from gongzhi.testing.models import Round, RoundProgress, Tube
from gongzhi.testing.services import recalls
from gongzhi.testing.services.results._common import POOLS_POSITIVE, _barcode_of, _label
from gongzhi.testing.services.results.conflicts import _resolve_conflicts


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
