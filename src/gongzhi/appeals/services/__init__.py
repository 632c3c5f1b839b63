"""The writes of residents' requests (re-exported: `from gongzhi.appeals import services`)."""

from gongzhi.appeals.services.escalation import appeals_escalate_due
from gongzhi.appeals.services.hotline import (
    MAX_BYTES,
    HotlineReport,
    hotline_check,
    hotline_confirm,
    hotline_import,
    household_at,
    pending_report,
    queue_area,
)
from gongzhi.appeals.services.requests import (
    AssignOutcome,
    appeal_answer,
    appeal_place,
    appeal_resolve,
    appeal_take,
    appeal_unplaced,
    appeals_assign,
    sla_state_of,
)
from gongzhi.appeals.services.submit import appeal_submit, appeals_submit_many, household_tags, sla_minutes

__all__ = [
    "AssignOutcome",
    "HotlineReport",
    "appeal_answer",
    "appeal_place",
    "appeal_resolve",
    "appeal_submit",
    "appeal_take",
    "appeal_unplaced",
    "appeals_assign",
    "appeals_submit_many",
    "appeals_escalate_due",
    "hotline_check",
    "hotline_confirm",
    "hotline_import",
    "pending_report",
    "household_at",
    "household_tags",
    "queue_area",
    "sla_minutes",
    "sla_state_of",
    "MAX_BYTES",
]
