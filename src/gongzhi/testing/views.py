import math
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core import access, roles, workbook
from gongzhi.core.access import capability_required
from gongzhi.core.errors import ApplicationError
from gongzhi.core.keyset import keyset_page
from gongzhi.core.page_area import area_in_scope
from gongzhi.core.pii import pii_visible
from gongzhi.core.replica import reading_from_replica
from gongzhi.core.workflow import STAFF
from gongzhi.people.selectors import resident_get_for_user, resident_personal_data, tags_shown
from gongzhi.places.selectors import (
    PlaceFilter,
    area_breadcrumb_of,
    area_exists,
    area_names,
    picker_levels,
    place_filter_asked,
)
from gongzhi.testing import flows, pooling, selectors, services
from gongzhi.testing.models import Exemption, Recall, Round
from gongzhi.testing.round_nav import round_links


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


def _place(request) -> PlaceFilter | None:
    """The grid or building a list is narrowed to (`?grid=` / `?building=`): 404 outside the user's."""
    return place_filter_asked(user=request.user, asked=request.GET, capability=roles.VIEW_TESTING)


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


RESULT_FILE_LIMIT = 20 * 1024 * 1024
UNTESTED_PAGE = 100
RECALL_EXPORT_MAX = 50_000


@login_required
def results_import(request, public_id: str):
    """A lab uploads a round's results (.csv or .xlsx, columns 管号 and 结果) and sees every row
    accounted for: recorded, unchanged, held (the file's rows for a tube disagree) or not recorded,
    with its row number and the reason. The round's held conflicts stay listed, and a result is
    corrected here with the reason (复检更正)."""
    round_ = selectors.round_get_for_user(user=request.user, public_id=public_id, capability=roles.RECORD_RESULTS)
    error, outcome, correction_error = None, None, None
    if request.method == "POST" and request.POST.get("action") == "correct":
        try:
            services.tube_result_correct(
                actor=request.user,
                round_=round_,
                barcode=request.POST.get("barcode", "")[:64],
                result=request.POST.get("result", "")[:16],
                reason=request.POST.get("reason", "")[:200],
            )
            barcode = request.POST.get("barcode", "")[:64]
            messages.success(request, _("已更正 %(barcode)s 的检测结果") % {"barcode": barcode})
            return redirect("testing:results_import", public_id=round_.public_id)
        except ApplicationError as exc:
            correction_error = exc.message
    elif request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("请选择要上传的结果文件（.xlsx 或 .csv）")
        elif upload.size > RESULT_FILE_LIMIT:
            error = _("文件超过20MB，请分成几个文件上传")
        else:
            try:
                outcome = services.tube_results_import(
                    actor=request.user, round_=round_, file_name=upload.name or "", content=upload.read()
                )
            except ApplicationError as exc:
                error = exc.message
    return render(
        request,
        "testing/results_import.html",
        {
            "round": round_,
            "round_nav": round_links(request.user, round_, "results_import"),
            "error": error,
            "outcome": outcome,
            "held": list(selectors.result_conflicts_held(round_=round_)[:500]),
            "correction_error": correction_error,
            "correction": request.POST if correction_error else {},
            "may_see_recalls": access.may_around(request.user, roles.VIEW_TESTING, round_.area_code),
        },
        status=422 if error or correction_error else 200,
    )


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
    user = selectors.active_user_by_username(username)
    try:
        if user is None:
            raise ApplicationError(_("没有这个账号：%(name)s") % {"name": username}, status=422)
        if request.POST.get("remove"):
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


