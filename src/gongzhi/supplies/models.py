"""Living supplies: the catalogue (items, packages), supply points and their stock ledger, household
orders, delivery runs and allocation plans.

Stock is an append-only ledger (`StockMovement`) with the balance of each item at each point
(`StockBalance`) written in the same transaction; the balance can never go below zero (a database
constraint, and the conditional update in services.stock). Every row that lives in an area carries
its community's 12-digit code (supply points above communities carry their street's or district's
code in `community_code`, like an area's own code).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import PublicIdField, TimeStampedModel
from gongzhi.core.scope import AreaPaths, AreaQuerySet
from gongzhi.supplies import flows


class Category(models.TextChoices):
    GRAIN = "grain", _("粮食")
    OIL = "oil", _("食用油")
    MEAT = "meat", _("肉类")
    EGGS = "eggs", _("蛋类")
    VEGETABLES = "vegetables", _("蔬菜")
    MILK = "milk", _("奶类")
    MEDICINE = "medicine", _("药品")
    INFANT = "infant", _("婴幼儿用品")
    SANITARY = "sanitary", _("卫生用品")


class Item(TimeStampedModel):
    """One thing in the catalogue, counted in whole units (a 5 kg bag of rice, a box of insulin pens)."""

    public_id = PublicIdField(_("编号"))
    name = models.CharField(_("名称"), max_length=60, unique=True)
    category = models.CharField(_("类别"), max_length=16, choices=Category.choices)
    unit = models.CharField(_("单位"), max_length=10)
    kg_per_unit = models.DecimalField(_("每单位重量(千克)"), max_digits=7, decimal_places=3)
    price = models.DecimalField(_("商户价格(元)"), max_digits=9, decimal_places=2, null=True, blank=True)
    # Insulin, dialysis consumables, prescriptions: an order holding one is urgent.
    urgent_medical = models.BooleanField(_("急需医疗物资"), default=False)

    class Meta:
        ordering = ["category", "name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kg_per_unit__gt=0), name="item_weight_positive"),
            models.CheckConstraint(
                condition=models.Q(price__isnull=True) | models.Q(price__gte=0), name="item_price_not_negative"
            ),
        ]
        verbose_name = _("物资品项")
        verbose_name_plural = _("物资品项")

    def __str__(self):
        return f"{self.name}（{self.unit}）"


class Package(TimeStampedModel):
    """A supply package as a bill of materials: a 5 kg vegetable pack, a 7-day elderly pack."""

    public_id = PublicIdField(_("编号"))
    name = models.CharField(_("名称"), max_length=60, unique=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("物资包")
        verbose_name_plural = _("物资包")

    def __str__(self):
        return self.name


class PackageLine(models.Model):
    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("数量"))

    class Meta:
        ordering = ["package_id", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["package", "item"], name="package_line_unique"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="package_line_positive"),
        ]


class SupplyPoint(TimeStampedModel):
    """A place holding stock: a government reserve, a supermarket, an enterprise, or a community's
    distribution point (where packing happens and delivery runs start)."""

    class Kind(models.TextChoices):
        RESERVE = "reserve", _("政府储备库")
        SUPERMARKET = "supermarket", _("商超")
        ENTERPRISE = "enterprise", _("保供企业")
        DISTRIBUTION = "distribution", _("社区分发点")

    area_paths = AreaPaths(full_codes=False)

    public_id = PublicIdField(_("编号"))
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100)
    # The community it is in (12 digits), or the street or district running it (9 or 6).
    community_code = models.CharField(_("所属区域代码"), max_length=12, db_index=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["community_code", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community_code", "name"], name="supply_point_name_unique"),
            models.CheckConstraint(
                condition=~models.Q(kind="distribution") | models.Q(community_code__regex=r"^[0-9]{12}$"),
                name="distribution_point_in_community",
            ),
        ]
        verbose_name = _("物资点")
        verbose_name_plural = _("物资点")

    def __str__(self):
        return self.name


class StockBalance(models.Model):
    """How many units of an item a point holds now: the sum of its ledger, kept in the same transaction."""

    area_paths = AreaPaths(full_codes=False)

    point = models.ForeignKey(SupplyPoint, on_delete=models.PROTECT, related_name="balances")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    community_code = models.CharField(max_length=12)
    quantity = models.IntegerField(_("库存"), default=0)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["point_id", "item_id"]
        indexes = [models.Index(fields=["community_code", "item"], name="stock_balance_area")]
        constraints = [
            models.UniqueConstraint(fields=["point", "item"], name="stock_balance_unique"),
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="stock_never_negative"),
        ]


class StockMovement(models.Model):
    """One line of the stock ledger. Never updated or deleted: a mistake is corrected by a count."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("入库")
        ISSUE = "issue", _("出库")
        TRANSFER_OUT = "transfer_out", _("调出")
        TRANSFER_IN = "transfer_in", _("调入")
        COUNT = "count", _("盘点调整")

    area_paths = AreaPaths(full_codes=False)

    point = models.ForeignKey(SupplyPoint, on_delete=models.PROTECT, related_name="movements")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    community_code = models.CharField(max_length=12)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    quantity = models.IntegerField(_("数量变化"))  # signed: + in, - out
    balance_after = models.IntegerField(_("变动后库存"))
    # What it belongs to: the transfer's other point, the order packed, the allocation confirmed.
    reference = models.CharField(_("关联单据"), max_length=60, blank=True)
    reason = models.CharField(_("说明"), max_length=200, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(_("时间"))

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["point", "item", "id"], name="stock_movement_point")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(quantity=0), name="stock_movement_not_zero"),
            models.CheckConstraint(condition=models.Q(balance_after__gte=0), name="stock_movement_balance"),
        ]
        verbose_name = _("库存流水")
        verbose_name_plural = _("库存流水")


