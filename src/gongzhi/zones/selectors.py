"""Reads of risk zones: the zones in or over a user's areas, one zone with its timeline, the
proposed-and-in-force counts for the landing page."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from gongzhi.core import access, roles
from gongzhi.core.models import WorkflowEvent
from gongzhi.core.scope import entries_with, in_area
from gongzhi.places.models import Building
from gongzhi.testing import selectors as testing_selectors
from gongzhi.testing.models import Round
from gongzhi.zones import flows, rules
from gongzhi.zones.models import Zone
from gongzhi.zones.services import RULES

PAGE = 50


def _over(user: Any) -> tuple[set[str], set[str]]:
    """The codes of the zones over the user's areas: the street's and district's zones over each of
    their areas (stored under the padded code, 510104017000), and a whole community's zone over a grid
    worker's grid or a building leader's building. Seen there once in force (they apply there); a
    proposal stays with those who decide on it."""
    above: set[str] = set()
    communities: set[str] = set()
    for entry in entries_with(user, roles.VIEW_ZONES):
        above.update(entry.area_code[:n].ljust(12, "0") for n in (6, 9) if n < len(entry.area_code))
        if entry.grid_id or entry.building_id:
            communities.add(entry.area_code)
    return above, communities


def _over_q(user: Any) -> Q:
    above, communities = _over(user)
    return Q(status=flows.ACTIVE) & (
        Q(level__in=(rules.STREET, rules.DISTRICT), community_code__in=above)
        | Q(level=rules.COMMUNITY, community_code__in=communities)
    )


def zone_list(*, user: Any, status: str = "open", area_code: str = "", kind: str = "") -> "QuerySet[Zone]":
    """The zones in the user's areas and those in force over them (a community's worker sees the
    street's zone in force over it; only the street's staff and those above see its proposal and
    decide on it), the strictest first, proposals before
    zones in force, newest first. With `area_code`: the zones inside that area and those over it
    (its street's, its district's), which apply there too."""
    qs = Zone.objects.filter(Q(pk__in=Zone.objects.visible_to(user, roles.VIEW_ZONES).values("pk")) | _over_q(user))
    if area_code:
        above = [area_code[:n].ljust(12, "0") for n in (6, 9) if n < len(area_code)]
        qs = qs.filter(in_area("community_code", area_code) | Q(community_code__in=above))
    if status == "open":
        qs = qs.filter(status__in=flows.OPEN_STATES)
    elif status in Zone.Status.values:
        qs = qs.filter(status=status)
    if kind in rules.KINDS:
        qs = qs.filter(kind=kind)
    strictest_first = Case(
        *[When(kind=kind, then=Value(i)) for i, kind in enumerate(rules.KINDS)], output_field=IntegerField()
    )
    # proposals (waiting for a decision) before zones in force, the newest positive first
    return qs.select_related("building", "grid").order_by(strictest_first, "-status", "-last_positive_at", "id")


def zones_page(qs: "QuerySet[Zone]", *, statuses: Iterable[str], offset: int, limit: int) -> list[Zone]:
    """`limit` zones of a `zone_list` from `offset`, in its order (strictest kind first, proposals
    before zones in force, newest positive first), read kind by kind and state by state on the
    kind-order index instead of sorting the whole list: a city in an outbreak has tens of thousands
    of zones. `statuses`: those the list holds. A part wholly before `offset` is only counted."""
    found: list[Zone] = []
    for kind in rules.KINDS:
        for status in sorted(statuses, reverse=True):  # "-status": proposed before active
            if len(found) >= limit:
                return found
            part = qs.filter(kind=kind, status=status).order_by("-last_positive_at", "id")
            if offset:
                size = part.count()
                if offset >= size:
                    offset -= size
                    continue
            found += list(part[offset : offset + limit - len(found)])
            offset = 0
    return found


def zones_first(qs: "QuerySet[Zone]", limit: int) -> list[Zone]:
    """The first `limit` open zones of a `zone_list`, in its order (zones_page)."""
    return zones_page(qs, statuses=flows.OPEN_STATES, offset=0, limit=limit)


def list_statuses(status: str) -> tuple[str, ...]:
    """The states a list asked for by `status` holds ("open": proposed and in force; "": all)."""
    if status == "open":
        return flows.OPEN_STATES
    return (status,) if status in Zone.Status.values else tuple(Zone.Status.values)


def zone_get_for_user(*, user: Any, public_id: str, capability: str = roles.VIEW_ZONES) -> Zone:
    """One zone, if it lies in the user's areas for the capability (or, to view it, over them); 404
    otherwise."""
    zone = Zone.objects.select_related("building", "grid", "redrawn_from").filter(public_id=public_id[:26]).first()
    if zone is None or not (
        access.may(user, capability, zone) or (capability == roles.VIEW_ZONES and _is_over(user, zone))
    ):
        raise Http404
    return zone


def _is_over(user: Any, zone: Zone) -> bool:
    above, communities = _over(user)
    if zone.status != flows.ACTIVE:
        return False
    if zone.level in (rules.STREET, rules.DISTRICT):
        return zone.community_code in above
    return zone.level == rules.COMMUNITY and zone.community_code in communities


@dataclass(frozen=True)
class RoundSuggestion:
    """The testing a zone in force calls for: a round over `area_code` every `every_hours`, `pool_size`
    to a tube; `due` when none began that long ago (`next_at`: when the next one is due)."""

    area_code: str
    pool_size: int
    every_hours: int
    last: Round | None
    due: bool
    next_at: dt.datetime | None


def official_area(zone: Zone) -> str:
    """The official area a round for the zone covers: the community of a building's or grid's zone,
    the street or district of a zone on its own code (510104017000 -> 510104017)."""
    code = zone.community_code
    if zone.level in (rules.STREET, rules.DISTRICT):
        code = code[:9] if zone.level == rules.STREET else code[:6]
    return code


def round_suggestion(zone: Zone, now: dt.datetime | None = None) -> RoundSuggestion | None:
    """The rounds the rules call for in a zone in force (None for a zone not in force)."""
    if zone.status != flows.ACTIVE:
        return None
    rule = RULES.kinds[zone.kind]
    area = official_area(zone)
    found = testing_selectors.rounds_over_community(area.ljust(12, "0") if len(area) < 12 else area, limit=1)
    last = found[0] if found and found[0].area_code in {area[:n] for n in (4, 6, 9, 12)} else None
    now = now or timezone.now()
    due = rules.round_due(zone.kind, last.starts_at if last else None, now, RULES)
    next_at = None if last is None else last.starts_at + dt.timedelta(hours=rule.round_every_hours)
    return RoundSuggestion(area, rule.pool_size, rule.round_every_hours, last, due, next_at)


def zone_timeline(zone: Zone) -> list[WorkflowEvent]:
    """Every step of the zone: proposed, new positives, confirmed or rejected, released."""
    return list(WorkflowEvent.objects.filter(flow=flows.ZONE_FLOW.name, row_key=zone.public_id).order_by("at", "id"))


def zones_applying(*, user: Any, grid: Any, building: Any = None, status: str = "open") -> "QuerySet[Zone]":
    """The zones the user sees that apply on a grid or a building: the building's own (or, for a grid,
    its buildings'), the grid's, and its community's, street's and district's; strictest first."""
    above = Q(level__in=(rules.COMMUNITY, rules.STREET, rules.DISTRICT))
    if building is not None:
        here = Q(building=building) | Q(level=rules.GRID, grid_id=building.grid_id)
    else:
        here = Q(grid=grid)
    return zone_list(user=user, status=status, area_code=grid.community_code).filter(here | above)


