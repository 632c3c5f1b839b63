"""Pages of residents' requests: the household's own form (its door code is the key), the worklist
with bulk assignment and .xlsx export, one request with its timeline and steps, staff entry for a
call or a visit, the 12345 import, and the dashboard panel."""

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.appeals import exports, selectors, services
from gongzhi.appeals.limits import household_limit
from gongzhi.appeals.models import Appeal, Category, Level, Urgency
from gongzhi.core import access, overload, roles
from gongzhi.core.access import capability_required
from gongzhi.core.errors import ApplicationError
from gongzhi.core.masking import mask_name, mask_phone
from gongzhi.core.page_area import area_in_scope
from gongzhi.core.scope import entries_with
from gongzhi.places.selectors import household_by_door_code, place_filter_asked


def _public(response: HttpResponse, retry_after: int | None = None) -> HttpResponse:
    response["Referrer-Policy"] = "same-origin"  # the code is in the URL: never sent to another site
    if response.status_code in (429, 503):  # too many from this address; the server too busy
        response["Retry-After"] = str(retry_after or 60)
    return response


def household_requests(request: HttpRequest, code: str) -> HttpResponse:
    """The household asks for help (no account: its door code is the key), and sees its requests."""
    household = household_by_door_code(code)
    submitted, status, retry_after = None, 200, None
    form = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            household_limit(request, household)
            with overload.gate(overload.HOUSEHOLD_REQUEST):  # the API's gate (core.overload.GATED_PATHS)
                submitted = services.appeal_submit(
                    household=household,
                    category=request.POST.get("category", ""),
                    text=request.POST.get("text", ""),
                    caller_name=request.POST.get("caller_name", ""),
                    caller_phone=request.POST.get("caller_phone", ""),
                )
            form = {}
        except ApplicationError as exc:
            messages.error(request, exc.message)
            status, retry_after = exc.status, exc.extra.get("retry_after")
    response = render(
        request,
        "appeals/household_requests.html",
        {
            "household": household,
            "code": code,
            "categories": Category.choices,
            "form": form,
            "submitted": submitted,
            "appeals": selectors.household_appeals(household),
        },
        status=status,
    )
    return _public(response, retry_after)


def household_request(request: HttpRequest, code: str, public_id: str) -> HttpResponse:
    """One of the household's requests; once resolved, the household answers: solved (with a
    rating) or not solved (back in progress)."""
    household = household_by_door_code(code)
    appeal = selectors.household_appeal(household, public_id)
    status, retry_after = 200, None
    if request.method == "POST":
        try:
            household_limit(request, household)
            appeal = services.appeal_answer(
                appeal=appeal,
                solved=request.POST.get("solved") == "1",
                rating=request.POST.get("rating"),
                feedback=request.POST.get("feedback", ""),
            )
            messages.success(request, _("谢谢您的评价") if appeal.status == "closed" else _("已转回承办人继续处理"))
        except ApplicationError as exc:
            messages.error(request, exc.message)
            status, retry_after = exc.status, exc.extra.get("retry_after")
    response = render(
        request,
        "appeals/household_request.html",
        {"household": household, "code": code, "appeal": appeal, "ratings": range(5, 0, -1)},
        status=status,
    )
    return _public(response, retry_after)


def _handles_in(request: HttpRequest, area: str) -> bool:
    """Whether to offer the bulk steps: the user handles requests over the page's area, or over a grid
    or building inside it (each request is still decided on its own by the service)."""
    if access.may_in_area(request.user, roles.HANDLE_APPEALS, area):
        return True
    return any(
        e.area_code.startswith(area)
        for e in entries_with(request.user, roles.HANDLE_APPEALS)
        if e.grid_id or e.building_id
    )


def _filters(request: HttpRequest) -> dict:
    get = request.GET
    return {
        "status": get.get("status", "open")[:16],
        "category": get.get("category", "")[:20],
        "urgency": get.get("urgency", "")[:10],
        "sla_state": get.get("sla", "")[:10],
        "level": get.get("level", "")[:10],
        "mine": get.get("mine") == "1",
    }


def _kept(filters: dict) -> dict[str, str]:
    """The worklist's filters as its query string names them, the empty ones left out."""
    names = {"sla_state": "sla"}
    return {names.get(k, k): ("1" if v is True else v) for k, v in filters.items() if v}


