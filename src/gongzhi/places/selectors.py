"""Reads of the area tree and the places below a community. Single objects: one function per entity,
`<entity>_get_for_user(*, user, <key>, capability)`, the same 404 for missing and forbidden."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from gongzhi.core import access, roles
from gongzhi.core.db import model_columns
from gongzhi.core.scope import entries_with
from gongzhi.places.models import DOOR_KEY_LENGTH, Area, Building, Grid, Household


def _ancestor_codes(code: str) -> list[str]:
    return [code[:n] for n in (4, 6, 9, 12) if n < len(code)]


def area_get_for_user(*, user: Any, code: str, capability: str | None) -> Area:
    """An official area by code, on the way to or inside an area where the user holds `capability`
    (None: any role). Browsing the tree takes `places.view`: a volunteer or a lab browses nothing."""
    area = Area.objects.filter(code=code).select_related("parent").first()
    if area is None or not access.may_around(user, capability, area.code):
        raise Http404
    return area


def area_children(*, user: Any, area: Area) -> "QuerySet[Area]":
    return Area.objects.around(user, roles.VIEW_PLACES).filter(parent=area).order_by("code")


def area_roots(*, user: Any) -> "QuerySet[Area]":
    """The top areas a user starts browsing from: the city for anyone who may browse places."""
    return Area.objects.around(user, roles.VIEW_PLACES).filter(parent__isnull=True)


def area_breadcrumb(area: Area) -> list[Area]:
    return area_breadcrumb_of(area.code)


def area_breadcrumb_of(code: str) -> list[Area]:
    """The official areas from the city down to the one with this code."""
    codes = [*_ancestor_codes(code), code]
    return list(Area.objects.filter(code__in=codes).order_by("code"))


def area_names(codes: list[str]) -> dict[str, str]:
    """Official area code -> name."""
    return dict(Area.objects.filter(code__in=codes).values_list("code", "name"))


def communities_in(*, user: Any, capability: str) -> "QuerySet[Area]":
    """The communities inside the official areas where the user holds the capability."""
    return Area.objects.filter(level=Area.Level.COMMUNITY).visible_to(user, capability).order_by("code")


def community_get(code: str) -> Area | None:
    """A community by its 12-digit code (no access decision: callers decide on the code)."""
    return Area.objects.filter(code=code, level=Area.Level.COMMUNITY).first()


def my_areas(*, user: Any) -> list[tuple[Any, Area | None]]:
    """The user's role assignments, each with its official area (the landing page)."""
    entries = entries_with(user, None)
    areas = {a.code: a for a in Area.objects.filter(code__in={e.area_code for e in entries})}
    return [(e, areas.get(e.area_code)) for e in entries]


def grid_list(*, user: Any, community: Area) -> "QuerySet[Grid]":
    return Grid.objects.visible_to(user, roles.VIEW_PLACES).filter(community=community).distinct()


def grid_get_for_user(*, user: Any, public_id: str, capability: str) -> Grid:
    grid = Grid.objects.visible_to(user, capability).filter(public_id=public_id).select_related("community").first()
    if grid is None:
        raise Http404
    return grid


@dataclass(frozen=True)
class PlaceFilter:
    """A list narrowed below a community, to one grid or one building: the command view's grid and
    building figures link to their lists with `?grid=` or `?building=` (the public id)."""

    grid: Grid
    building: Building | None = None

    @property
    def community_code(self) -> str:
        return self.grid.community_code

    @property
    def label(self) -> str:
        return self.building.label if self.building is not None else self.grid.name

    @property
    def query(self) -> dict[str, str]:
        """The query-string part that keeps a list narrowed (links, forms, exports)."""
        if self.building is not None:
            return {"building": self.building.public_id}
        return {"grid": self.grid.public_id}

    def rows(self, building_path: str) -> Q:
        """The rows of this place, for a model whose building is reached by `building_path`
        ("household__building", "resident__household__building")."""
        if self.building is not None:
            return Q(**{f"{building_path}_id": self.building.pk})
        return Q(**{f"{building_path}__grid_id": self.grid.pk})


def place_filter_asked(*, user: Any, asked: Mapping[str, str], capability: str) -> PlaceFilter | None:
    """The grid or building a list page was asked to narrow to (`asked` is the page's query: `?grid=` /
    `?building=`, a public id), or None when neither was asked: 404 when it is not one the user holds
    `capability` over (a grid worker: their grid; a community worker: any in their community)."""
    grid, building = asked.get("grid", ""), asked.get("building", "")
    if building:
        found = building_get_for_user(user=user, public_id=building[:26], capability=capability)
        return PlaceFilter(grid=found.grid, building=found)
    if grid:
        found_grid = grid_get_for_user(user=user, public_id=grid[:26], capability=capability)
        held = access.may_in_area(user, capability, found_grid.community_code) or any(
            e.grid_id == found_grid.pk and e.building_id is None for e in entries_with(user, capability)
        )
        if not held:  # a building leader reaches the grid's page through their building, not its lists
            raise Http404
        return PlaceFilter(grid=found_grid)
    return None


def building_list(*, user: Any, grid: Grid) -> "QuerySet[Building]":
    return Building.objects.visible_to(user, roles.VIEW_PLACES).filter(grid=grid)


