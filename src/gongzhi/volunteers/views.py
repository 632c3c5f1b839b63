"""Pages of the volunteer reservoir: the public sign-up and certificate check, a volunteer's own
page and check-in, and the community's review, posts, rosters, hours and aid. Thin: the work is in
services and selectors."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core import roles
from gongzhi.core.errors import ApplicationError
from gongzhi.core.masking import mask_id_number, mask_phone
from gongzhi.core.models import AuditEvent
from gongzhi.core.scope import code_in_scope, user_can, user_scope
from gongzhi.core.services import audit_record
from gongzhi.places.models import Area
from gongzhi.volunteers import documents, selectors, services
from gongzhi.volunteers.models import AidRequest, Certificate, Course, Organisation, Volunteer


def _date(value: str | None, default: dt.date) -> dt.date:
    """A date from a form, or the default when it is missing, malformed or outside 2000-2100."""
    try:
        day = dt.date.fromisoformat(value or "")
    except ValueError:
        return default
    return day if dt.date(2000, 1, 1) <= day <= dt.date(2100, 12, 31) else default


# --- public --------------------------------------------------------------------------------------


def sign_up(request):
    """The public, phone-friendly sign-up page, with consent to personal-information processing."""
    context = {
        "groups": Volunteer.Group.choices,
        "skills": services.SKILLS.items(),
        "availability": services.AVAILABILITY_LABELS,
        "units": selectors.units_for_sign_up(),
        "form": request.POST,
        "chosen": set(request.POST.getlist("skills")) | set(request.POST.getlist("availability")),
        "errors": {},
        "done": None,
    }
    if request.method == "POST":
        unit = Organisation.objects.filter(public_id=request.POST.get("unit", ""), kind=Organisation.Kind.UNIT).first()
        try:
            volunteer, merged = services.volunteer_sign_up(
                name=request.POST.get("name", ""),
                id_number=request.POST.get("id_number", ""),
                phone=request.POST.get("phone", ""),
                community_code=request.POST.get("community_code", "")[:12],
                group=request.POST.get("group", ""),
                password=request.POST.get("password", ""),
                skills=request.POST.getlist("skills"),
                availability=request.POST.getlist("availability"),
                unit=unit,
                party_member=request.POST.get("party_member") == "on",
                consent=request.POST.get("consent") == "on",
            )
            context["done"] = {"volunteer": volunteer, "merged": merged}
        except ApplicationError as exc:
            context["errors"] = {"form": exc.message, **exc.extra}
    return render(request, "volunteers/sign_up.html", context, status=422 if context["errors"] else 200)


def community_search(request):
    """Communities matching a name, for the sign-up page's picker (public, names only)."""
    query = request.GET.get("q", "").strip()[:20]
    rows = []
    if query:
        rows = list(
            Area.objects.filter(level=Area.Level.COMMUNITY, name__contains=query)
            .order_by("code")[:20]
            .values("code", "name")
        )
    return render(request, "volunteers/community_options.html", {"rows": rows})


def certificate_verify(request, public_id: str):
    return render(request, "volunteers/certificate_verify.html", {"cert": selectors.certificate_public(public_id)})


# --- a volunteer's own pages ---------------------------------------------------------------------


def _me(request) -> Volunteer:
    volunteer = selectors.volunteer_of_user(request.user)
    if volunteer is None:
        raise Http404
    return volunteer


@login_required
def me(request):
    volunteer = _me(request)
    return render(
        request,
        "volunteers/me.html",
        {
            "volunteer": volunteer,
            "shifts": selectors.my_shifts(volunteer),
            "certificates": volunteer.certificates.all(),
            "entries": volunteer.hour_entries.order_by("-id")[:50],
            "aid": volunteer.aid_requests.all()[:20],
            "aid_kinds": AidRequest.Kind.choices,
        },
    )


@login_required
def certificate_download(request, public_id: str):
    cert = Certificate.objects.filter(public_id=public_id).select_related("volunteer").first()
    if cert is None:
        raise Http404
    mine = cert.volunteer.user_id == request.user.pk
    if not mine and not code_in_scope(request.user, cert.community_code, capability=roles.VIEW_VOLUNTEERS):
        raise Http404
    community = Area.objects.filter(code=cert.community_code).first()
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
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{cert.threshold}h.pdf"'
    return response


@login_required
def checkin_page(request, key: str):
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
def aid_submit(request):
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


# --- the community's pages -----------------------------------------------------------------------


def _need(request, capability: str) -> None:
    if not user_can(request.user, capability):
        raise Http404


