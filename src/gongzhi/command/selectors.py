"""Reads of the command view, from its rollup only (AreaFigure): an area's own rows (its counts,
already summed by the recount) and its children's, one level down (a few hundred rows at most)."""

from typing import Any

from gongzhi.command.models import AreaFigure, FigureRefresh
from gongzhi.core import figures
from gongzhi.places.models import Area

CHILD_DEPTH = {4: 6, 6: 9, 9: 12}  # a city's children are districts, a district's streets, ...


def area_figures(code: str) -> dict[str, float | None]:
    """Every figure of the area `code` (4 to 12 digits), counted ones as summed, derived ones computed."""
    return figures.values_for(dict(AreaFigure.objects.filter(area_code=code).order_by().values_list("key", "value")))


def children_figures(code: str) -> list[dict[str, Any]]:
    """The areas one level down, each with its figures, in code order: a child with nothing counted
    shows zeros. None below a community (its grids and buildings are not in the rollup)."""
    depth = CHILD_DEPTH.get(len(code))
    if depth is None:
        return []
    children = list(Area.objects.filter(parent__code=code).order_by("code").values_list("code", "name"))
    counted: dict[str, dict[str, float]] = {c: {} for c, _n in children}
    rows = (
        AreaFigure.objects.filter(
            depth=depth, area_code__gte=code.ljust(depth, "0"), area_code__lte=code.ljust(depth, "9")
        )
        .order_by()  # the rollup's ordering would walk the (code, key) index over the whole range
        .values_list("area_code", "key", "value")
    )
    for child, key, value in rows:
        if child in counted:  # a zone on the area's own level belongs to no child: the area's total has it
            counted[child][key] = value
    return [{"code": c, "name": n, "values": figures.values_for(counted[c])} for c, n in children]


def refreshed() -> FigureRefresh | None:
    return FigureRefresh.objects.filter(pk=1).first()
