"""Reads of the command view. Official areas from its rollup only (AreaFigure): an area's own rows
(its counts, already summed by the recount) and its children's, one level down (a few hundred rows
at most). A community's grids and buildings from the apps' inside counters (core.figures), counted
live on that one community's rows, as the workbench does."""

from typing import Any

from gongzhi.command.models import AreaFigure, FigureRefresh
from gongzhi.core import figures
from gongzhi.places.models import Area, Building, Grid

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


def places_counted(community_code: str) -> tuple[dict[figures.Place, dict[str, float]], frozenset[str]]:
    """The community's grids' and buildings' counts, and the keys known below a community."""
    return figures.count_inside(community_code)


def place_figures(counted: tuple[dict, frozenset[str]], place: figures.Place) -> dict[str, float | None]:
    per_place, known = counted
    return figures.values_for(per_place.get(place, {}), known)


def grids_figures(community_code: str, counted: tuple[dict, frozenset[str]]) -> list[dict[str, Any]]:
    """The community's grids, each with its figures, in number order."""
    grids = Grid.objects.filter(community_code=community_code).order_by("number").values_list("pk", "public_id", "name")
    return [
        {"grid": public_id, "name": name, "values": place_figures(counted, ("grid", pk))}
        for pk, public_id, name in grids
    ]


def buildings_figures(grid: Grid, counted: tuple[dict, frozenset[str]]) -> list[dict[str, Any]]:
    """The grid's buildings, each with its figures, in number order."""
    return [
        {"building": b.public_id, "name": b.label, "values": place_figures(counted, ("building", b.pk))}
        for b in Building.objects.filter(grid=grid).order_by("number")
    ]


def refreshed() -> FigureRefresh | None:
    return FigureRefresh.objects.filter(pk=1).first()
