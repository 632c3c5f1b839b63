"""Round pages: the list, a new round, the dashboard and its figures (the drill-down), a round's
steps and collectors, and the current round of an area."""

import math
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core import access, roles
from gongzhi.core.access import capability_required
from gongzhi.core.errors import ApplicationError
from gongzhi.core.page_area import area_in_scope
from gongzhi.core.replica import reading_from_replica
from gongzhi.places.selectors import area_breadcrumb_of, area_exists, area_names, picker_levels
from gongzhi.testing import flows, pooling, selectors, services
from gongzhi.testing.models import Round
from gongzhi.testing.round_nav import round_links
from gongzhi.testing.views._common import _place


@login_required
@capability_required(roles.VIEW_TESTING, roles.COLLECT_SAMPLES, roles.RECORD_RESULTS)
def round_list(request):
    rounds = list(selectors.round_list(user=request.user, capability=roles.VIEW_TESTING)[:100])
    collecting = list(selectors.rounds_collecting(user=request.user)[:20])
    resulting = list(selectors.round_list(user=request.user, capability=roles.RECORD_RESULTS)[:20])
    return render(
        request,
        "testing/round_list.html",
        {"rounds": rounds, "collecting": collecting, "resulting": resulting},
    )


@login_required
@capability_required(roles.VIEW_TESTING)
def round_current(request, page: str):
    """The current round's page for an area (the command view's figures link here): its coverage,
    untested residents, dashboard or recalls; the round list when no round is open there."""
    area = area_in_scope(request, roles.VIEW_TESTING)
    place = _place(request)
    if place is not None:
        area = place.community_code
    round_ = selectors.current_round_over(user=request.user, area_code=area)
    if round_ is None or page not in ("coverage", "untested", "dashboard", "recalls"):
        messages.info(request, _("该区域目前没有进行中的检测轮次"))
        return redirect("testing:round_list")
    if page == "dashboard":
        return redirect("testing:round_dashboard", public_id=round_.public_id)
    narrowed = place.query if place is not None else {}
    if page == "recalls":
        url = reverse("testing:recall_list", args=[round_.public_id])
        only_open = {"open": "1"} if request.GET.get("open") == "1" else {}
        return redirect(url + "?" + urlencode({"area": area, **narrowed, **only_open}))
    inside = area if len(area) >= len(round_.area_code) else round_.area_code
    url = reverse("testing:coverage", args=[round_.public_id]) + "?" + urlencode({"area_code": inside, **narrowed})
    return redirect(url + ("#untested" if page == "untested" else ""))


@login_required
@capability_required(roles.MANAGE_ROUNDS)
def round_new(request):
    try:
        prevalence = min(max(float(request.GET.get("prevalence", "0.01")), 0.0), 1.0)
    except ValueError:
        prevalence = 0.01
    if math.isnan(prevalence):  # float("nan") passes min and max unchanged
        prevalence = 0.01
    suggestion = pooling.optimal_pool_size(prevalence, pooling.MAX_POOL_SIZE)
    context = {
        "prevalence": prevalence,
        "suggestion": suggestion,
        "suggested": pooling.suggested_pool_size(prevalence),
        "guideline": pooling.GUIDELINE_POOL_SIZE,
        # A round suggested elsewhere (a risk zone's page) comes prefilled: area, pool size, name.
        "form": request.POST if request.method == "POST" else request.GET,
        "error": None,
        "picker": picker_levels(
            user=request.user,
            capability=roles.MANAGE_ROUNDS,
            code=(request.POST if request.method == "POST" else request.GET).get("area_code", "").strip()[:12],
        ),
    }
    if request.method == "POST":
        code = request.POST.get("area_code", "").strip()[:12]
        try:
            pool_size = int(request.POST.get("pool_size", ""))
        except ValueError:
            pool_size = 0
        if not access.may_in_area(request.user, roles.MANAGE_ROUNDS, code):
            context["error"] = _("只能在您负责的区域内发起轮次")
        else:
            try:
                round_ = services.round_create(
                    actor=request.user,
                    name=request.POST.get("name", ""),
                    area_code=code,
                    pool_size=pool_size,
                    barcode_pattern=request.POST.get("barcode_pattern", "")[:200],
                )
                return redirect("testing:round_dashboard", public_id=round_.public_id)
            except ApplicationError as exc:
                context["error"] = exc.message
    return render(request, "testing/round_form.html", context, status=422 if context["error"] else 200)


