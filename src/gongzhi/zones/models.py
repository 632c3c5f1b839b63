"""Risk zones: one row per zone, proposed by the rules from positive cases (zones.rules), confirmed,
rejected or released by staff (ZONE_FLOW)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import PublicIdField, TimeStampedModel
from gongzhi.core.scope import AreaPaths, AreaQuerySet
from gongzhi.zones import flows, rules


class Zone(TimeStampedModel):
    class Status(models.TextChoices):
        PROPOSED = flows.PROPOSED, _("待确认")
        ACTIVE = flows.ACTIVE, _("生效中")
        REJECTED = flows.REJECTED, _("未采纳")
        RELEASED = flows.RELEASED, _("已解除")

    class Kind(models.TextChoices):
        LOCKDOWN = rules.LOCKDOWN, _("封控区")
        CONTROL = rules.CONTROL, _("管控区")
        PREVENTION = rules.PREVENTION, _("防范区")

    class Level(models.TextChoices):
        BUILDING = rules.BUILDING, _("楼栋")
        GRID = rules.GRID, _("网格")
        COMMUNITY = rules.COMMUNITY, _("社区")
        STREET = rules.STREET, _("街道")
        DISTRICT = rules.DISTRICT, _("区县")

    # A grid's or building's zone is seen by its grid worker and building leader too.
    area_paths = AreaPaths(grid="grid_id", building="building_id")

    public_id = PublicIdField(_("编号"))
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    level = models.CharField(_("范围层级"), max_length=12, choices=Level.choices)
    # The area's key in the rules: a building's or grid's id, or the official code (9 digits: a street).
    area_key = models.CharField(_("范围"), max_length=26)
    area_name = models.CharField(_("范围名称"), max_length=200)
    building = models.ForeignKey(
        "places.Building", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    grid = models.ForeignKey("places.Grid", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The zone's community; for a street's or district's zone, its own 12-digit code (510104017000),
    # so the street's staff and those above see it, and no community's list does.
    community_code = models.CharField(_("所属区域代码"), max_length=12)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=flows.PROPOSED)
    rules_version = models.CharField(_("规则版本"), max_length=40)
    cases = models.JSONField(_("阳性管号"), default=list, blank=True)  # the positive tubes' barcodes
    first_positive_at = models.DateTimeField(_("首个阳性时间"))
    last_positive_at = models.DateTimeField(_("最近阳性时间"))
    since = models.DateTimeField(_("生效时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("解除/不采纳时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    decided_by_name = models.CharField(max_length=80, blank=True)
    # A proposal narrowed or widened by staff to chosen buildings: each building's proposal names it.
    redrawn_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="redrawn_to"
    )

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["community_code", "level", "area_key", "id"]
        constraints = [
            # One open zone of a kind per area: new cases join it, a stricter kind raises a proposal;
            # for a zone in force a stricter kind is a proposal of its own until staff confirm it.
            models.UniqueConstraint(
                fields=["level", "area_key", "kind"],
                condition=models.Q(status__in=flows.OPEN_STATES),
                name="zone_open_area_unique",
            ),
            # and one proposal per area, whatever its kind (a stricter kind raises it).
            models.UniqueConstraint(
                fields=["level", "area_key"],
                condition=models.Q(status=flows.PROPOSED),
                name="zone_proposed_area_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["community_code", "status"], name="zone_community_status"),
            models.Index(fields=["building"], name="zone_building", condition=models.Q(building__isnull=False)),
            # The lists' order kind by kind (zones_first): a city's first zones without sorting its
            # tens of thousands of proposals.
            models.Index(fields=["kind", "status", "-last_positive_at", "id"], name="zone_kind_order"),
            # A new positive's areas looked up among the open zones (the unique index above is partial,
            # which SQLite's planner cannot use with the states as bound parameters).
            models.Index(fields=["area_key", "level"], name="zone_area"),
        ]
        verbose_name = _("风险区")
        verbose_name_plural = _("风险区")
