"""Writes of notices: publish (to an area or a building, all households or a group), correct, a
household's read, a building leader's "told in person".

Publishing writes one read receipt per household addressed with ONE `INSERT ... SELECT` over the
households (the group as an EXISTS over residents' tags) and the reach per community with one
`INSERT ... SELECT ... GROUP BY` over those receipts: a district of a million households is two
statements, nothing loaded into Python. A read or a tell changes a receipt with a conditional UPDATE
(only a receipt still unread, not yet told) and moves the community's rollup by what that UPDATE
changed, in the same transaction, so the rollup always equals a count over the receipts.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import access, events, roles, transitions
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEvent
from gongzhi.core.scope import entries_with
from gongzhi.core.services import account_label, audit_record
from gongzhi.notices import flows
from gongzhi.notices.models import GROUP_ALL, GROUP_CHOICES, Notice, NoticeReach, NoticeReceipt
from gongzhi.people.models import Resident, ResidentTag
from gongzhi.places.models import Area, Building, Household

TITLE_MAX = 60
BODY_MAX = 2000
REASON_MAX = 200
TELL_MAX = 1000  # households in one "told in person" submission (a building has a few hundred at most)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")


def _title(value: object) -> str:
    text = re.sub(r"\s+", " ", _CONTROL.sub("", str(value or ""))).strip()
    if not text:
        raise ApplicationError(_("请填写标题"), {"field": "title"}, status=422)
    if len(text) > TITLE_MAX:
        raise ApplicationError(_("标题最多%(n)s个字") % {"n": TITLE_MAX}, {"field": "title"}, status=422)
    return text


def _body(value: object) -> str:
    """Plain text, its lines kept: control characters dropped, trailing spaces and runs of blank lines
    trimmed."""
    text = _CONTROL.sub("", str(value or "").replace("\r\n", "\n").replace("\r", "\n"))
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in text.split("\n"))).strip()
    if not text:
        raise ApplicationError(_("请填写正文"), {"field": "body"}, status=422)
    if len(text) > BODY_MAX:
        raise ApplicationError(_("正文最多%(n)s个字") % {"n": BODY_MAX}, {"field": "body"}, status=422)
    return text


def _choice(value: str, choices: Any, message: str, name: str) -> str:
    if value not in {v for v, _label in choices}:
        raise ApplicationError(message, {"field": name}, status=422)
    return value


def _issuer(actor: Any, code: str) -> str:
    """The official area of the actor's nearest role that may publish to `code` (their office)."""
    covering = [
        e.area_code
        for e in entries_with(actor, roles.PUBLISH_NOTICES)
        if e.grid_id is None and e.building_id is None and code.startswith(e.area_code)
    ]
    return max(covering, key=len) if covering else code


@dataclass(frozen=True)
class _Target:
    area_code: str
    building: Building | None


def _target(actor: Any, area_code: str, building: Building | None) -> _Target:
    if building is not None:
        if not access.may(actor, roles.PUBLISH_NOTICES, building):
            raise ApplicationError(_("您不能向这栋楼发布通知"), status=403)
        return _Target(building.community_code, building)
    code = (area_code or "").strip()
    if not code.isdecimal() or len(code) not in (4, 6, 9, 12) or not Area.objects.filter(code=code).exists():
        raise ApplicationError(_("请选择发布范围"), {"field": "area_code"}, status=422)
    if not access.may_in_area(actor, roles.PUBLISH_NOTICES, code):
        raise ApplicationError(_("您不能向这一区域发布通知"), status=403)
    return _Target(code, None)


def _table(model: Any) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