@login_required
def round_dashboard(request, public_id: str):
    round_ = selectors.round_get_for_user(user=request.user, public_id=public_id, capability=roles.VIEW_TESTING)
    may_manage = access.may(request.user, roles.MANAGE_ROUNDS, round_)
    with reading_from_replica():  # the rollup's figures; the round and its collectors from the primary
        totals = selectors.progress_totals(user=request.user, round_=round_)
    return render(
        request,
        "testing/round_dashboard.html",
        {
            "round": round_,
            "round_nav": round_links(request.user, round_, "round_dashboard"),
            "area_name": area_names([round_.area_code]).get(round_.area_code, round_.area_code),
            "may_manage": may_manage,
            "collectors": list(selectors.round_collectors(round_=round_)) if may_manage else [],
            "candidates": list(selectors.collector_candidates(round_=round_)[:200]) if may_manage else [],
            "totals": totals,
            "next_steps": [(s, Round.Status(s).label) for s in flows.ROUND_FLOW.next_states(round_.status)]
            if may_manage and round_.archived_at is None  # an archived round stays closed
            else [],
        },
    )


@login_required
@require_POST
def round_transition(request, public_id: str):
    round_ = selectors.round_get_for_user(user=request.user, public_id=public_id, capability=roles.MANAGE_ROUNDS)
    try:
        services.round_transition(actor=request.user, round_=round_, to_status=request.POST.get("to_status", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("testing:round_dashboard", public_id=round_.public_id)


@login_required
@require_POST
def round_collectors(request, public_id: str):
    """Assign a collector to the round (by login), or take one off it."""
    round_ = selectors.round_get_for_user(user=request.user, public_id=public_id, capability=roles.MANAGE_ROUNDS)
    username = request.POST.get("username", "").strip()[:150]
    removing = bool(request.POST.get("remove"))
    user = selectors.collector_by_username(username, round_=round_ if removing else None)
    try:
        if user is None:  # one answer for a login that is no collector's and one that is nobody's
            raise ApplicationError(_("没有这个采样账号：%(name)s") % {"name": username}, status=422)
        if removing:
            services.round_collector_remove(actor=request.user, round_=round_, user=user)
            messages.success(request, _("已取消 %(name)s 的采样指派") % {"name": username})
        else:
            services.round_collector_assign(actor=request.user, round_=round_, user=user)
            messages.success(request, _("已指派 %(name)s 为本轮采样人员") % {"name": username})
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("testing:round_dashboard", public_id=round_.public_id)


@login_required
def round_progress(request, public_id: str):
    """The dashboard's figures. With `area` (or `grid`): the parts of that area with coverage as a
    share, lagging first, each with where clicking it leads (drill-down); with `level`: the rollup
    grouped by that level (the earlier form)."""
    round_ = selectors.round_get_for_user(user=request.user, public_id=public_id, capability=roles.VIEW_TESTING)
    if "level" not in request.GET:
        return _coverage_drill(request, round_)
    with reading_from_replica():
        rows = selectors.progress_rows_by_level(
            user=request.user, round_=round_, level=request.GET.get("level", "street")
        )
        totals = selectors.progress_totals(user=request.user, round_=round_)
    return JsonResponse({"totals": totals, "rows": rows})


def _coverage_drill(request, round_):
    area_code = request.GET.get("area", "")[:12] or round_.area_code
    grid = None
    if request.GET.get("grid"):
        grid = selectors.grid_in_round(user=request.user, round_=round_, public_id=request.GET["grid"][:26])
        if grid is None:
            raise Http404
        area_code = grid.community_code
    elif not area_exists(area_code):
        raise Http404
    with reading_from_replica():
        found = selectors.coverage_children(user=request.user, round_=round_, area_code=area_code, grid=grid)
    if not found["level"]:  # an area the round does not cover
        raise Http404
    coverage_url = reverse("testing:coverage", args=[round_.public_id])
    for row in found["rows"]:
        if found["level"] in ("district", "street", "community"):
            row["drill"] = {"area": row["key"]}
            row["list"] = f"{coverage_url}?{urlencode({'area_code': row['key']})}#untested"
        elif found["level"] == "grid":
            row["drill"] = {"grid": row["key"]}
            row["list"] = f"{coverage_url}?{urlencode({'area_code': area_code})}#untested"
        else:
            row["drill"] = None
            row["list"] = reverse("places:building_detail", args=[row["key"]]) if row["key"] else ""
    totals = {k: sum(r[k] for r in found["rows"]) for k in ("expected", "sampled", "exempted", "untested")}
    trail = [
        {"name": a.name, "area": a.code}
        for a in area_breadcrumb_of(area_code)
        if a.code.startswith(round_.area_code) or a.code == round_.area_code
    ]
    if grid is not None:
        trail.append({"name": grid.name, "grid": grid.public_id})
    return JsonResponse({"level": found["level"], "rows": found["rows"], "totals": totals, "trail": trail})