def _community_in_scope(request, capability: str) -> str:
    code = (request.POST.get("community_code") or request.GET.get("community_code") or "")[:12]
    if not code:  # the user's own community, or the first community of their street or district
        areas = [e.area_code for e in user_scope(request.user) if roles.role_can(e.role, capability)]
        code = next((a for a in areas if len(a) == 12), "")
        if not code and areas:
            first = Area.objects.filter(level=Area.Level.COMMUNITY, code__startswith=areas[0]).order_by("code").first()
            code = first.code if first else ""
    if not code or not code_in_scope(request.user, code, capability=capability):
        raise Http404
    return code


@login_required
def volunteer_list(request):
    if not any(user_can(request.user, c) for c in (roles.VIEW_VOLUNTEERS, roles.CONFIRM_HOURS)):
        raise Http404
    status = request.GET.get("status", "")
    rows = list(selectors.volunteer_list(user=request.user, status=status, query=request.GET.get("q", "")[:30])[:200])
    return render(
        request,
        "volunteers/volunteer_list.html",
        {
            "rows": [(v, mask_phone(v.phone)) for v in rows],
            "status": status,
            "statuses": Volunteer.Status.choices,
            "can_manage": user_can(request.user, roles.MANAGE_VOLUNTEERS),
            "can_confirm": user_can(request.user, roles.CONFIRM_HOURS),
        },
    )


@login_required
def volunteer_detail(request, public_id: str):
    volunteer = selectors.volunteer_get_for_user(user=request.user, public_id=public_id)
    revealed = False
    if request.method == "POST":  # show the numbers in full, for roles that call volunteers; audited
        if not code_in_scope(request.user, volunteer.community_code, capability=roles.SEE_FULL_PII):
            raise Http404
        services.volunteer_reveal(actor=request.user, volunteer=volunteer, ip_address=request.META.get("REMOTE_ADDR"))
        revealed = True
    return render(
        request,
        "volunteers/volunteer_detail.html",
        {
            "v": volunteer,
            "id_number": volunteer.id_number if revealed else mask_id_number(volunteer.id_number),
            "phone": volunteer.phone if revealed else mask_phone(volunteer.phone),
            "revealed": revealed,
            "may_reveal": code_in_scope(request.user, volunteer.community_code, capability=roles.SEE_FULL_PII),
            "skills": [services.SKILLS.get(s, s) for s in volunteer.skills],
            "entries": volunteer.hour_entries.order_by("-id")[:100],
            "certifications": volunteer.certifications.select_related("course"),
            "certificates": volunteer.certificates.all(),
            "flow": services.VOLUNTEER_FLOW.get(volunteer.status, ()),
            "status_labels": dict(Volunteer.Status.choices),
            "can_manage": code_in_scope(request.user, volunteer.community_code, capability=roles.MANAGE_VOLUNTEERS),
        },
    )


@login_required
@require_POST
def volunteer_review(request, public_id: str):
    volunteer = selectors.volunteer_get_for_user(user=request.user, public_id=public_id)
    if not code_in_scope(request.user, volunteer.community_code, capability=roles.MANAGE_VOLUNTEERS):
        raise Http404
    try:
        services.volunteer_review(
            actor=request.user, volunteer=volunteer, to_status=request.POST.get("to_status", ""),
            note=request.POST.get("note", ""),
        )  # fmt: skip
        messages.success(request, _("已更新志愿者状态"))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(request.POST.get("next") or reverse("volunteers:volunteer_detail", args=[public_id]))


@login_required
@require_POST
def hours_correct(request, public_id: str):
    volunteer = selectors.volunteer_get_for_user(user=request.user, public_id=public_id)
    if not code_in_scope(request.user, volunteer.community_code, capability=roles.MANAGE_VOLUNTEERS):
        raise Http404
    try:
        hours = Decimal(request.POST.get("hours", ""))
    except InvalidOperation:
        hours = Decimal("0")
    try:
        services.hours_correct(
            actor=request.user,
            volunteer=volunteer,
            hours=hours,
            reason=request.POST.get("reason", ""),
            served_on=_date(request.POST.get("served_on"), timezone.localdate()),
        )
        messages.success(request, _("时长已更正，并已记入审计日志"))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("volunteers:volunteer_detail", public_id=public_id)


