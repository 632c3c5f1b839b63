"""What zones decide for the people inside them, as providers of core.measures (registered by
ZonesConfig.ready): testing asks which residents of a scan batch must have a tube of their own."""

from collections.abc import Collection, Sequence

from django.db import connection

from gongzhi.people.models import Resident
from gongzhi.places.models import Building
from gongzhi.zones import flows, rules
from gongzhi.zones.models import Zone
from gongzhi.zones.services import RULES


def single_tube_residents(resident_ids: Collection[int], communities: Collection[str]) -> set[int]:
    """The residents living where the strictest zone in force samples one to a tube. One indexed
    query when no such zone is in force in these communities (normal times), two otherwise."""
    single = [kind for kind, rule in RULES.kinds.items() if rule.pool_size == 1]
    zones = _zones_in_force(communities, kinds=single)
    if not zones:
        return set()
    homes = Resident.objects.filter(pk__in=list(resident_ids), household__isnull=False).values_list(
        "pk", "household__building_id", "household__building__grid_id", "community_code"
    )
    return {
        pk
        for pk, building, grid, community in homes
        if rules.kind_at(rules.Place(str(building), str(grid) if grid else None, community), zones) in single
    }


def _zones_in_force(communities: Collection[str], kinds: Collection[str] | None = None) -> list[rules.ZoneArea]:
    """The zones in force that can hold a place of these communities (of these kinds). Raw SQL: every
    scan batch and every new request asks, and building the ORM query cost more than running it
    (profiled)."""
    codes = sorted(rules.filing_codes(communities))
    if not codes or (kinds is not None and not kinds):
        return []
    sql = f"SELECT kind, level, area_key FROM {Zone._meta.db_table} WHERE status = %s"
    params: list[str] = [flows.ACTIVE]
    if kinds is not None:
        sql += f" AND kind IN ({', '.join(['%s'] * len(kinds))})"
        params += list(kinds)
    sql += f" AND community_code IN ({', '.join(['%s'] * len(codes))})"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *codes])
        return [rules.ZoneArea(kind, level, key) for kind, level, key in cursor.fetchall()]


def urgency_raises(places: Sequence[tuple[int, int | None, str]]) -> list[int]:
    """Levels a request from each place (building, grid, community) is raised, in order: the
    strictest zone in force there decides; one read of the zones for all of them (the requests a
    process writes together: core.group_commit)."""
    zones = _zones_in_force({community for _, _, community in places})
    out = []
    for building_id, grid_id, community_code in places:
        place = rules.Place(str(building_id), str(grid_id) if grid_id else None, community_code)
        found = rules.measures(rules.kind_at(place, zones), RULES)
        out.append(found.raise_by if found is not None else 0)
    return out


def door_delivery_buildings(communities: Collection[str]) -> set[int]:
    """The buildings of these communities whose strictest zone in force delivers to the door (a
    lockdown zone by default): supplies routes their households first and allocation covers them
    first. One indexed query in normal times; the communities' buildings read only when such a zone
    is in force there."""
    door = [kind for kind, rule in RULES.kinds.items() if rule.door_delivery]
    zones = _zones_in_force(communities)
    if not any(z.kind in door for z in zones):
        return set()
    rows = Building.objects.filter(community_code__in=list(communities)).values_list("pk", "grid_id", "community_code")
    return {
        pk
        for pk, grid, community in rows
        if rules.kind_at(rules.Place(str(pk), str(grid) if grid else None, community), zones) in door
    }
