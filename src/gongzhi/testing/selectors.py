"""Reads of rounds, recalls and coverage, always inside the user's areas."""

from django.contrib.auth import get_user_model
from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Substr
from django.http import Http404

from gongzhi.core import access, roles
from gongzhi.core.models import RoleAssignment
from gongzhi.people.models import Resident
from gongzhi.places.models import Area, Building, Grid
from gongzhi.places.selectors import PlaceFilter, area_names
from gongzhi.testing import flows
from gongzhi.testing.models import (
    DoorVisit,
    Exemption,
    Recall,
    ResultConflict,
    Round,
    RoundCollector,
    RoundProgress,
    Sample,
    Site,
    SlotAssignment,
    Tube,
)

_PLACE_OF_RECALL = ("resident", "resident__household", "resident__household__building", "tube")


def sample_result():
    """A sample's result, for `.annotate(result=...)`: its tube's (flows.SAMPLE_RESULT), pending
    until the tube has one. Samples store no result of their own."""
    return Case(
        *(When(tube__status=tube, then=Value(sample)) for tube, sample in flows.SAMPLE_RESULT.items()),
        default=Value(flows.PENDING),
        output_field=CharField(),
    )


def round_list(*, user, capability: str):
    """The rounds over one of the user's areas, over an area around it, or inside it."""
    return Round.objects.around(user, capability)


def round_get_for_user(*, user, public_id: str, capability: str) -> Round:
    """One round, decided against its own area (every scan batch reads its round: one indexed query,
    no scope condition to build)."""
    round_ = Round.objects.filter(public_id=public_id).first()
    if round_ is None or not access.may_around(user, capability, round_.area_code):
        raise Http404
    return round_


COLLECTING_ROLES = tuple(role for role, caps in roles.CAPABILITIES.items() if roles.COLLECT_SAMPLES in caps)


