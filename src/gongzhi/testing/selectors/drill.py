"""The dashboard's drill-down: the parts of an area (districts down to a grid's buildings) with their
coverage, lagging first."""

from django.db.models import Count, Sum
from django.db.models.functions import Substr

from gongzhi.core import access, roles
from gongzhi.people.models import Resident
from gongzhi.places.models import Building, Grid
from gongzhi.places.selectors import area_names
from gongzhi.testing.models import Exemption, Round, Sample
from gongzhi.testing.selectors._common import _inside
from gongzhi.testing.selectors.progress import progress_by_community

_CHILD_LEVEL = {4: ("district", 6), 6: ("street", 9), 9: ("community", 12)}


def _share_rows(raw: dict, names: dict) -> list[dict]:
    rows = []
    for key, figures in raw.items():
        expected, sampled, exempted = figures.get("expected", 0), figures.get("sampled", 0), figures.get("exempted", 0)
        untested = max(0, expected - sampled - exempted)
        share = min(1.0, (sampled + exempted) / expected) if expected else 1.0
        rows.append(
            {
                "key": key,
                "name": names.get(key, key),
                "expected": expected,
                "sampled": sampled,
                "exempted": exempted,
                "untested": untested,
                "share": round(share, 4),
            }
        )
    # the areas nobody was sampled in first, then the lowest share: the lagging place leads
    rows.sort(key=lambda r: (r["sampled"] > 0 or r["expected"] == 0, r["share"], r["name"]))
    return rows


def coverage_children(*, user, round_: Round, area_code: str = "", grid=None) -> dict:
    """The dashboard's drill-down: the parts of an area with their expected, sampled, exempted and
    untested counts and the share done, lagging first. Districts, streets and communities from the
    per-community rollup (expected: the residents registered, kept by people.residents_changed);
    a community's grids and a grid's buildings counted live inside that one community. The totals
    are the coverage page's for the same area."""
    if grid is not None:
        return _inside_community(user, round_, grid.community_code, grid=grid)
    inside = _inside(round_, area_code)
    if inside is None:
        return {"level": "", "rows": []}
    if len(inside) == 12:
        return _inside_community(user, round_, inside)
    level, length = _CHILD_LEVEL[len(inside)]
    raw: dict[str, dict] = {}
    progress = (
        progress_by_community(user=user, round_=round_)
        .in_area(inside)
        .annotate(area=Substr("community_code", 1, length))
        .values("area")
        .annotate(expected=Sum("expected"), sampled=Sum("sampled"))
    )
    for row in progress:
        raw[row["area"]] = {"expected": row["expected"] or 0, "sampled": row["sampled"] or 0}
    exempt = (
        Exemption.objects.visible_to(user, roles.VIEW_TESTING)
        .filter(round=round_)
        .in_area(inside)
        .annotate(area=Substr("community_code", 1, length))
        .values("area")
        .annotate(n=Count("id"))
    )
    for row in exempt:
        raw.setdefault(row["area"], {})["exempted"] = row["n"]
    return {"level": level, "rows": _share_rows(raw, area_names(list(raw)))}


def _inside_community(user, round_: Round, code: str, grid=None) -> dict:
    """A community's grids, or a grid's buildings: residents, samples and exemptions counted live."""
    field = "household__building__grid_id" if grid is None else "household__building_id"
    residents = Resident.objects.visible_to(user, roles.VIEW_TESTING).in_area(code)
    samples = Sample.objects.visible_to(user, roles.VIEW_TESTING).filter(round=round_).in_area(code)
    exemptions = Exemption.objects.visible_to(user, roles.VIEW_TESTING).filter(round=round_).in_area(code)
    if grid is not None:
        residents = residents.filter(household__building__grid=grid)
        samples = samples.filter(resident__household__building__grid=grid)
        exemptions = exemptions.filter(resident__household__building__grid=grid)
    raw: dict = {}
    for key, n in residents.values_list(field).annotate(n=Count("id")).values_list(field, "n"):
        raw.setdefault(key, {})["expected"] = n
    for key, n in (
        samples.values_list(f"resident__{field}").annotate(n=Count("id")).values_list(f"resident__{field}", "n")
    ):
        raw.setdefault(key, {})["sampled"] = n
    for key, n in (
        exemptions.values_list(f"resident__{field}").annotate(n=Count("id")).values_list(f"resident__{field}", "n")
    ):
        raw.setdefault(key, {})["exempted"] = n
    if grid is None:
        places = {g.pk: g for g in Grid.objects.filter(pk__in=list(raw))}
        names = {pk: g.name for pk, g in places.items()}
        ids = {pk: g.public_id for pk, g in places.items()}
    else:
        buildings = {b.pk: b for b in Building.objects.filter(pk__in=list(raw))}
        names = {pk: b.label for pk, b in buildings.items()}
        ids = {pk: b.public_id for pk, b in buildings.items()}
    rows = _share_rows(raw, names)
    for row in rows:
        row["key"] = ids.get(row["key"], "")
    return {"level": "grid" if grid is None else "building", "rows": rows}


def grid_in_round(*, user, round_: Round, public_id: str):
    """A grid of the round's area the user follows testing in, else None (the dashboard's drill)."""
    grid = Grid.objects.filter(public_id=public_id).first()
    if grid is None or not grid.community_code.startswith(round_.area_code):
        return None
    return grid if access.may(user, roles.VIEW_TESTING, grid) else None
