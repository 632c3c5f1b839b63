"""Reads of living supplies. Lists take the user and return only rows in the user's areas; single rows:
one `<entity>_get_for_user(*, user, public_id, capability)` each, the same 404 for missing and
forbidden."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, F, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import access, roles, transitions
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import WorkflowEvent
from gongzhi.people.models import Resident, ResidentTag
from gongzhi.places.models import Area, Building, Household
from gongzhi.places.selectors import PlaceFilter, household_by_door_code
from gongzhi.supplies import baseline, flows
from gongzhi.supplies.models import (
    AllocationLine,
    AllocationPlan,
    Category,
    DeliveryRun,
    DeliveryStop,
    Item,
    Order,
    OrderLine,
    Package,
    StockBalance,
    StockMovement,
    SupplyPoint,
)

LATE_AFTER = dt.timedelta(hours=24)  # an order open longer than this is late
CHRONIC_TAGS = ("chronic", "insulin", "dialysis")


def catalogue() -> tuple[list[Item], list[Package]]:
    return list(Item.objects.order_by("category", "name")), list(Package.objects.prefetch_related("lines__item"))


def item_chosen(public_id: str) -> Item:
    """The catalogue's item picked in a form; a clear refusal (not a 404) when none or no such item."""
    item = Item.objects.filter(public_id=(public_id or "")[:26]).first()
    if item is None:
        raise ApplicationError(_("请选择物资品项"), status=422)
    return item


def point_list(*, user: Any, capability: str, area_code: str = "") -> "QuerySet[SupplyPoint]":
    """Supply points in the user's areas (and above their communities: the street's reserve), in an area."""
    points = SupplyPoint.objects.visible_to(user, capability)
    if area_code:
        points = points.filter(Q(community_code__startswith=area_code) | Q(community_code__in=_above(area_code)))
    return points.order_by("community_code", "kind", "name")


def _above(code: str) -> list[str]:
    return [code[:n] for n in (4, 6, 9) if n < len(code)]


def point_get_for_user(*, user: Any, public_id: str, capability: str) -> SupplyPoint:
    point = SupplyPoint.objects.filter(public_id=public_id[:26]).first()
    if point is None or not access.may(user, capability, point):
        raise Http404
    return point


def balances(point: SupplyPoint) -> "QuerySet[StockBalance]":
    return StockBalance.objects.filter(point=point).select_related("item").order_by("item__category", "item__name")


def ledger(point: SupplyPoint, *, limit: int = 50) -> list[StockMovement]:
    return list(StockMovement.objects.filter(point=point).select_related("item").order_by("-id")[:limit])


def household_by_code(code: str) -> Household:
    """The household of a door code (places.selectors.household_by_door_code)."""
    return household_by_door_code(code)


def household_orders(household: Household, *, limit: int = 10) -> list[Order]:
    return list(
        Order.objects.filter(household=household)
        .prefetch_related("lines__item", "lines__package")
        .order_by("-id")[:limit]
    )


def order_list(
    *,
    user: Any,
    area_code: str,
    status: str = "",
    urgent: bool = False,
    late: bool = False,
    place: PlaceFilter | None = None,
) -> "QuerySet[Order]":
    """Orders in an area the user sees, urgent first, then the oldest. `urgent`: the urgent ones not
    yet delivered; `late`: those open longer than LATE_AFTER; `place`: one grid's or building's;
    status "open": those not yet delivered nor cancelled."""
    orders = Order.objects.visible_to(user, roles.VIEW_SUPPLIES).in_area(area_code)
    if place is not None:
        orders = orders.filter(place.rows("household__building"))
    if status == "open":
        orders = orders.filter(status__in=flows.OPEN_ORDER_STATES)
    elif status:
        orders = orders.filter(status=status)
    if urgent:
        orders = orders.filter(urgent=True, status__in=flows.OPEN_ORDER_STATES)
    if late:
        orders = orders.filter(status__in=flows.OPEN_ORDER_STATES, created_at__lt=timezone.now() - LATE_AFTER)
    return orders.select_related("household__building", "run").order_by("-urgent", "created_at", "id")