def building_get_for_user(*, user: Any, public_id: str, capability: str) -> Building:
    building = (
        Building.objects.visible_to(user, capability)
        .filter(public_id=public_id)
        .select_related("grid", "grid__community")
        .first()
    )
    if building is None:
        raise Http404
    return building


def door_order(household: Household) -> tuple:
    """Doors as people count them: by unit, then the room as a number (2 before 10, 1001 after 903),
    rooms that are not numbers after, by their text."""
    digits = household.room.isdecimal()
    return (household.unit, not digits, int(household.room) if digits else 0, household.room)


def households_in_door_order(*, user: Any, building: Building) -> list[Household]:
    """A building's households (with their people counted) in door order, for the building page."""
    return sorted(households_with_counts(user=user, building=building), key=door_order)


def household_list(*, user: Any, building: Building | None = None) -> "QuerySet[Household]":
    rows = Household.objects.visible_to(user, roles.VIEW_PLACES)
    if building is not None:
        rows = rows.filter(building=building)
    return rows.select_related("building")


def households_with_counts(*, user: Any, building: Building) -> "QuerySet[Household]":
    """A building's households with how many people live in each."""
    return household_list(user=user, building=building).annotate(resident_count=Count("residents"))


def household_get_for_user(*, user: Any, public_id: str, capability: str) -> Household:
    household = (
        Household.objects.visible_to(user, capability)
        .filter(public_id=public_id)
        .select_related("building", "building__grid")
        .first()
    )
    if household is None:
        raise Http404
    return household


def my_grids_and_buildings(*, user: Any) -> tuple[list[Grid], list[Building]]:
    """The grids and buildings the user holds a role on (a grid worker's grid, a building leader's
    building), with their household counts for the workbench."""
    entries = entries_with(user, roles.VIEW_PLACES, levels=("grid", "building"))
    grid_ids = [e.grid_id for e in entries if e.grid_id is not None]
    building_ids = [e.building_id for e in entries if e.building_id is not None]
    grids = list(Grid.objects.filter(pk__in=grid_ids).annotate(building_count=Count("buildings")).order_by("number"))
    buildings = list(
        Building.objects.filter(pk__in=building_ids).annotate(household_count=Count("households")).order_by("number")
    )
    return grids, buildings


def picker_levels(*, user: Any, capability: str, code: str = "", within: str = "") -> dict[str, Any]:
    """The area picker (places/area_picker.html): a select per level, from the user's own areas where
    they hold `capability` (narrowed to `within`, e.g. a round's area) down to the chosen area, and
    one more for its children. An unknown or foreign `code` falls back to the user's first area.
    Returns {"levels": [{"options": [(code, name)], "chosen": code}], "code": the area chosen}."""
    tops: list[str] = []
    for entry in entries_with(user, capability):
        top = entry.area_code
        if within and not top.startswith(within):
            top = within if within.startswith(top) else ""
        if top and top not in tops:
            tops.append(top)
    tops.sort()
    names = area_names([*tops, *_ancestor_codes(code), code]) if tops else {}
    if not tops:
        return {"levels": [], "code": ""}
    top = next((t for t in tops if code.startswith(t)), "")
    if not top or (code and code not in names):
        code, top = tops[0], tops[0]
    code = code or top
    chain = [top, *[c for c in _ancestor_codes(code) if len(c) > len(top)], *([code] if code != top else [])]
    levels = [{"options": [(t, names.get(t, t)) for t in tops], "chosen": top}]
    for parent, chosen in zip(chain, [*chain[1:], ""], strict=True):
        children = list(Area.objects.filter(parent__code=parent).order_by("code").values_list("code", "name"))
        if children:
            levels.append({"options": children, "chosen": chosen, "parent": parent})
    return {"levels": levels, "code": code}


def area_exists(code: str) -> bool:
    return bool(code) and code.isdecimal() and Area.objects.filter(code=code).exists()


def door_key_of(code: str) -> str:
    """The door key in a door code as scanned or typed ("H:<door key>", or the key alone)."""
    text = (code or "").strip()
    key = text[2:].strip() if text.upper().startswith("H:") else text
    return key[:DOOR_KEY_LENGTH].lower()


def household_by_door_code(code: str) -> Household:
    """The household of a door code ("H:<door key>" or the key): the key is its only key (96 random
    bits, apart from the public id that staff pages show). The pages a household opens with it (its
    own page, orders, requests, notices) ask only this."""
    key = door_key_of(code)
    if not key:
        raise Http404
    # Every new request and every household page starts here: one raw statement through the key's
    # unique index, both rows built as select_related would (building the ORM query cost more than
    # running it, measured: bench/bench_appeal_submit.py).
    households, buildings = model_columns(Household), model_columns(Building)
    columns = f"{households.select('h')}, {buildings.select('b')}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {Household._meta.db_table} h JOIN {Building._meta.db_table} b"
            " ON b.id = h.building_id WHERE h.door_key = %s",
            [key],
        )
        row = cursor.fetchone()
    if row is None:
        raise Http404
    household = households.instance(row[: len(households.fields)])
    household.building = buildings.instance(row[len(households.fields) :])
    return household
