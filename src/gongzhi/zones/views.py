"""Pages of risk zones: the list of the user's areas, one zone with its cases, timeline and the
decisions (confirm, reject with a reason, release when the rules allow)."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gongzhi.core import access, roles
from gongzhi.core.access import capability_required
from gongzhi.core.errors import ApplicationError
from gongzhi.core.page_area import area_in_scope
from gongzhi.places.selectors import place_filter_asked
from gongzhi.zones import flows, selectors, services
from gongzhi.zones.models import Zone


@login_required
@capability_required(roles.VIEW_ZONES)
def zone_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")[:12]
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    area = area_in_scope(request, roles.VIEW_ZONES) if request.GET.get("area") else ""
    place = place_filter_asked(user=request.user, asked=request.GET, capability=roles.VIEW_ZONES)
    kind = request.GET.get("kind", "")[:12]
    kind = kind if kind in Zone.Kind.values else ""
    if place is not None:  # the zones on the grid or building (those over it are on the community's list)
        area = place.community_code
        qs = selectors.zones_on(user=request.user, grid=place.grid, building=place.building, status=status, kind=kind)
    else:
        qs = selectors.zone_list(user=request.user, status=status, area_code=area, kind=kind)
    statuses = selectors.list_statuses(status)
    rows = selectors.zones_page(qs, statuses=statuses, offset=(page - 1) * selectors.PAGE, limit=selectors.PAGE + 1)
    return render(
        request,
        "zones/list.html",
        {
            "rows": rows[: selectors.PAGE],
            "has_next": len(rows) > selectors.PAGE,
            "page": page,
            "status": status,
            "statuses": Zone.Status.choices,
            "area": area,
            "place": place,
            "place_clear": "?" + urlencode({"area": area, "status": status, **({"kind": kind} if kind else {})}),
            "kind": kind,
            "kinds": Zone.Kind.choices,
            "narrowed": urlencode(
                {
                    **({"area": area} if area else {}),
                    **(place.query if place else {}),
                    **({"kind": kind} if kind else {}),
                }
            ),
        },
    )


@login_required
@capability_required(roles.VIEW_ZONES)
def zone_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    zone = selectors.zone_get_for_user(user=request.user, public_id=public_id)
    may_decide = access.may(request.user, roles.DECIDE_ZONES, zone)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "confirm":
                services.zone_confirm(actor=request.user, zone=zone)
                messages.success(request, _("风险区已生效"))
            elif action == "reject":
                services.zone_reject(actor=request.user, zone=zone, reason=request.POST.get("reason", ""))
                messages.success(request, _("已不采纳这一建议"))
            elif action == "redraw":
                chosen = set(request.POST.getlist("building"))
                choices = {b.public_id: b for b in selectors.redraw_buildings(zone)}
                made = services.zone_redraw(
                    actor=request.user, zone=zone, buildings=sorted(chosen), reason=request.POST.get("reason", "")
                )
                if made:
                    messages.success(request, _("已改划为%(n)d栋楼的建议，请逐一确认") % {"n": len(made)})
                else:
                    messages.success(request, _("已不采纳这一建议：所选楼栋都已在其他风险区内，没有新建议"))
                kept = sorted(chosen - {z.building.public_id for z in made if z.building is not None})
                if kept:
                    names = "、".join(choices[k].label for k in kept if k in choices)
                    messages.info(
                        request,
                        _("%(n)d栋楼已在其他风险区内，保持原样：%(names)s") % {"n": len(kept), "names": names},
                    )
                if len(made) == 1:
                    return redirect("zones:detail", public_id=made[0].public_id)
            elif action == "release":
                services.zone_release(actor=request.user, zone=zone)
                messages.success(request, _("风险区已解除"))
            else:
                raise ApplicationError(_("未知的操作"), status=400)
            return redirect("zones:detail", public_id=zone.public_id)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            status = exc.status
        zone = selectors.zone_get_for_user(user=request.user, public_id=public_id)
    release_problems = services.release_problems(zone) if zone.status == flows.ACTIVE else []
    return render(
        request,
        "zones/detail.html",
        {
            "zone": zone,
            "may_decide": may_decide,
            "redrawn_to": selectors.redrawn_to(zone) if zone.status == flows.REJECTED else [],
            "redrawn_from_seen": zone.redrawn_from is not None
            and access.may(request.user, roles.VIEW_ZONES, zone.redrawn_from),
            "redraw": _redraw_choices(zone) if may_decide and zone.status == flows.PROPOSED else [],
            "release_problems": release_problems,
            "timeline": _with_kind_changes(selectors.zone_timeline(zone)),
            "rounds": selectors.round_suggestion(zone),
            "may_start_round": access.may_in_area(request.user, roles.MANAGE_ROUNDS, selectors.official_area(zone)),
        },
        status=status,
    )


def _with_kind_changes(timeline: list) -> list:
    """Each step that raised a proposal's kind carries the two kinds' words (`kind_change`)."""
    words = dict(Zone.Kind.choices)
    for event in timeline:
        before, after = event.detail.get("from_kind"), event.detail.get("kind")
        event.kind_change = (words[before], words[after]) if before and after and before != after else None
    return timeline


def _redraw_choices(zone: Zone) -> list[tuple[Any, bool]]:
    """The buildings a proposal may be redrawn to, each with whether the proposal holds it now."""
    held = {zone.building_id} if zone.level == "building" else None
    return [(b, held is None or b.pk in held) for b in selectors.redraw_buildings(zone)]