def order_get_for_user(*, user: Any, public_id: str, capability: str) -> Order:
    order = Order.objects.filter(public_id=public_id[:26]).select_related("household__building", "point").first()
    if order is None or not access.may(user, capability, order):
        raise Http404
    return order


def order_lines(order: Order) -> "QuerySet[OrderLine]":
    return order.lines.select_related("item", "package")


def order_timeline(order: Order) -> list[tuple[WorkflowEvent, str]]:
    """The order's steps, each with its state's words."""
    labels = dict(Order.Status.choices)
    return [
        (e, str(labels.get(e.to_status, e.to_status))) for e in transitions.timeline(flow=flows.ORDER_FLOW, row=order)
    ]


def buildings_for_ordering(*, user: Any) -> "QuerySet[Building]":
    """The buildings whose households the user may order for (a building leader: their own)."""
    return Building.objects.visible_to(user, roles.ORDER_SUPPLIES).order_by("community_code", "number")[:500]


def households_for_ordering(*, user: Any, building: str) -> list[Household]:
    found = Building.objects.filter(public_id=building[:26]).first()
    if found is None or not access.may(user, roles.ORDER_SUPPLIES, found):
        raise Http404
    return list(Household.objects.filter(building=found).order_by("unit", "room"))


def household_for_ordering(*, user: Any, public_id: str) -> Household:
    household = Household.objects.filter(public_id=public_id[:26]).select_related("building").first()
    if household is None or not access.may(user, roles.ORDER_SUPPLIES, household):
        raise Http404
    return household


def orders_by_ids(*, user: Any, public_ids: list[str], capability: str) -> list[Order]:
    """The orders named that the user may act on (each decided against its own place)."""
    found = Order.objects.filter(public_id__in=[p[:26] for p in public_ids[:1000]]).select_related(
        "household__building", "point"
    )
    return [o for o in found if access.may(user, capability, o)]


def order_contents(order: Order) -> dict[Item, int]:
    """The items of an order, packages opened, in units (its lines prefetched by the caller)."""
    wanted: dict[Item, int] = defaultdict(int)
    for line in order.lines.all():
        if line.item is not None:
            wanted[line.item] += line.quantity
        elif line.package is not None:
            for part in line.package.lines.all():
                wanted[part.item] += part.quantity * line.quantity
    return dict(wanted)


@dataclass
class PackingGroup:
    """What to pack for one building: each order with its items, and the building's totals."""

    label: str
    orders: list[tuple[Order, dict[Item, int]]] = field(default_factory=list)
    totals: dict[Item, int] = field(default_factory=dict)


def packing_list(
    *, point: SupplyPoint, statuses: tuple[str, ...] = (flows.ACCEPTED, flows.PACKED)
) -> list[PackingGroup]:
    """A point's orders to pack (accepted) or packed and waiting, by building in door order, urgent first
    within each building; the items of packages opened."""
    orders = (
        Order.objects.filter(point=point, status__in=statuses)
        .select_related("household__building")
        .prefetch_related("lines__item", "lines__package__lines__item")
        .order_by("household__building__number", "-urgent", "household__unit", "household__room", "id")
    )
    groups: dict[int, PackingGroup] = {}
    for order in orders:
        building = order.household.building
        group = groups.setdefault(building.pk, PackingGroup(label=building.label))
        wanted = order_contents(order)
        group.orders.append((order, wanted))
        for item, n in wanted.items():
            group.totals[item] = group.totals.get(item, 0) + n
    return list(groups.values())


def run_list(*, user: Any, area_code: str) -> "QuerySet[DeliveryRun]":
    runs = DeliveryRun.objects.visible_to(user, roles.VIEW_SUPPLIES).in_area(area_code)
    return runs.annotate(
        stop_count=Count("stops"),
        delivered=Count("stops", filter=Q(stops__outcome=DeliveryStop.Outcome.DELIVERED)),
        failed=Count("stops", filter=Q(stops__outcome=DeliveryStop.Outcome.FAILED)),
    ).order_by("-planned_at", "id")


