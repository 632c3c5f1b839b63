"""Writes of risk zones: proposals from positive cases (the rules of zones.rules), confirmation,
rejection and release by staff (ZONE_FLOW), each step an event with who and why."""

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import access, roles, transitions
from gongzhi.core.errors import ApplicationError
from gongzhi.core.services import account_label
from gongzhi.notices import services as notice_services
from gongzhi.notices.models import Notice
from gongzhi.places.models import Building, Grid
from gongzhi.places.selectors import area_names
from gongzhi.testing import selectors as testing_selectors
from gongzhi.zones import flows, rules
from gongzhi.zones.messages import KIND_WORDS, MEASURE_WORDS, problem_text
from gongzhi.zones.models import Zone

RULES = rules.DEFAULT_RULES
CLASH_ATTEMPTS = 3


def _open_zone_clash(error: IntegrityError) -> bool:
    """The one-open-zone-of-a-kind and one-proposal per area constraints, by their names (PostgreSQL)
    or their columns (SQLite)."""
    text = str(error)
    return any(name in text for name in ("zone_open_area_unique", "zone_proposed_area_unique")) or (
        "zones_zone.level, zones_zone.area_key" in text
    )


def _retried_on_clash(work):
    """Run `work` (its own atomic block) again when another transaction opened a zone over the same
    area between its read and its insert (two labs' positives in one building at once on PostgreSQL):
    the retry reads that zone and joins it instead of answering with an error."""
    for attempt in range(CLASH_ATTEMPTS):
        try:
            return work()
        except IntegrityError as error:
            if attempt == CLASH_ATTEMPTS - 1 or not _open_zone_clash(error):
                raise
    raise AssertionError("unreachable")


class _Places:
    """The buildings, grids and area names of a batch of proposals, read in three queries."""

    def __init__(self, proposals: list[rules.Proposal]):
        def keys(level: str) -> list[int]:
            return [int(p.area) for p in proposals if p.level == level]

        self.buildings = Building.objects.select_related("grid").in_bulk(keys(rules.BUILDING))
        self.grids = Grid.objects.in_bulk(keys(rules.GRID))
        codes = {b.community_code for b in self.buildings.values()} | {g.community_code for g in self.grids.values()}
        codes |= {p.area for p in proposals if p.level not in (rules.BUILDING, rules.GRID)}
        self.names = area_names(sorted(codes))

    def fields(self, level: str, key: str) -> dict[str, Any]:
        """The zone's building, grid, filing code and name for its area."""
        if level == rules.BUILDING:
            building = self.buildings[int(key)]
            community = self.names.get(building.community_code, "")
            return {
                "building": building,
                "grid": building.grid,
                "community_code": building.community_code,
                "area_name": f"{community}{building.grid.name if building.grid else ''}{building.name}",
            }
        if level == rules.GRID:
            grid = self.grids[int(key)]
            return {
                "grid": grid,
                "community_code": grid.community_code,
                "area_name": f"{self.names.get(grid.community_code, '')}{grid.name}",
            }
        code = key if level == rules.COMMUNITY else key.ljust(12, "0")
        return {"community_code": code, "area_name": self.names.get(key, key)}


def zones_propose(*, cases: list[rules.Case], found_at: dt.datetime | None = None) -> list[Zone]:
    """The zones the rules propose around positive cases. An area with a zone still open takes the
    new cases (and the stricter kind, if one is proposed); elsewhere a zone is proposed. A case
    already on its zone changes nothing (a second delivery of the same positives). Set-wise: the
    open zones, buildings, grids and names are read at once, new zones written in one INSERT with
    their events in another. Returns the zones proposed or changed."""
    found_at = found_at or timezone.now()
    proposals = rules.propose(cases, RULES)
    if not proposals:
        return []
    return _retried_on_clash(lambda: _propose(proposals, found_at))


