"""Sampling sites and the slot plan of a community, and the printed slot notices for its buildings."""

from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import access, roles
from gongzhi.core.errors import ApplicationError
from gongzhi.places.selectors import area_names
from gongzhi.testing import selectors, services
from gongzhi.testing.round_nav import round_links


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
    if not 2000 <= moment.year <= 2100:  # 9999-12-31 overflowed the slot times (a 500)
        raise ApplicationError(_("开始时间格式不对，例如 2022-09-05 07:00"))
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _int(value, default=0) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default
