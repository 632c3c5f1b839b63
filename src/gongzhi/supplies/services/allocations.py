"""Allocation: when stock is short, what each community's distribution point gets from which supply
point (supplies.allocation: vulnerable people first, then days of supply evened out, the nearest point
as the tie-breaker, optimal or with its gap). Street (or district, city) staff propose a plan and
confirm it; confirmed, it becomes transfers in the stock ledger, all or none, and only if the stock it
was planned from has not moved since.

The optimiser works per food category in kilograms (baseline's per-person amounts); the kilograms sent
from a point are then made into whole units of that point's items of the category, the most plentiful
first (rounded down: a plan never sends more than it said).
"""

import hashlib
import math
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils.translation import gettext as _

from gongzhi.core import access, measures, roles, transitions
from gongzhi.core.errors import ApplicationError
from gongzhi.people.models import Resident, ResidentTag
from gongzhi.places.models import Area, Household
from gongzhi.supplies import allocation, flows, route_plan
from gongzhi.supplies.messages import SUPPLIES
from gongzhi.supplies.models import AllocationLine, AllocationPlan, Item, StockBalance, StockMovement, SupplyPoint
from gongzhi.supplies.selectors import daily_amounts
from gongzhi.supplies.services.stock import _moves

VULNERABLE_TAGS = ("elderly_alone", "dialysis", "insulin", "bedridden", "pregnant", "disabled")
ALLOCATION_SECONDS = 10.0
SOURCE_KINDS = (SupplyPoint.Kind.RESERVE, SupplyPoint.Kind.SUPERMARKET, SupplyPoint.Kind.ENTERPRISE)


def _may_allocate(actor: Any, area_code: str) -> None:
    if len(area_code) > 9 or not access.may_in_area(actor, roles.MANAGE_STOCK, area_code):
        raise ApplicationError(_("调配方案由街道及以上的工作人员制定"), status=403)


def _km(a: SupplyPoint, b: SupplyPoint) -> float:
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return 0.0  # a point without a place: no tie-breaker for it
    x, y = route_plan.local_metres(a.latitude, a.longitude, b.latitude, b.longitude)  # type: ignore[arg-type]
    return math.hypot(x, y) / 1000


def _stock_kg(points: list[SupplyPoint], categories: dict[str, float]) -> dict[int, dict[str, int]]:
    held: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        StockBalance.objects.filter(point__in=points, item__category__in=list(categories))
        .values_list("point_id", "item__category")
        .annotate(kg=Sum(F("quantity") * F("item__kg_per_unit")))
    )
    for point_id, category, kg in rows:
        held[point_id][category] += int(kg or 0)
    return held


def _state(points: list[SupplyPoint]) -> str:
    """A digest of the sources' balances: the plan is confirmed only against the stock it was made from."""
    rows = StockBalance.objects.filter(point__in=points).order_by("point_id", "item_id")
    text = ";".join(f"{p}:{i}:{q}" for p, i, q in rows.values_list("point_id", "item_id", "quantity"))
    return hashlib.sha256(text.encode()).hexdigest()