def _propose(proposals: list[rules.Proposal], found_at: dt.datetime) -> list[Zone]:
    changed: list[Zone] = []
    with transaction.atomic():
        wanted = {(p.level, p.area) for p in proposals}
        here: dict[tuple[str, str], Zone] = {}  # the strictest open zone of each area
        for z in Zone.objects.select_for_update().filter(  # on the (area, level) index
            status__in=flows.OPEN_STATES,
            level__in=sorted({p.level for p in proposals}),
            area_key__in=sorted({p.area for p in proposals}),
        ):
            key = (z.level, z.area_key)
            if key in wanted and (key not in here or rules.strictness(z.kind) < rules.strictness(here[key].kind)):
                here[key] = z
        # A stricter kind for a zone in force is a proposal of its own: staff confirm it (and the people
        # inside are told then); the zone in force keeps its measures meanwhile.
        fresh = [
            p
            for p in proposals
            if (p.level, p.area) not in here
            or (
                here[(p.level, p.area)].status == flows.ACTIVE
                and rules.strictness(p.kind) < rules.strictness(here[(p.level, p.area)].kind)
            )
        ]
        places = _Places(fresh)
        new = [
            Zone(
                kind=p.kind,
                level=p.level,
                area_key=p.area,
                status=flows.PROPOSED,
                rules_version=p.version,
                cases=list(p.cases),
                first_positive_at=found_at,
                last_positive_at=found_at,
                **places.fields(p.level, p.area),
            )
            for p in fresh
        ]
        Zone.objects.bulk_create(new, batch_size=500)
        if new and new[0].pk is None:  # a backend that returns no ids: read them back by their public ids
            ids = dict(Zone.objects.filter(public_id__in=[z.public_id for z in new]).values_list("public_id", "pk"))
            for zone in new:
                zone.pk = ids[zone.public_id]
        transitions.start_many(flow=flows.ZONE_FLOW, rows=new, actor=None, reason="proposed", system=True)
        changed.extend(new)
        taken = {id(p) for p in fresh}
        for proposal in proposals:
            zone = here.get((proposal.level, proposal.area))
            if zone is None or id(proposal) in taken:
                continue
            new_cases = sorted(set(proposal.cases) - set(zone.cases))
            stricter = rules.strictness(proposal.kind) < rules.strictness(zone.kind)  # a proposal only
            if not new_cases and not stricter:
                continue
            kind = proposal.kind if stricter else zone.kind
            changed.append(
                transitions.transition(
                    flow=flows.ZONE_FLOW,
                    row=zone,
                    to=zone.status,
                    actor=None,
                    system=True,
                    reason="new_positive",
                    also={
                        "cases": sorted(set(zone.cases) | set(proposal.cases)),
                        "kind": kind,
                        "last_positive_at": max(zone.last_positive_at, found_at),
                    },
                    detail={"cases": new_cases, "kind": kind, "from_kind": zone.kind},
                )
            )
    return changed


def zones_propose_for_tubes(*, round_id: int, tube_ids: list[int]) -> list[Zone]:
    """Proposals around the members of positive tubes (those still positive), each tube a case."""
    cases = [
        rules.Case(barcode, rules.Place(str(building), str(grid) if grid else None, community))
        for barcode, building, grid, community in testing_selectors.positive_tube_places(
            round_id=round_id, tube_ids=tube_ids
        )
    ]
    return zones_propose(cases=cases)


def _decider(actor: Any, zone: Zone) -> None:
    if not access.may(actor, roles.VIEW_ZONES, zone) and not access.may(actor, roles.DECIDE_ZONES, zone):
        raise Http404
    if not access.may(actor, roles.DECIDE_ZONES, zone):
        raise ApplicationError(_("您不能决定这一风险区"), status=403)


def _titled(words: str, area: str, kind: str) -> str:
    """A notice's title naming the area, the name shortened with an ellipsis where the whole would
    pass the notices' limit (a community, grid and building name can run to 200 characters; the body
    names the area in full)."""
    room = notice_services.TITLE_MAX - len(words % {"area": "", "kind": kind})
    name = area if len(area) <= room else area[: max(room - 1, 0)] + "…"
    return words % {"area": name, "kind": kind}


