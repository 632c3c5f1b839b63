"""Duty pages of a community: posts and shifts, rosters and mobilisation, post QR codes, the hours to
confirm, and training."""

import datetime as dt

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import access, roles, workbook
from gongzhi.core.access import capability_required
from gongzhi.core.errors import ApplicationError
from gongzhi.core.page_area import area_in_scope
from gongzhi.places.selectors import picker_levels
from gongzhi.volunteers import choices, flows, selectors, services
from gongzhi.volunteers.messages import uncovered_reason
from gongzhi.volunteers.models import Volunteer
from gongzhi.volunteers.views.common import community_in_scope, date_of


@login_required
@capability_required(roles.MANAGE_VOLUNTEERS)
def posts(request: HttpRequest) -> HttpResponse:
    """Posts and shifts of a community; rostering a day; mobilising the reservoir; QR codes."""
    code = community_in_scope(request, roles.MANAGE_VOLUNTEERS)
    day = date_of(request.POST.get("day") or request.GET.get("day"), timezone.localdate())
    result = None
    street_result = False
    may_mobilise_street = access.may_in_area(request.user, roles.MANAGE_VOLUNTEERS, code[:9])
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "post":
                services.post_create(
                    actor=request.user, community_code=code, name=request.POST.get("name", ""),
                    group=request.POST.get("group", ""), skills=request.POST.getlist("skills"),
                    training=selectors.course_by_code(request.POST.get("training", "")),
                )  # fmt: skip
                messages.success(request, _("已添加岗位"))
            elif action == "shift":
                post = selectors.post_get_for_user(
                    user=request.user, public_id=request.POST.get("post", "")[:26], capability=roles.MANAGE_VOLUNTEERS
                )
                start = dt.datetime.combine(day, dt.time.fromisoformat(request.POST.get("starts", "08:00")))
                end = dt.datetime.combine(day, dt.time.fromisoformat(request.POST.get("ends", "12:00")))
                services.shift_create(
                    actor=request.user, post=post, starts_at=timezone.make_aware(start),
                    ends_at=timezone.make_aware(end), needed=int(request.POST.get("needed") or 0),
                )  # fmt: skip
                messages.success(request, _("已添加班次"))
            elif action in ("roster", "mobilise", "replan"):
                result = services.roster_build(
                    actor=request.user, community_code=code, day=day,
                    reservoir="street" if action == "mobilise" else "community", replan=action == "replan",
                )  # fmt: skip
            elif action == "mobilise_street":
                if not may_mobilise_street:
                    raise ApplicationError(_("只有街道的工作人员可以动员全街道"), status=403)
                result = services.street_mobilise(
                    actor=request.user, street_code=code[:9], first_day=day, days=_int(request.POST.get("days"))
                )
                street_result = True
            elif action == "assign":
                shift = selectors.shift_get_for_user(
                    user=request.user, public_id=request.POST.get("shift", "")[:26], capability=roles.MANAGE_VOLUNTEERS
                )
                volunteer = selectors.volunteer_get_for_user(
                    user=request.user,
                    public_id=request.POST.get("volunteer", "")[:26],
                    capability=roles.VIEW_VOLUNTEERS,
                )
                services.assignment_add(actor=request.user, shift=shift, volunteer=volunteer)
                messages.success(request, _("已安排 %(name)s") % {"name": volunteer.name})
            elif action == "unassign":
                assignment = selectors.assignment_get_for_user(
                    user=request.user, pk=_int(request.POST.get("assignment")), capability=roles.MANAGE_VOLUNTEERS
                )
                services.assignment_remove(actor=request.user, assignment=assignment)
                messages.success(request, _("已换下 %(name)s") % {"name": assignment.volunteer.name})
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
            "community_name": getattr(selectors.area_of(code), "name", code),
            "picker": picker_levels(user=request.user, capability=roles.MANAGE_VOLUNTEERS, code=code),
            "day": day,
            "posts": rows,
            "day_start": start,
            "day_end": start + dt.timedelta(days=1),
            "result": result,
            "street_result": street_result,
            "gap_percent": f"{result.gap * 100:.3f}" if result else "",
            "uncovered": [(u, uncovered_reason(u)) for u in result.uncovered] if result else [],
            "street": selectors.area_of(code[:9]) if may_mobilise_street else None,
            "mobilise_days": range(1, services.MOBILISE_MAX_DAYS + 1),
            "groups": Volunteer.Group.choices,
            "skills": choices.SKILLS.items(),
            "courses": selectors.courses(),
            "candidates": list(selectors.roster_candidates(user=request.user, community_code=code)),
        },
    )


