"""Check-in and check-out on a rostered shift (CHECKIN_FLOW), the confirmation of its hours, the
service-hour ledger with audited corrections, and the certificates its totals earn."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import transitions
from gongzhi.core.cleaning import clean_text
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEvent
from gongzhi.core.services import audit_record
from gongzhi.volunteers import flows
from gongzhi.volunteers.choices import CERTIFICATE_THRESHOLDS, CHECKIN_EARLY, CHECKOUT_LATE
from gongzhi.volunteers.models import Assignment, Certificate, CheckIn, HourEntry, HourTotal, Post, Volunteer


def _hours(start: dt.datetime, end: dt.datetime) -> Decimal:
    return (Decimal((end - start).total_seconds()) / Decimal(3600)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _refusal_words(volunteer: Volunteer, post: Post, now: dt.datetime) -> str:
    """Why a check-in is refused, with the volunteer's own shift: at this post later or earlier
    today, or elsewhere, so they know where and when to be."""
    mine = Assignment.objects.select_related("shift__post").filter(volunteer=volunteer, shift__ends_at__gt=now)
    shift = (mine.filter(shift__post=post).order_by("shift__starts_at").first()) or mine.order_by(
        "shift__starts_at"
    ).first()
    if shift is None:
        return _("您今天在%(post)s没有排班，不能签到；请联系社区确认排班") % {"post": post.name}
    starts = timezone.localtime(shift.shift.starts_at)
    ends = timezone.localtime(shift.shift.ends_at)
    return _(
        "现在不在您的班次时间内，不能签到。您的班次：%(post)s，%(day)s %(start)s–%(end)s（可提前%(early)d分钟签到）"
    ) % {
        "post": shift.shift.post.name,
        "day": starts.strftime("%m-%d"),
        "start": starts.strftime("%H:%M"),
        "end": ends.strftime("%H:%M"),
        "early": int(CHECKIN_EARLY.total_seconds() // 60),
    }


def checkin(*, volunteer: Volunteer, post: Post, now: dt.datetime | None = None) -> CheckIn:
    """Check in at a post (its QR code) for the volunteer's shift there that is on now."""
    now = now or timezone.now()
    if volunteer.status != flows.APPROVED:
        raise ApplicationError(_("您的志愿者资格未通过审核或已暂停"), status=403)
    on_now = Assignment.objects.select_related("shift").filter(
        volunteer=volunteer,
        shift__post=post,
        shift__starts_at__lte=now + CHECKIN_EARLY,
        shift__ends_at__gt=now,
    )
    # a shift not yet checked in first (back-to-back shifts at one post)
    assignment = (
        on_now.filter(checkin__isnull=True).order_by("shift__starts_at").first()
        or on_now.order_by("shift__starts_at").first()
    )
    if assignment is None:
        raise ApplicationError(_refusal_words(volunteer, post, now), status=409)
    try:
        with transaction.atomic():
            Assignment.objects.select_for_update().get(pk=assignment.pk)  # two taps at once: one waits
            if CheckIn.objects.filter(assignment=assignment).exists():
                raise ApplicationError(_("本班次已经签到过了，请勿重复签到"), status=409)
            record = CheckIn.objects.create(
                assignment=assignment,
                volunteer=volunteer,
                community_code=assignment.shift.community_code,
                checked_in_at=now,
                status=flows.ON_DUTY,
            )
            transitions.start(flow=flows.CHECKIN_FLOW, row=record, actor=volunteer.user, owner_id=volunteer.user_id)
            return record
    except IntegrityError as exc:
        raise ApplicationError(_("本班次已经签到过了，请勿重复签到"), status=409) from exc


def checkout(*, volunteer: Volunteer, post: Post, now: dt.datetime | None = None) -> CheckIn:
    """Check out of the volunteer's latest shift at this post still on duty."""
    now = now or timezone.now()
    with transaction.atomic():
        record = (
            CheckIn.objects.select_related("assignment__shift")
            .filter(volunteer=volunteer, assignment__shift__post=post, status=flows.ON_DUTY)
            .order_by("-checked_in_at")
            .first()
        )
        if record is None:
            raise ApplicationError(_("您在该岗位没有未签退的签到"), status=409)
        if now > record.assignment.shift.ends_at + CHECKOUT_LATE:
            raise ApplicationError(_("已超过签退时间，请联系带班负责人更正时长"), status=409)
        checked_out = transitions.transition(
            flow=flows.CHECKIN_FLOW,
            row=record,
            to=flows.CHECKED_OUT,
            actor=volunteer.user,
            owner_id=volunteer.user_id,
            also={"checked_out_at": now},
        )
        record.status, record.checked_out_at = checked_out.status, checked_out.checked_out_at
    return record


