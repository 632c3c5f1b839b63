"""Requests on the landing page: the open ones of the user's areas by urgency, those past their
level's deadline, those at the user's own level and those given to the user; unplaced hotline orders
for whoever places them. Counts read inside the user's areas from the worklist's index."""

from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.appeals import flows
from gongzhi.appeals.models import Appeal
from gongzhi.core import roles
from gongzhi.core.workbench import WorkItem, WorkSection


def work(user: Any, held: frozenset[str]) -> list[WorkSection]:
    if roles.VIEW_APPEALS not in held:
        return []
    url = reverse("appeals:worklist")
    open_qs = Appeal.objects.visible_to(user, roles.VIEW_APPEALS).filter(status__in_fixed=flows.OPEN_STATES)
    n = open_qs.aggregate(  # one query for every count of the section
        total=Count("id"),
        critical=Count("id", filter=Q(urgency="critical")),
        lapsed=Count("id", filter=Q(status__in_fixed=flows.LAPSING_STATES, due_at__lte=timezone.now())),
        mine=Count("id", filter=Q(assignee=user)),
        unplaced=Count("id", filter=Q(status=flows.UNPLACED)),
    )
    items = [
        WorkItem(_("紧急诉求未办结"), f"{url}?urgency=critical", count=n["critical"], urgent=n["critical"] > 0),
        WorkItem(_("超时未办结"), f"{url}?sla=lapsed", count=n["lapsed"], urgent=n["lapsed"] > 0),
        WorkItem(_("未办结诉求"), url, count=n["total"]),
    ]
    if roles.HANDLE_APPEALS in held:
        items.append(WorkItem(_("分派给我的诉求"), f"{url}?mine=1", count=n["mine"]))
    if roles.IMPORT_HOTLINE in held and n["unplaced"]:
        items.append(WorkItem(_("12345工单待定位"), f"{url}?status=unplaced", count=n["unplaced"], urgent=True))
    return [WorkSection(_("居民诉求"), tuple(items), key="appeals")]
