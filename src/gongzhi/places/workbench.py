"""The area tree's part of the workbench (core.workbench): the grid or building a user holds a role
on, one tap away (a grid worker's grid, a building leader's building and its door codes)."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.core import roles
from gongzhi.core.workbench import WorkItem, WorkSection
from gongzhi.places import selectors


def work(user: Any, held: frozenset[str]) -> list[WorkSection]:
    grids, buildings = selectors.my_grids_and_buildings(user=user)
    items = [
        WorkItem(
            _("我的网格：%(name)s") % {"name": grid.name},
            reverse("places:grid_detail", args=[grid.public_id]),
            count=grid.building_count,  # type: ignore[attr-defined]  # annotated by the selector
            detail=_("楼栋"),
        )
        for grid in grids
    ]
    for building in buildings:
        items.append(
            WorkItem(
                _("我的楼栋：%(name)s") % {"name": building.label},
                reverse("places:building_detail", args=[building.public_id]),
                count=building.household_count,  # type: ignore[attr-defined]  # annotated by the selector
                detail=_("户"),
            )
        )
        if roles.PRINT_DOOR_CODES in held:
            items.append(WorkItem(_("打印本楼门牌码"), reverse("places:door_codes", args=[building.public_id])))
    return [WorkSection(_("我的网格和楼栋"), tuple(items), key="places")] if items else []
