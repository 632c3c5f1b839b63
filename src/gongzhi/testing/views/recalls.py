"""Recall pages: the list of a round's recalls, its .xlsx export, and a recall's steps."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core import access, roles, workbook
from gongzhi.core.errors import ApplicationError
from gongzhi.core.page_area import area_in_scope
from gongzhi.core.pii import pii_visible
from gongzhi.core.workflow import STAFF
from gongzhi.people.selectors import resident_personal_data
from gongzhi.places.selectors import PlaceFilter, area_names
from gongzhi.testing import flows, selectors, services
from gongzhi.testing.models import Recall
from gongzhi.testing.round_nav import round_links
from gongzhi.testing.views._common import _place

RECALL_EXPORT_MAX = 50_000


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
