"""Living supplies on a household's own page (opened with its door code): order, and the orders' state."""

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gongzhi.core.panels import Panel
from gongzhi.places.models import Household
from gongzhi.supplies import selectors


def household_door_panel(request: HttpRequest, household: Household) -> Panel:
    return Panel(
        _("生活物资"),
        "supplies/_household_door_panel.html",
        {"code": f"H:{household.door_key}", "orders": selectors.household_orders(household, limit=3)},
    )
