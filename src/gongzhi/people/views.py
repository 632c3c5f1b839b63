"""Pages of the residents register: the list and search, a resident, revealing their numbers
(audited), new and edit. Thin: reads in selectors, writes in services, access in core.access."""

import segno
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from gongzhi.core import access, panels, roles
from gongzhi.core.access import capability_required
from gongzhi.core.errors import ApplicationError
from gongzhi.core.keyset import keyset_page
from gongzhi.core.pii import pii_visible
from gongzhi.core.services import full_number_search_record
from gongzhi.people import selectors, services
from gongzhi.people.models import VulnerabilityTag
from gongzhi.places.selectors import area_breadcrumb, area_breadcrumb_of, area_get_for_user, household_get_for_user

PAGE_SIZE = 50
FILTERS = ("area_code", "grid_id", "building_id", "tag", "q")


def filters_of(request: HttpRequest) -> dict[str, str]:
    return {k: request.GET.get(k, "").strip()[:100] for k in FILTERS}


@login_required
@capability_required(roles.VIEW_RESIDENTS)
def resident_list(request: HttpRequest) -> HttpResponse:
    """The register in keyset pages (`after` / `before` the cursor of a row; `page` is only the number
    shown): every page costs the same, the 5,000th of a city too."""
    filters = filters_of(request)
    try:
        page = max(1, min(int(request.GET.get("page", "1")), 1_000_000))
    except ValueError:
        page = 1
    error, status, rows, query = "", 200, [], None
    next_cursor = previous_cursor = ""
    try:
        residents, query = selectors.resident_list(user=request.user, **filters)
        found = keyset_page(
            residents,
            keys=selectors.resident_order(query),
            size=PAGE_SIZE,
            after=request.GET.get("after", "")[:200],
            before=request.GET.get("before", "")[:200],
        )
        rows, next_cursor, previous_cursor = found.rows, found.next_cursor, found.previous_cursor
        selectors.tags_shown(request.user, rows)
        if query.is_full:
            full_number_search_record(
                actor=request.user,
                entity="resident",
                query=query,
                rows=rows,
                ip_address=request.META.get("REMOTE_ADDR"),
            )
    except ApplicationError as exc:
        error, status = exc.message, exc.status
    area = None
    if filters["area_code"]:
        try:
            area = area_get_for_user(user=request.user, code=filters["area_code"], capability=None)
        except Http404:  # an area the user may not open: the list is empty anyway
            area = None
    return render(
        request,
        "people/resident_list.html",
        {
            "residents": [(r, selectors.resident_personal_data(r, full=False)) for r in rows],
            "filters": filters,
            "page": page,
            "next_cursor": next_cursor,
            "previous_cursor": previous_cursor if page > 1 else "",
            "names_only": query is not None and not query.anywhere,
            "query": urlencode({k: v for k, v in filters.items() if v}),
            "tags": VulnerabilityTag.choices,
            "area": area,
            "breadcrumb": area_breadcrumb(area) if area else [],
            "error": error,
        },
        status=status,
    )


def _detail(request: HttpRequest, resident, *, revealed: bool) -> HttpResponse:
    selectors.tags_shown(request.user, [resident])
    return render(
        request,
        "people/resident_detail.html",
        {
            "resident": resident,
            "pii": selectors.resident_personal_data(resident, full=revealed),
            "revealed": revealed,
            "may_reveal": pii_visible(request.user, resident),
            "can_edit": access.may(request.user, roles.EDIT_RESIDENTS, resident),
            "members": [
                (m, pii)
                for m, pii in selectors.household_members(user=request.user, household=resident.household)
                if m.pk != resident.pk
            ],
            "panels": panels.panels_for("resident", request, resident),
        },
    )


@login_required
def household_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """A household (户): its members with their tags, its door code, and what other apps show of it
    (each member's results by round, later orders and requests: core.panels)."""
    household = household_get_for_user(user=request.user, public_id=public_id, capability=roles.VIEW_RESIDENTS)
    building = household.building
    return render(
        request,
        "people/household_detail.html",
        {
            "household": household,
            "building": building,
            "breadcrumb": area_breadcrumb_of(household.community_code),
            "members": selectors.household_members(user=request.user, household=household),
            "door_code": segno.make(f"H:{household.door_key}", error="m").svg_inline(scale=3)
            if access.may(request.user, roles.PRINT_DOOR_CODES, household)
            else "",
            "can_edit": access.may(request.user, roles.EDIT_RESIDENTS, household),
            "can_edit_place": access.may(request.user, roles.EDIT_PLACES, household),
            "panels": panels.panels_for("household", request, household),
        },
    )


@login_required
def resident_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    resident = selectors.resident_get_for_user(user=request.user, public_id=public_id, capability=roles.VIEW_RESIDENTS)
    return _detail(request, resident, revealed=False)


@login_required
@require_POST
def resident_reveal(request: HttpRequest, public_id: str) -> HttpResponse:
    resident = selectors.resident_get_for_user(user=request.user, public_id=public_id, capability=roles.SEE_FULL_PII)
    services.resident_reveal(actor=request.user, resident=resident, ip_address=request.META.get("REMOTE_ADDR"))
    return _detail(request, resident, revealed=True)


def _data_from_post(post) -> services.ResidentData:
    return services.ResidentData(
        name=post.get("name", ""),
        id_number=post.get("id_number", ""),
        phone=post.get("phone", ""),
        relation=post.get("relation", ""),
        notes=post.get("notes", ""),
        tags=post.getlist("tags"),
    )


def _form(request, *, resident=None, household=None, errors=None, status=200):
    if request.method == "POST":
        checked = set(request.POST.getlist("tags"))
    else:
        checked = {t.tag for t in resident.tags.all()} if resident else set()
    return render(
        request,
        "people/resident_form.html",
        {
            "resident": resident,
            "household": household,
            "errors": errors or {},
            "form": request.POST if request.method == "POST" else None,
            "tags": [(value, label, value in checked) for value, label in VulnerabilityTag.choices],
        },
        status=status,
    )


@login_required
def resident_new(request: HttpRequest) -> HttpResponse:
    household_id = request.GET.get("household") or request.POST.get("household_id", "")
    household = household_get_for_user(user=request.user, public_id=household_id, capability=roles.EDIT_RESIDENTS)
    if request.method != "POST":
        return _form(request, household=household)
    try:
        resident = services.resident_create(actor=request.user, household=household, data=_data_from_post(request.POST))
    except ApplicationError as exc:
        return _form(
            request, household=household, errors={"form": exc.message, **exc.extra.get("fields", {})}, status=422
        )
    return redirect("people:resident_detail", public_id=resident.public_id)


@login_required
def resident_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    resident = selectors.resident_get_for_user(user=request.user, public_id=public_id, capability=roles.EDIT_RESIDENTS)
    if request.method != "POST":
        return _form(request, resident=resident, household=resident.household)
    data = _data_from_post(request.POST)
    # The form never shows the stored ID number and phone; left empty they stay as they are.
    data.id_number = data.id_number or resident.id_number
    data.phone = data.phone or resident.phone
    try:
        services.resident_update(actor=request.user, resident=resident, data=data)
    except ApplicationError as exc:
        return _form(
            request,
            resident=resident,
            household=resident.household,
            errors={"form": exc.message, **exc.extra.get("fields", {})},
            status=422,
        )
    return redirect("people:resident_detail", public_id=resident.public_id)