@login_required
@capability_required(roles.VIEW_APPEALS)
def worklist(request: HttpRequest) -> HttpResponse:
    """The requests of the user's areas, most urgent and soonest due first; bulk assignment; .xlsx."""
    area = area_in_scope(request, roles.VIEW_APPEALS)
    place = place_filter_asked(user=request.user, asked=request.GET, capability=roles.VIEW_APPEALS)
    if place is not None:
        area = place.community_code
    filters = _filters(request)
    if request.method == "POST":
        chosen, unknown = selectors.appeals_get_for_user(
            user=request.user, public_ids=request.POST.getlist("appeal")[:500], capability=roles.HANDLE_APPEALS
        )
        for public_id in unknown:  # that request's error; the others are still assigned
            messages.error(request, f"{public_id}：{_('找不到这一诉求，或它不归您处理')}")
        assignee = selectors.assignee_get(user=request.user, username=request.POST.get("assignee", ""))
        if not chosen or assignee is None:
            messages.error(request, _("请选择诉求和承办人"))
        else:
            outcome = services.appeals_assign(actor=request.user, appeals=chosen, assignee=assignee)
            if outcome.assigned:
                messages.success(request, _("已分派%(n)s件") % {"n": len(outcome.assigned)})
            for appeal, reason in outcome.refused:
                messages.error(request, f"{appeal.public_id}：{reason}")
        return redirect(request.get_full_path())
    qs = selectors.worklist(user=request.user, area_code=area, minutes=services.sla_minutes(), place=place, **filters)
    if request.GET.get("format") == "xlsx":
        return exports.worklist_xlsx(request, qs, area)
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    rows, more = selectors.worklist_page(qs, page)
    cap = selectors.count_cap(filters)
    now = timezone.now()
    return render(
        request,
        "appeals/worklist.html",
        {
            "area": area,
            "place": place,
            "place_clear": "?" + urlencode({"area": area, **_kept(filters)}),
            "filters": filters,
            "rows": _worklist_rows(rows, now),
            "page": page,
            "more": more,
            "counts": selectors.count_words(selectors.worklist_counts(qs, urgency=filters["urgency"], cap=cap), cap),
            "categories": Category.choices,
            "urgencies": Urgency.choices,
            "levels": Level.choices,
            "statuses": Appeal.Status.choices,
            "can_handle": _handles_in(request, area),
            "handlers": selectors.handlers_for(user=request.user, appeal_area=area) if len(area) >= 9 else [],
        },
    )


def _worklist_rows(rows: list[Appeal], now: dt.datetime) -> list[dict[str, Any]]:
    """Each row with its deadline state and its words, the labels looked up once for the page (a
    get_..._display per cell was a tenth of the page's time)."""
    words = {
        name: {value: str(label) for value, label in choices}
        for name, choices in (
            ("urgency", Urgency.choices),
            ("category", Category.choices),
            ("status", Appeal.Status.choices),
            ("level", Level.choices),
        )
    }
    return [
        {
            "a": a,
            "state": services.sla_state_of(a, now),
            **{name: labels.get(getattr(a, name), getattr(a, name)) for name, labels in words.items()},
        }
        for a in rows
    ]


@login_required
@capability_required(roles.VIEW_APPEALS)
def appeal_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    appeal = selectors.appeal_get_for_user(user=request.user, public_id=public_id, capability=roles.VIEW_APPEALS)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "take":
                services.appeal_take(actor=request.user, appeal=appeal)
            elif action == "resolve":
                services.appeal_resolve(
                    actor=request.user, appeal=appeal, resolution=request.POST.get("resolution", "")
                )
            elif action == "answer":
                services.appeal_answer(
                    appeal=appeal,
                    actor=request.user,
                    solved=request.POST.get("solved") == "1",
                    rating=request.POST.get("rating"),
                    feedback=request.POST.get("feedback", ""),
                )
            elif action == "place":
                try:
                    household = selectors.household_for_placing(
                        user=request.user, code=request.POST.get("household", "")
                    )
                except Http404:  # a typo is an error on the form, not a page that loses it
                    raise ApplicationError(
                        _("找不到这一户，或它不在您负责的区域：请核对住户编号或门牌码"), status=404
                    ) from None
                services.appeal_place(actor=request.user, appeal=appeal, household=household)
            else:
                raise ApplicationError(_("未知操作"), status=422)
            messages.success(request, _("已保存"))
            return redirect(reverse("appeals:detail", args=[appeal.public_id]))
        except ApplicationError as exc:
            messages.error(request, exc.message)
    return render(
        request,
        "appeals/detail.html",
        {
            "appeal": appeal,
            "timeline": selectors.appeal_timeline(appeal),
            "reasons": selectors.urgency_reasons(
                appeal, show_health=access.may(request.user, roles.VIEW_HEALTH, appeal)
            ),
            "duplicates": selectors.appeal_duplicates(appeal),
            "ratings": range(5, 0, -1),
            "sla_state": services.sla_state_of(appeal, timezone.now()),
            # Masked here; the full number is in the audited export for those who may see it.
            "caller": (mask_name(appeal.caller_name), mask_phone(appeal.caller_phone)),
            "can_handle": access.may(request.user, roles.HANDLE_APPEALS, appeal),
            "can_place": appeal.status == "unplaced" and access.may(request.user, roles.IMPORT_HOTLINE, appeal),
            "form": request.POST if request.method == "POST" else {},  # a refused step keeps what was typed
        },
    )