def allocation_propose(*, actor: Any, area_code: str, horizon_days: float = 7.0) -> AllocationPlan:
    """The optimal allocation of the area's supply points' food stock to its communities' distribution
    points, as a plan to confirm, with what each community gets and why."""
    _may_allocate(actor, area_code)
    daily, _chronic, _threshold = daily_amounts()
    communities = list(Area.objects.filter(level=Area.Level.COMMUNITY).in_area(area_code).order_by("code"))
    codes = [c.code for c in communities]
    targets = {
        p.community_code: p
        for p in SupplyPoint.objects.filter(community_code__in=codes, kind=SupplyPoint.Kind.DISTRIBUTION).order_by(
            "-id"
        )
    }
    above = [area_code[:n] for n in (4, 6, 9) if n <= len(area_code)]
    sources = list(
        SupplyPoint.objects.filter(kind__in=SOURCE_KINDS)
        .filter(Q(community_code__startswith=area_code) | Q(community_code__in=above))
        .order_by("id")
    )
    if not sources:
        raise ApplicationError(_("这一区域没有可调出的物资点（储备库、商超或保供企业）"), status=409)
    served = [c for c in communities if c.code in targets]
    if not served:
        raise ApplicationError(_("这一区域的社区还没有分发点，无处调入"), status=409)
    people = dict(
        Resident.objects.filter(community_code__in=codes).values_list("community_code").annotate(n=Count("id"))
    )
    # Vulnerable: households with a resident tagged as needing help, and households in a zone whose
    # supplies come to the door first (a lockdown zone: they cannot go out to buy).
    sealed = measures.buildings_under(measures.DOOR_DELIVERY, codes)
    # Both as sub-queries on the resident's household: an OR across a join to the households made
    # PostgreSQL read all of a city's households (4.1 s a street at 21 M residents; 0.27 s this way).
    vulnerable_homes = Q(
        household_id__in=ResidentTag.objects.filter(community_code__in=codes, tag__in=VULNERABLE_TAGS).values(
            "resident__household"
        )
    )
    if sealed:
        vulnerable_homes |= Q(household_id__in=Household.objects.filter(building_id__in=sorted(sealed)).values("id"))
    vulnerable = dict(
        Resident.objects.filter(vulnerable_homes, community_code__in=codes)
        .values_list("community_code")
        .annotate(n=Count("id"))
    )
    held = _stock_kg([targets[c.code] for c in served], daily)
    given = _stock_kg(sources, daily)
    try:
        result = allocation.allocate(
            [
                allocation.Community(
                    code=c.code,
                    people=people.get(c.code, 0),
                    vulnerable_people=vulnerable.get(c.code, 0),
                    stock=dict(held[targets[c.code].pk]),
                )  # fmt: skip
                for c in served
            ],
            [allocation.SupplyPoint(key=str(p.pk), stock=dict(given[p.pk])) for p in sources],
            [allocation.Category(key=k, daily_units_per_person=kg) for k, kg in daily.items()],
            [[_km(p, targets[c.code]) for c in served] for p in sources],
            horizon_days=horizon_days,
            seconds=ALLOCATION_SECONDS,
        )
    except allocation.AllocationInputError as refused:
        raise ApplicationError(SUPPLIES.of(refused.problem), status=422) from None
    by_id = {str(p.pk): p for p in sources}
    lines = _lines(result, by_id, targets)
    names = {c.code: c.name for c in communities}
    summary = {
        "status": result.status,
        "gap": result.gap,
        "seconds": round(result.seconds, 2),
        "horizon_days": horizon_days,
        "left_out": [names[c] for c in codes if c not in targets],
        "communities": [
            {
                "code": c.code,
                "name": c.name,
                "people": people.get(c.code, 0),
                "vulnerable": vulnerable.get(c.code, 0),
                "categories": {
                    k: {
                        "before": _round(result.supplies[(c.code, k)].days_before),
                        "after": _round(result.supplies[(c.code, k)].days_after),
                        "received_kg": result.supplies[(c.code, k)].units_received,
                    }
                    for k in daily
                    if (c.code, k) in result.supplies
                },
                "why": [[p.code, _named(p.params, by_id)] for p in result.explain(c.code)],
            }
            for c in served
        ],
    }
    with transaction.atomic():
        plan = AllocationPlan(
            community_code=area_code, status=flows.PROPOSED, horizon_days=horizon_days, result=summary,
            stock_state=_state(sources), created_by=actor if getattr(actor, "pk", None) else None,
        )  # fmt: skip
        plan.full_clean()
        plan.save()
        transitions.start(flow=flows.ALLOCATION_FLOW, row=plan, actor=actor)
        AllocationLine.objects.bulk_create([AllocationLine(plan=plan, **line) for line in lines])
    return plan


