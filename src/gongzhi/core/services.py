"""Writes owned by core: audit events, role assignments, API tokens."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import roles
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import ApiToken, AuditEvent, RoleAssignment
from gongzhi.core.scope import common_area_code

# Row ids kept on one audit event; an export of more rows keeps the count and the filter.
AUDIT_MAX_IDS = 100_000


def audit_record(
    *,
    actor,
    action: str,
    entity: str,
    row_ids: list[str],
    area_codes,
    detail: dict | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one audit event. Called inside the caller's transaction: no audit, no data."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "username", "") or "system",
        action=action,
        entity=entity,
        area_code=common_area_code(list(area_codes)),
        row_count=len(row_ids),
        row_ids=list(row_ids[:AUDIT_MAX_IDS]),
        detail=detail or {},
        ip_address=ip_address,
    )


def role_assignment_create(*, user, role: str, area_code: str, grid=None, building=None) -> RoleAssignment:
    """Give a user a role on an area, checking the role fits the area's level."""
    from gongzhi.places.models import Area

    level = "grid" if grid is not None else "building" if building is not None else None
    if level is None:
        if not Area.objects.filter(code=area_code).exists():
            raise ApplicationError(_("区划代码不存在"), {"area_code": area_code})
        level = roles.level_of_code(area_code)
    else:
        place = building or grid
        area_code = place.community_code
    if not roles.role_fits_level(role, level):
        raise ApplicationError(_("该角色不能分配在这一级区域"), {"role": role, "level": level})
    with transaction.atomic():
        assignment, _created = RoleAssignment.objects.get_or_create(
            user=user, role=role, area_code=area_code, grid=grid, building=building
        )
    return assignment


def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """Issue a device token; the key is returned once and only its hash is kept."""
    if not name.strip():
        raise ApplicationError(_("请填写令牌名称（如设备名）"))
    key = ApiToken.generate_key()
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name.strip()[:100], key_hash=ApiToken.hash_key(key))
        audit_record(
            actor=user,
            action=AuditEvent.Action.LOGIN_TOKEN,
            entity="api_token",
            row_ids=[token.public_id],
            area_codes=[],
        )
    return token, key


def api_token_user(*, key: str):
    """The active user behind a key, or None. Marks the token used (at most once a minute)."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
