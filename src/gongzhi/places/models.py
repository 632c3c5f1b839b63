import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import PublicIdField, TimeStampedModel
from gongzhi.core.scope import AreaPaths, AreaQuerySet


class Area(models.Model):
    """An official area from the 统计用区划代码: the city (4 digits), a district (6), a street (9) or a
    community (12). The code is a materialised path: every descendant's code starts with it."""

    class Level(models.TextChoices):
        CITY = "city", _("市")
        DISTRICT = "district", _("区县")
        STREET = "street", _("街道/镇")
        COMMUNITY = "community", _("社区/村")

    area_paths = AreaPaths(community="code", full_codes=False)

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("上级区域")
    )
    population_2020 = models.PositiveIntegerField(null=True, blank=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^([0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$"),
                name="area_code_shape",
            ),
        ]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self):
        return f"{self.name} ({self.code})"


class Grid(TimeStampedModel):
    """A 网格 inside a community, looked after by a grid worker."""

    # A building leader sees the grid their building is in.
    area_paths = AreaPaths(grid="id", building="buildings__id")

    public_id = PublicIdField(_("编号"))
    community = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="grids", verbose_name=_("社区"))
    community_code = models.CharField(_("社区代码"), max_length=12, db_index=True)
    number = models.PositiveIntegerField(_("网格号"))
    name = models.CharField(_("名称"), max_length=60)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["community_code", "number"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="grid_number_unique"),
        ]
        verbose_name = _("网格")
        verbose_name_plural = _("网格")

    def __str__(self):
        return self.name


class Building(TimeStampedModel):
    """A 楼栋 (or a courtyard of bungalows in a village) inside a grid."""

    area_paths = AreaPaths(grid="grid_id", building="id")

    public_id = PublicIdField(_("编号"))
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("网格"))
    community_code = models.CharField(_("社区代码"), max_length=12, db_index=True)
    number = models.PositiveIntegerField(_("楼栋号"))
    name = models.CharField(_("名称"), max_length=60)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    floors = models.PositiveSmallIntegerField(_("层数"), default=1)
    units = models.PositiveSmallIntegerField(_("单元数"), default=1)
    # Where its door is (WGS84), for delivery routes; empty until known.
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["community_code", "number"]
        constraints = [
            models.UniqueConstraint(fields=["community_code", "number"], name="building_number_unique"),
        ]
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """The building as people name it, with its estate (小区) or street address first:
        "书院横街39号明珠华庭 1栋". The name alone ("1栋") is ambiguous in a community."""
        if self.address and not self.address.endswith(self.name):
            return f"{self.address} {self.name}"
        return self.address or self.name


DOOR_KEY_LENGTH = 24  # hexadecimal characters: 96 random bits


def new_door_key() -> str:
    return secrets.token_hex(DOOR_KEY_LENGTH // 2)


class RandomDoorKey(models.Func):
    """A new door key made by the database, for rows inserted without one (bulk loads, the
    migration that added the keys): 96 random bits in hexadecimal, as `new_door_key` makes them."""

    output_field = models.CharField(max_length=DOOR_KEY_LENGTH)

    def as_sql(self, compiler, connection, **extra):
        if connection.vendor == "postgresql":  # gen_random_uuid: PostgreSQL 13 and later, no extension
            return f"substr(md5(gen_random_uuid()::text), 1, {DOOR_KEY_LENGTH})", []
        return f"lower(hex(randomblob({DOOR_KEY_LENGTH // 2})))", []


class Household(TimeStampedModel):
    """A 户: the people living behind one door, e.g. 3栋2单元501."""

    area_paths = AreaPaths(grid="building__grid_id", building="building_id")

    public_id = PublicIdField(_("编号"))
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="households", verbose_name=_("楼栋"))
    community_code = models.CharField(_("社区代码"), max_length=12, db_index=True)
    unit = models.PositiveSmallIntegerField(_("单元"), default=1)
    room = models.CharField(_("房号"), max_length=20)
    address = models.CharField(_("门牌地址"), max_length=200)
    # The door code's secret (the QR code on the door is H:<door key>): whoever holds it acts as the
    # household on its own pages (orders, requests, notices) and confirms a delivery at its door, so
    # it is shown only where door codes are printed (places.access.may_print_door_codes), never in
    # staff lists, links or route sheets, which name a household by its public id.
    door_key = models.CharField(
        _("门牌码"), max_length=DOOR_KEY_LENGTH, unique=True, default=new_door_key, db_default=RandomDoorKey()
    )

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["community_code", "building_id", "unit", "room"]
        # A hotline work order's address is matched to the door by its address (appeals.services.hotline).
        indexes = [models.Index(fields=["address"], name="household_address")]
        constraints = [
            models.UniqueConstraint(fields=["building", "unit", "room"], name="household_door_unique"),
        ]
        verbose_name = _("户")
        verbose_name_plural = _("户")

    def __str__(self):
        return self.address
