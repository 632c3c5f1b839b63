"""Which areas a user is responsible for, and the one query condition every list uses.

A row that lives in an area carries its community's 12-digit code, so "inside the user's areas"
is a range on that code for an official area (city, district, street, community), plus the grid
or building for roles held on those. Each area-scoped model says once, in `area_paths`, how a row
reaches its community code, grid and building; its QuerySet then answers `.in_area(code)` and
`.visible_to(user, capability)`. Superusers see everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from django.db import models
from django.db.models import Q

from gongzhi.core import roles


@dataclass(frozen=True)
class ScopeEntry:
    """One role a user holds on one place: an official area, or a grid or building inside a community
    (then `area_code` is that community's code)."""

    role: str
    area_code: str
    grid_id: int | None = None
    building_id: int | None = None

    @property
    def level(self) -> str:
        """The level of the place the role is held on: city, district, street, community, grid, building."""
        if self.building_id is not None:
            return "building"
        if self.grid_id is not None:
            return "grid"
        return roles.level_of_code(self.area_code)


@dataclass(frozen=True)
class Place:
    """Where one row lives: its community code (or, for rows above communities, its official area
    code), and its grid and building when it lives below a community."""

    area_code: str
    grid_id: int | None = None
    building_id: int | None = None


@dataclass(frozen=True)
class AreaPaths:
    """Lookups from a model's row to its community code, grid id and building id (None: the entity
    lives above grids or buildings, and roles held on them grant nothing for it)."""

    community: str = "community_code"
    grid: str | None = None
    building: str | None = None
    # False for a column of official codes of any length (an audit event's area): such a column is
    # compared by prefix, not by the 12-digit range.
    full_codes: bool = True

    def area_q(self, code: str) -> Q:
        """Rows inside the official area `code`."""
        if self.full_codes:
            return in_area(self.community, code)
        return Q(**{f"{self.community}__startswith": code})

    def area_code_of(self, row: models.Model) -> str:
        """The row's community code (or official area code), without following grid or building."""
        return str(_follow(row, self.community))

    def place_of(self, row: models.Model) -> Place:
        """The row's place, read through loaded relations (select_related them for lists)."""
        return Place(
            str(_follow(row, self.community)),
            _follow(row, self.grid) if self.grid else None,
            _follow(row, self.building) if self.building else None,
        )


def _follow(row: object, path: str) -> Any:
    """The value at the end of a lookup path, or None where it is empty or leads to many rows (a grid's
    buildings: such a path counts in queries, where it means "any of them", not for one row's place)."""
    value: Any = row
    for name in path.split("__"):
        if value is None or isinstance(value, models.Manager):
            return None
        value = getattr(value, name)
    return None if isinstance(value, models.Manager) else value


def user_scope(user: Any) -> list[ScopeEntry]:
    """The user's role assignments, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached: list[ScopeEntry] | None = getattr(user, "_gongzhi_scope", None)
    if cached is None:
        rows = user.role_assignments.values_list("role", "area_code", "grid_id", "building_id")
        cached = [ScopeEntry(*row) for row in rows]
        user._gongzhi_scope = cached
    return cached


def entries_with(user: Any, capability: str | None, levels: Iterable[str] | None = None) -> list[ScopeEntry]:
    """The user's role assignments carrying the capability (any, when None), at these levels only
    (all, when None)."""
    wanted = set(levels) if levels is not None else None
    return [
        e
        for e in user_scope(user)
        if (capability is None or roles.role_can(e.role, capability)) and (wanted is None or e.level in wanted)
    ]


def in_area(field: str, code: str) -> Q:
    """Rows whose 12-digit community code lies in the official area `code` (4 to 12 digits), as a
    range: `LIKE 'prefix%'` uses a plain btree index only under the C collation (PostgreSQL) or with
    case_sensitive_like (SQLite), and a whole-city table was scanned for one community (2 s at 21 M
    residents). Codes are digits of one length, so the range is the same in every collation."""
    if not code.isdecimal() or len(code) > 12:
        return Q(**{f"{field}__startswith": code})
    if len(code) == 12:  # one community: an equality keeps the index's next columns in order
        return Q(**{field: code})
    return Q(**{f"{field}__gte": code.ljust(12, "0"), f"{field}__lte": code.ljust(12, "9")})


def scope_q(
    user: Any,
    *,
    capability: str | None = None,
    paths: AreaPaths | None = None,
    levels: Iterable[str] | None = None,
) -> Q:
    """A condition selecting the rows inside the user's areas, for roles with the capability (and
    held at these levels, when given). Matches no row when the user holds no fitting role."""
    if getattr(user, "is_superuser", False):
        return Q()
    paths = paths or AreaPaths()
    condition = Q(pk__in=[])
    for entry in entries_with(user, capability, levels):
        if entry.building_id is not None:
            if paths.building:
                condition |= Q(**{paths.building: entry.building_id})
        elif entry.grid_id is not None:
            if paths.grid:
                condition |= Q(**{paths.grid: entry.grid_id})
        else:
            condition |= paths.area_q(entry.area_code)
    return condition


def within_one_community(user: Any, capability: str | None, area_code: str = "") -> bool:
    """True when the user's list is confined to one community or less: the area asked for is a
    community, or every place where the user holds the capability lies in the same community. Such
    a list is a few thousand rows, which a substring search may read; a wider one needs an index."""
    if area_code and roles.level_of_code(area_code) == "community":
        return True
    if getattr(user, "is_superuser", False):
        return False
    codes = {e.area_code for e in entries_with(user, capability)}
    return len(codes) == 1 and roles.level_of_code(next(iter(codes))) == "community"


def around_q(user: Any, capability: str | None, field: str) -> Q:
    """Official codes on the way down to one of the user's areas (that area itself and the areas above
    it) or inside one of their official areas: the part of the area tree a user may open, and the
    rounds that concern them (a district's round concerns its communities' workers)."""
    if getattr(user, "is_superuser", False):
        return Q()
    condition = Q(pk__in=[])
    for entry in entries_with(user, capability):
        path = [entry.area_code[:n] for n in (4, 6, 9, 12) if n <= len(entry.area_code)]
        condition |= Q(**{f"{field}__in": path})
        if entry.grid_id is None and entry.building_id is None:
            condition |= Q(**{f"{field}__startswith": entry.area_code})
    return condition


class AreaQuerySet(models.QuerySet):  # type: ignore[type-arg]
    """The QuerySet of every area-scoped model. The model declares `area_paths`."""

    def _paths(self) -> AreaPaths:
        paths: AreaPaths = getattr(self.model, "area_paths", AreaPaths())
        return paths

    def in_area(self, code: str) -> Self:
        """Rows inside the official area `code` (city down to community)."""
        return self.filter(self._paths().area_q(code))

    def around(self, user: Any, capability: str | None) -> Self:
        """Rows whose official area leads down to, or lies inside, the user's areas (around_q)."""
        return self.filter(around_q(user, capability, self._paths().community))

    def visible_to(self, user: Any, capability: str, *, levels: Iterable[str] | None = None) -> Self:
        """Rows inside the areas where the user holds the capability (at these levels, when given)."""
        return self.filter(scope_q(user, capability=capability, paths=self._paths(), levels=levels))


class AreaScoped:
    """Mixin for models that live in an area: `objects` answers in_area and visible_to."""

    area_paths: ClassVar[AreaPaths] = AreaPaths()


def common_area_code(codes: Iterable[str]) -> str:
    """The longest official-code prefix shared by all codes (for filing an audit event)."""
    present = [c for c in codes if c]
    if not present:
        return ""
    prefix = present[0]
    for code in present[1:]:
        while not code.startswith(prefix):
            prefix = prefix[:-1]
    for length in (12, 9, 6, 4):
        if len(prefix) >= length:
            return prefix[:length]
    return ""
