"""Which areas a user is responsible for, and the one query condition every list uses.

A row that lives in an area carries its community's 12-digit code, so "inside the user's areas"
is `community_code LIKE '<code>%'` for an official area, plus the grid or building for roles held
on those. Superusers see everything.
"""

from dataclasses import dataclass

from django.db.models import Q

from gongzhi.core import roles


@dataclass(frozen=True)
class ScopeEntry:
    role: str
    area_code: str
    grid_id: int | None = None
    building_id: int | None = None


def in_area(field: str, code: str) -> Q:
    """Rows whose 12-digit community code lies in the official area `code` (4 to 12 digits), as a
    range: `LIKE 'prefix%'` uses a plain btree index only under the C collation (PostgreSQL) or with
    case_sensitive_like (SQLite), and a whole-city table was scanned for one community (2 s at 21 M
    residents). Codes are digits of one length, so the range is the same in every collation."""
    if not code.isdigit() or len(code) > 12:
        return Q(**{f"{field}__startswith": code})
    return Q(**{f"{field}__gte": code.ljust(12, "0"), f"{field}__lte": code.ljust(12, "9")})


def user_scope(user) -> list[ScopeEntry]:
    """The user's role assignments, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_gongzhi_scope", None)
    if cached is None:
        cached = [ScopeEntry(a.role, a.area_code, a.grid_id, a.building_id) for a in user.role_assignments.all()]
        user._gongzhi_scope = cached
    return cached


def user_can(user, capability: str) -> bool:
    """True when any of the user's roles carries the capability."""
    if getattr(user, "is_superuser", False):
        return True
    return any(roles.role_can(e.role, capability) for e in user_scope(user))


def scope_q(
    user,
    *,
    capability: str | None = None,
    community_field: str = "community_code",
    grid_field: str | None = None,
    building_field: str | None = None,
) -> Q:
    """A condition selecting the rows inside the user's areas (for roles with the capability).

    `grid_field` and `building_field` are the lookups from the row to its grid and building id;
    an entity that lives above grids passes neither, and grid or building roles then grant nothing.
    Returns a condition matching no row when the user holds no fitting role.
    """
    if getattr(user, "is_superuser", False):
        return Q()
    condition = Q(pk__in=[])
    for entry in user_scope(user):
        if capability and not roles.role_can(entry.role, capability):
            continue
        if entry.building_id is not None:
            if building_field:
                condition |= Q(**{building_field: entry.building_id})
        elif entry.grid_id is not None:
            if grid_field:
                condition |= Q(**{grid_field: entry.grid_id})
        else:
            condition |= (
                in_area(community_field, entry.area_code)
                if community_field.endswith("community_code")
                else Q(**{f"{community_field}__startswith": entry.area_code})
            )
    return condition


def code_in_scope(user, code: str, *, capability: str | None = None) -> bool:
    """True when the official area `code` lies inside one of the user's official areas."""
    if getattr(user, "is_superuser", False):
        return True
    return any(
        code.startswith(e.area_code)
        and e.grid_id is None
        and e.building_id is None
        and (capability is None or roles.role_can(e.role, capability))
        for e in user_scope(user)
    )


def common_area_code(codes) -> str:
    """The longest official-code prefix shared by all codes (for filing an audit event)."""
    codes = [c for c in codes if c]
    if not codes:
        return ""
    prefix = codes[0]
    for code in codes[1:]:
        while not code.startswith(prefix):
            prefix = prefix[:-1]
    for length in (12, 9, 6, 4):
        if len(prefix) >= length:
            return prefix[:length]
    return ""
