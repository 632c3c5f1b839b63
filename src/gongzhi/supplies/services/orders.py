"""Orders: placed through the household's own code or by staff on its behalf, accepted, packed (the
packing issues the items from the distribution point's stock), cancelled (what was packed goes back
to stock). Urgent medical orders are flagged when placed and come first everywhere after."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import access, roles, transitions
from gongzhi.core.cleaning import clean_text
from gongzhi.core.errors import ApplicationError
from gongzhi.core.services import account_label
from gongzhi.places.models import Household
from gongzhi.supplies import flows
from gongzhi.supplies.models import Item, Order, OrderLine, Package, StockBalance, StockMovement, SupplyPoint
from gongzhi.supplies.selectors import order_contents
from gongzhi.supplies.services.stock import _moves, units

MAX_LINES = 20
MAX_PER_LINE = 99
MAX_OPEN_PER_HOUSEHOLD = 5
WINDOW_DAYS_AHEAD = 7


@dataclass(frozen=True)
class LineIn:
    """One line as asked: a package or an item (by public id) and how many."""

    kind: str  # "package" or "item"
    public_id: str
    quantity: Any


def distribution_point(community_code: str) -> SupplyPoint:
    point = (
        SupplyPoint.objects.filter(community_code=community_code, kind=SupplyPoint.Kind.DISTRIBUTION)
        .order_by("id")
        .first()
    )
    if point is None:
        raise ApplicationError(_("本社区还没有设置物资分发点，暂时不能下单"), status=409)
    return point


def _lines(asked: Sequence[LineIn], payment: str) -> tuple[list[OrderLine], bool, Decimal, Decimal]:
    """The order's lines, whether it is urgent, its price and its weight; every bad line named."""
    if not asked:
        raise ApplicationError(_("请至少选择一样物资"), status=422)
    if len(asked) > MAX_LINES:
        raise ApplicationError(_("一个订单最多%(n)s项") % {"n": MAX_LINES}, status=422)
    package_ids = [a.public_id for a in asked if a.kind == "package"]
    packages = {
        p.public_id: p for p in Package.objects.filter(public_id__in=package_ids).prefetch_related("lines__item")
    }
    items = {
        i.public_id: i for i in Item.objects.filter(public_id__in=[a.public_id for a in asked if a.kind == "item"])
    }
    lines: list[OrderLine] = []
    urgent, price, kg = False, Decimal(0), Decimal(0)
    seen: set[tuple[str, str]] = set()
    for number, a in enumerate(asked, start=1):
        quantity = units(a.quantity)
        if quantity > MAX_PER_LINE:
            raise ApplicationError(
                _("第%(n)s项数量过多（每项最多%(max)s）") % {"n": number, "max": MAX_PER_LINE}, status=422
            )
        if (a.kind, a.public_id) in seen:
            raise ApplicationError(_("第%(n)s项与前面重复，请合并数量") % {"n": number}, status=422)
        seen.add((a.kind, a.public_id))
        if a.kind == "package" and a.public_id in packages:
            package = packages[a.public_id]
            contents = [(line.item, line.quantity) for line in package.lines.all()]
            line = OrderLine(package=package, quantity=quantity)
        elif a.kind == "item" and a.public_id in items:
            item = items[a.public_id]
            contents = [(item, 1)]
            line = OrderLine(item=item, quantity=quantity)
        else:
            raise ApplicationError(_("第%(n)s项：目录中没有这样物资") % {"n": number}, {"line": number}, status=422)
        if payment == Order.Payment.PAID:
            missing = [i.name for i, _n in contents if i.price is None]
            if missing:
                raise ApplicationError(
                    _("“%(name)s”没有商户价格，只能政府免费发放") % {"name": "、".join(missing)}, status=422
                )
            line.unit_price = sum((i.price * n for i, n in contents), Decimal(0))  # type: ignore[operator]
            price += line.unit_price * quantity
        urgent = urgent or any(i.urgent_medical for i, _n in contents)
        kg += sum((i.kg_per_unit * n for i, n in contents), Decimal(0)) * quantity
        lines.append(line)
    return lines, urgent, price, kg