def _receipts_and_reach(notice: Notice, select: str, params: list[Any]) -> int:
    """Insert the receipts that `select` gives (household_id, community_code) and the notice's reach per
    community counted from them. PostgreSQL: one statement, the rollup counted from the rows as they
    are inserted (RETURNING); elsewhere the rollup is counted from the new receipts (SQLite: writers
    queue, nothing comes between the two). Returns how many receipts."""
    receipts, reach = _table(NoticeReceipt), _table(NoticeReach)
    insert = (
        f"INSERT INTO {receipts} (notice_id, household_id, community_code, told_by_name)"
        f" SELECT %s, x.*, '' FROM ({select}) x"
    )
    rollup = (
        f'INSERT INTO {reach} (notice_id, community_code, targeted, "read", told, reached)'
        " SELECT %s, community_code, COUNT(*), 0, 0, 0"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH added AS ({insert} RETURNING community_code) {rollup} FROM added GROUP BY community_code"
                " RETURNING targeted",
                [notice.pk, *params, notice.pk],
            )
            return sum(row[0] for row in cursor.fetchall())
        cursor.execute(insert, [notice.pk, *params])
        count = cursor.rowcount
        cursor.execute(f"{rollup} FROM {receipts} WHERE notice_id = %s GROUP BY community_code", [notice.pk, notice.pk])
        return int(count)


def _address(notice: Notice) -> int:
    """Write a receipt for every household the notice is addressed to, and its reach per community, in
    INSERT ... SELECT statements over the households. Returns how many households."""
    params: list[Any] = []
    if notice.building_id is not None:
        where, tag_area = "h.building_id = %s", "t.community_code = %s"
        params.append(notice.building_id)
        tag_params: list[Any] = [notice.area_code]
    else:
        low, high = notice.area_code.ljust(12, "0"), notice.area_code.ljust(12, "9")
        where, tag_area = "h.community_code BETWEEN %s AND %s", "t.community_code BETWEEN %s AND %s"
        params += [low, high]
        tag_params = [low, high]
    if notice.group != GROUP_ALL:
        where += (
            f" AND EXISTS (SELECT 1 FROM {_table(Resident)} r JOIN {_table(ResidentTag)} t ON t.resident_id = r.id"
            f" WHERE r.household_id = h.id AND t.tag = %s AND {tag_area})"
        )
        params += [notice.group, *tag_params]
    select = f"SELECT h.id, h.community_code FROM {_table(Household)} h WHERE {where}"
    return _receipts_and_reach(notice, select, params)


def _copy_receipts(notice: Notice, source: Notice) -> int:
    """A correction reaches the households the corrected notice was addressed to (whoever joined the
    group or the area since is not told of a mistake they never saw): its receipts, copied unread."""
    select = f"SELECT household_id, community_code FROM {_table(NoticeReceipt)} WHERE notice_id = %s"
    return _receipts_and_reach(notice, select, [source.pk])


def _announce(actor: Any, notice: Notice, detail: dict[str, Any]) -> None:
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        entity="notice",
        row_ids=[notice.public_id],
        area_codes=[notice.area_code],
        detail=detail,
    )
    events.publish(
        "notices.published",
        {
            "notice": notice.public_id,
            "area_code": notice.area_code,
            "building": notice.building.public_id if notice.building is not None else None,
            "group": notice.group,
            "audience": notice.audience,
            "severity": notice.severity,
            "targeted": notice.targeted,
            "corrects": notice.corrects.public_id if notice.corrects is not None else None,
        },
        area_code=notice.area_code,
    )


