"""Register pages: the template download, upload with a dry-run preview, the confirm, and the
export of a filtered resident list to .xlsx."""

import io
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from gongzhi.core import access, roles
from gongzhi.core.access import capability_required
from gongzhi.core.errors import ApplicationError
from gongzhi.people import exports, register_import, selectors
from gongzhi.people.flows import IMPORTED
from gongzhi.people.messages import row_error_text
from gongzhi.people.views import filters_of
from gongzhi.places.selectors import area_names, communities_in, community_get

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".txt")


def _upload_error(upload) -> str | None:
    if upload is None:
        return _("请选择要上传的文件")
    if upload.size > settings.REGISTER_MAX_BYTES:
        return _("文件太大：最多%(mb)dMB") % {"mb": settings.REGISTER_MAX_BYTES // (1024 * 1024)}
    if upload.name.lower().endswith(".xls"):
        return _("不支持旧版Excel（.xls）文件，请在Excel中“另存为”.xlsx格式后再上传")
    if not upload.name.lower().endswith(UPLOAD_SUFFIXES):
        return _("只支持Excel（.xlsx）或CSV（.csv）文件")
    return None


def _form(request, *, selected: str = "", error: str = "", status: int = 200):
    return render(
        request,
        "people/register_import.html",
        {
            "communities": communities_in(user=request.user, capability=roles.IMPORT_RESIDENTS),
            "selected": selected,
            "error": error,
            "max_rows": settings.REGISTER_MAX_ROWS,
            "max_mb": settings.REGISTER_MAX_BYTES // (1024 * 1024),
            "waiting": selectors.register_imports_open(user=request.user),
        },
        status=status,
    )


@login_required
@capability_required(roles.IMPORT_RESIDENTS)
@require_http_methods(["GET", "POST"])
def register_import_upload(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form(request, selected=request.GET.get("community", "")[:12])
    code = request.POST.get("community", "").strip()[:12]
    if not code:
        return _form(request, error=_("请选择社区"), status=422)
    community = community_get(code)
    if community is None or not access.may_in_area(request.user, roles.IMPORT_RESIDENTS, code):
        raise Http404
    upload = request.FILES.get("file")
    if error := _upload_error(upload):
        return _form(request, selected=code, error=error, status=422)
    assert upload is not None  # _upload_error refuses a missing file
    try:
        record = register_import.register_import_preview(
            actor=request.user, community=community, file_name=upload.name or "", content=upload.read()
        )
    except ApplicationError as exc:
        return _form(request, selected=code, error=exc.message, status=exc.status)
    return redirect("people:register_import_detail", public_id=record.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def register_import_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    record = selectors.register_import_get_for_user(
        user=request.user, public_id=public_id, capability=roles.IMPORT_RESIDENTS
    )
    if request.method == "POST":
        try:
            record = register_import.register_import_confirm(
                actor=request.user,
                register_import_id=record.pk,
                keep_good_rows=request.POST.get("keep_good_rows") == "1",
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            if record.status == IMPORTED:
                messages.success(request, _("导入完成"))
            else:
                messages.error(request, _("数据在预览后发生了变化，出现错误，未导入任何数据"))
        return redirect("people:register_import_detail", public_id=record.public_id)
    report = record.report
    return render(
        request,
        "people/register_import_detail.html",
        {
            "record": record,
            "report": report,
            "errors": [(e[0], e[1], row_error_text(e)) for e in report.get("errors", [])],
            "warnings": [(w[0], w[1], row_error_text(w)) for w in report.get("warnings", [])],
            "ignored_columns": report.get("ignored_columns", []),
            "community": community_get(record.community_code),
            "more_errors": report.get("error_count", 0) - len(report.get("errors", [])),
        },
    )


@login_required
@capability_required(roles.IMPORT_RESIDENTS)
@require_GET
def register_template(request: HttpRequest) -> HttpResponseBase:
    return FileResponse(
        io.BytesIO(exports.register_template_workbook()),
        as_attachment=True,
        content_type=XLSX,
        filename="居民花名册模板.xlsx",
    )


@login_required
@capability_required(roles.EXPORT_RESIDENTS)
@require_GET
def resident_export(request: HttpRequest) -> HttpResponseBase:
    if request.GET.get("full") == "1":
        # A full export's gate; which rows go in full is still decided row by row (exports).
        return capability_required(roles.SEE_FULL_PII)(_export)(request, full=True)
    return _export(request, full=False)


def _export(request: HttpRequest, *, full: bool) -> HttpResponseBase:
    filters = filters_of(request)
    try:
        output, _count = exports.resident_export(
            actor=request.user,
            filters=filters,
            full=full,
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    except (exports.ExportTooLarge, ApplicationError) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
        query = urlencode({k: v for k, v in filters.items() if v})
        return redirect(f"{reverse('people:resident_list')}?{query}")
    code = filters.get("area_code", "")
    name = exports.export_file_name(filters, area_names([code]).get(code, "") if code else "")
    return FileResponse(output, as_attachment=True, content_type=XLSX, filename=name)