class Order(TimeStampedModel):
    """A household's order of packages or items, delivered to its door (ORDER_FLOW)."""

    class Status(models.TextChoices):
        PLACED = flows.PLACED, _("已下单")
        ACCEPTED = flows.ACCEPTED, _("已受理")
        PACKED = flows.PACKED, _("已分拣")
        OUT = flows.OUT, _("配送中")
        DELIVERED = flows.DELIVERED, _("已送达")
        FAILED = flows.FAILED, _("未送达")
        REQUEUED = flows.REQUEUED, _("待重新配送")
        CANCELLED = flows.CANCELLED, _("已取消")

    class Channel(models.TextChoices):
        HOUSEHOLD = "household", _("住户扫码下单")
        ON_BEHALF = "on_behalf", _("代下单")

    class Payment(models.TextChoices):
        FREE = "free", _("政府免费发放")
        PAID = "paid", _("自费（商户价）")

    area_paths = AreaPaths(grid="household__building__grid_id", building="household__building_id")

    public_id = PublicIdField(_("编号"))
    household = models.ForeignKey(
        "places.Household", on_delete=models.PROTECT, related_name="supply_orders", verbose_name=_("户")
    )
    community_code = models.CharField(_("社区代码"), max_length=12)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=flows.PLACED)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    payment = models.CharField(_("付费方式"), max_length=8, choices=Payment.choices)
    urgent = models.BooleanField(_("急需医疗"), default=False)
    total_price = models.DecimalField(_("金额(元)"), max_digits=10, decimal_places=2, default=0)
    kg = models.DecimalField(_("重量(千克)"), max_digits=9, decimal_places=3, default=0)
    window_start = models.DateTimeField(_("希望送达最早"), null=True, blank=True)
    window_end = models.DateTimeField(_("希望送达最晚"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    placed_by_name = models.CharField(_("下单人"), max_length=80, blank=True)
    # The distribution point it is packed at and leaves from; the run it is on now.
    point = models.ForeignKey(SupplyPoint, on_delete=models.PROTECT, related_name="orders", verbose_name=_("分发点"))
    run = models.ForeignKey(
        "DeliveryRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="orders", verbose_name=_("配送")
    )
    attempts = models.PositiveSmallIntegerField(_("配送次数"), default=0)
    failure_reason = models.CharField(_("未送达原因"), max_length=20, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["community_code", "-urgent", "created_at", "id"]
        indexes = [
            models.Index(fields=["community_code", "status", "urgent"], name="order_community_status"),
            models.Index(fields=["household", "status"], name="order_household"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(total_price__gte=0), name="order_price_not_negative"),
            models.CheckConstraint(
                condition=models.Q(window_start__isnull=True)
                | models.Q(window_end__isnull=True)
                | models.Q(window_start__lt=models.F("window_end")),
                name="order_window_order",
            ),
        ]
        verbose_name = _("物资订单")
        verbose_name_plural = _("物资订单")

    def __str__(self):
        return self.public_id


class OrderLine(models.Model):
    """One package or one item of an order, with the price it was ordered at (0 when free)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    package = models.ForeignKey(Package, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(Item, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("数量"))
    unit_price = models.DecimalField(_("单价(元)"), max_digits=9, decimal_places=2, default=0)

    class Meta:
        ordering = ["order_id", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="order_line_positive"),
            models.CheckConstraint(
                condition=models.Q(package__isnull=True, item__isnull=False)
                | models.Q(package__isnull=False, item__isnull=True),
                name="order_line_package_or_item",
            ),
        ]


class DeliveryRun(TimeStampedModel):
    """One volunteer's trip from the community's distribution point with a vehicle (RUN_FLOW)."""

    class Status(models.TextChoices):
        PLANNED = flows.PLANNED, _("已排线")
        ON_ROUTE = flows.ON_ROUTE, _("配送中")
        DONE = flows.DONE, _("已完成")

    class Vehicle(models.TextChoices):
        FOOT = "foot", _("步行")
        CART = "cart", _("手推车")
        TRICYCLE = "tricycle", _("三轮车")
        VAN = "van", _("货车")

    area_paths = AreaPaths()

    public_id = PublicIdField(_("编号"))
    community_code = models.CharField(_("社区代码"), max_length=12)
    point = models.ForeignKey(SupplyPoint, on_delete=models.PROTECT, related_name="runs", verbose_name=_("出发点"))
    courier = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="delivery_runs", verbose_name=_("配送志愿者")
    )
    courier_name = models.CharField(_("配送志愿者"), max_length=80)
    vehicle = models.CharField(_("交通工具"), max_length=10, choices=Vehicle.choices)
    capacity_kg = models.PositiveIntegerField(_("载重(千克)"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=flows.PLANNED)
    distance_m = models.PositiveIntegerField(_("路程(米)"), default=0)
    minutes = models.PositiveIntegerField(_("预计用时(分钟)"), default=0)
    trips = models.PositiveSmallIntegerField(_("趟数（回分发点装货）"), default=1)
    planned_at = models.DateTimeField(_("排线时间"))

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["community_code", "-planned_at", "id"]
        indexes = [models.Index(fields=["community_code", "status"], name="run_community_status")]
        verbose_name = _("配送趟次")
        verbose_name_plural = _("配送趟次")

    def __str__(self):
        return f"{self.courier_name} {self.get_vehicle_display()}"


class DeliveryStop(models.Model):
    """One household's stop on a run, in visiting order; its outcome is recorded once, at the door."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("待送达")
        DELIVERED = "delivered", _("已送达")
        FAILED = "failed", _("未送达")

    class Failure(models.TextChoices):
        NOBODY_HOME = "nobody_home", _("无人在家")
        REFUSED = "refused", _("拒收")
        WRONG_ADDRESS = "wrong_address", _("地址有误")
        NO_ACCESS = "no_access", _("无法进入小区/楼栋")

    area_paths = AreaPaths(grid="household__building__grid_id", building="household__building_id")

    run = models.ForeignKey(DeliveryRun, on_delete=models.CASCADE, related_name="stops")
    household = models.ForeignKey("places.Household", on_delete=models.PROTECT, related_name="+")
    community_code = models.CharField(max_length=12)
    sequence = models.PositiveSmallIntegerField(_("顺序"))
    trip = models.PositiveSmallIntegerField(_("第几趟"), default=1)  # a run goes back to load again between trips
    arrival_minute = models.PositiveIntegerField(_("预计到达(分钟)"))
    urgent = models.BooleanField(default=False)
    # The household was in a zone whose supplies come to the door first (a lockdown zone) when the run
    # was planned: routed first, like an urgent stop, and marked on the route sheet.
    sealed = models.BooleanField(default=False)
    kg = models.DecimalField(max_digits=9, decimal_places=3, default=0)
    outcome = models.CharField(_("结果"), max_length=12, choices=Outcome.choices, default="pending")
    failure = models.CharField(_("未送达原因"), max_length=20, choices=Failure.choices, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["run_id", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["run", "household"], name="delivery_stop_household_once"),
            models.UniqueConstraint(fields=["run", "sequence"], name="delivery_stop_sequence"),
        ]


class AllocationPlan(TimeStampedModel):
    """An optimiser's proposal of what each community gets from which point (ALLOCATION_FLOW); confirmed,
    it becomes transfers in the stock ledger."""

    class Status(models.TextChoices):
        PROPOSED = flows.PROPOSED, _("待确认")
        CONFIRMED = flows.CONFIRMED, _("已确认")
        DISCARDED = flows.DISCARDED, _("已放弃")

    area_paths = AreaPaths(full_codes=False)

    public_id = PublicIdField(_("编号"))
    community_code = models.CharField(_("区域代码"), max_length=12)  # the street or district planned for
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=flows.PROPOSED)
    horizon_days = models.FloatField(_("计划天数"))
    result = models.JSONField(_("结果与说明"), default=dict)
    stock_state = models.CharField(max_length=64)  # what the plan was made from: refused if it moved since
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("调配方案")
        verbose_name_plural = _("调配方案")


class AllocationLine(models.Model):
    plan = models.ForeignKey(AllocationPlan, on_delete=models.CASCADE, related_name="lines")
    source = models.ForeignKey(SupplyPoint, on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(SupplyPoint, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["plan_id", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gt=0), name="allocation_line_positive")]
