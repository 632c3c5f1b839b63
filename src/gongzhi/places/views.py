"""Pages of the area tree: the landing page (the user's areas), areas, grids, buildings, households,
and printable door codes. Thin: reads in selectors, writes in services, access in core.access."""

import segno
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from gongzhi.core import access, panels, roles, workbench
from gongzhi.core.access import capability_required
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import Role
from gongzhi.places import selectors, services
from gongzhi.places.models import Area


def _int(value: object, default: int = 0) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page, the workbench (工作台): what the user has waiting, app by app, each a count
    that links to its list (core.workbench); then the user's roles and areas, each with a way in when
    the role browses places (a volunteer's has none: their pages are their own, in the menu)."""
    assignments = [
        (Role(entry.role).label, entry, area, roles.role_can(entry.role, roles.VIEW_PLACES))
        for entry, area in selectors.my_areas(user=request.user)
    ]
    return render(
        request, "places/home.html", {"assignments": assignments, "sections": workbench.sections_for(request.user)}
    )


@login_required
@capability_required(roles.VIEW_PLACES)
def area_browse(request: HttpRequest) -> HttpResponse:
    roots = list(selectors.area_roots(user=request.user))
    if len(roots) == 1:
        return redirect("places:area_detail", code=roots[0].code)
    return render(request, "places/area_browse.html", {"areas": roots})


@login_required
def area_detail(request: HttpRequest, code: str) -> HttpResponse:
    area = selectors.area_get_for_user(user=request.user, code=code, capability=roles.VIEW_PLACES)
    context = {
        "area": area,
        "breadcrumb": selectors.area_breadcrumb(area),
        "children": selectors.area_children(user=request.user, area=area),
        "can_edit": access.may_in_area(request.user, roles.EDIT_PLACES, area.code),
        "can_import": access.may_in_area(request.user, roles.IMPORT_RESIDENTS, area.code),
    }
    if area.level == Area.Level.COMMUNITY:
        context["grids"] = selectors.grid_list(user=request.user, community=area)
    return render(request, "places/area_detail.html", context)


@login_required
def grid_new(request: HttpRequest, code: str) -> HttpResponse:
    area = selectors.area_get_for_user(user=request.user, code=code, capability=roles.EDIT_PLACES)
    if area.level != Area.Level.COMMUNITY or not access.may_in_area(request.user, roles.EDIT_PLACES, code):
        raise Http404
    error = None
    if request.method == "POST":
        try:
            grid = services.grid_create(
                community_code=code, number=_int(request.POST.get("number")), name=request.POST.get("name", "")
            )
            return redirect("places:grid_detail", public_id=grid.public_id)
        except ApplicationError as exc:
            error = exc.message
    return render(
        request,
        "places/grid_form.html",
        {"area": area, "error": error, "form": request.POST},
        status=422 if error else 200,
    )


@login_required
def grid_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    grid = selectors.grid_get_for_user(user=request.user, public_id=public_id, capability=roles.VIEW_PLACES)
    return render(
        request,
        "places/grid_detail.html",
        {
            "grid": grid,
            "breadcrumb": selectors.area_breadcrumb(grid.community),
            "buildings": selectors.building_list(user=request.user, grid=grid),
            "can_edit": access.may(request.user, roles.EDIT_PLACES, grid),
            "panels": panels.panels_for("grid", request, grid),
        },
    )


@login_required
def building_new(request: HttpRequest, public_id: str) -> HttpResponse:
    grid = selectors.grid_get_for_user(user=request.user, public_id=public_id, capability=roles.EDIT_PLACES)
    error = None
    if request.method == "POST":
        try:
            building = services.building_create(
                grid=grid,
                number=_int(request.POST.get("number")),
                name=request.POST.get("name", ""),
                address=request.POST.get("address", ""),
                floors=_int(request.POST.get("floors"), 1),
                units=_int(request.POST.get("units"), 1),
            )
            return redirect("places:building_detail", public_id=building.public_id)
        except ApplicationError as exc:
            error = exc.message
    return render(
        request,
        "places/building_form.html",
        {"grid": grid, "error": error, "form": request.POST},
        status=422 if error else 200,
    )


@login_required
def building_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    building = selectors.building_get_for_user(user=request.user, public_id=public_id, capability=roles.VIEW_PLACES)
    return render(
        request,
        "places/building_detail.html",
        {
            "building": building,
            "breadcrumb": selectors.area_breadcrumb(building.grid.community),
            "households": selectors.households_in_door_order(user=request.user, building=building),
            "can_add": access.may(request.user, roles.EDIT_RESIDENTS, building),
            "can_print_codes": access.may(request.user, roles.PRINT_DOOR_CODES, building),
            "panels": panels.panels_for("building", request, building),
        },
    )


@login_required
def household_new(request: HttpRequest, public_id: str) -> HttpResponse:
    building = selectors.building_get_for_user(user=request.user, public_id=public_id, capability=roles.EDIT_RESIDENTS)
    error = None
    if request.method == "POST":
        try:
            household, _ = services.household_get_or_create(
                building=building, unit=_int(request.POST.get("unit"), 0), room=request.POST.get("room", "")
            )
            return redirect(f"{reverse('people:resident_new')}?household={household.public_id}")
        except ApplicationError as exc:
            error = exc.message
    return render(
        request,
        "places/household_form.html",
        {"building": building, "error": error, "form": request.POST},
        status=422 if error else 200,
    )


@login_required
def household_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    household = selectors.household_get_for_user(
        user=request.user, public_id=public_id, capability=roles.EDIT_RESIDENTS
    )
    error = None
    if request.method == "POST":
        try:
            services.household_update(
                household=household, unit=_int(request.POST.get("unit"), 0), room=request.POST.get("room", "")
            )
            return redirect("places:building_detail", public_id=household.building.public_id)
        except ApplicationError as exc:
            error = exc.message
    form = request.POST if request.method == "POST" else {"unit": household.unit, "room": household.room}
    return render(
        request,
        "places/household_form.html",
        {"building": household.building, "household": household, "error": error, "form": form},
        status=422 if error else 200,
    )


@login_required
def door_codes(request: HttpRequest, public_id: str) -> HttpResponse:
    """A printable sheet of household QR codes (H:<door key>) for the doors of a building; a
    collector scanning one adds every member of the household to the tube. Only for those who put
    the codes on the doors (roles.PRINT_DOOR_CODES): the key lets its holder act as the household."""
    building = selectors.building_get_for_user(
        user=request.user, public_id=public_id, capability=roles.PRINT_DOOR_CODES
    )
    households = sorted(selectors.household_list(user=request.user, building=building), key=selectors.door_order)
    codes = [(h, segno.make(f"H:{h.door_key}", error="m").svg_inline(scale=4)) for h in households]
    return render(request, "places/door_codes.html", {"building": building, "codes": codes})


PICKER_CAPABILITIES = {
    roles.MANAGE_ROUNDS,
    roles.VIEW_TESTING,
    roles.VIEW_PLACES,
    roles.VIEW_RESIDENTS,
    roles.MANAGE_VOLUNTEERS,
    roles.VIEW_VOLUNTEERS,
    roles.PUBLISH_NOTICES,
}


@login_required
def area_picker(request: HttpRequest) -> HttpResponse:
    """The area picker re-drawn after a choice (htmx): the levels down to the area chosen."""
    field = request.GET.get("field", "area_code")
    capability = request.GET.get("capability", roles.VIEW_PLACES)
    if not field.replace("_", "").isalpha() or len(field) > 30 or capability not in PICKER_CAPABILITIES:
        raise Http404
    within = request.GET.get("within", "")[:12]
    code = request.GET.get("code", "")[:12]
    return render(
        request,
        "places/_area_picker.html",
        {
            "picker": selectors.picker_levels(
                user=request.user,
                capability=capability,
                code=code if code.isdecimal() else "",
                within=within if within.isdecimal() else "",
            ),
            "field": field,
            "capability": capability,
            "within": within if within.isdecimal() else "",
        },
    )


def household_door(request: HttpRequest, code: str) -> HttpResponse:
    """A household's own page, opened with its door code (no account): what each app offers the
    household (notices, requests, orders) as panels, for this household only."""
    household = selectors.household_by_door_code(code)
    response = render(
        request,
        "places/household_door.html",
        {"household": household, "code": code, "panels": panels.panels_for("household_door", request, household)},
    )
    response["Referrer-Policy"] = "same-origin"  # the code is in the URL: never sent to another site
    return response
