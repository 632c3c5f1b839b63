"""Supplies' figures for the command view (core.figures), per community: the stock held and the
people it feeds (days of supply are derived from their sums at the level shown: the category that
runs out first), orders not yet delivered, those open past a day, and urgent medical ones."""

from collections.abc import Mapping
from urllib.parse import urlencode

from django.db.models import Count, F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core import figures as core_figures
from gongzhi.core import roles
from gongzhi.core.figures import Figure
from gongzhi.people.models import Resident, ResidentTag
from gongzhi.supplies import baseline, flows
from gongzhi.supplies.models import Order, StockBalance
from gongzhi.supplies.selectors import CHRONIC_TAGS, LATE_AFTER, daily_amounts

GROUP = _("物资保供")


def _categories() -> list[str]:
    daily, chronic, _threshold = daily_amounts()
    return sorted(set(daily) | set(chronic))


def counter() -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {f"supplies.stock.{c}": {} for c in _categories()}
    out["supplies.residents"] = dict(Resident.objects.order_by().values_list("community_code").annotate(n=Count("id")))
    out["supplies.chronic"] = dict(
        ResidentTag.objects.filter(tag__in=CHRONIC_TAGS)
        .order_by()
        .values_list("community_code")
        .annotate(n=Count("resident_id", distinct=True))
    )
    for code, category, kg in (
        StockBalance.objects.order_by()
        .values_list("community_code", "item__category")
        .annotate(kg=Sum(F("quantity") * F("item__kg_per_unit")))
    ):
        key = f"supplies.stock.{category}"
        if key in out:
            out[key][code] = out[key].get(code, 0.0) + float(kg or 0)
    late_before = timezone.now() - LATE_AFTER
    open_q = Q(status__in=flows.OPEN_ORDER_STATES)
    out["supplies.open_orders"], out["supplies.late_orders"], out["supplies.urgent_open"] = {}, {}, {}
    for row in (
        Order.objects.filter(open_q)
        .order_by()
        .values("community_code")
        .annotate(
            n=Count("id"),
            late=Count("id", filter=Q(created_at__lt=late_before)),
            urgent=Count("id", filter=Q(urgent=True)),
        )
    ):
        code = row["community_code"]
        out["supplies.open_orders"][code] = row["n"]
        out["supplies.late_orders"][code] = row["late"]
        out["supplies.urgent_open"][code] = row["urgent"]
    return out


def inside(community_code: str) -> dict[str, dict[tuple[str, int], float]]:
    """The community's grids and buildings: orders open, late and urgent, by the household's building
    (stock is held at supply points, not in buildings: days of supply are not known below a community)."""
    keys = ("supplies.open_orders", "supplies.late_orders", "supplies.urgent_open")
    late_before = timezone.now() - LATE_AFTER
    rows = (
        Order.objects.filter(community_code=community_code, status__in=flows.OPEN_ORDER_STATES)
        .order_by()
        .values_list("household__building_id", "household__building__grid_id")
        .annotate(
            n=Count("id"),
            late=Count("id", filter=Q(created_at__lt=late_before)),
            urgent=Count("id", filter=Q(urgent=True)),
        )
    )
    return core_figures.by_place(keys, rows)


def days_of_supply(values: Mapping[str, float]) -> float | None:
    """The fewest days any category lasts, over the area's summed stock and need (None: no need)."""
    daily, chronic, _threshold = daily_amounts()
    people = baseline.People(int(values.get("supplies.residents", 0)), int(values.get("supplies.chronic", 0)))
    need = baseline.daily_need(people, daily, chronic)
    stock = {c: values.get(f"supplies.stock.{c}", 0.0) for c in need}
    return baseline.lowest(baseline.days_of_supply(stock, need))


def _dashboard(code: str) -> str:
    return reverse("supplies:home") + "?" + urlencode({"area": code})


def _orders(extra: dict[str, str]):
    return lambda code: reverse("supplies:orders") + "?" + urlencode({"area": code, **extra})


def figures() -> list[Figure]:
    parts = [Figure(f"supplies.stock.{c}", c, GROUP, roles.VIEW_SUPPLIES, hidden=True) for c in _categories()]
    return [
        Figure("supplies.days", _("储备可用天数"), GROUP, roles.VIEW_SUPPLIES, _dashboard, unit=_("天"),
               derived=days_of_supply, in_children=True),
        Figure("supplies.open_orders", _("未送达订单"), GROUP, roles.VIEW_SUPPLIES, _orders({"status": "open"}),
               places=True),
        Figure("supplies.late_orders", _("超过24小时未送达"), GROUP, roles.VIEW_SUPPLIES, _orders({"late": "1"}),
               urgent=True, in_children=True, places=True),
        Figure("supplies.urgent_open", _("急需医疗未送达"), GROUP, roles.VIEW_SUPPLIES, _orders({"urgent": "1"}),
               urgent=True, places=True),
        Figure("supplies.residents", _("居民"), GROUP, roles.VIEW_SUPPLIES, hidden=True),
        Figure("supplies.chronic", _("需每日用药的居民"), GROUP, roles.VIEW_SUPPLIES, hidden=True),
        *parts,
    ]  # fmt: skip
