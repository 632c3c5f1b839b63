"""Coverage of an area of a round: expected, sampled, exempted and untested counts, the untested
residents, and the door-to-door tasks."""

from django.db.models import Exists, OuterRef, Subquery, Sum

from gongzhi.core import access, roles
from gongzhi.people.models import Resident
from gongzhi.places.selectors import PlaceFilter
from gongzhi.testing.models import DoorVisit, Exemption, Round, RoundProgress, Sample
from gongzhi.testing.selectors._common import _inside

# door by door: building, unit, room; the id makes the key unique for keyset pages
UNTESTED_ORDER = ("household__building__number", "household__unit", "household__room", "id")


def untested_residents(
    *,
    user,
    round_: Round,
    area_code: str = "",
    capability: str = roles.VIEW_TESTING,
    place: PlaceFilter | None = None,
):
    """Residents of the round's area and the user's areas (where the user holds the capability) with
    no sample and no exemption; `place`: those of one grid or building. None once the round's samples
    were archived and removed: who was sampled is then in the archive only."""
    inside = _inside(round_, area_code)
    if inside is None or round_.archived_at is not None:
        return Resident.objects.none()
    qs = Resident.objects.visible_to(user, capability).in_area(inside)
    if place is not None:
        qs = qs.filter(place.rows("household__building"))
    sampled = Sample.objects.filter(round=round_, resident=OuterRef("pk"))
    exempt = Exemption.objects.filter(round=round_, resident=OuterRef("pk"))
    return (
        qs.filter(~Exists(sampled), ~Exists(exempt))
        .select_related("household", "household__building", "household__building__grid")
        .order_by(*UNTESTED_ORDER)
    )


def coverage_summary(*, user, round_: Round, area_code: str = "", place: PlaceFilter | None = None) -> dict:
    """Expected, sampled, exempted and untested counts for an area of the round.

    A user who sees the whole area gets residents, samples and exemptions counted on their
    community-code indexes with one prefix each (two prefixes on one column made SQLite range over
    the wider one: 1.8 s for a community at city size). A grid or building worker's residents are
    listed first (hundreds) and their samples looked up by the (resident, round) key. Either way no
    plan falls back to the round's millions of samples.

    A round whose samples were archived and removed (`archived`) counts its sampled residents from the
    per-community rollup, recounted from the samples just before they went; for a user below a
    community (a grid or a building) that figure, and so the untested one, is no longer known: None. A
    `place` (a grid or a building) is counted the way a grid worker's residents are."""
    code = area_code or round_.area_code
    inside = _inside(round_, area_code)
    archived = round_.archived_at is not None
    if inside is None:
        return {"area_code": code, "expected": 0, "sampled": 0, "exempted": 0, "untested": 0, "archived": archived}
    if archived:
        return _archived_coverage(user, round_, code, inside, place)
    if place is None and access.may_in_area(user, roles.VIEW_TESTING, inside):
        expected = Resident.objects.in_area(inside).count()
        sampled = Sample.objects.in_area(inside).filter(round=round_).count()
        exempted = Exemption.objects.in_area(inside).filter(round=round_).count()
    else:
        residents = Resident.objects.visible_to(user, roles.VIEW_TESTING).in_area(inside)
        if place is not None:
            residents = residents.filter(place.rows("household__building"))
        ids = list(residents.values_list("id", flat=True))
        expected, sampled, exempted = len(ids), 0, 0
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            sampled += Sample.objects.filter(round=round_, resident_id__in=chunk).count()
            exempted += Exemption.objects.filter(round=round_, resident_id__in=chunk).count()
    return {
        "area_code": code,
        "expected": expected,
        "sampled": sampled,
        "exempted": exempted,
        "untested": max(0, expected - sampled - exempted),
        "archived": False,
    }


def _archived_coverage(user, round_: Round, code: str, inside: str, place: PlaceFilter | None) -> dict:
    if place is None and access.may_in_area(user, roles.VIEW_TESTING, inside):
        expected = Resident.objects.in_area(inside).count()
        sampled: int | None = (
            RoundProgress.objects.in_area(inside).filter(round=round_).aggregate(n=Sum("sampled"))["n"] or 0
        )
        exempted = Exemption.objects.in_area(inside).filter(round=round_).count()
    else:
        residents = Resident.objects.visible_to(user, roles.VIEW_TESTING).in_area(inside)
        if place is not None:
            residents = residents.filter(place.rows("household__building"))
        expected = residents.count()
        exempted = Exemption.objects.filter(round=round_, resident__in=residents).count()
        sampled = None
    return {
        "area_code": code,
        "expected": expected,
        "sampled": sampled,
        "exempted": exempted,
        "untested": None if sampled is None else max(0, expected - sampled - exempted),
        "archived": True,
    }


DOOR_TO_DOOR_TAGS = ("bedridden", "disabled")


def door_to_door_tasks(*, user, round_: Round, area_code: str = "", place: PlaceFilter | None = None):
    """Untested residents who cannot come to a site (bedridden or disabled): tasks for the grid
    worker of their grid, who sees exactly their own grid's through the scope. Each with the last
    visit recorded (`visit_outcome`, `visit_note`, `visit_at`): one a sample was taken at stays
    listed until its scan arrives. Being on this list says a resident is bedridden or disabled:
    only where the user holds residents.health (health status, core.roles.VIEW_HEALTH)."""
    last = DoorVisit.objects.filter(round=round_, resident=OuterRef("pk")).order_by("-id")
    return (
        untested_residents(user=user, round_=round_, area_code=area_code, place=place)
        .filter(tags__tag__in=DOOR_TO_DOOR_TAGS)
        .visible_to(user, roles.VIEW_HEALTH)
        .distinct()
        .annotate(
            visit_outcome=Subquery(last.values("outcome")[:1]),
            visit_note=Subquery(last.values("note")[:1]),
            visit_at=Subquery(last.values("created_at")[:1]),
        )
        .order_by(
            "household__building__grid__number",
            "household__building__number",
            "household__unit",
            "household__room",
            "id",
        )
    )


def door_visits_due(*, user, round_: Round, area_code: str = "") -> int:
    """Door-to-door tasks with no visit at which a sample was taken (the workbench's count)."""
    sampled = DoorVisit.objects.filter(round=round_, resident=OuterRef("pk"), outcome=DoorVisit.Outcome.SAMPLED)
    return (
        untested_residents(user=user, round_=round_, area_code=area_code)
        .filter(tags__tag__in=DOOR_TO_DOOR_TAGS)
        .filter(~Exists(sampled))
        .distinct()
        .count()
    )
