"""Notices (通知公告): addressed to an official area (city down to community) or one building, to all its
households or to those with a resident carrying a vulnerability tag; read by residents on their
household's page and by staff on their landing page.

Each household a notice reaches gets a read receipt at publish time (one INSERT ... SELECT), and the
notice's reach per community is a rollup (`NoticeReach`) kept by the same statements that change a
receipt, so a district's reach is a sum over a few hundred rows, never a count over a million.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import PublicIdField, TimeStampedModel
from gongzhi.core.scope import AreaPaths, AreaQuerySet
from gongzhi.notices import flows
from gongzhi.people.models import VulnerabilityTag

GROUP_ALL = "all"
GROUP_CHOICES = [(GROUP_ALL, _("全体住户")), *VulnerabilityTag.choices]


class Notice(TimeStampedModel):
    """One notice as published; never edited (NOTICE_FLOW): a correction is a new notice naming this one."""

    class Status(models.TextChoices):
        PUBLISHED = flows.PUBLISHED, _("已发布")
        CORRECTED = flows.CORRECTED, _("已更正")

    class Audience(models.TextChoices):
        RESIDENTS = "residents", _("居民")
        STAFF = "staff", _("工作人员")
        BOTH = "both", _("居民和工作人员")

    class Severity(models.TextChoices):
        INFO = "info", _("一般")
        WARNING = "warning", _("重要")
        URGENT = "urgent", _("紧急")

    class Category(models.TextChoices):
        HEALTH = "health", _("疫情防控")
        SAFETY = "safety", _("公共安全")
        INFRA = "infra", _("水电气等设施")
        OTHER = "other", _("其他")

    # area_code holds the official code the notice is addressed to (4 to 12 digits); a notice to one
    # building carries its community's code and the building.
    area_paths = AreaPaths(community="area_code", grid="building__grid_id", building="building_id", full_codes=False)

    public_id = PublicIdField(_("编号"))
    area_code = models.CharField(_("发布范围代码"), max_length=12)
    building = models.ForeignKey(
        "places.Building", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("楼栋")
    )
    # The official area of the role it was published under (the issuing office), for the printed notice
    # and CAP's senderName.
    issuer_code = models.CharField(_("发布单位代码"), max_length=12)
    group = models.CharField(_("对象"), max_length=20, choices=GROUP_CHOICES, default=GROUP_ALL)
    audience = models.CharField(_("读者"), max_length=10, choices=Audience.choices)
    category = models.CharField(_("类别"), max_length=10, choices=Category.choices, default=Category.HEALTH)
    severity = models.CharField(_("级别"), max_length=10, choices=Severity.choices, default=Severity.INFO)
    title = models.CharField(_("标题"), max_length=60)
    body = models.CharField(_("正文"), max_length=2000)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=flows.PUBLISHED)
    corrects = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="correction", verbose_name=_("更正的通知")
    )
    correction_reason = models.CharField(_("更正原因"), max_length=200, blank=True)
    published_at = models.DateTimeField(_("发布时间"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_by_name = models.CharField(_("发布人"), max_length=150)
    targeted = models.PositiveIntegerField(_("应读户数"), default=0)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["area_code", "published_at"], name="notice_area_time"),
            models.Index(fields=["published_at", "id"], name="notice_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(area_code__regex=r"^([0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$"),
                name="notice_area_code_shape",
            ),
            models.CheckConstraint(
                condition=models.Q(building__isnull=True) | models.Q(area_code__regex=r"^[0-9]{12}$"),
                name="notice_building_in_community",
            ),
            models.CheckConstraint(
                condition=models.Q(corrects__isnull=True) | models.Q(correction_reason__gt=""),
                name="notice_correction_has_reason",
            ),
            models.CheckConstraint(condition=models.Q(title__gt=""), name="notice_title_not_empty"),
        ]
        verbose_name = _("通知公告")
        verbose_name_plural = _("通知公告")

    def __str__(self):
        return self.title

    @property
    def for_residents(self) -> bool:
        return self.audience in (self.Audience.RESIDENTS, self.Audience.BOTH)


class NoticeReceipt(models.Model):
    """One household a notice was addressed to: whether it has read it (on its own page), or a building
    leader or grid worker told it in person. Written at publish time, one per household.

    Publishing to a district writes a million of these in one statement, so the table carries one
    index only, its primary key (notice, household), and no foreign-key constraints: with the
    constraints' per-row checks and two more indexes, a district's publish took 66 s instead of ~5 s
    (bench/bench_notices.py). Rows come only from the households table (by that INSERT ... SELECT, or
    copied from another notice's receipts); households and notices are not deleted. A building's or a
    community's receipts are reached through its households (their indexes), a household's through the
    few notices addressed to its areas (selectors.household_notices)."""

    area_paths = AreaPaths(grid="household__building__grid_id", building="household__building_id")

    pk = models.CompositePrimaryKey("notice", "household")
    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="receipts", db_index=False, db_constraint=False
    )
    household = models.ForeignKey(
        "places.Household", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    community_code = models.CharField(max_length=12)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    told_at = models.DateTimeField(_("当面告知时间"), null=True, blank=True)
    told_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    told_by_name = models.CharField(_("告知人"), max_length=150, blank=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["notice_id", "household_id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(told_at__isnull=True) | models.Q(told_by_name__gt=""), name="notice_told_by_someone"
            ),
        ]
        verbose_name = _("通知阅读回执")
        verbose_name_plural = _("通知阅读回执")


class NoticeReach(models.Model):
    """A notice's reach in one community: households addressed, read, told in person, and reached (read
    or told; a household told and then reading counts once). Kept exact by the services that change a
    receipt (the same transaction, only when the receipt changed)."""

    area_paths = AreaPaths()

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="reach")
    community_code = models.CharField(max_length=12)
    targeted = models.PositiveIntegerField(default=0)
    read = models.PositiveIntegerField(default=0)
    told = models.PositiveIntegerField(default=0)
    reached = models.PositiveIntegerField(default=0)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["notice_id", "community_code"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "community_code"], name="notice_reach_once"),
            models.CheckConstraint(
                condition=models.Q(reached__lte=models.F("targeted"))
                & models.Q(read__lte=models.F("reached"))
                & models.Q(told__lte=models.F("reached")),
                name="notice_reach_counts",
            ),
        ]
