"""A volunteer's own pages: shifts, hours, certificates, check-in and check-out, hardship aid."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core import roles, workbook
from gongzhi.core.errors import ApplicationError
from gongzhi.volunteers import documents, selectors, services
from gongzhi.volunteers.models import AidRequest, Volunteer


def _me(request: HttpRequest) -> Volunteer:
    volunteer = selectors.volunteer_of_user(request.user)
    if volunteer is None:
        raise Http404
    return volunteer


@login_required
def me(request: HttpRequest) -> HttpResponse:
    volunteer = _me(request)
    return render(
        request,
        "volunteers/me.html",
        {"volunteer": volunteer, **selectors.volunteer_page(volunteer), "aid_kinds": AidRequest.Kind.choices},
    )


@login_required
def certificate_download(request: HttpRequest, public_id: str) -> HttpResponse:
    cert = selectors.certificate_get_for_user(user=request.user, public_id=public_id, capability=roles.VIEW_VOLUNTEERS)
    community = selectors.area_of(cert.community_code)
    try:
        content = documents.certificate_pdf(
            name=cert.volunteer.name,
            hours=cert.hours,
            threshold=cert.threshold,
            community=community.name if community else cert.community_code,
            issued_at=cert.issued_at,
            verify_url=request.build_absolute_uri(reverse("volunteers:certificate_verify", args=[cert.public_id])),
            code=cert.public_id,
        )
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")
    name = workbook.file_name(_("志愿服务证书"), f"{cert.threshold}h", extension="pdf")
    return workbook.download(content, name, "application/pdf")


@login_required
def checkin_page(request: HttpRequest, key: str) -> HttpResponse:
    """Where a post's QR code leads: check in or out of the volunteer's shift there."""
    post = selectors.post_by_checkin_key(key)
    volunteer = _me(request)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "out":
                record = services.checkout(volunteer=volunteer, post=post)
                messages.success(
                    request,
                    _("已签退，本班次时长 %(hours)s 小时，待带班负责人确认")
                    % {"hours": services.checkin_hours(record)},
                )
            else:
                services.checkin(volunteer=volunteer, post=post)
                messages.success(request, _("签到成功"))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("volunteers:checkin", key=key)
    return render(request, "volunteers/checkin.html", {"post": post, "volunteer": volunteer})


@login_required
@require_POST
def aid_submit(request: HttpRequest) -> HttpResponse:
    volunteer = _me(request)
    try:
        amount = Decimal(request.POST["amount"]) if request.POST.get("amount") else None
    except InvalidOperation:
        amount = Decimal("-1")
    try:
        services.aid_request_submit(
            volunteer=volunteer,
            kind=request.POST.get("kind", ""),
            description=request.POST.get("description", ""),
            amount=amount,
        )
        messages.success(request, _("困难帮扶申请已提交，社区会尽快联系您"))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("volunteers:me")