def notice_publish(
    *,
    actor: Any,
    area_code: str = "",
    building: Building | None = None,
    group: str = GROUP_ALL,
    audience: str,
    title: str,
    body: str,
    severity: str = Notice.Severity.INFO,
    category: str = Notice.Category.HEALTH,
) -> Notice:
    """Publish a notice to an official area (4-12 digits) or one building, for all its households or
    those with a resident tagged `group`. The actor must hold notices.publish over that area (a
    building: over the building's place). Refused with nothing written when a field is wrong, or when
    a notice for residents would reach no household."""
    target = _target(actor, area_code, building)
    group = _choice(group, GROUP_CHOICES, _("请选择通知对象"), "group")
    if not _may_address(actor, group, target.building, target.area_code):
        raise ApplicationError(
            _("按重点人群发布通知须由能查看重点人群的工作人员（社区、网格或街道）发布"), {"field": "group"}, status=403
        )
    audience = _choice(audience, Notice.Audience.choices, _("请选择读者"), "audience")
    severity = _choice(severity, Notice.Severity.choices, _("请选择级别"), "severity")
    category = _choice(category, Notice.Category.choices, _("请选择类别"), "category")
    if audience == Notice.Audience.STAFF and group != GROUP_ALL:
        raise ApplicationError(_("只发给工作人员的通知不能按住户对象筛选"), {"field": "group"}, status=422)
    notice = Notice(
        area_code=target.area_code, building=target.building, issuer_code=_issuer(actor, target.area_code),
        group=group, audience=audience, severity=severity, category=category, title=_title(title), body=_body(body),
        status=flows.PUBLISHED, published_at=timezone.now(), published_by=actor if getattr(actor, "pk", None) else None,
        published_by_name=account_label(actor),
    )  # fmt: skip
    with transaction.atomic():
        notice.save()
        transitions.start(flow=flows.NOTICE_FLOW, row=notice, actor=actor)
        if notice.for_residents:
            notice.targeted = _address(notice)
            if not notice.targeted and audience == Notice.Audience.RESIDENTS:
                raise ApplicationError(_("这一范围内没有符合条件的住户，通知未发布"), status=422)
            Notice.objects.filter(pk=notice.pk).update(targeted=notice.targeted)
        _announce(actor, notice, {"targeted": notice.targeted, "group": group, "audience": audience})
    return notice


def _may_address(actor: Any, group: str, building: Building | None, area_code: str) -> bool:
    """Whether the actor may address `group` there. Who is in a vulnerable group is health status: the
    count reached, or a refusal for reaching nobody, would tell it to a publisher who may not see
    residents' tags; so a group is addressed only by those who see residents' health there."""
    if group == GROUP_ALL:
        return True
    if building is not None:
        return access.may(actor, roles.VIEW_HEALTH, building)
    return access.may_in_area(actor, roles.VIEW_HEALTH, area_code)


def may_correct(actor: Any, notice: Notice) -> bool:
    """Who may correct a notice: a publisher over its area and over the office that issued it, who may
    also address its group (a correction goes to the same households, and says how many)."""
    return (
        access.may(actor, roles.PUBLISH_NOTICES, notice)
        and access.may_in_area(actor, roles.PUBLISH_NOTICES, notice.issuer_code)
        and _may_address(actor, notice.group, notice.building, notice.area_code)
    )


def notice_correct(*, actor: Any, notice: Notice, title: str, body: str, reason: str, severity: str = "") -> Notice:
    """Put a published notice right: a new notice to the same households, marked as correcting it; the
    old one becomes corrected (still readable, with its receipts). Only the latest of a chain can be
    corrected; the actor must hold notices.publish over the issuing office's area (a community worker
    may not put right what the street said, a street's lockdown notice least of all)."""
    if not may_correct(actor, notice):
        raise ApplicationError(_("您不能更正这条通知"), status=403)
    reason = re.sub(r"\s+", " ", _CONTROL.sub("", str(reason or ""))).strip()
    if len(reason) < 2:
        raise ApplicationError(_("请写明更正原因"), {"field": "reason"}, status=422)
    if len(reason) > REASON_MAX:
        raise ApplicationError(_("更正原因最多%(n)s个字") % {"n": REASON_MAX}, {"field": "reason"}, status=422)
    severity = _choice(severity or notice.severity, Notice.Severity.choices, _("请选择级别"), "severity")
    new = Notice(
        area_code=notice.area_code, building=notice.building, issuer_code=_issuer(actor, notice.area_code),
        group=notice.group, audience=notice.audience, severity=severity, category=notice.category,
        title=_title(title), body=_body(body), status=flows.PUBLISHED, corrects=notice, correction_reason=reason,
        published_at=timezone.now(), published_by=actor if getattr(actor, "pk", None) else None,
        published_by_name=account_label(actor),
    )  # fmt: skip
    with transaction.atomic():
        # Locks the old notice and checks its state and the actor's right: a second correction of the
        # same notice waits here, then is refused (409).
        transitions.transition(flow=flows.NOTICE_FLOW, row=notice, to=flows.CORRECTED, actor=actor, reason=reason)
        new.save()
        transitions.start(flow=flows.NOTICE_FLOW, row=new, actor=actor, reason=reason)
        if new.for_residents:
            new.targeted = _copy_receipts(new, notice)
            Notice.objects.filter(pk=new.pk).update(targeted=new.targeted)
        _announce(actor, new, {"targeted": new.targeted, "corrects": notice.public_id, "reason": reason})
    notice.status = flows.CORRECTED
    return new