@login_required
def post_qr(request: HttpRequest, public_id: str) -> HttpResponse:
    """A printable sheet with the post's check-in QR code."""
    post = selectors.post_get_for_user(user=request.user, public_id=public_id, capability=roles.MANAGE_VOLUNTEERS)
    url = request.build_absolute_uri(reverse("volunteers:checkin", args=[post.checkin_key]))
    svg = segno.make(url, error="m").svg_inline(scale=8)
    return render(request, "volunteers/post_qr.html", {"post": post, "svg": svg, "url": url})


@login_required
@capability_required(roles.CONFIRM_HOURS)
def checkins(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        number = request.POST.get("checkin", "")
        record = selectors.checkin_get_for_user(
            user=request.user, pk=int(number) if number.isdecimal() else 0, capability=roles.CONFIRM_HOURS
        )
        try:
            entry = services.checkin_confirm(actor=request.user, record=record)
            messages.success(request, _("已确认 %(hours)s 小时") % {"hours": entry.hours})
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect(request.get_full_path())
    area = area_in_scope(request, roles.CONFIRM_HOURS) if request.GET.get("area") else ""
    rows = list(selectors.checkins_to_confirm(user=request.user, area_code=area)[:200])
    on_duty = list(selectors.checkins_on_duty(user=request.user, area_code=area)[:200])
    return render(
        request,
        "volunteers/checkins.html",
        {"rows": [(r, services.checkin_hours(r)) for r in rows], "on_duty": on_duty},
    )


@login_required
@capability_required(roles.MANAGE_VOLUNTEERS)
def training(request: HttpRequest) -> HttpResponse:
    """Courses, a community's sessions, and attendance (which certifies the attendees)."""
    code = community_in_scope(request, roles.MANAGE_VOLUNTEERS)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "session":
                course = selectors.course_by_code(request.POST.get("course", ""))
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
                session = selectors.training_session_get(
                    user=request.user, public_id=request.POST.get("session", "")[:26], community_code=code
                )
                volunteers, _query = selectors.volunteer_list(user=request.user)
                chosen = list(volunteers.filter(public_id__in=request.POST.getlist("volunteers"), community_code=code))
                added = services.attendance_record(actor=request.user, session=session, volunteers=chosen)
                messages.success(request, _("已登记 %(n)d 人参加培训") % {"n": added})
        except ApplicationError as exc:
            messages.error(request, exc.message)
        except ValueError:
            messages.error(request, _("时间格式不正确"))
        return redirect(f"{reverse('volunteers:training')}?community_code={code}")
    volunteers, _query = selectors.volunteer_list(user=request.user, status=flows.APPROVED)
    return render(
        request,
        "volunteers/training.html",
        {
            "community_code": code,
            "courses": selectors.courses(),
            "sessions": selectors.training_sessions(community_code=code),
            "volunteers": volunteers.filter(community_code=code)[:500],
        },
    )


def _int(value) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return 0


def _day_roster(request: HttpRequest):
    code = community_in_scope(request, roles.MANAGE_VOLUNTEERS)
    day = date_of(request.GET.get("day"), timezone.localdate())
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    rows = selectors.roster_of_day(
        user=request.user, community_code=code, start=start, end=start + dt.timedelta(days=1)
    )
    return code, day, rows


@login_required
@capability_required(roles.MANAGE_VOLUNTEERS)
def roster_export(request: HttpRequest) -> HttpResponse:
    """A community's roster of one day as .xlsx (names and posts, no numbers)."""
    code, day, rows = _day_roster(request)
    content = services.roster_export(actor=request.user, community_code=code, day=day, rows=rows)
    name = getattr(selectors.area_of(code), "name", code)
    return workbook.download(content, workbook.file_name(name, _("排班表"), day=day))


@login_required
@capability_required(roles.MANAGE_VOLUNTEERS)
def roster_print(request: HttpRequest) -> HttpResponse:
    """A community's roster of one day, to print and pin up at the posts."""
    code, day, rows = _day_roster(request)
    return render(
        request,
        "volunteers/roster_print.html",
        {
            "rows": rows,
            "day": day,
            "community_code": code,
            "community_name": getattr(selectors.area_of(code), "name", code),
        },
    )
