"""The stock ledger: receipts, issues, transfers and counts, each a `StockMovement` with the point's
balance changed in the same transaction.

A balance never goes below zero. An issue is one conditional UPDATE (`quantity >= wanted`): of two
people issuing the last unit at once, the database lets exactly one through, without a lock held
while anything else is read. A count locks the balance, so an issue racing it waits and is then
decided on the counted figure.
"""

from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import access, roles
from gongzhi.core.cleaning import clean_text
from gongzhi.core.errors import ApplicationError
from gongzhi.core.services import account_label
from gongzhi.places.models import Area
from gongzhi.supplies.models import Item, StockBalance, StockMovement, SupplyPoint

MAX_UNITS = 1_000_000  # one movement of more units than this is a typing mistake


def units(value: Any, *, zero: bool = False) -> int:
    """A quantity typed by a person: a whole number of units, 1 (0 when `zero`) to MAX_UNITS."""
    text = str(value if value is not None else "").strip()
    try:
        number = Decimal(text)
    except Exception:
        raise ApplicationError(_("数量须为整数，不是“%(value)s”") % {"value": text[:20]}, status=422) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise ApplicationError(_("数量须为整数，不是“%(value)s”") % {"value": text[:20]}, status=422)
    if number < 0 and zero:
        raise ApplicationError(_("数量不能为负数"), status=422)
    if number < 0 or (number == 0 and not zero):
        raise ApplicationError(_("数量须大于0"), status=422)
    if number > MAX_UNITS:
        raise ApplicationError(_("数量%(n)s过大（一次最多%(max)s）") % {"n": text[:20], "max": MAX_UNITS}, status=422)
    return int(number)


def _may_stock(actor: Any, point: SupplyPoint) -> None:
    if not access.may(actor, roles.MANAGE_STOCK, point):
        raise ApplicationError(_("您不能管理这个物资点的库存"), status=403)


_CHANGE = (
    f"UPDATE {StockBalance._meta.db_table} SET quantity = quantity + %s "
    "WHERE point_id = %s AND item_id = %s AND quantity + %s >= 0 RETURNING quantity"
)


def _change(point: SupplyPoint, item: Item, delta: int) -> int:
    """Change one balance by `delta` and return the new balance, in one statement (a conditional
    UPDATE ... RETURNING, on SQLite and PostgreSQL: never below zero, and the row lock held for the
    shortest time); refuses (409) what the point does not hold. A point's first receipt of an item
    makes its balance."""
    with connection.cursor() as cursor:
        cursor.execute(_CHANGE, [delta, point.pk, item.pk, delta])
        row = cursor.fetchone()
        if row is None and delta > 0:
            StockBalance.objects.bulk_create(
                [StockBalance(point=point, item=item, community_code=point.community_code, quantity=0)],
                ignore_conflicts=True,
            )
            cursor.execute(_CHANGE, [delta, point.pk, item.pk, delta])
            row = cursor.fetchone()
    if row is None:
        held = StockBalance.objects.filter(point=point, item=item).values_list("quantity", flat=True).first()
        raise ApplicationError(
            _("%(point)s的%(item)s库存不足：现有%(held)s%(unit)s，需要%(wanted)s%(unit)s")
            % {"point": point.name, "item": item.name, "held": held or 0, "wanted": -delta, "unit": item.unit},
            {"item": item.public_id, "held": held or 0, "wanted": -delta},
            status=409,
        )
    return int(row[0])


def _moves(
    *,
    actor: Any,
    point: SupplyPoint,
    changes: list[tuple[Item, int]],
    kind: str,
    reason: str = "",
    reference: str = "",
) -> list[StockMovement]:
    """Change several balances of one point and append a ledger line for each, all or none (inside the
    caller's transaction when there is one). Items in a fixed order, so two of these never deadlock."""
    now, reason, name = timezone.now(), clean_text(reason)[:200], account_label(actor)
    with transaction.atomic():
        lines = [
            StockMovement(
                point=point,
                item=item,
                community_code=point.community_code,
                kind=kind,
                quantity=delta,
                balance_after=_change(point, item, delta),
                reason=reason,
                reference=reference[:60],
                actor=actor if getattr(actor, "pk", None) else None,
                actor_name=name,
                created_at=now,
            )  # fmt: skip
            for item, delta in sorted(changes, key=lambda change: change[0].pk)
        ]
        return StockMovement.objects.bulk_create(lines)