@login_required
def linkage(request):
    _need(request, roles.VIEW_VOLUNTEERS)
    code = _community_in_scope(request, roles.VIEW_VOLUNTEERS)
    if request.method == "POST":
        if not code_in_scope(request.user, code, capability=roles.MANAGE_VOLUNTEERS):
            raise Http404
        try:
            services.organisation_create(
                actor=request.user, kind=request.POST.get("kind", ""), name=request.POST.get("name", ""),
                community_code=code,
            )  # fmt: skip
            messages.success(request, _("已添加组织"))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect(f"{reverse('volunteers:linkage')}?community_code={code}")
    return render(
        request,
        "volunteers/linkage.html",
        {
            "community_code": code,
            "community": Area.objects.filter(code=code).first(),
            "data": selectors.linkage(user=request.user, community_code=code),
            "kinds": Organisation.Kind.choices,
        },
    )


@login_required
def posts(request):
    """Posts and shifts of a community; rostering a day; mobilising the reservoir; QR codes."""
    _need(request, roles.MANAGE_VOLUNTEERS)
    code = _community_in_scope(request, roles.MANAGE_VOLUNTEERS)
    day = _date(request.POST.get("day") or request.GET.get("day"), timezone.localdate())
    result = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "post":
                training = Course.objects.filter(code=request.POST.get("training", "")).first()
                services.post_create(
                    actor=request.user, community_code=code, name=request.POST.get("name", ""),
                    group=request.POST.get("group", ""), skills=request.POST.getlist("skills"), training=training,
                )  # fmt: skip
                messages.success(request, _("已添加岗位"))
            elif action == "shift":
                post = selectors.post_get_for_user(user=request.user, public_id=request.POST.get("post", ""))
                start = dt.datetime.combine(day, dt.time.fromisoformat(request.POST.get("starts", "08:00")))
                end = dt.datetime.combine(day, dt.time.fromisoformat(request.POST.get("ends", "12:00")))
                services.shift_create(
                    actor=request.user, post=post, starts_at=timezone.make_aware(start),
                    ends_at=timezone.make_aware(end), needed=int(request.POST.get("needed") or 0),
                )  # fmt: skip
                messages.success(request, _("已添加班次"))
            elif action in ("roster", "mobilise"):
                result = services.roster_build(
                    actor=request.user, community_code=code, day=day,
                    reservoir="community" if action == "roster" else "street",
                )  # fmt: skip
        except ApplicationError as exc:
            messages.error(request, exc.message)
        except ValueError:
            messages.error(request, _("时间或人数格式不正确"))
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    rows = selectors.post_list(user=request.user, community_code=code, start=start, end=start + dt.timedelta(days=1))
    return render(
        request,
        "volunteers/posts.html",
        {
            "community_code": code,
            "day": day,
            "posts": rows,
            "day_start": start,
            "day_end": start + dt.timedelta(days=1),
            "result": result,
            "groups": Volunteer.Group.choices,
            "skills": services.SKILLS.items(),
            "courses": Course.objects.all(),
        },
        status=200,
    )


@login_required
def post_qr(request, public_id: str):
    """A printable sheet with the post's check-in QR code."""
    import segno

    post = selectors.post_get_for_user(user=request.user, public_id=public_id)
    url = request.build_absolute_uri(reverse("volunteers:checkin", args=[post.checkin_key]))
    svg = segno.make(url, error="m").svg_inline(scale=8)
    return render(request, "volunteers/post_qr.html", {"post": post, "svg": svg, "url": url})


@login_required
def checkins(request):
    _need(request, roles.CONFIRM_HOURS)
    if request.method == "POST":
        number = request.POST.get("checkin", "")
        record = selectors.checkin_get_for_user(user=request.user, pk=int(number) if number.isdigit() else 0)
        try:
            entry = services.checkin_confirm(actor=request.user, record=record)
            messages.success(request, _("已确认 %(hours)s 小时") % {"hours": entry.hours})
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("volunteers:checkins")
    rows = list(selectors.checkins_to_confirm(user=request.user)[:200])
    return render(request, "volunteers/checkins.html", {"rows": [(r, services.checkin_hours(r)) for r in rows]})


@login_required
def hours_report(request):
    _need(request, roles.VIEW_VOLUNTEERS)
    own = (e.area_code for e in user_scope(request.user) if roles.role_can(e.role, roles.VIEW_VOLUNTEERS))
    code = (request.GET.get("area_code") or next(own, ""))[:12]
    if not code_in_scope(request.user, code, capability=roles.VIEW_VOLUNTEERS):
        raise Http404
    today = timezone.localdate()
    since = _date(request.GET.get("since"), today.replace(month=1, day=1))
    until = _date(request.GET.get("until"), today)
    report = selectors.hours_report(user=request.user, area_code=code, since=since, until=until)
    return render(
        request,
        "volunteers/hours_report.html",
        {
            "area_code": code,
            "area": Area.objects.filter(code=code).first(),
            "since": since,
            "until": until,
            "report": report,
            "commendations": selectors.commendation_list(user=request.user, area_code=code),
        },
    )


