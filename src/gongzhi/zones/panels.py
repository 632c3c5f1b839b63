"""The zone in force at a place, on its pages (core.panels): a household's own page (door code),
the staff's household, resident and building pages (the strictest zone holding the building
applies; none, no panel), and a grid's page (the zones in force on it or inside it)."""

from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gongzhi.core import access, roles
from gongzhi.core.panels import Panel
from gongzhi.people.models import Resident
from gongzhi.places.models import Building, Grid, Household
from gongzhi.zones import selectors
from gongzhi.zones.messages import MEASURE_WORDS


def _panel(household: Household, *, link: bool) -> Panel | None:
    return _building_panel(household.building, where=_("本户"), link=link)


def _building_panel(building: Building, *, where: str | Promise, link: bool) -> Panel | None:
    zone = selectors.zone_at(building_id=building.pk, grid_id=building.grid_id, community_code=building.community_code)
    if zone is None:
        return None
    return Panel(
        _("风险区"),
        "zones/_household_panel.html",
        {"zone": zone, "measures": MEASURE_WORDS[zone.kind], "link": link, "where": where},
    )


def _linked(request: HttpRequest, panel: Panel | None) -> Panel | None:
    if panel is not None and access.may(request.user, roles.VIEW_ZONES, panel.context["zone"]):
        panel.context["link"] = True
    return panel


def resident_panel(request: HttpRequest, resident: Resident) -> Panel | None:
    if resident.household_id is None:
        return None
    return _linked(request, _building_panel(resident.household.building, where=_("该居民家"), link=False))


def building_panel(request: HttpRequest, building: Building) -> Panel | None:
    return _linked(request, _building_panel(building, where=_("本楼栋"), link=False))


def grid_panel(request: HttpRequest, grid: Grid) -> Panel | None:
    """The zones in force on the grid, on its buildings, or over its community, strictest first."""
    zones = selectors.zones_in_force_at_grid(user=request.user, grid=grid)
    if not zones:
        return None
    return Panel(_("风险区"), "zones/_grid_panel.html", {"zones": zones})


def household_door_panel(request: HttpRequest, household: Household) -> Panel | None:
    return _panel(household, link=False)


def household_panel(request: HttpRequest, household: Household) -> Panel | None:
    return _linked(request, _panel(household, link=False))