def checkin_hours(record: CheckIn) -> Decimal:
    """Hours served: check-in to check-out, counted within the shift's window only."""
    shift = record.assignment.shift
    start = max(record.checked_in_at, shift.starts_at)
    end = min(record.checked_out_at or record.checked_in_at, shift.ends_at)
    return max(Decimal("0"), _hours(start, end))


def checkin_confirm(*, actor, record: CheckIn) -> HourEntry:
    """A community worker confirms a checked-out shift (CHECKIN_FLOW): its hours enter the ledger."""
    with transaction.atomic():
        transitions.transition(
            flow=flows.CHECKIN_FLOW,
            row=record,
            to=flows.CONFIRMED,
            actor=actor,
            also={"confirmed_by": actor, "confirmed_at": timezone.now()},
        )
        record = CheckIn.objects.select_related("assignment__shift", "volunteer").get(pk=record.pk)
        entry = _ledger_add(
            volunteer=record.volunteer,
            hours=checkin_hours(record),
            kind=HourEntry.Kind.SERVICE,
            served_on=timezone.localdate(record.checked_in_at),
            actor=actor,
            checkin=record,
        )
    return entry


def hours_correct(*, actor, volunteer: Volunteer, hours: Decimal, reason: str, served_on: dt.date) -> HourEntry:
    """Correct a volunteer's hours by adding (or, negative, taking away) hours, with the reason; the
    correction is a ledger entry of its own and is audited."""
    reason = clean_text(reason)[:200]
    if not reason:
        raise ApplicationError(_("更正时长须填写原因"), status=422)
    # checked before rounding: quantize fails on a number too large for its precision (1e30)
    hours = hours.quantize(Decimal("0.01")) if hours.is_finite() and abs(hours) <= 24 else Decimal("0")
    if hours == 0:
        raise ApplicationError(_("更正时长须在-24到24小时之间且不为0"), status=422)
    with transaction.atomic():
        volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        if volunteer.hours_total + hours < 0:
            raise ApplicationError(_("更正后总时长不能为负数"), status=422)
        entry = _ledger_add(
            volunteer=volunteer,
            hours=hours,
            kind=HourEntry.Kind.CORRECTION,
            served_on=served_on,
            actor=actor,
            reason=reason,
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            entity="volunteer_hours",
            row_ids=[volunteer.public_id],
            area_codes=[volunteer.community_code],
            detail={"hours": str(hours), "reason": reason},
        )
    return entry


def _ledger_add(*, volunteer, hours: Decimal, kind: str, served_on: dt.date, actor, checkin=None, reason=""):
    entry = HourEntry.objects.create(
        volunteer=volunteer,
        community_code=volunteer.community_code,
        unit_id=volunteer.unit_id,
        checkin=checkin,
        kind=kind,
        hours=hours,
        served_on=served_on,
        reason=reason,
        created_by=actor,
    )
    month = served_on.replace(day=1)
    total, _created = HourTotal.objects.get_or_create(
        community_code=volunteer.community_code, unit_id=volunteer.unit_id, month=month
    )
    HourTotal.objects.filter(pk=total.pk).update(hours=F("hours") + hours, entries=F("entries") + 1)
    Volunteer.objects.filter(pk=volunteer.pk).update(hours_total=F("hours_total") + hours)
    volunteer.refresh_from_db(fields=["hours_total"])
    certificates_issue(volunteer=volunteer)
    return entry


def certificates_issue(*, volunteer: Volunteer) -> list[Certificate]:
    """Issue the certificates of every threshold the volunteer's hours have reached."""
    issued = []
    have = set(Certificate.objects.filter(volunteer=volunteer).values_list("threshold", flat=True))
    for threshold in CERTIFICATE_THRESHOLDS:
        if volunteer.hours_total >= threshold and threshold not in have:
            issued.append(
                Certificate.objects.create(
                    volunteer=volunteer,
                    community_code=volunteer.community_code,
                    threshold=threshold,
                    hours=volunteer.hours_total,
                )
            )
    return issued
