"""Reports: hours by community and unit with the commendation list, and a work unit's report."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import access, roles, workbook
from gongzhi.core.access import capability_required
from gongzhi.core.errors import ApplicationError
from gongzhi.core.replica import reading_from_replica
from gongzhi.places.selectors import picker_levels
from gongzhi.volunteers import selectors, services
from gongzhi.volunteers.views.common import date_of


@login_required
@capability_required(roles.VIEW_VOLUNTEERS)
def hours_report(request: HttpRequest) -> HttpResponse:
    own = access.official_areas(request.user, roles.VIEW_VOLUNTEERS)
    code = (request.GET.get("area_code") or next(iter(own), ""))[:12]
    if not code or not access.may_in_area(request.user, roles.VIEW_VOLUNTEERS, code):
        raise Http404
    today = timezone.localdate()
    since = date_of(request.GET.get("since"), today.replace(month=1, day=1))
    until = date_of(request.GET.get("until"), today)
    with reading_from_replica():
        report = selectors.hours_report(user=request.user, area_code=code, since=since, until=until)
        commendations = list(selectors.commendation_list(user=request.user, area_code=code))
    return render(
        request,
        "volunteers/hours_report.html",
        {
            "area_code": code,
            "area": selectors.area_of(code),
            "picker": picker_levels(user=request.user, capability=roles.VIEW_VOLUNTEERS, code=code),
            "since": since,
            "until": until,
            "report": report,
            "commendations": commendations,
        },
    )


@login_required
def unit_report(request: HttpRequest, public_id: str, fmt: str) -> HttpResponse:
    if fmt not in ("xlsx", "pdf"):
        raise Http404
    unit = selectors.unit_get_for_user(user=request.user, public_id=public_id, capability=roles.VIEW_VOLUNTEERS)
    with reading_from_replica():  # the export's audit, in the service, goes to the primary
        report = selectors.unit_report(user=request.user, unit=unit)
    try:
        content = services.unit_report_export(
            actor=request.user, unit=unit, report=report, fmt=fmt, ip_address=request.META.get("REMOTE_ADDR")
        )
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")
    kind = workbook.XLSX if fmt == "xlsx" else "application/pdf"
    return workbook.download(content, workbook.file_name(unit.name, _("志愿服务报表"), extension=fmt), kind)
