"""Reports from the hours: by community and work unit, a unit's volunteers for its evaluation, the
commendation list."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum

from gongzhi.core import roles
from gongzhi.places.models import Area
from gongzhi.volunteers import flows
from gongzhi.volunteers.models import Certificate, HourTotal, Organisation, Volunteer


def hours_report(*, user: Any, area_code: str, since: dt.date, until: dt.date) -> dict[str, Any]:
    """Hours by community and by work unit for an area and a span of months, from the rollup:
    a district's report sums a few thousand rows, never the ledger's millions of entries."""
    rows = (
        HourTotal.objects.visible_to(user, roles.VIEW_VOLUNTEERS)
        .in_area(area_code)
        .filter(month__gte=since.replace(day=1), month__lte=until)
    )
    by_community = list(
        rows.values("community_code").annotate(hours=Sum("hours"), entries=Sum("entries")).order_by("community_code")
    )
    by_unit = list(
        rows.exclude(unit=None)
        .values("unit_id", "unit__name")
        .annotate(hours=Sum("hours"), entries=Sum("entries"))
        .order_by("-hours")[:200]
    )
    names = dict(Area.objects.filter(code__in=[r["community_code"] for r in by_community]).values_list("code", "name"))
    for r in by_community:
        r["name"] = names.get(r["community_code"], r["community_code"])
    return {
        "by_community": by_community,
        "by_unit": by_unit,
        "total": sum((r["hours"] for r in by_community), Decimal("0")),
    }


def unit_report(*, user: Any, unit: Organisation, limit: int = 5000) -> dict[str, Any]:
    """A unit's approved volunteers in the user's areas with their hours, community names and
    certificates, for the employer's evaluation (单位评优) report."""
    volunteers = list(
        Volunteer.objects.visible_to(user, roles.VIEW_VOLUNTEERS)
        .filter(unit=unit, status=flows.APPROVED)
        .order_by("-hours_total", "id")[:limit]
    )
    names = dict(Area.objects.filter(code__in={v.community_code for v in volunteers}).values_list("code", "name"))
    certificates: dict[int, list[int]] = {}
    for volunteer_id, threshold in Certificate.objects.filter(volunteer__in=volunteers).values_list(
        "volunteer_id", "threshold"
    ):
        certificates.setdefault(volunteer_id, []).append(threshold)
    return {"volunteers": volunteers, "community_names": names, "certificates": certificates}


def commendation_list(*, user: Any, area_code: str, top: int = 50) -> "QuerySet[Volunteer]":
    """The volunteers with the most hours in an area: the commendation list."""
    return (
        Volunteer.objects.visible_to(user, roles.VIEW_VOLUNTEERS)
        .in_area(area_code)
        .filter(status=flows.APPROVED, hours_total__gt=0)
        .order_by("-hours_total", "id")[:top]
    )
