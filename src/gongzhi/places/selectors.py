"""Reads of the area tree, with access checks: one function per entity, the same 404 for missing
and forbidden."""

from django.db.models import Q
from django.http import Http404

from gongzhi.core.scope import scope_q, user_scope
from gongzhi.places.models import Area, Building, Grid, Household


def _ancestor_codes(code: str) -> list[str]:
    return [code[:n] for n in (4, 6, 9, 12) if n < len(code)]


def area_visible_q(user) -> Q:
    """Areas the user may open: their own subtrees, and the ancestors on the way to them."""
    if getattr(user, "is_superuser", False):
        return Q()
    condition = Q(pk__in=[])
    for entry in user_scope(user):
        ancestors = _ancestor_codes(entry.area_code)
        if entry.grid_id is None and entry.building_id is None:
            condition |= Q(code__startswith=entry.area_code)
        else:
            ancestors.append(entry.area_code)
        if ancestors:
            condition |= Q(code__in=ancestors)
    return condition


def area_get_for_user(*, user, code: str) -> Area:
    area = Area.objects.filter(area_visible_q(user), code=code).select_related("parent").first()
    if area is None:
        raise Http404
    return area


def area_children(*, user, area: Area):
    return Area.objects.filter(area_visible_q(user), parent=area).order_by("code")


def area_roots(*, user):
    """The top areas a user starts browsing from: the city for anyone with a role."""
    return Area.objects.filter(area_visible_q(user), parent__isnull=True)


def area_breadcrumb(area: Area) -> list[Area]:
    codes = _ancestor_codes(area.code) + [area.code]
    return list(Area.objects.filter(code__in=codes).order_by("code"))


def grid_list(*, user, community: Area):
    return Grid.objects.filter(
        scope_q(user, community_field="community_code", grid_field="id", building_field="buildings__id"),
        community=community,
    ).distinct()


def grid_get_for_user(*, user, public_id: str) -> Grid:
    grid = (
        Grid.objects.filter(
            scope_q(user, community_field="community_code", grid_field="id", building_field="buildings__id"),
            public_id=public_id,
        )
        .select_related("community")
        .first()
    )
    if grid is None:
        raise Http404
    return grid


def building_list(*, user, grid: Grid):
    return Building.objects.filter(scope_q(user, grid_field="grid_id", building_field="id"), grid=grid)


def building_get_for_user(*, user, public_id: str, capability: str | None = None) -> Building:
    building = (
        Building.objects.filter(
            scope_q(user, capability=capability, grid_field="grid_id", building_field="id"), public_id=public_id
        )
        .select_related("grid", "grid__community")
        .first()
    )
    if building is None:
        raise Http404
    return building


def household_list(*, user, building: Building | None = None):
    qs = Household.objects.filter(scope_q(user, grid_field="building__grid_id", building_field="building_id"))
    if building is not None:
        qs = qs.filter(building=building)
    return qs.select_related("building")


def household_get_for_user(*, user, public_id: str, capability: str | None = None) -> Household:
    household = (
        Household.objects.filter(
            scope_q(user, capability=capability, grid_field="building__grid_id", building_field="building_id"),
            public_id=public_id,
        )
        .select_related("building", "building__grid")
        .first()
    )
    if household is None:
        raise Http404
    return household


def user_has_any_role(user) -> bool:
    return getattr(user, "is_superuser", False) or bool(user_scope(user))
