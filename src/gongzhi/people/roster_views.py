"""Roster pages: the template download, upload with a dry-run preview, the confirm, and the
export of a filtered resident list to .xlsx."""

import io
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from gongzhi.core import roles
from gongzhi.core.errors import ApplicationError
from gongzhi.core.scope import code_in_scope, user_can, user_scope
from gongzhi.people import exports, roster_services, selectors
from gongzhi.people.models import RosterImport
from gongzhi.people.views import _filters
from gongzhi.places.models import Area

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".txt")


def _import_communities(user):
    """Communities where the user may import residents."""
    communities = Area.objects.filter(level=Area.Level.COMMUNITY).order_by("code")
    if user.is_superuser:
        return communities
    condition = Q(pk__in=[])
    for entry in user_scope(user):
        if entry.grid_id is None and entry.building_id is None and roles.role_can(entry.role, roles.IMPORT_RESIDENTS):
            condition |= Q(code__startswith=entry.area_code)
    return communities.filter(condition)


def _upload_error(upload) -> str | None:
    if upload is None:
        return _("请选择要上传的文件")
    if upload.size > settings.ROSTER_MAX_BYTES:
        return _("文件太大：最多%(mb)dMB") % {"mb": settings.ROSTER_MAX_BYTES // (1024 * 1024)}
    if upload.name.lower().endswith(".xls"):
        return _("不支持旧版Excel（.xls）文件，请在Excel中“另存为”.xlsx格式后再上传")
    if not upload.name.lower().endswith(UPLOAD_SUFFIXES):
        return _("只支持Excel（.xlsx）或CSV（.csv）文件")
    return None


def _form(request, *, selected: str = "", error: str = "", status: int = 200):
    return render(
        request,
        "people/roster_import.html",
        {
            "communities": _import_communities(request.user),
            "selected": selected,
            "error": error,
            "max_rows": settings.ROSTER_MAX_ROWS,
            "max_mb": settings.ROSTER_MAX_BYTES // (1024 * 1024),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def roster_import(request):
    if not user_can(request.user, roles.IMPORT_RESIDENTS):
        raise Http404
    if request.method != "POST":
        return _form(request, selected=request.GET.get("community", "")[:12])
    code = request.POST.get("community", "").strip()[:12]
    if not code:
        return _form(request, error=_("请选择社区"), status=422)
    community = Area.objects.filter(code=code, level=Area.Level.COMMUNITY).first()
    if community is None or not code_in_scope(request.user, code, capability=roles.IMPORT_RESIDENTS):
        raise Http404
    upload = request.FILES.get("file")
    if error := _upload_error(upload):
        return _form(request, selected=code, error=error, status=422)
    try:
        record = roster_services.roster_preview(
            actor=request.user, community=community, file_name=upload.name, content=upload.read()
        )
    except ApplicationError as exc:
        return _form(request, selected=code, error=exc.message, status=exc.status)
    return redirect("people:roster_import_detail", public_id=record.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def roster_import_detail(request, public_id: str):
    record = roster_services.roster_import_get_for_user(user=request.user, public_id=public_id)
    if request.method == "POST":
        try:
            record = roster_services.roster_confirm(actor=request.user, roster_import_id=record.pk)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            if record.status == RosterImport.Status.IMPORTED:
                messages.success(request, _("导入完成"))
            else:
                messages.error(request, _("数据在预览后发生了变化，出现错误，未导入任何数据"))
        return redirect("people:roster_import_detail", public_id=record.public_id)
    report = record.report
    return render(
        request,
        "people/roster_import_detail.html",
        {
            "record": record,
            "report": report,
            "community": Area.objects.filter(code=record.community_code).first(),
            "more_errors": report.get("error_count", 0) - len(report.get("errors", [])),
        },
    )


@login_required
@require_GET
def roster_template(request):
    if not user_can(request.user, roles.IMPORT_RESIDENTS):
        raise Http404
    return FileResponse(
        io.BytesIO(exports.roster_template_workbook()),
        as_attachment=True,
        content_type=XLSX,
        filename="居民花名册模板.xlsx",
    )


@login_required
@require_GET
def resident_export(request):
    if not user_can(request.user, roles.EXPORT_RESIDENTS):
        raise Http404
    full = request.GET.get("full") == "1"
    if full and not selectors.may_see_full_pii(request.user):
        raise Http404
    filters = _filters(request)
    try:
        output, _count = exports.resident_export(
            actor=request.user,
            filters=filters,
            full=full,
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    except exports.ExportTooLarge as exc:
        messages.error(request, str(exc))
        query = urlencode({k: v for k, v in filters.items() if v})
        return redirect(f"{reverse('people:resident_list')}?{query}")
    return FileResponse(output, as_attachment=True, content_type=XLSX, filename=exports.export_file_name(filters))