@login_required
def unit_report(request, public_id: str, fmt: str):
    _need(request, roles.VIEW_VOLUNTEERS)
    if fmt not in ("xlsx", "pdf"):
        raise Http404
    unit = (
        selectors.organisation_list(user=request.user).filter(public_id=public_id, kind=Organisation.Kind.UNIT).first()
    )
    if unit is None:
        raise Http404
    volunteers = list(selectors.unit_volunteers(user=request.user, unit=unit)[:5000])
    names = dict(Area.objects.filter(code__in={v.community_code for v in volunteers}).values_list("code", "name"))
    certificates: dict[int, list[int]] = {}
    for volunteer_id, threshold in Certificate.objects.filter(volunteer__in=volunteers).values_list(
        "volunteer_id", "threshold"
    ):
        certificates.setdefault(volunteer_id, []).append(threshold)
    rows = documents.unit_report_rows(volunteers, names, certificates)
    try:
        content = (
            documents.unit_report_xlsx(unit.name, rows) if fmt == "xlsx" else documents.unit_report_pdf(unit.name, rows)
        )
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.EXPORT,
        entity="unit_report",
        row_ids=[v.public_id for v in volunteers],
        area_codes=[v.community_code for v in volunteers] or [unit.community_code],
        detail={"unit": unit.public_id, "format": fmt},
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if fmt == "xlsx" else "application/pdf"
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="unit-report.{fmt}"'
    return response


@login_required
def aid_list(request):
    _need(request, roles.MANAGE_VOLUNTEERS)
    if request.method == "POST":
        aid = selectors.aid_get_for_user(user=request.user, public_id=request.POST.get("request", ""))
        try:
            services.aid_transition(
                actor=request.user, request=aid, to_status=request.POST.get("to_status", ""),
                note=request.POST.get("note", ""),
            )  # fmt: skip
            messages.success(request, _("已更新申请状态"))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("volunteers:aid_list")
    rows = list(selectors.aid_list(user=request.user)[:200])
    return render(
        request,
        "volunteers/aid_list.html",
        {"rows": [(r, services.AID_FLOW.get(r.status, ())) for r in rows], "labels": dict(AidRequest.Status.choices)},
    )


@login_required
def training(request):
    """Courses, a community's sessions, and attendance (which certifies the attendees)."""
    _need(request, roles.MANAGE_VOLUNTEERS)
    code = _community_in_scope(request, roles.MANAGE_VOLUNTEERS)
    from gongzhi.volunteers.models import TrainingSession

    if request.method == "POST":
        try:
            if request.POST.get("action") == "session":
                course = Course.objects.filter(code=request.POST.get("course", "")).first()
                if course is None:
                    raise ApplicationError(_("请选择培训课程"))
                starts = dt.datetime.fromisoformat(request.POST.get("starts_at", ""))
                if not 2000 <= starts.year <= 2100:
                    raise ValueError(starts)
                services.training_session_create(
                    actor=request.user, course=course, community_code=code,
                    starts_at=timezone.make_aware(starts), place=request.POST.get("place", ""),
                )  # fmt: skip
                messages.success(request, _("已添加培训场次"))
            else:
                session = TrainingSession.objects.filter(
                    public_id=request.POST.get("session", ""), community_code=code
                ).first()
                if session is None:
                    raise Http404
                chosen = list(
                    selectors.volunteer_list(user=request.user).filter(
                        public_id__in=request.POST.getlist("volunteers"), community_code=code
                    )
                )
                added = services.attendance_record(actor=request.user, session=session, volunteers=chosen)
                messages.success(request, _("已登记 %(n)d 人参加培训") % {"n": added})
        except ApplicationError as exc:
            messages.error(request, exc.message)
        except ValueError:
            messages.error(request, _("时间格式不正确"))
        return redirect(f"{reverse('volunteers:training')}?community_code={code}")
    return render(
        request,
        "volunteers/training.html",
        {
            "community_code": code,
            "courses": Course.objects.all(),
            "sessions": TrainingSession.objects.filter(community_code=code).select_related("course")[:50],
            "volunteers": selectors.volunteer_list(user=request.user, status=Volunteer.Status.APPROVED).filter(
                community_code=code
            )[:500],
        },
    )
