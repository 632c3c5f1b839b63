"""Volunteers' figures for the command view (core.figures), per community: volunteers on duty now
(checked in, not yet out) and the hours confirmed this month (from the hours rollup, HourTotal)."""

from urllib.parse import urlencode

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core import roles
from gongzhi.core.figures import Figure
from gongzhi.volunteers import flows
from gongzhi.volunteers.models import CheckIn, HourTotal

GROUP = _("志愿者")


def counter() -> dict[str, dict[str, float]]:
    on_duty = dict(
        CheckIn.objects.filter(status=flows.ON_DUTY).order_by().values_list("community_code").annotate(n=Count("id"))
    )
    month = timezone.localdate().replace(day=1)
    hours = {
        code: float(h or 0)
        for code, h in HourTotal.objects.filter(month=month)
        .order_by()
        .values_list("community_code")
        .annotate(h=Sum("hours"))
    }
    return {"volunteers.on_duty": on_duty, "volunteers.hours_month": hours}


def _checkins(code: str) -> str:
    return reverse("volunteers:checkins") + "?" + urlencode({"area": code})


def _hours(code: str) -> str:
    since = timezone.localdate().replace(day=1).isoformat()
    return reverse("volunteers:hours_report") + "?" + urlencode({"area_code": code, "since": since})


FIGURES = [
    Figure("volunteers.on_duty", _("在岗志愿者"), GROUP, roles.CONFIRM_HOURS, _checkins, in_children=True),
    Figure("volunteers.hours_month", _("本月服务时长（小时）"), GROUP, roles.VIEW_VOLUNTEERS, _hours),
]