def _window(start: dt.datetime | None, end: dt.datetime | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    if start is None and end is None:
        return None, None
    if start is None or end is None:
        raise ApplicationError(_("希望送达时间须同时填写开始和结束"), status=422)
    now = timezone.now()
    if end <= start:
        raise ApplicationError(_("希望送达时间的结束须晚于开始"), status=422)
    if end <= now or start > now + dt.timedelta(days=WINDOW_DAYS_AHEAD):
        raise ApplicationError(_("希望送达时间须在今后%(n)s天内") % {"n": WINDOW_DAYS_AHEAD}, status=422)
    return start, end


def order_place(
    *,
    household: Household,
    lines: Sequence[LineIn],
    payment: str = Order.Payment.FREE,
    actor: Any = None,
    window_start: dt.datetime | None = None,
    window_end: dt.datetime | None = None,
    note: str = "",
) -> Order:
    """An order for one household. `actor` None: placed through the household's own code (the caller
    has read the code); else a staff member ordering on its behalf, who must hold supplies.order over
    that household's own place (a building leader: their building)."""
    if actor is not None and not access.may(actor, roles.ORDER_SUPPLIES, household):
        raise ApplicationError(_("您不能为这一户下单"), status=403)
    if payment not in Order.Payment.values:
        raise ApplicationError(_("请选择付费方式"), status=422)
    order_lines, urgent, price, kg = _lines(lines, payment)
    start, end = _window(window_start, window_end)
    point = distribution_point(household.community_code)
    with transaction.atomic():
        # One household's orders in turn: the count of its open orders below cannot be raced.
        list(Household.objects.select_for_update().filter(pk=household.pk).values_list("pk", flat=True))
        open_orders = Order.objects.filter(household=household, status__in=flows.OPEN_ORDER_STATES).count()
        if open_orders >= MAX_OPEN_PER_HOUSEHOLD:
            raise ApplicationError(_("这一户还有%(n)s个订单未完成，请等送达后再下单") % {"n": open_orders}, status=409)
        order = Order(
            household=household, community_code=household.community_code, status=flows.PLACED,
            channel=Order.Channel.HOUSEHOLD if actor is None else Order.Channel.ON_BEHALF,
            payment=payment, urgent=urgent, total_price=price, kg=kg, window_start=start, window_end=end,
            note=clean_text(note)[:200], placed_by=actor if getattr(actor, "pk", None) else None,
            placed_by_name=account_label(actor) if actor is not None else "", point=point,
        )  # fmt: skip
        order.full_clean()
        order.save()
        for line in order_lines:
            line.order = order
        OrderLine.objects.bulk_create(order_lines)
        transitions.start(
            flow=flows.ORDER_FLOW,
            row=order,
            actor=actor,
            system=True,
            detail={"channel": order.channel, "urgent": urgent},
        )
    return order


def order_accept(*, actor: Any, order: Order) -> Order:
    """The community takes the order on."""
    return transitions.transition(flow=flows.ORDER_FLOW, row=order, to=flows.ACCEPTED, actor=actor)


def order_cancel(*, actor: Any, order: Order, reason: str) -> Order:
    """Cancel an order not yet out; what was packed for it goes back to the point's stock."""
    reason = clean_text(reason)
    if len(reason) < 2:
        raise ApplicationError(_("请写明取消原因"), status=422)
    with transaction.atomic():
        # The row's state now, not the caller's copy: an order packed since it was read gives its stock back.
        current = Order.objects.select_for_update().values_list("status", flat=True).get(pk=order.pk)
        packed = current in (flows.PACKED, flows.REQUEUED)
        cancelled = transitions.transition(
            flow=flows.ORDER_FLOW, row=order, to=flows.CANCELLED, actor=actor, reason=reason
        )
        if packed:
            _moves(
                actor=actor, point=order.point, changes=list(order_contents(order).items()),
                kind=StockMovement.Kind.RECEIPT, reason=_("订单取消退回"), reference=order.public_id,
            )  # fmt: skip
    return cancelled


@dataclass
class PackingOutcome:
    packed: list[Order] = field(default_factory=list)
    refused: list[tuple[Order, str]] = field(default_factory=list)


def orders_pack(*, actor: Any, orders: Iterable[Order]) -> PackingOutcome:
    """Pack accepted orders, urgent first: each issues its items from its point's stock and becomes
    packed. When the stock holds enough for all of them they are packed together (one transaction, a
    few statements for the batch); else each in its own transaction, and an order the stock cannot
    fill is refused with the reason while the others are packed."""
    loaded = sorted(
        Order.objects.filter(pk__in=[o.pk for o in orders])
        .select_related("point", "household__building")
        .prefetch_related("lines__item", "lines__package__lines__item"),
        key=lambda o: (not o.urgent, o.created_at, o.pk),
    )
    outcome = PackingOutcome()
    mine = [o for o in loaded if "community" in access.levels(actor, roles.MANAGE_SUPPLIES, o)]
    if len(mine) == len(loaded) and all(o.status == flows.ACCEPTED for o in loaded):
        try:
            outcome.packed = _pack_together(actor, loaded)
            return outcome
        except _NotAllAtOnce:
            pass
    for order in loaded:
        try:
            with transaction.atomic():
                packed = transitions.transition(flow=flows.ORDER_FLOW, row=order, to=flows.PACKED, actor=actor)
                _moves(
                    actor=actor, point=order.point, changes=[(item, -n) for item, n in order_contents(order).items()],
                    kind=StockMovement.Kind.ISSUE, reason=_("订单分拣"), reference=order.public_id,
                )  # fmt: skip
            outcome.packed.append(packed)
        except ApplicationError as refusal:
            outcome.refused.append((order, refusal.message))
    return outcome


class _NotAllAtOnce(Exception):
    """The batch cannot be packed together (stock short, or an order moved): pack one by one."""


def _pack_together(actor: Any, orders: list[Order]) -> list[Order]:
    """Every order packed in one transaction: its state moved set-wise (one event each), each point's
    items issued by one conditional UPDATE per item for the batch's total, and a ledger line per order
    and item with the balance as it stood after that order (urgent first). Raises _NotAllAtOnce, having
    written nothing, when the stock does not hold the total or an order is no longer accepted."""
    contents = {o.pk: order_contents(o) for o in orders}
    totals: dict[tuple[int, int], int] = defaultdict(int)
    points, items = {}, {}
    for order in orders:
        points[order.point_id] = order.point
        for item, n in contents[order.pk].items():
            totals[(order.point_id, item.pk)] += n
            items[item.pk] = item
    now, name = timezone.now(), account_label(actor)
    with transaction.atomic():
        moved = Order.objects.filter(pk__in=[o.pk for o in orders], status=flows.ACCEPTED).update(
            status=flows.PACKED, updated_at=now
        )
        if moved != len(orders):
            raise _NotAllAtOnce
        running: dict[tuple[int, int], int] = {}
        for (point_id, item_id), total in sorted(totals.items()):
            point, item = points[point_id], items[item_id]
            changed = StockBalance.objects.filter(point=point, item=item, quantity__gte=total).update(
                quantity=F("quantity") - total
            )
            if not changed:
                raise _NotAllAtOnce
            after = StockBalance.objects.filter(point=point, item=item).values_list("quantity", flat=True).get()
            running[(point_id, item_id)] = after + total
        lines = []
        for order in orders:
            for item, n in sorted(contents[order.pk].items(), key=lambda pair: pair[0].pk):
                running[(order.point_id, item.pk)] -= n
                lines.append(
                    StockMovement(
                        point=order.point,
                        item=item,
                        community_code=order.point.community_code,
                        kind=StockMovement.Kind.ISSUE,
                        quantity=-n,
                        balance_after=running[(order.point_id, item.pk)],
                        reason=_("订单分拣"),
                        reference=order.public_id,
                        actor=actor if getattr(actor, "pk", None) else None,
                        actor_name=name,
                        created_at=now,
                    )  # fmt: skip
                )
        StockMovement.objects.bulk_create(lines, batch_size=1000)
        transitions.record_each(
            flow=flows.ORDER_FLOW, source=flows.ACCEPTED, target=flows.PACKED, rows=orders, actor=actor
        )
    for order in orders:
        order.status = flows.PACKED
    return orders
