"""The command view (指挥视图): one page per area, city down to community, then a community's grid
and a grid's building, with every app's figures for it and the same figures per child; a child's
name goes down a level, a figure to the list behind it. Official areas read from the rollup
(selectors), grids and buildings from one community's rows."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from gongzhi.command import selectors
from gongzhi.core import access, figures, roles
from gongzhi.core.access import capability_required
from gongzhi.core.page_area import area_in_scope
from gongzhi.places.selectors import area_breadcrumb_of, area_exists, building_get_for_user, grid_get_for_user
from gongzhi.zones import selectors as zone_selectors

ZONES_SHOWN = 10


def _format(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "%":
        return f"{value * 100:.1f}%"
    if value != int(value):
        return f"{value:,.1f}"
    return f"{int(value):,}"


@login_required
@capability_required(roles.VIEW_COMMAND)
def command(request: HttpRequest) -> HttpResponse:
    grid = building = None
    if request.GET.get("building"):
        building = building_get_for_user(
            user=request.user, public_id=request.GET["building"][:26], capability=roles.VIEW_COMMAND
        )
        grid, area = building.grid, building.community_code
    elif request.GET.get("grid"):
        grid = grid_get_for_user(user=request.user, public_id=request.GET["grid"][:26], capability=roles.VIEW_COMMAND)
        area = grid.community_code
    else:
        area = area_in_scope(request, roles.VIEW_COMMAND)
    if not area_exists(area):  # a code of no official area (510104017000, 51010401700): nothing to command
        raise Http404
    place_query = None
    if building is not None:
        place_query = {"building": building.public_id}
    elif grid is not None:
        place_query = {"grid": grid.public_id}
    columns = [f for f in figures.all_figures() if f.in_children]
    children_level = ""
    if grid is None:
        values = selectors.area_figures(area)
        children = selectors.children_figures(area)
        if len(area) == 12:
            children = selectors.grids_figures(area, selectors.places_counted(area))
            children_level = "grid"
    else:
        counted = selectors.places_counted(area)
        place = ("building", building.pk) if building is not None else ("grid", grid.pk)
        values = selectors.place_figures(counted, place)
        children = selectors.buildings_figures(grid, counted) if building is None else []
        children_level = "building"
    groups = [
        (group, [(f, _format(v, str(f.unit)), url, bool(f.urgent and v)) for f, v, url in rows])
        for group, rows in figures.figure_rows(
            values,
            area_code=area,
            may=lambda capability: access.may_in_area(request.user, capability, area),
            place=place_query,
        )
    ]
    for child in children:
        key = child.get("code") or child.get("grid") or child.get("building")
        child["key"] = key
        child["href"] = "?" + ("grid" if "grid" in child else "building" if "building" in child else "area") + f"={key}"
        child["cells"] = [
            (_format(child["values"].get(f.key), str(f.unit)), bool(f.urgent and child["values"].get(f.key)))
            for f in columns
        ]
    breadcrumb = [(a, access.may_in_area(request.user, roles.VIEW_COMMAND, a.code)) for a in area_breadcrumb_of(area)]
    if grid is None:
        shown = zone_selectors.zone_list(user=request.user, status="open", area_code=area)
    else:
        shown = zone_selectors.zones_applying(user=request.user, grid=grid, building=building)
    zones = zone_selectors.zones_first(shown, ZONES_SHOWN + 1)
    return render(
        request,
        "command/area.html",
        {
            "area": area,
            "grid": grid,
            "building": building,
            "breadcrumb": breadcrumb,
            "groups": groups,
            "columns": columns,
            "children": children,
            "children_level": children_level,
            "zones": zones[:ZONES_SHOWN],
            "more_zones": len(zones) > ZONES_SHOWN,
            "refreshed": selectors.refreshed(),
        },
    )
