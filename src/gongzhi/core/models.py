import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core import roles
from gongzhi.core.ids import new_public_id
from gongzhi.core.scope import AreaPaths, AreaQuerySet


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class PublicIdField(models.CharField):  # type: ignore[type-arg]
    """The id shown in URLs and the API; time-ordered, never the integer primary key."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 26)
        kwargs.setdefault("unique", True)
        kwargs.setdefault("default", new_public_id)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if not self.unique:  # unique by a constraint of the model instead (appeals.Appeal)
            kwargs["unique"] = False
        return name, path, args, kwargs


class Role(models.TextChoices):
    CITY_STAFF = roles.CITY_STAFF, _("市级工作人员")
    DISTRICT_STAFF = roles.DISTRICT_STAFF, _("区县工作人员")
    STREET_STAFF = roles.STREET_STAFF, _("街道工作人员")
    COMMUNITY_WORKER = roles.COMMUNITY_WORKER, _("社区工作者")
    GRID_WORKER = roles.GRID_WORKER, _("网格员")
    BUILDING_LEADER = roles.BUILDING_LEADER, _("楼栋长")
    VOLUNTEER = roles.VOLUNTEER, _("志愿者")
    COLLECTOR = roles.COLLECTOR, _("采样员")
    LAB = roles.LAB, _("检测机构")


class RoleAssignment(TimeStampedModel):
    """A user holds a role on an area: an official code (city/district/street/community), or a grid
    or building inside a community. Everything the user sees is inside these areas."""

    area_paths = AreaPaths(community="area_code", grid="grid_id", building="building_id", full_codes=False)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("用户")
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    area_code = models.CharField(_("区划代码"), max_length=12, db_index=True)
    grid = models.ForeignKey("places.Grid", null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("网格"))
    building = models.ForeignKey(
        "places.Building", null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("楼栋")
    )

    class Meta:
        ordering = ["user_id", "area_code", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "area_code"],
                name="role_assignment_area_unique",
                condition=models.Q(grid__isnull=True, building__isnull=True),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "grid"],
                name="role_assignment_grid_unique",
                condition=models.Q(grid__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "building"],
                name="role_assignment_building_unique",
                condition=models.Q(building__isnull=False),
            ),
            models.CheckConstraint(
                condition=models.Q(area_code__regex=r"^([0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$"),
                name="role_assignment_area_code_shape",
            ),
        ]
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")

    def __str__(self) -> str:
        return f"{self.user} {self.role} {self.area_code}"


class _ActorWords:
    """`actor_label`: who acted, as a page shows it: the account's label, or 系统 for the platform
    (stored as "system" by core.services.account_label)."""

    actor_name: str

    @property
    def actor_label(self) -> str:
        return str(_("系统")) if self.actor_name == "system" else self.actor_name


class AuditEvent(_ActorWords, models.Model):
    """Who saw or exported which personal information, or changed what, and when."""

    area_paths = AreaPaths(community="area_code", full_codes=False)

    class Action(models.TextChoices):
        VIEW_FULL = "view_full", _("查看完整个人信息")
        EXPORT = "export", _("导出")
        EXPORT_FULL = "export_full", _("导出完整个人信息")
        SEARCH_FULL = "search_full", _("按完整号码搜索")
        IMPORT = "import", _("导入")
        CREATE = "create", _("新建")
        UPDATE = "update", _("修改")
        LOGIN_TOKEN = "token", _("签发接口令牌")

    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("操作人")
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=150)
    action = models.CharField(_("操作"), max_length=16, choices=Action.choices)
    entity = models.CharField(_("对象"), max_length=32)
    # The narrowest area containing every row touched; staff of that area and above read the event.
    area_code = models.CharField(_("区域"), max_length=12, db_index=True)
    row_count = models.PositiveIntegerField(_("条数"), default=0)
    row_ids = models.JSONField(_("记录"), default=list)
    detail = models.JSONField(_("详情"), default=dict)
    ip_address = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["area_code", "created_at"], name="audit_area_time")]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")


class ApiToken(TimeStampedModel):
    """A device's credential for the API (collector phones, lab systems). Only its hash is kept."""

    public_id = PublicIdField(_("编号"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("用户")
    )
    name = models.CharField(_("名称"), max_length=100)
    key_hash = models.CharField(_("密钥摘要"), max_length=64, unique=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def generate_key() -> str:
        return "gz_" + secrets.token_urlsafe(32)


class WorkflowEvent(_ActorWords, models.Model):
    """One step of a workflow (core.workflow): which row, from which state to which, who, why and
    when. Written only by core.transitions, in the transaction that changes the row; it is the audit
    trail and the timeline users see. A bulk step (a scan batch, a results file) is one event naming
    its rows in `row_keys`."""

    flow = models.CharField(_("流程"), max_length=32)
    row_key = models.CharField(
        _("记录编号"), max_length=64, blank=True, help_text="the row's public id; blank for a bulk step"
    )
    row_keys = models.JSONField(_("记录编号（批量）"), default=list, blank=True)
    row_count = models.PositiveIntegerField(_("条数"), default=1)
    from_status = models.CharField(_("原状态"), max_length=32, blank=True)
    to_status = models.CharField(_("新状态"), max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("操作人")
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=150)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    # The row's community (or the narrowest area holding every row of a bulk step).
    area_code = models.CharField(_("区域"), max_length=12)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    area_paths = AreaPaths(community="area_code", full_codes=False)
    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["flow", "row_key", "at"], name="workflow_event_row"),
            models.Index(fields=["area_code", "at"], name="workflow_event_area"),
        ]
        verbose_name = _("流程记录")
        verbose_name_plural = _("流程记录")


class OutboxMessage(models.Model):
    """A change one app announces for others to react to (core.events): written in the same
    transaction as the change, delivered to one subscriber by a Huey task after the commit, and
    again by the periodic sweep until it is done, so nothing is lost between commit and queue."""

    topic = models.CharField(max_length=64)
    handler = models.CharField(max_length=128)
    payload = models.JSONField(default=dict)
    area_code = models.CharField(max_length=12, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["id"], name="outbox_pending", condition=models.Q(done_at__isnull=True)),
        ]