def round_get_for_collector(*, user, public_id: str) -> tuple[Round, Site | None]:
    """The round (and the site the user is assigned to, if any) when the user is assigned to collect
    in it, else 404: only collectors assigned to a round scan in it, anywhere in its area. One
    indexed query a batch (the site, rarely named, a second). Raw SQL: every scan batch of every
    device reads it, and building the ORM query with its joins cost more than running it (profiled)."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    rounds, collectors = Round._meta.db_table, RoundCollector._meta.db_table
    assignments = RoleAssignment._meta.db_table
    # still holding a role that collects: a collector whose role was taken away stops here
    found = list(
        Round.objects.raw(
            f"SELECT r.*, c.site_id AS gongzhi_site_id FROM {rounds} r JOIN {collectors} c ON c.round_id = r.id"
            f" WHERE r.public_id = %s AND c.user_id = %s AND EXISTS (SELECT 1 FROM {assignments} a"
            f" WHERE a.user_id = c.user_id AND a.role IN ({', '.join(['%s'] * len(COLLECTING_ROLES))}))",
            [public_id, user.pk, *COLLECTING_ROLES],
        )
    )
    if not found:
        raise Http404
    site_id = found[0].gongzhi_site_id  # type: ignore[attr-defined]  # the extra column above
    return found[0], (Site.objects.filter(pk=site_id).first() if site_id else None)


def rounds_collecting(*, user):
    """The open rounds this user is assigned to collect in, newest first."""
    return Round.objects.filter(collectors__user_id=user.pk, status=flows.OPEN).order_by("-starts_at", "-id")


def round_collectors(*, round_: Round):
    return RoundCollector.objects.filter(round=round_).select_related("user", "site").order_by("id")


def collector_candidates(*, round_: Round):
    """Users who may be assigned to collect in this round: active holders of a collecting role in
    its area (a collector from elsewhere can still be named by login)."""
    collecting = [role for role, caps in roles.CAPABILITIES.items() if roles.COLLECT_SAMPLES in caps]
    assigned = RoundCollector.objects.filter(round=round_).values("user_id")
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            role_assignments__role__in=collecting,
            role_assignments__area_code__startswith=round_.area_code,
        )
        .exclude(pk__in=assigned)
        .distinct()
        .order_by("username")
    )


def active_user_by_username(username: str):
    if not username:
        return None
    return get_user_model().objects.filter(username=username, is_active=True).first()


def recall_list(*, user, round_: Round, area_code: str = "", place: PlaceFilter | None = None, open_only: bool = False):
    """The members of positive pools in the user's areas, with household and building; `area_code`,
    `place`: those of one area, grid or building; `open_only`: those not yet finished."""
    recalls = Recall.objects.visible_to(user, roles.VIEW_TESTING).filter(round=round_)
    if open_only:
        recalls = recalls.filter(status__in=RECALL_OPEN)
    if area_code:
        recalls = recalls.in_area(area_code)
    if place is not None:
        recalls = recalls.filter(place.rows("resident__household__building"))
    return recalls.select_related(*_PLACE_OF_RECALL).order_by("community_code", "status", "id")


def recall_get_for_user(*, user, public_id: str, capability: str) -> Recall:
    recall = (
        Recall.objects.visible_to(user, capability)
        .filter(public_id=public_id)
        .select_related("round", *_PLACE_OF_RECALL)
        .first()
    )
    if recall is None:
        raise Http404
    return recall


def _inside(round_: Round, area_code: str) -> str | None:
    """The part of an area the round covers: the narrower of the two codes, or None when they do
    not overlap. One code, so each query ranges over one prefix (two made SQLite range over the wider)."""
    code = area_code or round_.area_code
    if code.startswith(round_.area_code):
        return code
    if round_.area_code.startswith(code):
        return round_.area_code
    return None


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
    field = {
        "grid": "resident__household__building__grid__name",
        "building": "resident__household__building__name",
    }.get(level)
    if field is None:
        return []
    samples = Sample.objects.visible_to(user, roles.VIEW_TESTING).filter(round=round_)
    return [
        {"area": r[field], "name": r[field], "sampled": r["sampled"]}
        for r in samples.values(field).annotate(sampled=Count("id")).order_by(field)[:500]
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


def site_list(*, round_: Round, community_code: str):
    return (
        Site.objects.filter(round=round_, community_code=community_code)
        .prefetch_related("slots", "slots__building")
        .order_by("id")
    )


def slots_of_community(*, user, round_: Round, community_code: str):
    """Every building's slot in a community of the round, in time order, for one printed document."""
    return (
        SlotAssignment.objects.visible_to(user, roles.VIEW_TESTING)
        .filter(site__round=round_, community_code=community_code)
        .select_related("site", "building")
        .order_by("starts_at", "building__number")
    )


def slot_for_building(*, user, round_: Round, building_public_id: str):
    slot = (
        SlotAssignment.objects.visible_to(user, roles.VIEW_TESTING)
        .filter(site__round=round_, building__public_id=building_public_id)
        .select_related("site", "building")
        .first()
    )
    if slot is None:
        raise Http404
    return slot


def result_conflicts_held(*, round_: Round):
    """The round's held result conflicts, by barcode. The caller has decided the round with
    RECORD_RESULTS (round_get_for_user): a lab works every tube of the round it may result, as it
    records them, and these rows hold no personal data."""
    return ResultConflict.objects.filter(round=round_, resolved_at__isnull=True).order_by("barcode")


def rounds_open_around(*, user, capability: str):
    """The open rounds over, around or inside the user's areas where they hold the capability, newest first."""
    return round_list(user=user, capability=capability).filter(status=flows.OPEN).order_by("-starts_at", "-id")


def current_round_over(*, user, area_code: str) -> Round | None:
    """The newest open round over or inside the area that the user sees (the round the command view's
    figures are of)."""
    above = [area_code[:n] for n in (4, 6, 9, 12) if n <= len(area_code)]
    return (
        rounds_open_around(user=user, capability=roles.VIEW_TESTING)
        .filter(Q(area_code__in=above) | Q(area_code__startswith=area_code))
        .first()
    )


RECALL_OPEN = (flows.OPEN, flows.NOTIFIED, flows.RESAMPLED)


def open_recall_count(*, user, round_: Round, area_code: str = "") -> int:
    """Members of positive pools whose recall is not finished (to notify, notified, re-swabbed and
    waiting for the result), in the user's areas: one count on the recall index."""
    rows = Recall.objects.visible_to(user, roles.VIEW_TESTING).filter(round=round_, status__in=RECALL_OPEN)
    return (rows.in_area(area_code) if area_code else rows).count()


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