def _tell(actor: Any, zone: Zone, *, released: bool) -> int:
    """A notice of the zone's step to the households inside and the staff of its area (a grid's
    zone: to each of its buildings). Returns the notices published. A building with no household
    yet is told to its staff (the notice reaches 0 households); a refusal (the actor may not publish
    there) refuses the step."""
    kind = str(KIND_WORDS[zone.kind])
    if released:
        title = _titled(_("%(area)s%(kind)s解除"), zone.area_name, kind)
        body = _("经研判，%(area)s的%(kind)s自即日起解除。请继续做好个人防护。") % {
            "area": zone.area_name,
            "kind": kind,
        }
    else:
        title = _titled(_("%(area)s划为%(kind)s"), zone.area_name, kind)
        body = _("范围：%(area)s") % {"area": zone.area_name} + "\n" + str(MEASURE_WORDS[zone.kind])
    if zone.level == rules.BUILDING:
        targets: list[dict[str, Any]] = [{"building": zone.building}]
    elif zone.level == rules.GRID:
        targets = [{"building": b} for b in Building.objects.filter(grid=zone.grid).order_by("number")]
    else:
        targets = [{"area_code": zone.area_key}]
    severity = Notice.Severity.INFO if released else Notice.Severity.URGENT
    for target in targets:  # a notice to both reaches the staff even where no household lives yet
        notice_services.notice_publish(
            actor=actor, audience=Notice.Audience.BOTH, title=title, body=body, severity=severity, **target
        )
    return len(targets)


def zone_confirm(*, actor: Any, zone: Zone) -> Zone:
    """A proposed zone put in force from now; the households inside and the staff of its area are
    told by a notice (in the same transaction)."""
    _decider(actor, zone)
    now = timezone.now()
    with transaction.atomic():
        zone = Zone.objects.select_for_update().get(pk=zone.pk)
        if zone.status != flows.PROPOSED:  # another decider (or a second press) came first
            raise ApplicationError(
                _("这一风险区已不是待确认状态（当前：%(s)s）") % {"s": zone.get_status_display()}, status=409
            )
        zone = transitions.transition(
            flow=flows.ZONE_FLOW,
            row=zone,
            to=flows.ACTIVE,
            actor=actor,
            also={"since": now, "decided_by": actor, "decided_by_name": account_label(actor)},
        )
        _tell(actor, zone, released=False)
    return zone


def zone_reject(*, actor: Any, zone: Zone, reason: str) -> Zone:
    """A proposal not taken up, with the reason."""
    _decider(actor, zone)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("请填写不采纳的原因"), status=422)
    return transitions.transition(
        flow=flows.ZONE_FLOW,
        row=zone,
        to=flows.REJECTED,
        actor=actor,
        reason=reason[:200],
        also={"ended_at": timezone.now(), "decided_by": actor, "decided_by_name": account_label(actor)},
    )


def zone_redraw(*, actor: Any, zone: Zone, buildings: list[str], reason: str) -> list[Zone]:
    """Narrow or widen a proposal to chosen buildings (by public id) of its area (redraw_buildings):
    the proposal is closed as not taken up, with who and why, and each chosen building gets a proposal
    of the same kind and cases, pointing back to it (`redrawn_from`); those are then confirmed or
    rejected one by one. A building already in an open zone keeps that zone and is named. Nothing is
    written when a chosen building lies outside the area (zones.rules.check_buildings)."""
    _decider(actor, zone)
    if zone.status != flows.PROPOSED:
        raise ApplicationError(_("只有待确认的建议可以改划范围"), status=409)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("请填写改划范围的原因"), status=422)
    from gongzhi.zones.selectors import redraw_buildings  # selectors read the rules from here

    inside = {b.public_id: b for b in redraw_buildings(zone)}
    if not inside:
        raise ApplicationError(_("街道、区县范围的建议只能整体确认或不采纳"), status=409)
    chosen = sorted({str(b) for b in buildings})
    problems = rules.check_buildings(chosen=chosen, inside=inside)
    if problems:
        raise ApplicationError("；".join(problem_text(p) for p in problems), status=422)
    return _retried_on_clash(lambda: _redraw(actor, zone, [inside[key] for key in chosen], reason))


