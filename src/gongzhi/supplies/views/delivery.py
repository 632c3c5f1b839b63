"""Delivery runs: planning the routes of a distribution point's packed orders over the volunteers at
hand, the list of runs, and the route sheet a volunteer carries (phone, printable), with the doorstep
confirmation by the household's door code."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import access, roles
from gongzhi.core.access import capability_required
from gongzhi.core.errors import ApplicationError
from gongzhi.supplies import selectors, services
from gongzhi.supplies.models import DeliveryRun, DeliveryStop
from gongzhi.supplies.views.common import community_in_scope


def _couriers_asked(request: HttpRequest, code: str) -> list[services.CourierIn]:
    chosen = []
    for pk in request.POST.getlist("courier")[:100]:
        user = selectors.courier_get(community_code=code, pk=pk)
        if user is None:
            raise ApplicationError(_("所选的志愿者已不在本社区的配送名单中，请刷新页面后重选"), status=422)
        capacity = request.POST.get(f"capacity:{pk}", "").strip()
        if capacity and not re.fullmatch(r"[0-9]{1,6}", capacity):
            raise ApplicationError(_("载重请填整数（公斤），不填则按车辆的常用载重"), status=422)
        chosen.append(
            services.CourierIn(
                user=user,
                vehicle=request.POST.get(f"vehicle:{pk}", ""),
                capacity_kg=int(capacity) if capacity else None,
            )
        )
    return chosen


def _courier_rows(request: HttpRequest, code: str, *, kept: bool) -> list[tuple]:
    """Each courier with what the form holds for them: after a refused plan, what was chosen and typed."""
    chosen = set(request.POST.getlist("courier")) if kept else set()
    return [
        (
            user,
            str(user.pk) in chosen,
            request.POST.get(f"vehicle:{user.pk}", "") if kept else "",
            request.POST.get(f"capacity:{user.pk}", "")[:12] if kept else "",
        )
        for user in selectors.couriers(community_code=code)
    ]


@login_required
@capability_required(roles.MANAGE_SUPPLIES)
def runs(request: HttpRequest) -> HttpResponse:
    code = community_in_scope(request, roles.MANAGE_SUPPLIES)
    points = list(selectors.distribution_points(user=request.user, community_code=code))
    planned = None
    if request.method == "POST" and points:
        try:
            point = selectors.point_get_for_user(
                user=request.user, public_id=request.POST.get("point", ""), capability=roles.MANAGE_SUPPLIES
            )
            planned = services.runs_plan(actor=request.user, point=point, couriers=_couriers_asked(request, code))
            messages.success(request, _("已排出%(n)s趟配送") % {"n": len(planned.runs)})
        except ApplicationError as exc:
            messages.error(request, exc.message)
    return render(
        request,
        "supplies/runs.html",
        {
            "area": code,
            "points": [(p, selectors.waiting_to_route(p)) for p in points],
            "couriers": _courier_rows(request, code, kept=request.method == "POST" and planned is None),
            "vehicles": DeliveryRun.Vehicle.choices,
            "runs": selectors.run_list(user=request.user, area_code=code)[:100],
            "planned": planned,
        },
    )


@login_required
def run(request: HttpRequest, public_id: str) -> HttpResponse:
    """The route sheet: its volunteer confirms at each door; staff of the community see it and print it."""
    found = selectors.run_get_for_user(user=request.user, public_id=public_id)
    mine = found.courier_id == request.user.pk
    if request.method == "POST" and mine:
        code = request.POST.get("code", "")
        try:
            if request.POST.get("action") == "fail":
                result = services.stop_fail(
                    actor=request.user,
                    run=found,
                    household=request.POST.get("household", ""),
                    code=code,
                    reason=request.POST.get("reason", ""),
                )
                messages.warning(
                    request, _("已记为未送达，订单已重新排队：%(address)s") % {"address": result.stop.household.address}
                )
            else:
                result = services.stop_confirm(actor=request.user, run=found, code=code)
                if result.already and result.stop.confirmed_at is not None:
                    at = timezone.localtime(result.stop.confirmed_at).strftime("%H:%M")
                    messages.info(request, _("这一户已于%(time)s确认送达") % {"time": at})
                else:
                    messages.success(request, _("已确认送达：%(address)s") % {"address": result.stop.household.address})
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect(request.path)
    return render(
        request,
        "supplies/run.html",
        {
            "run": found,
            "stops": selectors.run_stops(found),
            "mine": mine,
            "failures": DeliveryStop.Failure.choices,
            "may_manage": access.may(request.user, roles.MANAGE_SUPPLIES, found),
        },
    )


@login_required
@capability_required(roles.DELIVER)
def my_runs(request: HttpRequest) -> HttpResponse:
    return render(request, "supplies/my_runs.html", {"runs": selectors.my_runs(user=request.user)})
