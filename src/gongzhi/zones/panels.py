"""The zone in force at a household, on its pages (core.panels): the household's own page (door
code) and the staff's household page. The strictest zone holding its building applies; none, no panel."""

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gongzhi.core import access, roles
from gongzhi.core.panels import Panel
from gongzhi.places.models import Household
from gongzhi.zones import selectors
from gongzhi.zones.messages import MEASURE_WORDS


def _panel(household: Household, *, link: bool) -> Panel | None:
    building = household.building
    zone = selectors.zone_at(building_id=building.pk, grid_id=building.grid_id, community_code=household.community_code)
    if zone is None:
        return None
    return Panel(
        _("风险区"),
        "zones/_household_panel.html",
        {"zone": zone, "measures": MEASURE_WORDS[zone.kind], "link": link},
    )


def household_door_panel(request: HttpRequest, household: Household) -> Panel | None:
    return _panel(household, link=False)


def household_panel(request: HttpRequest, household: Household) -> Panel | None:
    panel = _panel(household, link=False)
    if panel is not None and access.may(request.user, roles.VIEW_ZONES, panel.context["zone"]):
        panel.context["link"] = True
    return panel
