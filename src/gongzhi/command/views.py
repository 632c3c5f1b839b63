"""The command view (指挥视图): one page per area, city down to community, with every app's figures
for it and the same figures per child area; a child's name goes down a level, a figure to the list
behind it. Read from the rollup (selectors), never from the apps' tables."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from gongzhi.command import selectors
from gongzhi.core import access, figures, roles
from gongzhi.core.access import capability_required
from gongzhi.core.page_area import area_in_scope
from gongzhi.places.selectors import area_breadcrumb_of, area_exists
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
    area = area_in_scope(request, roles.VIEW_COMMAND)
    if not area_exists(area):  # a code of no official area (510104017000, 51010401700): nothing to command
        raise Http404
    values = selectors.area_figures(area)
    groups = [
        (group, [(f, _format(v, str(f.unit)), url, bool(f.urgent and v)) for f, v, url in rows])
        for group, rows in figures.figure_rows(
            values, area_code=area, may=lambda capability: access.may_in_area(request.user, capability, area)
        )
    ]
    columns = [f for f in figures.all_figures() if f.in_children]
    children = [
        {
            "code": child["code"],
            "name": child["name"],
            "cells": [(_format(child["values"].get(f.key), str(f.unit)), bool(f.urgent and child["values"].get(f.key)))
                      for f in columns],
        }
        for child in selectors.children_figures(area)
    ]  # fmt: skip
    breadcrumb = [(a, access.may_in_area(request.user, roles.VIEW_COMMAND, a.code)) for a in area_breadcrumb_of(area)]
    zones = list(zone_selectors.zone_list(user=request.user, status="open", area_code=area)[: ZONES_SHOWN + 1])
    return render(
        request,
        "command/area.html",
        {
            "area": area,
            "breadcrumb": breadcrumb,
            "groups": groups,
            "columns": columns,
            "children": children,
            "zones": zones[:ZONES_SHOWN],
            "more_zones": len(zones) > ZONES_SHOWN,
            "refreshed": selectors.refreshed(),
        },
    )