@login_required
@capability_required(roles.ENTER_APPEALS)
def appeal_new(request: HttpRequest) -> HttpResponse:
    """A request taken by phone or at the door: pick the building, the household, then what it needs."""
    household = None
    if request.GET.get("household"):
        household = selectors.household_for_entry(user=request.user, public_id=request.GET["household"])
    if household is not None and request.method == "POST":
        try:
            appeal = services.appeal_submit(
                household=household,
                category=request.POST.get("category", ""),
                text=request.POST.get("text", ""),
                channel="staff",
                actor=request.user,
                caller_name=request.POST.get("caller_name", ""),
                caller_phone=request.POST.get("caller_phone", ""),
            )
            messages.success(request, _("已登记"))
            return redirect(
                reverse(
                    "appeals:detail", args=[appeal.merged_into.public_id if appeal.merged_into else appeal.public_id]
                )
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
    building = request.GET.get("building", "")[:26]
    return render(
        request,
        "appeals/new.html",
        {
            "household": household,
            "building": building,
            "categories": Category.choices,
            "form": request.POST if request.method == "POST" else {},
            "buildings": selectors.buildings_for_entry(user=request.user),
            "households": selectors.households_for_entry(user=request.user, building=building) if building else [],
        },
    )


@login_required
@capability_required(roles.IMPORT_HOTLINE)
def hotline(request: HttpRequest) -> HttpResponse:
    """Upload a 12345 work-order file: checked first, nothing imported until confirmed."""
    area = area_in_scope(request, roles.IMPORT_HOTLINE)
    upload = request.FILES.get("file") if request.method == "POST" else None
    if upload is not None:
        try:
            pending, _report = services.hotline_check(
                actor=request.user,
                area_code=area,
                file_name=upload.name or "",
                content=upload.read(services.MAX_BYTES + 1),
            )
            return redirect(reverse("appeals:hotline_import", args=[pending.public_id]))
        except ApplicationError as exc:
            messages.error(request, exc.message)
    return render(
        request,
        "appeals/hotline.html",
        {"area": area, "areas": access.official_areas(request.user, roles.IMPORT_HOTLINE)},
    )


@login_required
@capability_required(roles.IMPORT_HOTLINE)
def hotline_import(request: HttpRequest, public_id: str) -> HttpResponse:
    pending = selectors.hotline_import_get_for_user(user=request.user, public_id=public_id)
    report = None
    try:
        report = services.pending_report(actor=request.user, pending=pending)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    if request.method == "POST":
        try:
            report = services.hotline_confirm(
                actor=request.user, pending=pending, keep_good_rows=request.POST.get("keep_good_rows") == "1"
            )
            messages.success(request, _("已导入"))
            return redirect(reverse("appeals:hotline_import", args=[pending.public_id]))
        except ApplicationError as exc:
            messages.error(request, exc.message)
    return render(request, "appeals/hotline_import.html", {"pending": pending, "report": report})


@login_required
@capability_required(roles.VIEW_APPEALS)
def dashboard(request: HttpRequest) -> HttpResponse:
    """Open requests by urgency and age, breaches and escalations per level, median time to resolve,
    and the same per child area, to drill down to the community."""
    area = area_in_scope(request, roles.VIEW_APPEALS)
    if len(area) == 12 and not access.may_in_area(request.user, roles.VIEW_APPEALS, area):
        return redirect(reverse("appeals:worklist"))
    children = selectors.child_areas(area)
    per_child = selectors.dashboard_children(area_code=area, child_codes=[c for c, _n in children])
    rows = [(code, name, per_child[code]) for code, name in children]
    return render(
        request,
        "appeals/dashboard.html",
        {
            "area": area,
            "area_name": selectors.area_name(area),
            "figures": selectors.dashboard(area_code=area),
            "children": rows,
            "chart": {
                "names": [n for _c, n, _f in rows],
                "open": [f["open"] for *_r, f in rows],
                "critical": [f["critical"] for *_r, f in rows],
                "lapsed": [f["lapsed"] for *_r, f in rows],
            },
        },
    )
