"""The area a page is about, for the domain apps' list pages and dashboards."""

from django.http import Http404, HttpRequest

from gongzhi.core import access
from gongzhi.core.scope import entries_with


def area_in_scope(request: HttpRequest, capability: str) -> str:
    """The official area a page is about (asked for, else the user's first): 404 unless the user holds
    the capability over all of it, or (a grid worker, a building leader) over a place inside that
    community; lists then show only rows the user sees (visible_to)."""
    wanted = (request.POST.get("area") or request.GET.get("area") or "")[:12]
    below = [e.area_code for e in entries_with(request.user, capability) if e.grid_id or e.building_id]
    if wanted:
        if not wanted.isdecimal() or not (access.may_in_area(request.user, capability, wanted) or wanted in below):
            raise Http404
        return wanted
    areas = sorted(access.official_areas(request.user, capability), key=len) or below
    if areas:
        return areas[0]
    if getattr(request.user, "is_superuser", False):
        return "5101"
    raise Http404


def community_in_scope(request: HttpRequest, capability: str) -> str:
    """Like area_in_scope, for pages about one community (12 digits)."""
    code = area_in_scope(request, capability)
    if len(code) != 12:
        raise Http404
    return code
