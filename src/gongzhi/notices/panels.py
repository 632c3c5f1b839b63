"""Notices on a household's own page (opened with its door code): the notices to its residents,
newest first, unread ones marked; each opens on its own page, which records the read."""

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gongzhi.core.panels import Panel
from gongzhi.notices import selectors
from gongzhi.places.models import Household

SHOWN = 10


def household_door_panel(request: HttpRequest, household: Household) -> Panel:
    receipts = selectors.household_notices(household, limit=SHOWN)
    return Panel(
        _("通知公告"),
        "notices/_household_door_panel.html",
        {
            "code": f"H:{household.door_key}",
            "receipts": receipts,
            "unread": sum(1 for r in receipts if r.read_at is None),
        },
    )
