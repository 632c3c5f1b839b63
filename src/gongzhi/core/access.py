"""Who may do what, and where: every access decision goes through here.

- `may(user, capability, row)` decides about one row, against that row's own place (its community,
  grid or building). A user holding the capability somewhere else gets nothing for this row: a
  street official of one street who is also a community worker in another has each role's rights
  only in its own area.
- `levels(user, capability, row)` names the levels (community, street, ...) at which the user holds
  the capability over the row, for workflow steps that a given level must take.
- `may_in_area(user, capability, code)` decides about an official area (a round over a district, a
  report for a street).
- `may_around(user, capability, code)` decides whether an official area concerns the user: it leads
  down to one of their areas or lies inside one (a city's round concerns every collector).
- `holds(user, capability)` is "anywhere": for the menu and for page gates (`capability_required`)
  only. A view, endpoint or service never decides about a row with it (tests/core/test_layers.py
  fails if one tries).

Lists use the scope condition instead (`AreaQuerySet.visible_to`, core.scope).
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.db import models
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from gongzhi.core.scope import AreaPaths, Place, ScopeEntry, entries_with

F = TypeVar("F", bound=Callable[..., HttpResponseBase])

EVERY_LEVEL = frozenset({"city", "district", "street", "community", "grid", "building"})


def _superuser(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False))


def holds(user: Any, capability: str) -> bool:
    """True when any of the user's roles carries the capability, wherever. Menus and page gates only."""
    return _superuser(user) or bool(entries_with(user, capability))


def capability_required(*capabilities: str) -> Callable[[F], F]:
    """Page gate: 404 unless the user holds one of the capabilities somewhere. The rows the page then
    shows or changes are each decided against their own area."""

    def decorate(view: F) -> F:
        @wraps(view)
        def gated(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not any(holds(request.user, c) for c in capabilities):
                raise Http404
            return view(request, *args, **kwargs)

        return gated  # type: ignore[return-value]

    return decorate


def place_of(row: models.Model) -> Place:
    """A row's place, through its model's `area_paths` (community code, grid, building)."""
    paths: AreaPaths = getattr(type(row), "area_paths", AreaPaths())
    return paths.place_of(row)


def covers(entry: ScopeEntry, place: Place) -> bool:
    """True when the role assignment's place contains the row's place."""
    if entry.building_id is not None:
        return place.building_id == entry.building_id
    if entry.grid_id is not None:
        return place.grid_id == entry.grid_id
    return place.area_code.startswith(entry.area_code)


def levels_at(user: Any, capability: str, place: Place) -> set[str]:
    """The levels at which the user holds the capability over this place."""
    if _superuser(user):
        return set(EVERY_LEVEL)
    return {e.level for e in entries_with(user, capability) if covers(e, place)}


def may_at(user: Any, capability: str, place: Place) -> bool:
    """True when one of the user's roles holding the capability covers this place."""
    return _superuser(user) or any(covers(e, place) for e in entries_with(user, capability))


def may(user: Any, capability: str, row: models.Model) -> bool:
    """The decision about one row: the user holds the capability on the row's own place."""
    return may_at(user, capability, place_of(row))


def levels(user: Any, capability: str, row: models.Model) -> set[str]:
    """The levels at which the user holds the capability over this row."""
    return levels_at(user, capability, place_of(row))


def may_in_area(user: Any, capability: str, code: str) -> bool:
    """True when the official area `code` lies inside an official area where the user holds the
    capability (roles held on a grid or building never cover a whole official area)."""
    if _superuser(user):
        return True
    return any(
        code.startswith(e.area_code) and e.grid_id is None and e.building_id is None
        for e in entries_with(user, capability)
    )


def may_around(user: Any, capability: str | None, code: str) -> bool:
    """The one-row form of `scope.around_q`: the official area `code` is one of the user's areas, on
    the way down to one (capability None: any role), or inside an official area where they hold it."""
    if _superuser(user):
        return True
    for e in entries_with(user, capability):
        if code in [e.area_code[:n] for n in (4, 6, 9, 12) if n <= len(e.area_code)]:
            return True
        if e.grid_id is None and e.building_id is None and code.startswith(e.area_code):
            return True
    return False


def official_areas(user: Any, capability: str) -> list[str]:
    """The official area codes (city down to community) on which the user holds the capability."""
    return [e.area_code for e in entries_with(user, capability) if e.grid_id is None and e.building_id is None]