def _move(
    *,
    actor: Any,
    point: SupplyPoint,
    item: Item,
    delta: int,
    kind: str,
    reason: str = "",
    reference: str = "",
) -> StockMovement:
    """One balance changed by `delta` and its ledger line; refuses (409) what would go below zero."""
    return _moves(actor=actor, point=point, changes=[(item, delta)], kind=kind, reason=reason, reference=reference)[0]


def stock_receive(*, actor: Any, point: SupplyPoint, item: Item, quantity: Any, reason: str = "") -> StockMovement:
    """Goods arrive at a point (a delivery from a supplier, a donation)."""
    _may_stock(actor, point)
    return _move(
        actor=actor, point=point, item=item, delta=units(quantity), kind=StockMovement.Kind.RECEIPT, reason=reason
    )


def stock_issue(*, actor: Any, point: SupplyPoint, item: Item, quantity: Any, reason: str = "") -> StockMovement:
    """Goods leave a point (handed out, spoiled); refused when the point does not hold them."""
    _may_stock(actor, point)
    return _move(
        actor=actor, point=point, item=item, delta=-units(quantity), kind=StockMovement.Kind.ISSUE, reason=reason
    )


def stock_transfer(
    *, actor: Any, source: SupplyPoint, target: SupplyPoint, item: Item, quantity: Any, reason: str = ""
) -> tuple[StockMovement, StockMovement]:
    """Goods move from one point to another: both lines or neither."""
    _may_stock(actor, source)
    if not access.may(actor, roles.VIEW_SUPPLIES, target):
        raise ApplicationError(_("您不能向这个物资点调拨"), status=403)
    if source.pk == target.pk:
        raise ApplicationError(_("调出和调入不能是同一个物资点"), status=422)
    wanted = units(quantity)
    with transaction.atomic():
        out = _move(
            actor=actor, point=source, item=item, delta=-wanted, kind=StockMovement.Kind.TRANSFER_OUT,
            reason=reason, reference=target.public_id,
        )  # fmt: skip
        into = _move(
            actor=actor, point=target, item=item, delta=wanted, kind=StockMovement.Kind.TRANSFER_IN,
            reason=reason, reference=source.public_id,
        )  # fmt: skip
    return out, into


def stock_count(*, actor: Any, point: SupplyPoint, item: Item, counted: Any, reason: str = "") -> StockMovement | None:
    """A stock count: the balance becomes what was counted, the difference a ledger line (None when
    the count agrees with the books). Locks the balance, so an issue at the same moment waits."""
    _may_stock(actor, point)
    found = units(counted, zero=True)
    with transaction.atomic():
        StockBalance.objects.bulk_create(
            [StockBalance(point=point, item=item, community_code=point.community_code, quantity=0)],
            ignore_conflicts=True,
        )
        balance = StockBalance.objects.select_for_update().get(point=point, item=item)
        delta = found - balance.quantity
        if delta == 0:
            return None
        return _move(
            actor=actor, point=point, item=item, delta=delta, kind=StockMovement.Kind.COUNT,
            reason=reason or _("盘点"), reference="count",
        )  # fmt: skip


def supply_point_create(
    *,
    actor: Any,
    area_code: str,
    kind: str,
    name: str,
    address: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
) -> SupplyPoint:
    """A new supply point in an area the actor manages stock for (a distribution point: in a community)."""
    if not Area.objects.filter(code=area_code).exists():
        raise ApplicationError(_("没有这个区域：%(code)s") % {"code": area_code[:12]}, status=422)
    if not access.may_in_area(actor, roles.MANAGE_STOCK, area_code):
        raise ApplicationError(_("您不能在这个区域设物资点"), status=403)
    if kind not in SupplyPoint.Kind.values:
        raise ApplicationError(_("请选择物资点类型"), status=422)
    if kind == SupplyPoint.Kind.DISTRIBUTION and len(area_code) != 12:
        raise ApplicationError(_("社区分发点须设在社区"), status=422)
    name = clean_text(name)
    if not name:
        raise ApplicationError(_("请填写物资点名称"), status=422)
    point = SupplyPoint(
        kind=kind, name=name[:100], community_code=area_code, address=clean_text(address)[:200],
        latitude=latitude, longitude=longitude,
    )  # fmt: skip
    if SupplyPoint.objects.filter(community_code=area_code, name=point.name).exists():
        raise ApplicationError(_("这个区域已有同名物资点“%(name)s”") % {"name": point.name}, status=409)
    point.full_clean()
    point.save()
    return point
