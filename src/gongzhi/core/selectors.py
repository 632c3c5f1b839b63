from django.db.models import Q

from gongzhi.core import roles
from gongzhi.core.models import AuditEvent
from gongzhi.core.scope import user_can, user_scope


def audit_event_list(*, user):
    """Audit events filed under the areas of the user's audit-reading roles (staff above read)."""
    if getattr(user, "is_superuser", False):
        return AuditEvent.objects.all()
    if not user_can(user, roles.READ_AUDIT):
        return AuditEvent.objects.none()
    condition = Q(pk__in=[])
    for entry in user_scope(user):
        if roles.role_can(entry.role, roles.READ_AUDIT) and entry.grid_id is None and entry.building_id is None:
            condition |= Q(area_code__startswith=entry.area_code)
    return AuditEvent.objects.filter(condition)
