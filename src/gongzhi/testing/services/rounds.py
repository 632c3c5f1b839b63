"""Rounds, sampling sites and the slot plan, and exemptions: the round's set-up around collection."""

from datetime import datetime

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import access, roles, transitions
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEvent, RoleAssignment
from gongzhi.core.services import audit_record
from gongzhi.people.models import Resident
from gongzhi.places.models import Area, Building
from gongzhi.testing import collection, flows, slots
from gongzhi.testing.models import (
    DoorVisit,
    Exemption,
    Round,
    RoundCollector,
    RoundProgress,
    Site,
    SlotAssignment,
)
from gongzhi.testing.services.partitions import round_partitions_create


def round_create(
    *,
    actor,
    name: str,
    area_code: str,
    pool_size: int,
    starts_at: datetime | None = None,
    barcode_pattern: str = "",
) -> Round:
    """Open a round over an area (a community up to the city); the actor must manage rounds there.
    `barcode_pattern`: the format of its tubes' barcodes, a regular expression (default: letters
    and digits, 6-32)."""
    name = name.strip()
    if not name:
        raise ApplicationError(_("请填写轮次名称"))
    if not 1 <= pool_size <= 20:
        raise ApplicationError(_("混采人数必须在1到20之间"))
    barcode_pattern = barcode_pattern.strip() or collection.DEFAULT_BARCODE_PATTERN
    try:
        collection.barcode_rule(barcode_pattern)
    except ValueError:
        raise ApplicationError(
            _("管号格式不是有效的规则（须为正则表达式，且不能接受空管号或“------”）"),
            {"barcode_pattern": barcode_pattern},
        ) from None
    if len(barcode_pattern) > 100:
        raise ApplicationError(_("管号格式过长（最多100个字符）"))
    if not Area.objects.filter(code=area_code).exists():
        raise ApplicationError(_("区划代码不存在"), {"area_code": area_code})
    with transaction.atomic():
        round_ = Round(
            name=name[:100],
            area_code=area_code,
            pool_size=pool_size,
            barcode_pattern=barcode_pattern,
            created_by=actor,
            status=flows.OPEN,
            starts_at=starts_at or timezone.now(),
        )
        round_.full_clean()
        round_.save()
        round_partitions_create(round_.pk)  # PostgreSQL: its own partition of tubes and samples
        _progress_expected(round_)
        transitions.start(flow=flows.ROUND_FLOW, row=round_, actor=actor)
    return round_


def _progress_expected(round_: Round) -> None:
    """One rollup row per community of the round's area that has residents, with the residents
    registered now as the round's expected count (one grouped count on the community-code index,
    once per round), so a community nobody has been sampled in yet is listed, at zero."""
    expected = (
        Resident.objects.in_area(round_.area_code)
        .values("community_code")
        .annotate(n=Count("id"))
        .values_list("community_code", "n")
    )
    RoundProgress.objects.bulk_create(
        (RoundProgress(round=round_, community_code=code, expected=n) for code, n in expected.iterator()),
        batch_size=1000,
    )


def round_transition(*, actor, round_: Round, to_status: str, note: str = "") -> Round:
    """Close a round (no more scans), or open it again; the actor must manage rounds over its area.
    A round whose rows were archived and removed (testing-retention) stays closed."""
    if round_.archived_at is not None:
        raise ApplicationError(_("本轮的采样明细已归档并移出数据库，不能再变更状态"), status=409)
    return transitions.transition(flow=flows.ROUND_FLOW, row=round_, to=to_status, actor=actor, reason=note)


def _manages(actor, round_: Round) -> None:
    if not access.may(actor, roles.MANAGE_ROUNDS, round_):
        raise ApplicationError(_("只有负责本轮整个区域的人员才能指派采样人员"), status=403)


def round_collector_assign(*, actor, round_: Round, user, site: Site | None = None) -> RoundCollector:
    """Name a collector of the round (or of one of its sites): they may then scan any resident of
    the round's area. The user must be active and hold a role that collects samples; the actor must
    manage rounds over the round's whole area (a worker of one community of a street-wide round may
    not name collectors for the street)."""
    _manages(actor, round_)
    collecting = [role for role, caps in roles.CAPABILITIES.items() if roles.COLLECT_SAMPLES in caps]
    if user is None or not user.is_active or not RoleAssignment.objects.filter(user=user, role__in=collecting).exists():
        raise ApplicationError(_("只能指派持有采样角色的在岗账号"), status=422)
    if site is not None and site.round_id != round_.pk:
        raise ApplicationError(_("采样点不属于本轮次"), status=422)
    with transaction.atomic():
        assignment, created = RoundCollector.objects.update_or_create(
            round=round_, user=user, defaults={"site": site, "assigned_by": actor}
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            entity="testing.round_collector",
            row_ids=[round_.public_id],
            area_codes=[round_.area_code],
            detail={"assigned": user.username, "site": site.public_id if site else None, "new": created},
        )
    return assignment


