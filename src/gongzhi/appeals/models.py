"""Residents' requests (诉求): what a household asked for, how urgent it is, where it sits and until
when (APPEAL_FLOW). A request lives in its household's community; a hotline work order whose address
matched no household lives at its street (`community_code` then holds the street's 9-digit code) until
someone places it on a household."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.appeals import flows
from gongzhi.core.models import PublicIdField, TimeStampedModel
from gongzhi.core.scope import AreaPaths, AreaQuerySet


class Category(models.TextChoices):
    MEDICAL_EMERGENCY = "medical_emergency", _("急症就医")
    MEDICINE = "medicine", _("购药")
    CHRONIC_CARE = "chronic_care", _("慢病治疗（透析、化疗、胰岛素）")
    PREGNANCY = "pregnancy", _("孕产")
    FOOD = "food", _("生活物资")
    PSYCHOLOGICAL = "psychological", _("心理援助")
    ELDERLY_CARE = "elderly_care", _("养老照护")
    OTHER = "other", _("其他")


class Urgency(models.TextChoices):
    CRITICAL = "critical", _("紧急")
    URGENT = "urgent", _("加急")
    NORMAL = "normal", _("一般")


class Level(models.TextChoices):
    GRID = "grid", _("网格")
    COMMUNITY = "community", _("社区")
    STREET = "street", _("街道")
    DISTRICT = "district", _("区县")


class Channel(models.TextChoices):
    HOUSEHOLD = "household", _("住户扫码提交")
    STAFF = "staff", _("来电或上门登记")
    HOTLINE = "hotline", _("12345热线")


class Appeal(TimeStampedModel):
    """One request of a household (APPEAL_FLOW)."""

    class Status(models.TextChoices):
        UNPLACED = flows.UNPLACED, _("待定位")
        PENDING = flows.PENDING, _("待受理")
        IN_PROGRESS = flows.IN_PROGRESS, _("处理中")
        RESOLVED = flows.RESOLVED, _("已办结")
        CLOSED = flows.CLOSED, _("已评价")
        MERGED = flows.MERGED, _("已合并")

    area_paths = AreaPaths(grid="household__building__grid_id", building="household__building_id")

    # Unique by a constraint in Meta, as hotline_ref: a unique field gets a second index for LIKE on
    # PostgreSQL, never used here, which every escalation also writes.
    public_id = PublicIdField(_("编号"), unique=False)
    household = models.ForeignKey(
        "places.Household",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
        verbose_name=_("户"),
        db_index=False,  # appeal_household (household, category) serves it
    )
    # The household's community; while a hotline order is unplaced, the 12-digit official code of the
    # street (or district) it waits at (510104017000): every area's range query finds it where it belongs.
    community_code = models.CharField(_("所属区域代码"), max_length=12)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=flows.PENDING)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices)
    urgency_rank = models.PositiveSmallIntegerField(default=2)  # 0 critical, 1 urgent, 2 normal: the lists' order
    urgency_reasons = models.JSONField(_("紧急程度依据"), default=list, blank=True)
    text = models.TextField(_("诉求内容"), max_length=1000)
    caller_name = models.CharField(_("联系人"), max_length=40, blank=True)
    caller_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    address_text = models.CharField(_("诉求地址"), max_length=200, blank=True)
    # Where it sits and until when: the level responsible now, and the deadline of that level.
    level = models.CharField(_("当前层级"), max_length=10, choices=Level.choices)
    level_since = models.DateTimeField(_("到达本层级时间"))
    due_at = models.DateTimeField(_("本层级办理时限"))
    escalations = models.PositiveSmallIntegerField(_("升级次数"), default=0)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("承办人"),
        db_index=False,  # appeal_assignee, only the assigned ones
    )
    assignee_name = models.CharField(_("承办人"), max_length=80, blank=True)
    # NULL, not "", where there is none: unique (Meta) only among the hotline orders.
    hotline_ref = models.CharField(_("工单编号"), max_length=40, null=True, blank=True)  # noqa: DJ001
    received_at = models.DateTimeField(_("来电/提交时间"))
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    resolution = models.CharField(_("办理结果"), max_length=500, blank=True)
    rating = models.PositiveSmallIntegerField(_("评价"), null=True, blank=True)
    feedback = models.CharField(_("住户意见"), max_length=500, blank=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
        verbose_name=_("合并到"),
        db_index=False,  # appeal_merged_into, only the merged ones
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # appeal_created_by, only staff entries
    )
    created_by_name = models.CharField(max_length=80, blank=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["urgency_rank", "due_at", "id"]
        indexes = [
            # The worklists: an area's open requests, most urgent and soonest due first.
            # Category and status last: a filter on them is checked in the index, not row by row.
            models.Index(
                fields=["community_code", "urgency_rank", "due_at", "id", "category", "status"],
                name="appeal_open_worklist",
                condition=models.Q(status__in=flows.OPEN_STATES),
            ),
            # The same order over a whole street, district or city: walked from the top, the area's
            # code read from the index (a district's list sorted all its open rows: 2 s at 1 M open).
            models.Index(
                fields=["urgency_rank", "due_at", "id", "community_code", "category", "status"],
                name="appeal_open_order",
                condition=models.Q(status__in=flows.OPEN_STATES),
            ),
            # The sweep: open requests whose level's deadline has passed.
            models.Index(fields=["due_at"], name="appeal_lapsing", condition=models.Q(status__in=flows.LAPSING_STATES)),
            models.Index(fields=["household", "category"], name="appeal_household"),
            models.Index(fields=["community_code", "received_at"], name="appeal_received"),
            # The foreign keys, only where set: an escalation of an unassigned request writes none of
            # them (the sweep's cost is the index entries each moved row gets; measured).
            models.Index(fields=["assignee"], name="appeal_assignee", condition=models.Q(assignee__isnull=False)),
            models.Index(
                fields=["merged_into"], name="appeal_merged_into", condition=models.Q(merged_into__isnull=False)
            ),
            models.Index(fields=["created_by"], name="appeal_created_by", condition=models.Q(created_by__isnull=False)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["public_id"], name="appeal_public_id"),
            models.UniqueConstraint(
                fields=["hotline_ref"], name="appeal_hotline_ref", condition=models.Q(hotline_ref__isnull=False)
            ),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5), name="appeal_rating"
            ),
            models.CheckConstraint(
                condition=models.Q(status=flows.UNPLACED) | models.Q(household__isnull=False),
                name="appeal_placed_has_household",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=flows.MERGED) | models.Q(merged_into__isnull=False),
                name="appeal_merged_has_target",
            ),
        ]
        verbose_name = _("居民诉求")
        verbose_name_plural = _("居民诉求")

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.public_id}"

    @property
    def is_open(self) -> bool:
        return self.status in flows.OPEN_STATES


class HotlineImport(TimeStampedModel):
    """One upload of a 12345 work-order file: checked (row errors listed), then imported when the
    worker confirms (the good rows only, when some were bad)."""

    area_paths = AreaPaths(full_codes=False)

    public_id = PublicIdField(_("编号"))
    community_code = models.CharField(_("导入区域代码"), max_length=12)  # the importer's area, any level
    file_name = models.CharField(_("文件名"), max_length=200)
    content = models.BinaryField(null=True)  # kept until confirmed or discarded
    rows = models.PositiveIntegerField(_("行数"), default=0)
    errors = models.JSONField(default=list)
    # The check's report while the import waits for the worker (services.hotline.HotlineReport.as_stored):
    # the pending page shows it without reading the file again.
    report = models.JSONField(default=dict, blank=True)
    created_count = models.PositiveIntegerField(_("新建"), default=0)
    existing_count = models.PositiveIntegerField(_("已导入过"), default=0)
    unplaced_count = models.PositiveIntegerField(_("待定位"), default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("12345工单导入")
        verbose_name_plural = _("12345工单导入")