def my_runs(*, user: Any) -> "QuerySet[DeliveryRun]":
    return DeliveryRun.objects.filter(courier=user).exclude(status=flows.DONE).order_by("-planned_at", "id")


def run_get_for_user(*, user: Any, public_id: str) -> DeliveryRun:
    """A run: its own volunteer, or staff who see supplies in its community."""
    run = DeliveryRun.objects.filter(public_id=public_id[:26]).select_related("point").first()
    if run is None:
        raise Http404
    if run.courier_id != getattr(user, "pk", None) and not access.may(user, roles.VIEW_SUPPLIES, run):
        raise Http404
    return run


def run_stops(run: DeliveryRun) -> list[DeliveryStop]:
    return list(run.stops.select_related("household__building").order_by("sequence"))


def daily_amounts() -> tuple[dict[str, float], dict[str, float], float]:
    daily = dict(baseline.DAILY_KG)
    chronic = dict(baseline.CHRONIC_DAILY_KG)
    configured = getattr(settings, "GONGZHI_SUPPLY_DAILY_KG", {}) or {}
    wrong = baseline.checked_amounts(configured)
    if wrong:
        raise ImproperlyConfigured(
            f"GONGZHI_SUPPLY_DAILY_KG: {[(p.params['category'], p.params['value']) for p in wrong]}"
        )
    for category, kg in configured.items():
        (chronic if category in chronic else daily)[category] = kg
    return daily, chronic, float(getattr(settings, "GONGZHI_SUPPLY_ALERT_DAYS", baseline.ALERT_DAYS))


@dataclass
class CommunitySupply:
    code: str
    name: str
    residents: int
    days: dict[str, float | None]
    lowest: float | None
    alerts: list[Any]
    open_orders: int = 0
    late_orders: int = 0
    urgent_open: int = 0
    delivered: int = 0


def community_supply(*, user: Any, area_code: str, with_orders: bool = True) -> list[CommunitySupply]:
    """Each community inside an area the user sees: days of supply per food category (stock held in the
    community over its residents' need), alerts below the threshold, orders open, late and urgent."""
    communities = list(
        Area.objects.filter(level=Area.Level.COMMUNITY).visible_to(user, roles.VIEW_SUPPLIES).in_area(area_code)
        .order_by("code").values_list("code", "name")
    )  # fmt: skip
    codes = [c for c, _n in communities]
    daily, chronic_daily, threshold = daily_amounts()
    residents = dict(
        Resident.objects.filter(community_code__in=codes).values_list("community_code").annotate(n=Count("id"))
    )
    chronic = dict(
        ResidentTag.objects.filter(community_code__in=codes, tag__in=CHRONIC_TAGS)
        .values_list("community_code")
        .annotate(n=Count("resident_id", distinct=True))
    )
    stock: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for code, category, kg in (
        StockBalance.objects.filter(community_code__in=codes)
        .values_list("community_code", "item__category")
        .annotate(kg=Sum(F("quantity") * F("item__kg_per_unit")))
    ):
        stock[code][category] += float(kg or 0)
    orders = _order_counts(codes) if with_orders else {}
    rows = []
    for code, name in communities:
        need = baseline.daily_need(baseline.People(residents.get(code, 0), chronic.get(code, 0)), daily, chronic_daily)
        days = baseline.days_of_supply(stock[code], need)
        counts = orders.get(code, {})
        rows.append(
            CommunitySupply(
                code=code,
                name=name,
                residents=residents.get(code, 0),
                days=days,
                lowest=baseline.lowest(days),
                alerts=baseline.alerts(days, threshold),
                **counts,
            )  # fmt: skip
        )
    return rows


