"""Allocation: a street's (or district's) plan of what each community gets from which supply point,
with why and its optimality; confirmed, it becomes transfers in the stock ledger."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gongzhi.core import roles
from gongzhi.core.access import capability_required
from gongzhi.core.errors import ApplicationError, Problem
from gongzhi.supplies import selectors, services
from gongzhi.supplies.messages import problem_text
from gongzhi.supplies.models import AllocationPlan
from gongzhi.supplies.views.common import area_in_scope


@login_required
@capability_required(roles.MANAGE_STOCK)
def allocation(request: HttpRequest) -> HttpResponse:
    code = area_in_scope(request, roles.MANAGE_STOCK)
    if request.method == "POST":
        try:
            action = request.POST.get("action", "")
            if action == "propose":
                days = request.POST.get("horizon", "7").strip()
                horizon = float(days) if re.fullmatch(r"[0-9]{1,4}(\.[0-9]{1,3})?", days) else -1.0  # -1: refused there
                made = services.allocation_propose(actor=request.user, area_code=code, horizon_days=horizon)
                return redirect(f"{request.path}?area={code}&plan={made.public_id}")
            chosen = selectors.plan_get_for_user(user=request.user, public_id=request.POST.get("plan", ""))
            if action == "confirm":
                services.allocation_confirm(actor=request.user, plan=chosen)
                messages.success(request, _("方案已确认，已记入各物资点的库存流水"))
            elif action == "discard":
                services.allocation_discard(actor=request.user, plan=chosen)
                messages.info(request, _("方案已放弃"))
            return redirect(f"{request.path}?area={code}&plan={chosen.public_id}")
        except ApplicationError as exc:
            messages.error(request, exc.message)
    plan: AllocationPlan | None = None
    if request.GET.get("plan"):
        plan = selectors.plan_get_for_user(user=request.user, public_id=request.GET["plan"])
    labels = selectors.category_labels()
    communities = []
    if plan is not None:
        for row in plan.result.get("communities", []):
            why = [problem_text(Problem(code_, params), labels) for code_, params in row["why"]]
            days_of = [(labels.get(k, k), v) for k, v in row["categories"].items()]
            communities.append((row, days_of, why))
    return render(
        request,
        "supplies/allocation.html",
        {
            "area": code,
            "plan": plan,
            "communities": communities,
            "lines": selectors.plan_lines(plan) if plan is not None else [],
            "plans": selectors.plan_list(user=request.user, area_code=code),
            "gap_percent": round(plan.result.get("gap", 0) * 100, 4) if plan is not None else 0,
        },
    )
