"""Recalls: the members of a positive pool, held in place and re-swabbed singly (复核/单采).

Opened by the platform when a pool is positive (the subscriber in testing.handlers calls
`recalls_open`), each with its opening event; then worked along RECALL_FLOW by the community or grid
worker of the resident's place. When the lab corrects the pool to negative, the platform cancels the
recalls not yet re-swabbed (`recalls_cancel`); corrected back to positive, they open again."""

from django.contrib.auth import get_user_model
from django.db import transaction

from gongzhi.core import transitions
from gongzhi.core.models import AuditEvent
from gongzhi.core.services import audit_record
from gongzhi.testing import exports, flows
from gongzhi.testing.models import Recall, Round, Sample, Tube
from gongzhi.testing.services.partitions import round_filter


def recalls_open(*, round_id: int, tube_ids: list[int], actor_id: int | None, reason: str = "") -> int:
    """Open a recall for every member of these positive tubes who has none yet in the round, each
    with its opening event naming the lab account that recorded the result; a recall that a former
    correction of the pool cancelled opens again. Only tubes still positive count: a pool corrected
    to negative before this delivery opens nothing. Idempotent: a second delivery opens
    nothing. Returns the number opened."""
    round_ = Round.objects.get(pk=round_id)
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    with transaction.atomic():
        # By tube (a tube belongs to one round): with the round in the condition SQLite's planner may
        # walk the round's (round, community) index, every sample of a city's round, for 2,100 tubes;
        # on PostgreSQL the round only picks the round's partition (round_filter).
        positive = list(
            Tube.objects.filter(pk__in=tube_ids, status=flows.POSITIVE, **round_filter(round_id)).values_list(
                "pk", flat=True
            )
        )
        members = list(
            Sample.objects.filter(tube_id__in=positive, **round_filter(round_id)).values_list(
                "resident_id", "tube_id", "community_code"
            )
        )
        held = dict(
            Recall.objects.filter(round=round_, resident_id__in=[r for r, _, _ in members]).values_list(
                "resident_id", "status"
            )
        )
        new = [
            Recall(round=round_, resident_id=r, tube_id=t, community_code=c, status=flows.OPEN)
            for r, t, c in members
            if r not in held
        ]
        Recall.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
        opened = list(Recall.objects.filter(round=round_, resident_id__in=[r.resident_id for r in new]))
        transitions.start_many(flow=flows.RECALL_FLOW, rows=opened, actor=actor, reason=reason, system=True)
        cancelled = [r for r, status in held.items() if status == flows.CANCELLED]
        for recall in Recall.objects.filter(round=round_, resident_id__in=cancelled, status=flows.CANCELLED):
            transitions.transition(
                flow=flows.RECALL_FLOW, row=recall, to=flows.OPEN, actor=actor, reason=reason, system=True
            )
    return len(opened) + len(cancelled)


def recalls_cancel(*, actor, tube: Tube, reason: str) -> int:
    """Cancel the recalls of this tube's members not yet re-swabbed, its pool corrected to negative:
    a step the platform takes, each with its event naming the lab account and the reason. Recalls
    already re-swabbed keep their course and history. Runs inside the correcting transaction."""
    cancelled = 0
    sources = flows.RECALL_FLOW.sources_of(flows.CANCELLED)
    for recall in Recall.objects.filter(tube=tube, status__in=sources).order_by("id"):
        transitions.transition(
            flow=flows.RECALL_FLOW, row=recall, to=flows.CANCELLED, actor=actor, reason=reason, system=True
        )
        cancelled += 1
    return cancelled


def recall_transition(*, actor, recall: Recall, to_status: str, note: str = "") -> Recall:
    """Move a recall along RECALL_FLOW; the actor must handle recalls where the resident lives."""
    return transitions.transition(flow=flows.RECALL_FLOW, row=recall, to=to_status, actor=actor, reason=note)


def recall_list_full_view_record(*, actor, recalls, ip_address: str | None = None) -> None:
    """Record that the actor saw these recall members' phones in full (the roles that call them, in
    their own areas)."""
    if recalls:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.VIEW_FULL,
            entity="recall",
            row_ids=[r.resident.public_id for r in recalls],
            area_codes=[r.community_code for r in recalls],
            ip_address=ip_address,
        )


def testing_history_view_record(*, actor, residents, ip_address: str | None = None) -> None:
    """Record that the actor saw these residents' results by round (a household's or a resident's
    page): health status, shown to roles that follow testing in the residents' areas."""
    if residents:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.VIEW_FULL,
            entity="test_result",
            row_ids=[r.public_id for r in residents],
            area_codes=[r.community_code for r in residents],
            ip_address=ip_address,
        )


def recall_export(*, actor, round_, rows, ip_address: str | None = None) -> bytes:
    """The recall list as a workbook (testing.exports), audited: the export with every member, and
    the members whose phones it holds in full apart."""
    content = exports.recall_workbook(rows)
    if rows:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.EXPORT,
            entity="recall",
            row_ids=[recall.resident.public_id for recall, _pii, _steps in rows],
            area_codes=sorted({recall.community_code for recall, _pii, _steps in rows}),
            detail={"round": round_.public_id},
            ip_address=ip_address,
        )
    full = [recall for recall, pii, _steps in rows if pii.full]
    if full:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.EXPORT_FULL,
            entity="recall",
            row_ids=[r.resident.public_id for r in full],
            area_codes=sorted({r.community_code for r in full}),
            detail={"round": round_.public_id},
            ip_address=ip_address,
        )
    return content
