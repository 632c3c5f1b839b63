"""Reads owned by core: the audit log and workflow timelines, inside the reader's areas."""

from typing import Any

from django.db.models import QuerySet

from gongzhi.core import roles
from gongzhi.core.models import AuditEvent, WorkflowEvent


def audit_event_list(*, user: Any) -> "QuerySet[AuditEvent]":
    """Audit events filed under the areas of the user's audit-reading roles (staff above read)."""
    return AuditEvent.objects.visible_to(user, roles.READ_AUDIT, levels=("city", "district", "street", "community"))


def workflow_events(*, flow: str, row_key: str) -> "QuerySet[WorkflowEvent]":
    """The steps of one row's workflow, oldest first (its timeline). The caller has checked access to the row."""
    return WorkflowEvent.objects.filter(flow=flow, row_key=row_key).select_related("actor").order_by("at", "id")