@login_required
def coverage(request, public_id: str):
    """Coverage of the round in an area, the door-to-door tasks, and the untested residents, every
    one of them, a page of UNTESTED_PAGE at a time (keyset pages in building, unit, room order)."""
    round_ = selectors.round_get_for_user(user=request.user, public_id=public_id, capability=roles.VIEW_TESTING)
    area_code = request.GET.get("area_code", "")[:12]
    place = _place(request)
    if place is not None:
        area_code = place.community_code
    picker = picker_levels(user=request.user, capability=roles.VIEW_TESTING, code=area_code, within=round_.area_code)
    if area_code and not area_exists(area_code):
        # a name or a typo where a code belongs: say so, never count nothing as "all tested"
        return render(
            request,
            "testing/coverage.html",
            {
                "round": round_,
                "round_nav": round_links(request.user, round_, "coverage"),
                "picker": picker,
                "error": _("没有这个区域：请从列表中选择"),
            },
            status=422,
        )
    try:
        with reading_from_replica():
            summary = selectors.coverage_summary(user=request.user, round_=round_, area_code=area_code, place=place)
            page = keyset_page(
                selectors.untested_residents(
                    user=request.user, round_=round_, area_code=area_code, place=place
                ).prefetch_related("tags"),
                keys=selectors.UNTESTED_ORDER,
                size=UNTESTED_PAGE,
                after=request.GET.get("after", "")[:200],
                before=request.GET.get("before", "")[:200],
            )
            tasks = list(
                selectors.door_to_door_tasks(
                    user=request.user, round_=round_, area_code=area_code, place=place
                ).prefetch_related("tags")[:500]
            )
    except ApplicationError as exc:  # a cursor that is not one of ours
        raise Http404 from exc
    tags_shown(request.user, [*tasks, *page.rows])
    return render(
        request,
        "testing/coverage.html",
        {
            "round": round_,
            "round_nav": round_links(request.user, round_, "coverage"),
            "summary": summary,
            "area_code": area_code,
            "tasks": [(r, resident_personal_data(r, full=False)) for r in tasks],
            "untested": [(r, resident_personal_data(r, full=False)) for r in page.rows],
            "page": page,
            "paged": bool(request.GET.get("after") or request.GET.get("before")),
            "area_query": urlencode({"area_code": area_code, **(place.query if place else {})}),
            "place": place,
            "place_clear": "?" + urlencode({"area_code": area_code}),
            "picker": picker,
            "visit_options": _options(
                [("sampled", _("已上门采样")), ("visited", _("已上门，未采到")), ("exempt", _("本轮免检"))]
            ),
            "reason_options": _options([("", _("免检原因（免检时选）")), *Exemption.Reason.choices]),
        },
    )


@login_required
@capability_required(roles.EXPORT_RESIDENTS)
def untested_export(request, public_id: str):
    round_ = selectors.round_get_for_user(user=request.user, public_id=public_id, capability=roles.VIEW_TESTING)
    area_code = request.GET.get("area_code", "")[:12]
    if area_code and not area_exists(area_code):
        return HttpResponse(_("没有这个区域：请从列表中选择"), status=422, content_type="text/plain; charset=utf-8")
    place = _place(request)
    if place is not None:
        area_code = place.community_code
    residents = selectors.untested_residents(
        user=request.user, round_=round_, area_code=area_code, capability=roles.EXPORT_RESIDENTS, place=place
    )
    content = services.untested_export(
        actor=request.user,
        round_=round_,
        residents=residents,
        area_code=area_code,
        narrowed_to=place.query if place is not None else None,
    )
    place_name = area_names([area_code or round_.area_code]).get(area_code or round_.area_code, "")
    if place is not None:
        place_name = f"{place_name}{place.label}"
    return workbook.download(content, workbook.file_name(place_name, round_.name, _("未检测名单")))


def recall_rows(user, recalls):
    """Each recall with the member's numbers as this viewer sees them (in full where the viewer
    calls the members: their own areas) and the steps the viewer may take on it."""
    rows = []
    for recall in recalls:
        full = pii_visible(user, recall.resident)
        may_handle = access.may(user, roles.HANDLE_RECALLS, recall)
        steps = flows.RECALL_FLOW.next_states(recall.status, by=STAFF) if may_handle else ()  # not the platform's
        rows.append(
            (recall, resident_personal_data(recall.resident, full=full), [(s, Recall.Status(s).label) for s in steps])
        )
    return rows


def _recall_area(request) -> tuple[str, PlaceFilter | None]:
    """The area (`?area=`, an official area the user holds) and the grid or building the recall list
    is narrowed to; ("", None): all of the user's."""
    place = _place(request)
    if place is not None:
        return place.community_code, place
    if request.GET.get("area"):
        return area_in_scope(request, roles.VIEW_TESTING), None
    return "", None


