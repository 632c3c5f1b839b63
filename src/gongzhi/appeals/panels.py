"""Requests on a household's own page (opened with its door code): ask for help, see the answers."""

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gongzhi.appeals import selectors
from gongzhi.core.panels import Panel
from gongzhi.places.models import Household


def household_door_panel(request: HttpRequest, household: Household) -> Panel:
    return Panel(
        _("求助与诉求"),
        "appeals/_household_door_panel.html",
        {"code": f"H:{household.door_key}", "appeals": selectors.household_appeals(household, limit=3)},
    )
