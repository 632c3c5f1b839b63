"""The volunteer reservoir's part of the workbench (core.workbench). Community workers: sign-ups to
review, check-outs to confirm, roster places still open this week. A volunteer: their next shift,
their hours and certificates."""

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from gongzhi.core import roles
from gongzhi.core.workbench import WorkItem, WorkSection
from gongzhi.volunteers import flows, selectors


def _staff(user: Any, held: frozenset[str]) -> list[WorkSection]:
    items = []
    if roles.MANAGE_VOLUNTEERS in held:
        pending = selectors.pending_count(user=user)
        items.append(
            WorkItem(
                _("待审核的志愿者"),
                reverse("volunteers:volunteer_list") + "?" + urlencode({"status": flows.PENDING}),
                count=pending,
                urgent=pending > 0,
            )
        )
        places = selectors.open_places(user=user)
        url = reverse("volunteers:posts")
        if places["first"] is not None:
            code, day = places["first"]
            url += "?" + urlencode({"community_code": code, "day": day.isoformat()})
        items.append(WorkItem(_("未来7天空缺的岗位名额"), url, count=places["open"]))
    if roles.CONFIRM_HOURS in held:
        waiting = selectors.checkins_to_confirm(user=user).count()
        items.append(WorkItem(_("待确认的签退（服务时长）"), reverse("volunteers:checkins"), count=waiting))
    return [WorkSection(_("志愿者"), tuple(items), key="volunteers")] if items else []


def _own(user: Any) -> list[WorkSection]:
    volunteer = selectors.volunteer_of_user(user)
    if volunteer is None:
        return []
    me = reverse("volunteers:me")
    shift = selectors.next_shift(volunteer)
    if shift is None:
        next_item = WorkItem(_("下一个班次"), me, detail=_("暂无安排"))
    else:
        starts = timezone.localtime(shift.shift.starts_at)
        ends = timezone.localtime(shift.shift.ends_at)
        next_item = WorkItem(
            _("下一个班次"),
            me + "#shifts",
            detail=f"{shift.shift.post.name} · {date_format(starts, 'm-d H:i')}–{date_format(ends, 'H:i')}",
            urgent=starts.date() == timezone.localdate(),
        )
    items = (
        next_item,
        WorkItem(_("累计服务时长"), me + "#hours", detail=_("%(hours)s 小时") % {"hours": volunteer.hours_total}),
        WorkItem(_("服务证书"), me + "#certificates", count=volunteer.certificates.count()),
    )
    return [WorkSection(_("我的志愿服务"), items, key="volunteers-own")]


def work(user: Any, held: frozenset[str]) -> list[WorkSection]:
    sections = _staff(user, held)
    if roles.SERVE in held:
        sections += _own(user)
    return sections
