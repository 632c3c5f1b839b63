"""The sweep that keeps a request from getting stuck: every request whose level's deadline has
passed moves up one level (grid → community → street → district), pending there with that level's
deadline. Run every minute by a Huey periodic task (appeals.tasks); set-wise, in batches, so a
surge of a million open requests is swept in seconds. A request already at the district stays
there, lapsed, on the district's list and the dashboard's breaches."""

import datetime as dt
from collections import defaultdict

from django.db.models import F
from django.utils import timezone

from gongzhi.appeals import flows, sla
from gongzhi.appeals.models import Appeal
from gongzhi.appeals.services.submit import sla_minutes
from gongzhi.core import transitions
from gongzhi.core.db import write_transaction

BATCH = 10_000
_TOP = sla.LEVELS[-1]

Lapsed = tuple[int, str, str, str, str, str]  # id, public id, community code, status, level, urgency


def appeals_escalate_due(*, now: dt.datetime | None = None, batch: int = BATCH) -> int:
    """Move every lapsed request up a level; returns how many moved. Each row gets its event (its
    timeline shows the escalation, from which level to which). Rows are read as plain tuples, moved
    by one UPDATE per (state, level, urgency) and their events written by one INSERT: model objects
    for each row were most of the sweep's time (profiled)."""
    now = now or timezone.now()
    minutes = sla_minutes()
    moved = 0
    while True:
        with write_transaction():
            rows: list[Lapsed] = list(
                Appeal.objects.select_for_update(skip_locked=True)
                .filter(status__in_fixed=flows.LAPSING_STATES, due_at__lte=now)
                .exclude(level=_TOP)
                .order_by("due_at", "id")
                .values_list("id", "public_id", "community_code", "status", "level", "urgency")[:batch]
            )
            if not rows:
                return moved
            groups: dict[tuple[str, str, str], list[Lapsed]] = defaultdict(list)
            for row in rows:
                groups[row[3:]].append(row)
            for (status, level, urgency), members in groups.items():
                upper = sla.next_level(level)
                assert upper is not None
                Appeal.objects.filter(pk__in=[m[0] for m in members], status=status).update(
                    status=flows.PENDING,
                    level=upper,
                    level_since=now,
                    due_at=sla.due_at(now, urgency, minutes),
                    escalations=F("escalations") + 1,
                    assignee=None,
                    assignee_name="",
                    updated_at=now,
                )
                transitions.record_keyed(
                    flow=flows.APPEAL_FLOW,
                    source=status,
                    target=flows.PENDING,
                    keyed=[(m[1], m[2]) for m in members],
                    actor=None,
                    reason="sla_lapsed",
                    detail={"from_level": level, "to_level": upper},
                )
            moved += len(rows)
        if len(rows) < batch:
            return moved