def _redraw(actor: Any, zone: Zone, picked: list[Building], reason: str) -> list[Zone]:
    with transaction.atomic():
        zone = Zone.objects.select_for_update().get(pk=zone.pk)
        if zone.status != flows.PROPOSED:
            raise ApplicationError(_("只有待确认的建议可以改划范围"), status=409)
        zone = transitions.transition(
            flow=flows.ZONE_FLOW,
            row=zone,
            to=flows.REJECTED,
            actor=actor,
            reason=(_("改划为%(n)d栋楼：") % {"n": len(picked)} + reason)[:200],
            also={"ended_at": timezone.now(), "decided_by": actor, "decided_by_name": account_label(actor)},
            detail={"redrawn_to": [b.public_id for b in picked]},
        )
        taken = set(
            Zone.objects.filter(
                level=rules.BUILDING, area_key__in=[str(b.pk) for b in picked], status__in=flows.OPEN_STATES
            ).values_list("area_key", flat=True)
        )
        fresh = [b for b in picked if str(b.pk) not in taken]
        places = _Places([rules.Proposal(zone.kind, rules.BUILDING, str(b.pk), (), zone.rules_version) for b in fresh])
        new = [
            Zone(
                kind=zone.kind,
                level=rules.BUILDING,
                area_key=str(b.pk),
                status=flows.PROPOSED,
                rules_version=zone.rules_version,
                cases=list(zone.cases),
                first_positive_at=zone.first_positive_at,
                last_positive_at=zone.last_positive_at,
                redrawn_from=zone,
                **places.fields(rules.BUILDING, str(b.pk)),
            )
            for b in fresh
        ]
        for row in new:
            row.save()
        transitions.start_many(flow=flows.ZONE_FLOW, rows=new, actor=None, reason="redrawn", system=True)
    return new


def zone_history(zone: Zone) -> rules.ZoneHistory:
    """What the zone's release is decided on: its kind, since when, its last positive, and the
    negative rounds of its area since then (testing's rollup)."""
    since = zone.since or zone.created_at
    quiet_since = max(since, zone.last_positive_at)
    negative = testing_selectors.negative_rounds_since(area_code=zone.community_code, since=quiet_since)
    return rules.ZoneHistory(zone.kind, since, zone.last_positive_at, negative)


def release_problems(zone: Zone, now: dt.datetime | None = None) -> list[str]:
    """Why the zone may not be released yet, in words (empty: it may)."""
    return [problem_text(p) for p in rules.release_problems(zone_history(zone), now or timezone.now(), RULES)]


def zone_release(*, actor: Any, zone: Zone, now: dt.datetime | None = None) -> Zone:
    """A zone in force released, only when its kind's conditions hold (refused with the reasons)."""
    _decider(actor, zone)
    with transaction.atomic():  # checked on the locked row: a positive arriving meanwhile waits, then counts
        zone = Zone.objects.select_for_update().get(pk=zone.pk)
        if zone.status != flows.ACTIVE:
            raise ApplicationError(_("只有生效中的风险区可以解除"), status=409)
        problems = release_problems(zone, now)
        if problems:
            raise ApplicationError("；".join(problems), {"reasons": problems}, status=409)
        zone = transitions.transition(
            flow=flows.ZONE_FLOW,
            row=zone,
            to=flows.RELEASED,
            actor=actor,
            also={"ended_at": now or timezone.now(), "decided_by": actor, "decided_by_name": account_label(actor)},
        )
        _tell(actor, zone, released=True)
    return zone
