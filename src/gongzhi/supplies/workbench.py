"""Living supplies' part of the workbench (core.workbench). Staff: urgent medical orders not yet
delivered, orders to accept, to pack and to route, communities running short (street and community
staff); a volunteer: their delivery runs."""

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.core import access, roles
from gongzhi.core.workbench import WorkItem, WorkSection
from gongzhi.supplies import flows, selectors


def _orders_url(**query: str) -> str:
    return reverse("supplies:orders") + "?" + urlencode(query)


def work(user: Any, held: frozenset[str]) -> list[WorkSection]:
    items = []
    if roles.VIEW_SUPPLIES in held:
        counts = selectors.order_counts_for(user=user)
        items.append(
            WorkItem(
                _("未送达的急需医疗订单"), _orders_url(urgent="1"), count=counts["urgent"], urgent=counts["urgent"] > 0
            )
        )
        if roles.MANAGE_SUPPLIES in held:
            items.append(WorkItem(_("待受理的物资订单"), _orders_url(status=flows.PLACED), count=counts["placed"]))
            items.append(WorkItem(_("待分拣的物资订单"), _orders_url(status=flows.ACCEPTED), count=counts["accepted"]))
            items.append(
                WorkItem(_("待配送的物资订单"), reverse("supplies:runs"), count=counts["packed"] + counts["requeued"])
            )
        areas = [a for a in access.official_areas(user, roles.VIEW_SUPPLIES) if len(a) >= 9]
        if areas:
            short = selectors.communities_short(user=user, area_code=areas[0])
            items.append(
                WorkItem(
                    _("物资储备低于预警天数的社区"),
                    reverse("supplies:home") + "?" + urlencode({"area": areas[0]}),
                    count=short,
                    urgent=short > 0,
                )  # fmt: skip
            )
    if roles.DELIVER in held:
        mine = selectors.my_runs(user=user).count()
        items.append(WorkItem(_("我的配送任务"), reverse("supplies:my_runs"), count=mine, urgent=mine > 0))
    return [WorkSection(_("生活物资"), tuple(items), key="supplies")] if items else []
