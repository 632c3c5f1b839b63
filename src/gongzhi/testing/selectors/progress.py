"""A round's progress from its per-community rollup (RoundProgress): totals, rows by level, the
communities' coverage, and the tubes waiting for results."""

from django.db.models import Count, Sum
from django.db.models.functions import Substr

from gongzhi.core import roles
from gongzhi.people.models import Resident
from gongzhi.places.models import Area
from gongzhi.places.selectors import area_names
from gongzhi.testing.models import Round, RoundProgress, Sample


def progress_by_community(*, user, round_: Round):
    """The rollup rows the dashboard reads: one per community, never a COUNT over samples."""
    return RoundProgress.objects.visible_to(user, roles.VIEW_TESTING).filter(round=round_)


def progress_totals(*, user, round_: Round) -> dict:
    totals = progress_by_community(user=user, round_=round_).aggregate(
        sampled=Sum("sampled"),
        tubes=Sum("tubes"),
        tubes_resulted=Sum("tubes_resulted"),
        positive_tubes=Sum("positive_tubes"),
    )
    return {k: v or 0 for k, v in totals.items()}


_LEVEL_LENGTH = {"district": 6, "street": 9, "community": 12}


def progress_rows_by_level(*, user, round_: Round, level: str) -> list[dict]:
    """Progress grouped by district, street or community (from the rollup), or by grid or
    building inside one community (from that community's samples, a few thousand rows)."""
    if level in _LEVEL_LENGTH:
        length = _LEVEL_LENGTH[level]
        rows = list(
            progress_by_community(user=user, round_=round_)
            .annotate(area=Substr("community_code", 1, length))
            .values("area")
            .annotate(
                sampled=Sum("sampled"),
                tubes=Sum("tubes"),
                tubes_resulted=Sum("tubes_resulted"),
                positive_tubes=Sum("positive_tubes"),
            )
            .order_by("area")
        )
        expected = _expected_by_prefix(user, round_, length)
        zero = {"sampled": 0, "tubes": 0, "tubes_resulted": 0, "positive_tubes": 0}
        by_area = {area: {"area": area, **zero} for area in expected}  # areas not yet sampled show too
        by_area.update({r["area"]: r for r in rows})
        rows = [by_area[a] for a in sorted(by_area)]
        names = dict(Area.objects.filter(code__in=list(by_area)).values_list("code", "name"))
        for r in rows:
            r["name"] = names.get(r["area"], r["area"])
            r["expected"] = expected.get(r["area"], 0)
        return rows
    place = {"grid": "resident__household__building__grid", "building": "resident__household__building"}.get(level)
    if place is None:
        return []
    # Each grid or building on its own (by its id): two communities' 第1网格 are two rows, not one.
    samples = Sample.objects.visible_to(user, roles.VIEW_TESTING).filter(round=round_)
    found = list(
        samples.values(f"{place}__public_id", f"{place}__name", "community_code")
        .annotate(sampled=Count("id"))
        .order_by("community_code", f"{place}__name", f"{place}__public_id")[:500]
    )
    several = len({r["community_code"] for r in found}) > 1
    names = area_names([r["community_code"] for r in found]) if several else {}
    return [
        {
            "area": r[f"{place}__public_id"],
            "name": f"{names.get(r['community_code'], r['community_code'])} {r[f'{place}__name']}"
            if several
            else r[f"{place}__name"],
            "sampled": r["sampled"],
        }
        for r in found
    ]


def _expected_by_prefix(user, round_: Round, length: int) -> dict[str, int]:
    """Residents per area prefix inside the round's area and the user's areas."""
    return dict(
        Resident.objects.visible_to(user, roles.VIEW_TESTING)
        .in_area(round_.area_code)
        .annotate(area=Substr("community_code", 1, length))
        .values("area")
        .annotate(n=Count("id"))
        .values_list("area", "n")
    )


def community_coverage(*, user, round_: Round) -> list[dict]:
    """Each community of the round in the user's areas, from the rollup (one row per community,
    3,047 at city size): expected (registered when the round was created), sampled, and the share,
    lowest first: the lagging communities lead."""
    rows = list(progress_by_community(user=user, round_=round_).values_list("community_code", "expected", "sampled"))
    out = [
        {"code": code, "expected": expected, "sampled": sampled, "share": min(1.0, sampled / expected)}
        for code, expected, sampled in rows
        if expected
    ]
    out.sort(key=lambda r: (r["share"], r["code"]))
    return out


def tubes_waiting_for_results(*, round_: Round) -> int:
    """Tubes of the round collected and not yet resulted, from the rollup. A lab works every tube of
    a round it may result (round_get_for_user with RECORD_RESULTS decides the round)."""
    totals = RoundProgress.objects.filter(round=round_).aggregate(tubes=Sum("tubes"), done=Sum("tubes_resulted"))
    return max(0, (totals["tubes"] or 0) - (totals["done"] or 0))