def round_collector_remove(*, actor, round_: Round, user) -> None:
    """The user no longer scans in this round (their scans so far stay, with their name)."""
    _manages(actor, round_)
    with transaction.atomic():
        removed, _n = RoundCollector.objects.filter(round=round_, user=user).delete()
        if removed:
            audit_record(
                actor=actor,
                action=AuditEvent.Action.UPDATE,
                entity="testing.round_collector",
                row_ids=[round_.public_id],
                area_codes=[round_.area_code],
                detail={"removed": user.username},
            )


def exemption_record(*, actor, round_: Round, resident: Resident, reason: str, note: str = ""):
    """Mark a resident as not expected in this round (away, in hospital, deceased, other)."""
    if reason not in Exemption.Reason.values:
        raise ApplicationError(_("免检原因只能是外出、住院、已故或其他"), status=422)
    if not resident.community_code.startswith(round_.area_code):
        raise ApplicationError(_("该居民不在本轮次的区域内"), status=422)
    with transaction.atomic():
        exemption, _created = Exemption.objects.update_or_create(
            round=round_,
            resident=resident,
            defaults={
                "reason": reason,
                "note": note[:200],
                "community_code": resident.community_code,
                "created_by": actor,
            },
        )
    return exemption


def site_create(
    *, round_: Round, community_code: str, name: str, address: str = "", hourly_capacity: int = 360, collectors: int = 1
):
    """Add a sampling site to a round, in a community of the round's area."""
    name = name.strip()
    if not name:
        raise ApplicationError(_("请填写采样点名称"))
    if (
        not community_code.startswith(round_.area_code)
        or not Area.objects.filter(code=community_code, level=Area.Level.COMMUNITY).exists()
    ):
        raise ApplicationError(_("采样点须设在本轮次区域内的社区"))
    if not 1 <= hourly_capacity <= 10_000 or not 1 <= collectors <= 500:
        raise ApplicationError(_("每小时采样能力须在1到10000之间，采样员人数须在1到500之间"))
    with transaction.atomic():
        site = Site(
            round=round_,
            community_code=community_code,
            name=name[:100],
            address=address.strip()[:200],
            hourly_capacity=hourly_capacity,
            collectors=collectors,
        )
        site.full_clean()
        site.save()
    return site


SLOT_WINDOWS = (15, 20, 30, 60)


def slot_plan_create(
    *, round_: Round, community_code: str, window_minutes: int = 30, start: datetime | None = None
) -> dict:
    """(Re)plan the time slots of a community's buildings over its sites in this round, from
    `start` (the round's start by default) in windows of `window_minutes`."""
    if window_minutes not in SLOT_WINDOWS:
        raise ApplicationError(_("每个时段只能是15、20、30或60分钟"), status=422)
    sites = list(Site.objects.filter(round=round_, community_code=community_code).order_by("id"))
    if not sites:
        raise ApplicationError(_("请先为该社区设置采样点"))
    buildings = list(
        Building.objects.filter(community_code=community_code)
        .annotate(people=Count("households__residents"))
        .order_by("number")
    )
    plan, unplaced = slots.plan_slots(
        [slots.BuildingLoad(b.pk, b.people) for b in buildings],
        [slots.SiteCapacity(s.pk, s.hourly_capacity) for s in sites],
        start=start or round_.starts_at,
        window_minutes=window_minutes,
    )
    with transaction.atomic():
        SlotAssignment.objects.filter(site__in=sites).delete()
        SlotAssignment.objects.bulk_create(
            [
                SlotAssignment(
                    site_id=p.site,
                    building_id=p.building,
                    community_code=community_code,
                    starts_at=p.starts_at,
                    ends_at=p.ends_at,
                    expected_people=p.people,
                )
                for p in plan
            ]
        )
    population = sum(b.people for b in buildings)
    return {
        "slots": len(plan),
        "unplaced": len(unplaced),
        "population": population,
        "sites_needed": slots.sites_needed(population),
        "collectors_needed": slots.collectors_needed(population),
        "sites": len(sites),
        "collectors": sum(s.collectors for s in sites),
        "start": start or round_.starts_at,
    }


def door_visit_record(*, actor, round_: Round, resident: Resident, outcome: str, note: str = "") -> DoorVisit:
    """Record a door-to-door visit (visited without a sample, or sampled at the door); the caller
    has decided the resident with the right to edit them. Exempting the resident instead is
    `exemption_record`, with its reason."""
    if outcome not in DoorVisit.Outcome.values:
        raise ApplicationError(_("上门结果只能是“已上门，未采到”或“已上门采样”"), status=422)
    if round_.status != flows.OPEN:
        raise ApplicationError(_("该轮次未在进行中"), status=409)
    if not resident.community_code.startswith(round_.area_code):
        raise ApplicationError(_("该居民不在本轮次的区域内"), status=422)
    note = note.strip()[:200]
    if outcome == DoorVisit.Outcome.VISITED and not note:
        raise ApplicationError(_("请写明未采到的原因（如无人在家、拒绝）"), status=422)
    return DoorVisit.objects.create(
        round=round_,
        resident=resident,
        community_code=resident.community_code,
        outcome=outcome,
        note=note,
        created_by=actor,
    )