def _order_counts(codes: list[str]) -> dict[str, dict[str, int]]:
    late_before = timezone.now() - LATE_AFTER
    open_q = Q(status__in=flows.OPEN_ORDER_STATES)
    counted = (
        Order.objects.filter(community_code__in=codes)
        .values("community_code")
        .annotate(
            open_orders=Count("id", filter=open_q),
            late_orders=Count("id", filter=open_q & Q(created_at__lt=late_before)),
            urgent_open=Count("id", filter=open_q & Q(urgent=True)),
            delivered=Count("id", filter=Q(status=flows.DELIVERED)),
        )
    )
    return {row.pop("community_code"): row for row in counted}


def building_orders(*, user: Any, community_code: str) -> list[dict[str, Any]]:
    """One community's orders by building: open, urgent open, delivered (the drill's last level)."""
    rows = (
        Order.objects.visible_to(user, roles.VIEW_SUPPLIES)
        .filter(community_code=community_code)
        .values("household__building__public_id", "household__building__name", "household__building__address")
        .annotate(
            open_orders=Count("id", filter=Q(status__in=flows.OPEN_ORDER_STATES)),
            urgent_open=Count("id", filter=Q(status__in=flows.OPEN_ORDER_STATES, urgent=True)),
            delivered=Count("id", filter=Q(status=flows.DELIVERED)),
        )
        .order_by("household__building__number")
    )
    return list(rows)


def category_labels() -> dict[str, str]:
    return {value: str(label) for value, label in Category.choices}


def kg_of(value: Decimal | float | None) -> float:
    return round(float(value or 0), 1)


def couriers(*, community_code: str) -> list[Any]:
    """The accounts holding the volunteer role in a community: who can take a delivery run."""
    from django.contrib.auth import get_user_model

    return list(
        get_user_model()
        .objects.filter(
            role_assignments__role=roles.VOLUNTEER, role_assignments__area_code=community_code, is_active=True
        )
        .distinct()
        .order_by("first_name", "username")[:200]
    )


def courier_get(*, community_code: str, pk: Any) -> Any:
    """A courier of the community's list, or None (left it, or never on it)."""
    return next((user for user in couriers(community_code=community_code) if str(user.pk) == str(pk)), None)


def distribution_points(*, user: Any, community_code: str) -> "QuerySet[SupplyPoint]":
    return SupplyPoint.objects.visible_to(user, roles.MANAGE_SUPPLIES).filter(
        community_code=community_code, kind=SupplyPoint.Kind.DISTRIBUTION
    )


def waiting_to_route(point: SupplyPoint) -> dict[str, int]:
    waiting = Order.objects.filter(point=point, status__in=(flows.PACKED, flows.REQUEUED), run__isnull=True)
    return waiting.aggregate(
        orders=Count("id"), urgent=Count("id", filter=Q(urgent=True)), households=Count("household", distinct=True)
    )


def order_counts_for(*, user: Any) -> dict[str, int]:
    """Open orders the user sees, by state, and the urgent ones not yet delivered."""
    orders = Order.objects.visible_to(user, roles.VIEW_SUPPLIES).filter(status__in=flows.OPEN_ORDER_STATES)
    counted = orders.aggregate(
        urgent=Count("id", filter=Q(urgent=True)),
        **{state: Count("id", filter=Q(status=state)) for state in flows.OPEN_ORDER_STATES},
    )
    return {k: v or 0 for k, v in counted.items()}


def communities_short(*, user: Any, area_code: str) -> int:
    """How many communities in the area hold less than the alert threshold of some food category."""
    return sum(1 for row in community_supply(user=user, area_code=area_code, with_orders=False) if row.alerts)


def plan_list(*, user: Any, area_code: str) -> "QuerySet[AllocationPlan]":
    return AllocationPlan.objects.visible_to(user, roles.MANAGE_STOCK).filter(community_code=area_code)[:20]


def plan_get_for_user(*, user: Any, public_id: str) -> AllocationPlan:
    plan = AllocationPlan.objects.filter(public_id=public_id[:26]).first()
    if plan is None or not access.may(user, roles.MANAGE_STOCK, plan):
        raise Http404
    return plan


def plan_lines(plan: AllocationPlan) -> "QuerySet[AllocationLine]":
    return plan.lines.select_related("source", "target", "item").order_by("target__community_code", "item__category")
