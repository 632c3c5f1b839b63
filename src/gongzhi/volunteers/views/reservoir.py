"""The community's pages of the reservoir: the list and search, a volunteer (numbers revealed on
request, audited), review, hour corrections, the linkage of organisations, and hardship aid."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongzhi.core import access, roles
from gongzhi.core.access import capability_required
from gongzhi.core.errors import ApplicationError
from gongzhi.core.navigation import next_url
from gongzhi.core.pii import personal_data, pii_visible
from gongzhi.core.selectors import workflow_events
from gongzhi.core.services import full_number_search_record
from gongzhi.volunteers import choices, flows, selectors, services
from gongzhi.volunteers.models import AidRequest, Organisation, Volunteer
from gongzhi.volunteers.views.common import community_in_scope, date_of

# Buttons say what they do (通过, 暂停), not the state they lead to (已通过, 已暂停).
VOLUNTEER_ACTIONS = {
    (flows.PENDING, flows.APPROVED): gettext_lazy("通过"),
    (flows.PENDING, flows.REJECTED): gettext_lazy("不通过"),
    (flows.APPROVED, flows.SUSPENDED): gettext_lazy("暂停"),
    (flows.SUSPENDED, flows.APPROVED): gettext_lazy("恢复"),
}
AID_ACTIONS = {
    (flows.SUBMITTED, flows.COMMUNITY_APPROVED): gettext_lazy("社区同意"),
    (flows.SUBMITTED, flows.AID_REJECTED): gettext_lazy("不同意"),
    (flows.COMMUNITY_APPROVED, flows.AID_APPROVED): gettext_lazy("街道批准"),
    (flows.COMMUNITY_APPROVED, flows.AID_REJECTED): gettext_lazy("不批准"),
    (flows.AID_APPROVED, flows.PAID): gettext_lazy("确认已发放"),
}


def _masked(volunteer: Volunteer, *, full: bool = False):
    return personal_data(id_number=volunteer.id_number, phone=volunteer.phone, birth_date=None, full=full)


@login_required
@capability_required(roles.VIEW_VOLUNTEERS, roles.CONFIRM_HOURS)
def volunteer_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")[:16]
    error, rows = "", []
    try:
        volunteers, query = selectors.volunteer_list(
            user=request.user, status=status, query=request.GET.get("q", "")[:30]
        )
        rows = list(volunteers[:200])
        if query.is_full:
            full_number_search_record(
                actor=request.user,
                entity="volunteer",
                query=query,
                rows=rows,
                ip_address=request.META.get("REMOTE_ADDR"),
            )
    except ApplicationError as exc:
        error = exc.message
    return render(
        request,
        "volunteers/volunteer_list.html",
        {
            "rows": [
                (
                    v,
                    _masked(v).phone,
                    v.status == flows.PENDING and access.may(request.user, roles.MANAGE_VOLUNTEERS, v),
                    selectors.repeat_sign_ups_shown(request.user, v),
                )
                for v in rows
            ],
            "status": status,
            "statuses": Volunteer.Status.choices,
            "error": error,
        },
        status=403 if error else 200,
    )


def _detail(request: HttpRequest, volunteer: Volunteer, *, revealed: bool) -> HttpResponse:
    pii = _masked(volunteer, full=revealed)
    may_manage = access.may(request.user, roles.MANAGE_VOLUNTEERS, volunteer)
    return render(
        request,
        "volunteers/volunteer_detail.html",
        {
            "v": volunteer,
            "id_number": pii.id_number,
            "phone": pii.phone,
            "revealed": revealed,
            "may_reveal": pii_visible(request.user, volunteer),
            "repeat_sign_ups": selectors.repeat_sign_ups_shown(request.user, volunteer),
            "skills": [choices.SKILLS.get(s, s) for s in volunteer.skills],
            **selectors.volunteer_record(volunteer),
            "actions": [
                (s, VOLUNTEER_ACTIONS[(volunteer.status, s)])
                for s in flows.VOLUNTEER_FLOW.next_states(volunteer.status)
            ]
            if may_manage
            else [],
            "timeline": workflow_events(flow=flows.VOLUNTEER_FLOW.name, row_key=volunteer.public_id),
            "status_labels": dict(Volunteer.Status.choices),
            "can_manage": may_manage,
        },
    )


@login_required
def volunteer_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    if request.method == "POST":  # show the numbers in full, for roles that call volunteers; audited
        volunteer = selectors.volunteer_get_for_user(
            user=request.user, public_id=public_id, capability=roles.SEE_FULL_PII
        )
        services.volunteer_reveal(actor=request.user, volunteer=volunteer, ip_address=request.META.get("REMOTE_ADDR"))
        return _detail(request, volunteer, revealed=True)
    volunteer = selectors.volunteer_get_for_user(
        user=request.user, public_id=public_id, capability=roles.VIEW_VOLUNTEERS
    )
    return _detail(request, volunteer, revealed=False)


@login_required
@require_POST
def volunteer_review(request: HttpRequest, public_id: str) -> HttpResponse:
    volunteer = selectors.volunteer_get_for_user(
        user=request.user, public_id=public_id, capability=roles.MANAGE_VOLUNTEERS
    )
    try:
        services.volunteer_review(
            actor=request.user, volunteer=volunteer, to_status=request.POST.get("to_status", ""),
            note=request.POST.get("note", ""),
        )  # fmt: skip
        messages.success(request, _("已更新志愿者状态"))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(next_url(request, reverse("volunteers:volunteer_detail", args=[public_id])))


@login_required
@require_POST
def hours_correct(request: HttpRequest, public_id: str) -> HttpResponse:
    volunteer = selectors.volunteer_get_for_user(
        user=request.user, public_id=public_id, capability=roles.MANAGE_VOLUNTEERS
    )
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
            served_on=date_of(request.POST.get("served_on"), timezone.localdate()),
        )
        messages.success(request, _("时长已更正，并已记入审计日志"))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("volunteers:volunteer_detail", public_id=public_id)


@login_required
@capability_required(roles.VIEW_VOLUNTEERS)
def linkage(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        code = community_in_scope(request, roles.MANAGE_VOLUNTEERS)
        try:
            services.organisation_create(
                actor=request.user, kind=request.POST.get("kind", ""), name=request.POST.get("name", ""),
                community_code=code,
            )  # fmt: skip
            messages.success(request, _("已添加组织"))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect(f"{reverse('volunteers:linkage')}?community_code={code}")
    code = community_in_scope(request, roles.VIEW_VOLUNTEERS)
    return render(
        request,
        "volunteers/linkage.html",
        {
            "community_code": code,
            "community": selectors.area_of(code),
            "data": selectors.linkage(user=request.user, community_code=code),
            "kinds": Organisation.Kind.choices,
            "can_add": access.may_in_area(request.user, roles.MANAGE_VOLUNTEERS, code),
        },
    )


@login_required
@capability_required(roles.MANAGE_VOLUNTEERS)
def aid_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        aid = selectors.aid_get_for_user(
            user=request.user, public_id=request.POST.get("request", "")[:26], capability=roles.MANAGE_VOLUNTEERS
        )
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
        {
            "rows": [(r, [(s, AID_ACTIONS[(r.status, s)]) for s in _aid_steps(request.user, r)]) for r in rows],
            "labels": dict(AidRequest.Status.choices),
        },
    )


def _aid_steps(user, request: AidRequest) -> tuple[str, ...]:
    """The steps this user may take on this request: the flow's next steps at the user's levels there."""
    held = access.levels(user, roles.MANAGE_VOLUNTEERS, request)
    return tuple(
        target
        for target in flows.AID_FLOW.next_states(request.status)
        if (step := flows.AID_FLOW.step(request.status, target)) is not None
        and (step.levels is None or held & step.levels)
    )