def zones_on(*, user: Any, grid: Any, building: Any = None, status: str = "open", kind: str = "") -> "QuerySet[Zone]":
    """The zones on a grid or a building, as the command view counts them there: a building's own and
    its grid's, or a grid's own and its buildings' (not those of the community or above)."""
    if building is not None:
        here = Q(building=building) | Q(level=rules.GRID, grid_id=building.grid_id)
    else:
        here = Q(grid=grid)
    return zone_list(user=user, status=status, area_code=grid.community_code, kind=kind).filter(here)


def zones_in_force_at_grid(*, user: Any, grid: Any) -> list[Zone]:
    """The zones in force the user sees that apply on a grid or inside it: the grid's own, its
    buildings', and its community's, street's and district's; the strictest first."""
    code = grid.community_code
    rows = zone_list(user=user, status=flows.ACTIVE, area_code=code).filter(
        Q(grid=grid) | Q(level__in=(rules.COMMUNITY, rules.STREET, rules.DISTRICT))
    )
    return list(rows[:50])


def zone_at(*, building_id: int, grid_id: int | None, community_code: str) -> Zone | None:
    """The zone in force that applies at a building: the strictest of those holding it (None: none)."""
    place = rules.Place(str(building_id), str(grid_id) if grid_id else None, community_code)
    holding = [
        z
        for z in Zone.objects.filter(status=flows.ACTIVE, community_code__in=rules.filing_codes([community_code]))
        if (z.level, z.area_key) in place.areas()
    ]
    return min(holding, key=lambda z: (rules.strictness(z.kind), z.pk), default=None)


def redraw_buildings(zone: Zone) -> list[Building]:
    """The buildings a proposal may be redrawn to: those of its grid (a building's zone: the grid it
    is in, or its community when it is in none), of the grid itself, or of its community. A street's
    or district's proposal is taken or rejected whole (its buildings are thousands)."""
    if zone.level == rules.BUILDING and zone.building is not None:
        building = zone.building
        if building.grid_id is not None:
            return list(Building.objects.filter(grid_id=building.grid_id).order_by("number"))
        return list(Building.objects.filter(community_code=building.community_code).order_by("number"))
    if zone.level == rules.GRID and zone.grid_id is not None:
        return list(Building.objects.filter(grid_id=zone.grid_id).order_by("number"))
    if zone.level == rules.COMMUNITY:
        return list(Building.objects.filter(community_code=zone.community_code).order_by("number"))
    return []


def redrawn_to(zone: Zone) -> list[Zone]:
    """The proposals a proposal was redrawn to, by building."""
    return list(Zone.objects.filter(redrawn_from=zone).order_by("area_name"))