def _recall_query(area: str, place: PlaceFilter | None, only_open: bool) -> dict[str, str]:
    """What keeps the recall list narrowed: its links, its export and its steps' forms."""
    kept = {"area": area, **(place.query if place else {}), "open": "1" if only_open else ""}
    return {k: v for k, v in kept.items() if v}


@login_required
def recall_list(request, public_id: str):
    round_ = selectors.round_get_for_user(user=request.user, public_id=public_id, capability=roles.VIEW_TESTING)
    area, place = _recall_area(request)
    only_open = request.GET.get("open") == "1"
    recalls = selectors.recall_list(user=request.user, round_=round_, area_code=area, place=place, open_only=only_open)
    rows = recall_rows(request.user, recalls[:1000])
    # Roles that phone the members see the numbers in full where they work, and that is audited.
    services.recall_list_full_view_record(
        actor=request.user, recalls=[r for r, pii, _ in rows if pii.full], ip_address=request.META.get("REMOTE_ADDR")
    )
    return render(
        request,
        "testing/recall_list.html",
        {
            "round": round_,
            "recalls": rows,
            "round_nav": round_links(request.user, round_, "recall_list"),
            "area": area,
            "area_name": area_names([area]).get(area, area) if area else "",
            "place": place,
            "place_clear": "?" + urlencode({"area": area}),
            "only_open": only_open,
            "narrowed": urlencode(_recall_query(area, place, only_open)),
            "kept": _recall_query(area, place, only_open),
        },
    )


@login_required
@require_POST
def door_visit(request, public_id: str, resident_id: str):
    """A door-to-door task marked: visited without a sample (with why), sampled at the door, or
    exempt with a reason. The resident is decided with the right to edit them (their grid or
    community worker)."""
    round_ = selectors.round_get_for_user(user=request.user, public_id=public_id, capability=roles.VIEW_TESTING)
    resident = resident_get_for_user(user=request.user, public_id=resident_id[:26], capability=roles.EDIT_RESIDENTS)
    action = request.POST.get("action", "")
    note = request.POST.get("note", "")[:200]
    try:
        if action == "exempt":
            services.exemption_record(
                actor=request.user, round_=round_, resident=resident, reason=request.POST.get("reason", ""), note=note
            )
            messages.success(request, _("已记录 %(name)s 本轮免检") % {"name": resident.name})
        else:
            services.door_visit_record(actor=request.user, round_=round_, resident=resident, outcome=action, note=note)
            messages.success(request, _("已记录对 %(name)s 的上门情况") % {"name": resident.name})
    except ApplicationError as exc:
        messages.error(request, exc.message)
    back = reverse("testing:coverage", args=[round_.public_id])
    kept = {k: request.POST.get(k, "")[:26] for k in ("area_code", "grid", "building")}  # the page it came from
    kept = {k: v for k, v in kept.items() if v}
    return redirect(back + (f"?{urlencode(kept)}" if kept else "") + "#door-to-door")


@login_required
def recall_export(request, public_id: str):
    """The recall list as .xlsx, the rows the page shows (phones in full where the viewer calls the
    members), audited."""
    round_ = selectors.round_get_for_user(user=request.user, public_id=public_id, capability=roles.VIEW_TESTING)
    area, place = _recall_area(request)
    recalls = selectors.recall_list(
        user=request.user, round_=round_, area_code=area, place=place, open_only=request.GET.get("open") == "1"
    )
    rows = recall_rows(request.user, recalls[:RECALL_EXPORT_MAX])
    content = services.recall_export(
        actor=request.user, round_=round_, rows=rows, ip_address=request.META.get("REMOTE_ADDR")
    )
    return workbook.download(content, workbook.file_name(round_.name, _("阳性复核名单")))