def receipt_read(*, household: Household, notice: Notice) -> bool:
    """The household has opened the notice on its own page (its door code is the key). True when this
    call recorded the read; False when it was read before. The community's rollup moves only when the
    receipt changed (a conditional UPDATE: two reads at once count once)."""
    receipt = NoticeReceipt.objects.filter(notice=notice, household=household)
    community = receipt.values_list("community_code", flat=True).first()
    if community is None:
        raise ApplicationError(_("这条通知不是发给本户的"), status=404)
    now = timezone.now()
    unread = receipt.filter(read_at__isnull=True)
    reach = NoticeReach.objects.filter(notice=notice, community_code=community)
    with transaction.atomic():
        if unread.filter(told_at__isnull=True).update(read_at=now):
            reach.update(read=F("read") + 1, reached=F("reached") + 1)
            return True
        if unread.filter(told_at__isnull=False).update(read_at=now):  # told in person before: reached already
            reach.update(read=F("read") + 1)
            return True
    return False


@dataclass
class TellOutcome:
    """What a "told in person" submission did, household by household."""

    told: list[Household] = field(default_factory=list)
    already: list[tuple[Household, str]] = field(default_factory=list)  # read or told before: nothing to do
    refused: list[tuple[Household, str]] = field(default_factory=list)


def receipts_tell(*, actor: Any, notice: Notice, households: list[Household]) -> TellOutcome:
    """Record that the actor told these households of the notice in person. The actor must hold
    notices.tell over each household's own place (a building leader: their building); a household
    refused is that household's error, the others are recorded. Households that have read it (or were
    told) meanwhile are left as they are."""
    if notice.status != flows.PUBLISHED:
        raise ApplicationError(_("这条通知已被更正，请告知更正后的通知"), status=409)
    if len(households) > TELL_MAX:
        raise ApplicationError(_("一次最多登记%(n)s户") % {"n": TELL_MAX}, status=422)
    outcome = TellOutcome()
    allowed: dict[int, Household] = {}
    for household in households:
        if access.may(actor, roles.TELL_NOTICES, household):
            allowed[household.pk] = household
        else:
            outcome.refused.append((household, _("您不负责这一户")))
    now, name = timezone.now(), account_label(actor)
    with transaction.atomic():
        rows = list(
            NoticeReceipt.objects.select_for_update()
            .filter(notice=notice, household_id__in=list(allowed))
            .values_list("household_id", "community_code", "read_at", "told_at")
        )
        found = {row[0] for row in rows}
        outcome.refused += [(h, _("这条通知不是发给这一户的")) for pk, h in allowed.items() if pk not in found]
        by_community: dict[str, list[int]] = {}
        for household_id, community, read_at, told_at in rows:
            if read_at is not None:
                outcome.already.append((allowed[household_id], _("已读")))
            elif told_at is not None:
                outcome.already.append((allowed[household_id], _("已当面告知")))
            else:
                by_community.setdefault(community, []).append(household_id)
                outcome.told.append(allowed[household_id])
        for community, ids in by_community.items():
            changed = NoticeReceipt.objects.filter(
                notice=notice, household_id__in=ids, read_at__isnull=True, told_at__isnull=True
            ).update(told_at=now, told_by=actor if getattr(actor, "pk", None) else None, told_by_name=name)
            if changed:
                NoticeReach.objects.filter(notice=notice, community_code=community).update(
                    told=F("told") + changed, reached=F("reached") + changed
                )
    return outcome


__all__ = ["TellOutcome", "notice_correct", "notice_publish", "receipt_read", "receipts_tell"]