def _round(days: float | None) -> float | None:
    return None if days is None else round(days, 1)


def _named(params: dict[str, Any], points: dict[str, SupplyPoint]) -> dict[str, Any]:
    named = dict(params)
    if "point" in named and str(named["point"]) in points:
        named["point"] = points[str(named["point"])].name
    return named


def _lines(result: allocation.Allocation, sources: dict[str, SupplyPoint], targets: dict[str, SupplyPoint]) -> list:
    """Kilograms sent per (source, community, category) as whole units of the source's items."""
    items = {
        (b.point_id, b.item_id): (b.item, b.quantity)
        for b in StockBalance.objects.filter(point__in=list(sources.values()), quantity__gt=0).select_related("item")
    }
    left = {key: quantity for key, (_item, quantity) in items.items()}
    lines = []
    for shipment in sorted(result.shipments, key=lambda s: (s.point, s.community, s.category)):
        source = sources[shipment.point]
        kg = float(shipment.units)
        candidates = sorted(
            (
                item
                for (point_id, _i), (item, _q) in items.items()
                if point_id == source.pk and item.category == shipment.category
            ),
            key=lambda item: (-left[(source.pk, item.pk)] * float(item.kg_per_unit), item.pk),
        )
        for item in candidates:
            size = float(item.kg_per_unit)
            units = min(int(kg // size), left[(source.pk, item.pk)])
            if units > 0:
                lines.append({"source": source, "target": targets[shipment.community], "item": item, "quantity": units})
                left[(source.pk, item.pk)] -= units
                kg -= units * size
    return lines


def allocation_confirm(*, actor: Any, plan: AllocationPlan) -> AllocationPlan:
    """The plan becomes transfers in the ledger, all of them or none; refused (409) when the stock it
    was planned from has moved since."""
    with transaction.atomic():
        lines = list(plan.lines.select_related("source", "target", "item").order_by("id"))
        sources = sorted({line.source_id: line.source for line in lines}.values(), key=lambda p: p.pk)
        confirmed = transitions.transition(flow=flows.ALLOCATION_FLOW, row=plan, to=flows.CONFIRMED, actor=actor)
        if sources and _state(sources) != plan.stock_state:
            raise ApplicationError(_("方案制定后库存已有变动，请重新生成方案"), status=409)
        outgoing: dict[int, list[tuple[Item, int]]] = defaultdict(list)
        incoming: dict[int, list[tuple[Item, int]]] = defaultdict(list)
        points = {}
        for line in lines:
            outgoing[line.source_id].append((line.item, -line.quantity))
            incoming[line.target_id].append((line.item, line.quantity))
            points[line.source_id], points[line.target_id] = line.source, line.target
        for point_id in sorted(outgoing):
            _moves(
                actor=actor, point=points[point_id], changes=_merged(outgoing[point_id]),
                kind=StockMovement.Kind.TRANSFER_OUT, reason=_("调配方案"), reference=plan.public_id,
            )  # fmt: skip
        for point_id in sorted(incoming):
            _moves(
                actor=actor, point=points[point_id], changes=_merged(incoming[point_id]),
                kind=StockMovement.Kind.TRANSFER_IN, reason=_("调配方案"), reference=plan.public_id,
            )  # fmt: skip
    return confirmed


def _merged(changes: list[tuple[Item, int]]) -> list[tuple[Item, int]]:
    total: dict[int, int] = defaultdict(int)
    items = {}
    for item, n in changes:
        total[item.pk] += n
        items[item.pk] = item
    return [(items[pk], n) for pk, n in total.items()]


def allocation_discard(*, actor: Any, plan: AllocationPlan, reason: str = "") -> AllocationPlan:
    return transitions.transition(flow=flows.ALLOCATION_FLOW, row=plan, to=flows.DISCARDED, actor=actor, reason=reason)
