"""Reads of the command view, from its rollup only (AreaFigure): an area's figures are the sums of
its communities' rows (a few tens of thousands at city level), its children's the same sums grouped
by the child's code prefix."""

from typing import Any

from django.db.models import Sum
from django.db.models.functions import Substr

from gongzhi.command.models import AreaFigure, FigureRefresh
from gongzhi.core import figures
from gongzhi.places.models import Area

CHILD_LENGTH = {4: 6, 6: 9, 9: 12}  # a city's children are districts, a district's streets, ...


def area_figures(code: str) -> dict[str, float | None]:
    """Every figure of the area `code` (4 to 12 digits), counted ones summed, derived ones computed."""
    summed = dict(AreaFigure.objects.in_area(code).order_by().values_list("key").annotate(v=Sum("value")))
    return figures.values_for(summed)


def children_figures(code: str) -> list[dict[str, Any]]:
    """The areas one level down, each with its figures, in code order: a child with nothing counted
    shows zeros. None below a community (its grids and buildings are not in the rollup)."""
    length = CHILD_LENGTH.get(len(code))
    if length is None:
        return []
    children = list(Area.objects.filter(parent__code=code).order_by("code").values_list("code", "name"))
    summed: dict[str, dict[str, float]] = {c: {} for c, _n in children}
    rows = (
        AreaFigure.objects.in_area(code)
        .order_by()
        .annotate(child=Substr("community_code", 1, length))
        .values_list("child", "key")
        .annotate(v=Sum("value"))
    )
    for child, key, value in rows:
        if child in summed:  # a zone on the area's own level belongs to no child: the area's total has it
            summed[child][key] = value
    return [{"code": c, "name": n, "values": figures.values_for(summed[c])} for c, n in children]


def refreshed() -> FigureRefresh | None:
    return FigureRefresh.objects.filter(pk=1).first()
