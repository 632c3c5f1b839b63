"""The coverage page of a round in an area (counts, door-to-door tasks, the untested residents), the
untested list as .xlsx, and the door visits marked on it."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core import roles, workbook
from gongzhi.core.access import capability_required
from gongzhi.core.errors import ApplicationError
from gongzhi.core.keyset import keyset_page
from gongzhi.core.replica import reading_from_replica
from gongzhi.people.selectors import resident_get_for_user, resident_personal_data, tags_shown
from gongzhi.places.selectors import area_exists, area_names, picker_levels
from gongzhi.testing import selectors, services
from gongzhi.testing.models import Exemption
from gongzhi.testing.round_nav import round_links
from gongzhi.testing.views._common import _place

UNTESTED_PAGE = 100


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


def _options(choices) -> str:
    """<option>s made once for a form repeated on every row (the door-to-door tasks)."""
    return format_html_join("", '<option value="{}">{}</option>', ((value, label) for value, label in choices))