@login_required
@require_POST
def recall_transition(request, public_id: str):
    recall = selectors.recall_get_for_user(user=request.user, public_id=public_id, capability=roles.HANDLE_RECALLS)
    try:
        services.recall_transition(
            actor=request.user,
            recall=recall,
            to_status=request.POST.get("to_status", ""),
            note=request.POST.get("note", ""),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    back = reverse("testing:recall_list", args=[recall.round.public_id])
    kept = {k: request.POST.get(k, "")[:26] for k in ("area", "grid", "building", "open")}  # the list it came from
    kept = {k: v for k, v in kept.items() if v}
    return redirect(back + (f"?{urlencode(kept)}" if kept else ""))


@login_required
def collect(request, public_id: str):
    round_, site = selectors.round_get_for_collector(user=request.user, public_id=public_id)
    return render(
        request,
        "testing/collect.html",
        {"round": round_, "site": site, "round_nav": round_links(request.user, round_, "collect")},
    )


def collect_service_worker(request):
    """The service worker is served from the root so its scope covers the collection pages."""
    path = Path(__file__).resolve().parents[1] / "core" / "static" / "gongzhi" / "collect-sw.js"
    response = HttpResponse(path.read_text(encoding="utf-8"), content_type="application/javascript")
    response["Cache-Control"] = "no-cache"
    return response


@login_required
def site_plan(request, public_id: str):
    """Sites of a community in this round, the guideline's figures, and the slot plan."""
    round_ = selectors.round_get_for_user(user=request.user, public_id=public_id, capability=roles.VIEW_TESTING)
    code = (request.POST.get("community_code") or request.GET.get("community_code") or "")[:12]
    if not code or not access.may_in_area(request.user, roles.MANAGE_ROUNDS, code):
        raise Http404
    error, figures = None, None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "plan":
                figures = services.slot_plan_create(
                    round_=round_,
                    community_code=code,
                    window_minutes=_int(request.POST.get("window_minutes"), 30),
                    start=_start_of(request.POST.get("start", "")),
                )
            else:
                services.site_create(
                    round_=round_,
                    community_code=code,
                    name=request.POST.get("name", ""),
                    address=request.POST.get("address", ""),
                    hourly_capacity=_int(request.POST.get("hourly_capacity"), 0),
                    collectors=_int(request.POST.get("collectors"), 0),
                )
        except ApplicationError as exc:
            error = exc.message
    sites = selectors.site_list(round_=round_, community_code=code)
    return render(
        request,
        "testing/site_plan.html",
        {
            "round": round_,
            "round_nav": round_links(request.user, round_, "site_plan"),
            "community_code": code,
            "community_name": area_names([code]).get(code, code),
            "sites": sites,
            "error": error,
            "figures": figures,
            "windows": services.SLOT_WINDOWS,
            "start_value": timezone.localtime(figures["start"] if figures else round_.starts_at).strftime(
                "%Y-%m-%dT%H:%M"
            ),
        },
        status=422 if error else 200,
    )


@login_required
def slot_notices(request, public_id: str):
    """Every building notice of a community in this round, one printed page each, in one document."""
    round_ = selectors.round_get_for_user(user=request.user, public_id=public_id, capability=roles.VIEW_TESTING)
    code = request.GET.get("community_code", "")[:12]
    if not code or not access.may_around(request.user, roles.VIEW_TESTING, code):
        raise Http404
    slots = list(selectors.slots_of_community(user=request.user, round_=round_, community_code=code))
    return render(request, "testing/slot_notices.html", {"round": round_, "slots": slots, "community_code": code})


@login_required
def slot_notice(request, public_id: str, building_id: str):
    """A printable notice for a building's door: when and where to go."""
    round_ = selectors.round_get_for_user(user=request.user, public_id=public_id, capability=roles.VIEW_TESTING)
    slot = selectors.slot_for_building(user=request.user, round_=round_, building_public_id=building_id)
    return render(request, "testing/slot_notice.html", {"round": round_, "slot": slot})


def _options(choices) -> str:
    """<option>s made once for a form repeated on every row (the door-to-door tasks)."""
    return format_html_join("", '<option value="{}">{}</option>', ((value, label) for value, label in choices))


def _start_of(value: str):
    """A start typed in a datetime-local box (2022-09-05T07:00), in the site's time zone; None (the
    round's start) when empty; ApplicationError when not a time."""
    value = value.strip()[:20]
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ApplicationError(_("开始时间格式不对，例如 2022-09-05 07:00")) from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _int(value, default=0) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default
