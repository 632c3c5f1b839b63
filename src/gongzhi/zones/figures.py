"""Risk zones' figures for the command view (core.figures): zones in force by kind and proposals
waiting for a decision, counted on the zone's own code (a street's zone on the street's code)."""

from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.core import roles
from gongzhi.core.figures import Figure
from gongzhi.places.models import Building
from gongzhi.zones import flows, rules
from gongzhi.zones.messages import KIND_WORDS
from gongzhi.zones.models import Zone

GROUP = _("风险区")


def counter() -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {f"zones.{kind}": {} for kind in rules.KINDS}
    out["zones.proposed"] = {}
    rows = (
        Zone.objects.filter(status__in=flows.OPEN_STATES)
        .order_by()
        .values_list("community_code", "kind", "status")
        .annotate(n=Count("id"))
    )
    for code, kind, status, n in rows:
        key = f"zones.{kind}" if status == flows.ACTIVE else "zones.proposed"
        out[key][code] = out[key].get(code, 0) + n
    return out


def inside(community_code: str) -> dict[str, dict[tuple[str, int], float]]:
    """The community's zones on its grids and buildings: a building's zone counts for the building
    and its grid, a grid's zone for the grid and each of its buildings."""
    out: dict[str, dict[tuple[str, int], float]] = {f"zones.{kind}": {} for kind in rules.KINDS}
    out["zones.proposed"] = {}
    rows = list(
        Zone.objects.filter(
            community_code=community_code, status__in=flows.OPEN_STATES, level__in=(rules.BUILDING, rules.GRID)
        ).values_list("kind", "status", "level", "building_id", "grid_id")
    )
    grids = {grid_id for _k, _s, level, _b, grid_id in rows if level == rules.GRID}
    buildings_of: dict[int, list[int]] = {}
    for pk, grid_id in Building.objects.filter(grid_id__in=grids).values_list("pk", "grid_id"):
        buildings_of.setdefault(grid_id, []).append(pk)
    for kind, status, level, building_id, grid_id in rows:
        key = f"zones.{kind}" if status == flows.ACTIVE else "zones.proposed"
        places = [("grid", grid_id)] if grid_id else []
        if level == rules.BUILDING:
            places.append(("building", building_id))
        else:
            places += [("building", pk) for pk in buildings_of.get(grid_id, [])]
        for place in places:
            out[key][place] = out[key].get(place, 0) + 1
    return out


def _zones(extra: dict[str, str]):
    """The zones list of an area (a grid or building added by the command view), these only."""
    return lambda code: reverse("zones:list") + "?" + urlencode({"area": code, **extra})


FIGURES = [
    *[Figure(f"zones.{kind}", KIND_WORDS[kind], GROUP, roles.VIEW_ZONES,
             _zones({"kind": kind, "status": flows.ACTIVE}), urgent=kind == rules.KINDS[0],
             in_children=kind == rules.KINDS[0], places=True) for kind in rules.KINDS],
    Figure("zones.proposed", _("待确认的建议"), GROUP, roles.VIEW_ZONES, _zones({"status": flows.PROPOSED}),
           urgent=True, places=True),
]  # fmt: skip
