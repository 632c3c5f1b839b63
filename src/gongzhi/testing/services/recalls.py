"""Recalls: the members of a positive pool, held in place and re-swabbed singly (复核/单采).

Opened by the platform when a pool is positive (the subscriber in testing.handlers calls
`recalls_open`), each with its opening event; then worked along RECALL_FLOW by the community or grid
worker of the resident's place."""

from django.contrib.auth import get_user_model
from django.db import transaction

from gongzhi.core import transitions
from gongzhi.core.models import AuditEvent
from gongzhi.core.services import audit_record
from gongzhi.testing import flows
from gongzhi.testing.models import Recall, Round, Sample


def recalls_open(*, round_id: int, tube_ids: list[int], actor_id: int | None) -> int:
    """Open a recall for every member of these positive tubes who has none yet in the round, each
    with its opening event naming the lab account that recorded the result. Idempotent: a second
    delivery opens nothing. Returns the number opened."""
    round_ = Round.objects.get(pk=round_id)
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    with transaction.atomic():
        members = list(
            Sample.objects.filter(tube_id__in=tube_ids, round=round_).values_list(
                "resident_id", "tube_id", "community_code"
            )
        )
        held = set(
            Recall.objects.filter(round=round_, resident_id__in=[r for r, _, _ in members]).values_list(
                "resident_id", flat=True
            )
        )
        new = [
            Recall(round=round_, resident_id=r, tube_id=t, community_code=c, status=flows.OPEN)
            for r, t, c in members
            if r not in held
        ]
        Recall.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
        opened = list(Recall.objects.filter(round=round_, resident_id__in=[r.resident_id for r in new]))
        transitions.start_many(flow=flows.RECALL_FLOW, rows=opened, actor=actor, system=True)
    return len(opened)


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