HISTORY_ROUNDS = 6


def rounds_over_community(community_code: str, limit: int = HISTORY_ROUNDS) -> list[Round]:
    """The latest rounds whose area holds this community (the city's, its district's, street's or
    its own), newest first."""
    codes = {community_code[:n] for n in (4, 6, 9, 12)}
    return list(Round.objects.filter(area_code__in=codes).order_by("-starts_at", "-id")[:limit])


def testing_history(*, rounds: list[Round], resident_ids: list[int]) -> dict[tuple[int, int], dict]:
    """(round id, resident id) -> what happened to the resident in the round: their sample's result
    and tube, their exemption, their recall. Three indexed queries for a household's members over a
    few rounds; the caller has decided the residents (their area) and the viewer's right to see it."""
    round_ids = [r.pk for r in rounds]
    found: dict[tuple[int, int], dict] = {}
    if not round_ids or not resident_ids:
        return found
    samples = (
        Sample.objects.filter(round_id__in=round_ids, resident_id__in=resident_ids)
        .annotate(result=sample_result())
        .values_list("round_id", "resident_id", "result", "tube__barcode")
    )
    for round_id, resident_id, result, barcode in samples:
        found.setdefault((round_id, resident_id), {})["result"] = result
        found[(round_id, resident_id)]["barcode"] = barcode
    exemptions = Exemption.objects.filter(round_id__in=round_ids, resident_id__in=resident_ids)
    for round_id, resident_id, reason in exemptions.values_list("round_id", "resident_id", "reason"):
        found.setdefault((round_id, resident_id), {})["exempt"] = Exemption.Reason(reason).label
    recalls = Recall.objects.filter(round_id__in=round_ids, resident_id__in=resident_ids)
    for round_id, resident_id, state in recalls.values_list("round_id", "resident_id", "status"):
        found.setdefault((round_id, resident_id), {})["recall"] = Recall.Status(state).label
    return found


def round_names(public_ids: list[str]) -> dict[str, str]:
    return dict(Round.objects.filter(public_id__in=public_ids).values_list("public_id", "name"))


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


def positive_tube_places(*, round_id: int, tube_ids: list[int]) -> list[tuple[str, int, int | None, str]]:
    """Where the members of these tubes live, for the tubes still positive: (barcode, building id,
    grid id, community code) per member (for risk zones, which read no testing table)."""
    from gongzhi.testing.services.partitions import round_filter

    positive = dict(
        Tube.objects.filter(pk__in=tube_ids, status=flows.POSITIVE, **round_filter(round_id)).values_list(
            "pk", "barcode"
        )
    )
    members = Sample.objects.filter(tube_id__in=list(positive), **round_filter(round_id)).values_list(
        "tube_id",
        "resident__household__building_id",
        "resident__household__building__grid_id",
        "resident__household__building__community_code",
    )
    return [(positive[t], b, g, c) for t, b, g, c in members if b is not None]


def negative_rounds_since(*, area_code: str, since) -> int:
    """Closed rounds that began after `since`, covered the whole area (a 12-digit community code, or the
    9- or 6-digit code of a street or district) and found no positive tube in it: what a risk zone's
    release counts. Read from the rounds' rollup (RoundProgress), one row per community, in one query."""
    from django.db.models import Q

    prefix = area_code[:9] if area_code.endswith("000") and not area_code.endswith("000000") else area_code
    prefix = prefix[:6] if prefix.endswith("000000") else prefix
    inside = Q(community_code=prefix) if len(prefix) == 12 else Q(community_code__startswith=prefix)
    covering = [prefix[:n] for n in range(1, len(prefix) + 1)]  # a round over the area or one holding it
    per_round = (
        RoundProgress.objects.filter(
            inside, round__status=flows.CLOSED, round__starts_at__gt=since, round__area_code__in=covering
        )
        .values("round_id")
        .annotate(positive=Sum("positive_tubes"))
    )
    return sum(1 for row in per_round if not row["positive"])
