from django.http import Http404
from ninja import Query, Router, Status

from gongzhi.core import access, roles
from gongzhi.core.api import PageParams, paginate
from gongzhi.places import selectors, services
from gongzhi.places.models import Area, Building, Grid, Household
from gongzhi.places.schemas import (
    AreaOut,
    BuildingCreateIn,
    BuildingOut,
    GridCreateIn,
    GridOut,
    HouseholdCreateIn,
    HouseholdOut,
    Page,
)

router = Router(tags=["areas"])


class AreaPage(Page):
    items: list[AreaOut]


class GridPage(Page):
    items: list[GridOut]


class BuildingPage(Page):
    items: list[BuildingOut]


class HouseholdPage(Page):
    items: list[HouseholdOut]


def _area_out(a: Area) -> dict:
    return {
        "code": a.code,
        "name": a.name,
        "level": a.level,
        "parent_code": a.code[: {6: 4, 9: 6, 12: 9}.get(len(a.code), 0)] or None,
    }


def _grid_out(g: Grid) -> dict:
    return {"public_id": g.public_id, "community_code": g.community_code, "number": g.number, "name": g.name}


def _building_out(b: Building) -> dict:
    return {
        "public_id": b.public_id,
        "grid_id": b.grid.public_id,
        "community_code": b.community_code,
        "number": b.number,
        "name": b.name,
        "address": b.address,
        "floors": b.floors,
        "units": b.units,
    }


def _household_out(h: Household) -> dict:
    return {
        "public_id": h.public_id,
        "building_id": h.building.public_id,
        "community_code": h.community_code,
        "unit": h.unit,
        "room": h.room,
        "address": h.address,
    }


def _require_edit(request, community_code: str) -> None:
    if not access.may_in_area(request.user, roles.EDIT_PLACES, community_code):
        raise Http404


@router.get("/areas", response=AreaPage, summary="Top areas visible to the user")
def area_roots(request, params: Query[PageParams]):
    items, has_next = paginate(selectors.area_roots(user=request.user), page=params.page, page_size=params.page_size)
    return {"items": [_area_out(a) for a in items], "page": params.page, "has_next": has_next}


@router.get("/areas/{code}", response=AreaOut)
def area_detail(request, code: str):
    return _area_out(selectors.area_get_for_user(user=request.user, code=code, capability=roles.VIEW_PLACES))


@router.get("/areas/{code}/children", response=AreaPage)
def area_children(request, code: str, params: Query[PageParams]):
    area = selectors.area_get_for_user(user=request.user, code=code, capability=roles.VIEW_PLACES)
    items, has_next = paginate(
        selectors.area_children(user=request.user, area=area), page=params.page, page_size=params.page_size
    )
    return {"items": [_area_out(a) for a in items], "page": params.page, "has_next": has_next}


@router.get("/areas/{code}/grids", response=GridPage)
def grid_list(request, code: str, params: Query[PageParams]):
    area = selectors.area_get_for_user(user=request.user, code=code, capability=roles.VIEW_PLACES)
    items, has_next = paginate(
        selectors.grid_list(user=request.user, community=area), page=params.page, page_size=params.page_size
    )
    return {"items": [_grid_out(g) for g in items], "page": params.page, "has_next": has_next}


@router.post("/grids", response={201: GridOut})
def grid_create(request, payload: GridCreateIn):
    _require_edit(request, payload.community_code)
    grid = services.grid_create(community_code=payload.community_code, number=payload.number, name=payload.name)
    return Status(201, _grid_out(grid))


@router.get("/grids/{public_id}/buildings", response=BuildingPage)
def building_list(request, public_id: str, params: Query[PageParams]):
    grid = selectors.grid_get_for_user(user=request.user, public_id=public_id, capability=roles.VIEW_PLACES)
    qs = selectors.building_list(user=request.user, grid=grid).select_related("grid")
    items, has_next = paginate(qs, page=params.page, page_size=params.page_size)
    return {"items": [_building_out(b) for b in items], "page": params.page, "has_next": has_next}


@router.post("/grids/{public_id}/buildings", response={201: BuildingOut})
def building_create(request, public_id: str, payload: BuildingCreateIn):
    grid = selectors.grid_get_for_user(user=request.user, public_id=public_id, capability=roles.EDIT_PLACES)
    building = services.building_create(grid=grid, **payload.dict())
    return Status(201, _building_out(building))


@router.get("/buildings/{public_id}/households", response=HouseholdPage)
def household_list(request, public_id: str, params: Query[PageParams]):
    building = selectors.building_get_for_user(user=request.user, public_id=public_id, capability=roles.VIEW_PLACES)
    qs = selectors.household_list(user=request.user, building=building)
    items, has_next = paginate(qs, page=params.page, page_size=params.page_size)
    return {"items": [_household_out(h) for h in items], "page": params.page, "has_next": has_next}


@router.post("/buildings/{public_id}/households", response={201: HouseholdOut})
def household_create(request, public_id: str, payload: HouseholdCreateIn):
    building = selectors.building_get_for_user(user=request.user, public_id=public_id, capability=roles.EDIT_RESIDENTS)
    household, _ = services.household_get_or_create(building=building, unit=payload.unit, room=payload.room)
    return Status(201, _household_out(household))


@router.get("/households/{public_id}", response=HouseholdOut)
def household_detail(request, public_id: str):
    return _household_out(
        selectors.household_get_for_user(user=request.user, public_id=public_id, capability=roles.VIEW_PLACES)
    )


@router.put("/households/{public_id}", response=HouseholdOut)
def household_update(request, public_id: str, payload: HouseholdCreateIn):
    household = selectors.household_get_for_user(
        user=request.user, public_id=public_id, capability=roles.EDIT_RESIDENTS
    )
    return _household_out(services.household_update(household=household, unit=payload.unit, room=payload.room))
