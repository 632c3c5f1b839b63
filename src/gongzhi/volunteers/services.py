"""Writes for the volunteer reservoir: sign-up and review, organisations, training, posts and shifts,
rosters, check-in and check-out, the hour ledger, certificates and hardship aid.

Workflows are transition tables (VOLUNTEER_FLOW, AID_FLOW) enforced here; every step is checked
before anything is written, and each write is one transaction.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core import roles
from gongzhi.core.cleaning import clean_code, clean_text
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEvent, RoleAssignment
from gongzhi.core.scope import user_scope
from gongzhi.core.services import audit_record
from gongzhi.people import id_rules
from gongzhi.places.models import Area
from gongzhi.volunteers import rostering
from gongzhi.volunteers.models import (
    AidEvent,
    AidRequest,
    Assignment,
    Attendance,
    Certificate,
    Certification,
    CheckIn,
    Course,
    HourEntry,
    HourTotal,
    Organisation,
    Post,
    Shift,
    TrainingSession,
    Volunteer,
)

CONSENT_VERSION = "2026-11"
SKILLS = {
    "medical": gettext_lazy("医疗"),
    "driving": gettext_lazy("驾驶"),
    "logistics": gettext_lazy("物流"),
    "counselling": gettext_lazy("心理疏导"),
    "it": gettext_lazy("信息技术"),
    "languages": gettext_lazy("方言/外语"),
}
# Availability: a weekday (mon..sun) and a part of the day.
DAY_PARTS = {"am": (6, 12), "pm": (12, 18), "eve": (18, 24), "night": (0, 6)}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
AVAILABILITY = [f"{d}-{p}" for d in WEEKDAYS for p in DAY_PARTS]
_WEEKDAY_LABELS = dict(zip(WEEKDAYS, "一二三四五六日", strict=True))
_PART_LABELS = {
    "am": gettext_lazy("上午"),
    "pm": gettext_lazy("下午"),
    "eve": gettext_lazy("晚上"),
    "night": gettext_lazy("夜间"),
}
AVAILABILITY_LABELS = [(f"{d}-{p}", f"周{_WEEKDAY_LABELS[d]}", _PART_LABELS[p]) for d in WEEKDAYS for p in DAY_PARTS]
CERTIFICATE_THRESHOLDS = getattr(settings, "GONGZHI_CERTIFICATE_THRESHOLDS", (10, 50, 100, 200, 500))
# At most 8 hours a day, at least 4 hours' rest between two shifts of one volunteer (a morning and an
# evening shift, not two in a row).
ROSTER_RULES = rostering.Rules(
    max_hours_per_day=getattr(settings, "GONGZHI_ROSTER_MAX_HOURS_PER_DAY", 8.0),
    min_rest_hours=getattr(settings, "GONGZHI_ROSTER_MIN_REST_HOURS", 4.0),
)
CHECKIN_EARLY = dt.timedelta(minutes=30)  # a volunteer may check in this long before the shift
CHECKOUT_LATE = dt.timedelta(hours=2)  # and check out this long after it

VOLUNTEER_FLOW = {
    Volunteer.Status.PENDING: (Volunteer.Status.APPROVED, Volunteer.Status.REJECTED),
    Volunteer.Status.APPROVED: (Volunteer.Status.SUSPENDED,),
    Volunteer.Status.SUSPENDED: (Volunteer.Status.APPROVED,),
    Volunteer.Status.REJECTED: (),
}
AID_FLOW = {
    AidRequest.Status.SUBMITTED: (AidRequest.Status.COMMUNITY_APPROVED, AidRequest.Status.REJECTED),
    AidRequest.Status.COMMUNITY_APPROVED: (AidRequest.Status.APPROVED, AidRequest.Status.REJECTED),
    AidRequest.Status.APPROVED: (AidRequest.Status.PAID,),
    AidRequest.Status.REJECTED: (),
    AidRequest.Status.PAID: (),
}
# Who may take each aid step: the community reviews first, the street decides.
AID_STEP_ROLE_LEVEL = {
    AidRequest.Status.COMMUNITY_APPROVED: "community",
    AidRequest.Status.APPROVED: "street",
    AidRequest.Status.PAID: "street",
    AidRequest.Status.REJECTED: "community",
}


def _community(code: str) -> Area:
    area = Area.objects.filter(code=code, level=Area.Level.COMMUNITY).first()
    if area is None:
        raise ApplicationError(_("请选择所在社区"), {"community_code": code}, status=422)
    return area


# --- organisations -------------------------------------------------------------------------------


def organisation_create(*, actor, kind: str, name: str, community_code: str, parent=None) -> Organisation:
    name = clean_text(name)[:100]
    if not name:
        raise ApplicationError(_("请填写组织名称"), status=422)
    if kind not in Organisation.Kind.values:
        raise ApplicationError(_("组织类型不正确"), status=422)
    _community(community_code)
    try:
        with transaction.atomic():
            return Organisation.objects.create(kind=kind, name=name, community_code=community_code, parent=parent)
    except IntegrityError as exc:
        raise ApplicationError(_("本社区已有同名组织"), status=409) from exc


# --- sign-up and review --------------------------------------------------------------------------


def volunteer_sign_up(
    *,
    name: str,
    id_number: str,
    phone: str,
    community_code: str,
    group: str,
    password: str,
    skills: list[str] = (),
    availability: list[str] = (),
    unit: Organisation | None = None,
    party_member: bool = False,
    consent: bool = False,
    password_hash: str | None = None,
) -> tuple[Volunteer, bool]:
    """A public sign-up. Returns (volunteer, False). An ID number or phone already signed up is
    refused with a message (the community corrects details). The account is created inactive and
    opens on approval."""
    errors: dict[str, str] = {}
    name = clean_text(name)[:50]
    id_number = clean_code(id_number).upper()
    phone = clean_code(phone)
    if not consent:
        errors["consent"] = _("请阅读并同意个人信息处理规则")
    if not name:
        errors["name"] = _("请填写姓名")
    if message := id_rules.id_number_error(id_number):
        errors["id_number"] = message
    if message := id_rules.phone_error(phone):
        errors["phone"] = message
    if group not in Volunteer.Group.values:
        errors["group"] = _("请选择服务队伍")
    bad_skills = [s for s in skills if s not in SKILLS]
    bad_times = [t for t in availability if t not in AVAILABILITY]
    if bad_skills or bad_times:
        errors["skills"] = _("技能或可服务时段不正确")
    if not Area.objects.filter(code=community_code, level=Area.Level.COMMUNITY).exists():
        errors["community_code"] = _("请选择所在社区")
    if unit is not None and unit.kind != Organisation.Kind.UNIT:
        errors["unit"] = _("所在单位不正确")
    try:
        if password_hash is None:  # a hash is given by bulk loads (the demo), which hash once
            validate_password(password)
    except ValidationError as exc:
        errors["password"] = " ".join(exc.messages)
    if errors:
        raise ApplicationError(_("报名信息有误，请修改后再提交"), errors, status=422)
    now = timezone.now()
    fields = {
        "name": name,
        "community_code": community_code,
        "group": group,
        "skills": sorted(set(skills)),
        "availability": sorted(set(availability)),
        "unit": unit,
        "party_member": party_member,
        "consent_at": now,
        "consent_version": CONSENT_VERSION,
    }
    # A repeat sign-up is refused, never merged: merging on an ID number and phone that family and
    # colleagues know would let them change someone's details and password (review finding).
    if Volunteer.objects.filter(id_number=id_number).exists():
        raise ApplicationError(
            _("该身份证号已报名，请勿重复报名；如需修改信息请联系社区"),
            {"id_number": _("该身份证号已报名")},
            status=409,
        )
    if Volunteer.objects.filter(phone=phone).exists() or get_user_model().objects.filter(username=phone).exists():
        raise ApplicationError(_("该手机号已被其他报名使用"), {"phone": _("该手机号已被其他报名使用")}, status=409)
    user = get_user_model()(username=phone, first_name=name[:150], is_active=False)
    if password_hash is None:
        user.set_password(password)
    else:
        user.password = password_hash
    try:
        with transaction.atomic():
            user.save()
            volunteer = Volunteer.objects.create(id_number=id_number, phone=phone, user=user, **fields)
    except IntegrityError as exc:  # the same person submitting twice at once
        raise ApplicationError(
            _("该身份证号已报名，请勿重复报名；如需修改信息请联系社区"),
            {"id_number": _("该身份证号已报名")},
            status=409,
        ) from exc
    return volunteer, False


def volunteer_review(*, actor, volunteer: Volunteer, to_status: str, note: str = "") -> Volunteer:
    """Approve, reject, suspend or reinstate a volunteer (VOLUNTEER_FLOW). Approval opens the
    volunteer's account with the volunteer role on their community; a party member who signed up
    counts as having reported to their residential community (在职党员报到)."""
    now = timezone.now()
    with transaction.atomic():
        volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        if to_status not in VOLUNTEER_FLOW.get(volunteer.status, ()):
            raise ApplicationError(_("志愿者状态不能这样变更"), {"from": volunteer.status, "to": to_status}, status=409)
        volunteer.status = to_status
        volunteer.reviewed_by, volunteer.reviewed_at, volunteer.review_note = actor, now, note[:200]
        if to_status == Volunteer.Status.APPROVED and volunteer.party_member and not volunteer.party_reported_at:
            volunteer.party_reported_at = now
        volunteer.save()
        user = volunteer.user
        if user is not None:
            user.is_active = to_status == Volunteer.Status.APPROVED
            user.save(update_fields=["is_active"])
            if user.is_active:
                RoleAssignment.objects.get_or_create(
                    user=user, role=roles.VOLUNTEER, area_code=volunteer.community_code, grid=None, building=None
                )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            entity="volunteer",
            row_ids=[volunteer.public_id],
            area_codes=[volunteer.community_code],
            detail={"status": to_status},
        )
    return volunteer


def volunteer_reveal(*, actor, volunteer: Volunteer, ip_address: str | None = None) -> None:
    """Record that the actor saw this volunteer's ID number and phone in full."""
    audit_record(
        actor=actor,
        action=AuditEvent.Action.VIEW_FULL,
        entity="volunteer",
        row_ids=[volunteer.public_id],
        area_codes=[volunteer.community_code],
        ip_address=ip_address,
    )


# --- training ------------------------------------------------------------------------------------


def training_session_create(*, actor, course: Course, community_code: str, starts_at, place: str = ""):
    _community(community_code)
    return TrainingSession.objects.create(
        course=course, community_code=community_code, starts_at=starts_at, place=clean_text(place)[:100]
    )


def attendance_record(*, actor, session: TrainingSession, volunteers: list[Volunteer]) -> int:
    """Mark volunteers present; each gets the course's certification, valid from the session for
    the course's days. Recording the same attendance again changes nothing."""
    added = 0
    with transaction.atomic():
        for volunteer in volunteers:
            if volunteer.status != Volunteer.Status.APPROVED:
                raise ApplicationError(_("只能为已通过审核的志愿者登记培训"), {"volunteer": volunteer.public_id})
            _attendance, created = Attendance.objects.get_or_create(
                session=session, volunteer=volunteer, defaults={"community_code": volunteer.community_code}
            )
            if created:
                Certification.objects.create(
                    volunteer=volunteer,
                    course=session.course,
                    community_code=volunteer.community_code,
                    issued_at=session.starts_at,
                    expires_at=session.starts_at + dt.timedelta(days=session.course.valid_days),
                    session=session,
                )
                added += 1
    return added


# --- posts, shifts and rosters -------------------------------------------------------------------


def post_create(
    *, actor, community_code: str, name: str, group: str, skills: list[str] = (), training: Course | None = None
) -> Post:
    name = clean_text(name)[:100]
    if not name:
        raise ApplicationError(_("请填写岗位名称"), status=422)
    if group not in Volunteer.Group.values:
        raise ApplicationError(_("请选择服务队伍"), status=422)
    if any(s not in SKILLS for s in skills):
        raise ApplicationError(_("技能或可服务时段不正确"), status=422)
    _community(community_code)
    return Post.objects.create(
        community_code=community_code, name=name, group=group, skills=sorted(set(skills)), training=training
    )


def shift_create(*, actor, post: Post, starts_at, ends_at, needed: int) -> Shift:
    if ends_at <= starts_at or ends_at - starts_at > dt.timedelta(hours=12):
        raise ApplicationError(_("班次须在开始之后结束，且不超过12小时"), status=422)
    if not 1 <= needed <= 200:
        raise ApplicationError(_("每班人数须在1到200之间"), status=422)
    return Shift.objects.create(
        post=post, community_code=post.community_code, starts_at=starts_at, ends_at=ends_at, needed=needed
    )


def _available(volunteer: Volunteer, starts_at: dt.datetime) -> bool:
    local = timezone.localtime(starts_at)
    part = next((p for p, (a, b) in DAY_PARTS.items() if a <= local.hour < b), None)
    return part is not None and f"{WEEKDAYS[local.weekday()]}-{part}" in volunteer.availability


def _compatible(window: tuple, busy: list[tuple], rules) -> bool:
    """A new shift window fits beside the shifts a volunteer already holds: no overlap, the rest
    between them, and the hours of its local day."""
    start, end = window
    rest = dt.timedelta(hours=rules.min_rest_hours)
    if any(start < b + rest and end + rest > a for a, b in busy):
        return False
    day = timezone.localdate(start)
    held = sum((b - a).total_seconds() for a, b in busy if timezone.localdate(a) == day) / 3600
    return held + (end - start).total_seconds() / 3600 <= rules.max_hours_per_day


def roster_inputs(shifts: list[Shift], volunteers: list[Volunteer], rules=None):
    """The pure optimiser's input for these shifts and candidate volunteers: time windows, needs
    (a shift's places not yet held) and candidates with their valid trainings, availability, and
    the shifts they already hold that day anywhere, which close the windows they would clash with."""
    rules = rules or ROSTER_RULES
    windows: dict[tuple, int] = {}
    for shift in shifts:
        windows.setdefault((shift.starts_at, shift.ends_at), len(windows) + 1)
    # Local times: a day's hour limit counts by the local calendar day.
    pure_shifts = [rostering.Shift(i, timezone.localtime(a), timezone.localtime(b)) for (a, b), i in windows.items()]
    taken: dict[int, int] = {}
    for shift_id in Assignment.objects.filter(shift__in=shifts).values_list("shift_id", flat=True):
        taken[shift_id] = taken.get(shift_id, 0) + 1
    needs = [
        rostering.Need(
            id=s.pk,
            post_id=s.post_id,
            post_name=s.post.name,
            shift_id=windows[(s.starts_at, s.ends_at)],
            community_code=s.community_code,
            needed=max(0, s.needed - taken.get(s.pk, 0)),
            skills=frozenset(s.post.skills),
            training=s.post.training.code if s.post.training_id else None,
        )
        for s in shifts
    ]
    needs = [n for n in needs if n.needed > 0]
    first = min((s.starts_at for s in shifts), default=timezone.now())
    last = max((s.ends_at for s in shifts), default=first)
    valid: dict[int, set] = {}
    for volunteer_id, code in Certification.objects.filter(
        volunteer__in=volunteers, expires_at__gt=first, issued_at__lte=first
    ).values_list("volunteer_id", "course__code"):
        valid.setdefault(volunteer_id, set()).add(code)
    busy: dict[int, list[tuple]] = {}
    for volunteer_id, a, b in Assignment.objects.filter(
        volunteer__in=volunteers,
        shift__starts_at__lt=last + dt.timedelta(hours=24),
        shift__ends_at__gt=first - dt.timedelta(hours=24),
    ).values_list("volunteer_id", "shift__starts_at", "shift__ends_at"):
        busy.setdefault(volunteer_id, []).append((a, b))
    candidates = [
        rostering.Candidate(
            id=v.pk,
            name=v.name,
            community_code=v.community_code,
            skills=frozenset(v.skills),
            trainings=frozenset(valid.get(v.pk, ())),
            available_shifts=frozenset(
                i
                for (a, b), i in windows.items()
                if _available(v, a) and _compatible((a, b), busy.get(v.pk, []), rules)
            ),
            hours_so_far=float(v.hours_total),
        )
        for v in volunteers
    ]
    return candidates, pure_shifts, needs


def roster_build(
    *, actor, community_code: str, day: dt.date, reservoir: str = "community", time_limit: float = 10.0
) -> rostering.RosterResult:
    """Roster a community's shifts of one day with the optimiser and write the assignments.

    `reservoir`: "community" takes approved volunteers living in the community; "street" (the
    one-action mobilisation) asks every approved volunteer of the street, preferring the
    community's own. Earlier optimiser assignments of these shifts are replaced; manual ones,
    and any with a check-in, stay."""
    _community(community_code)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    shifts = list(
        Shift.objects.filter(
            community_code=community_code, starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1)
        )
        .select_related("post", "post__training")
        .order_by("starts_at", "id")
    )
    if not shifts:
        raise ApplicationError(_("这一天没有需要排班的班次"), status=422)
    prefix = community_code if reservoir == "community" else community_code[:9]
    volunteers = list(
        Volunteer.objects.filter(community_code__startswith=prefix, status=Volunteer.Status.APPROVED).order_by("id")
    )
    source = Assignment.Source.OPTIMISER if reservoir == "community" else Assignment.Source.MOBILISED
    with transaction.atomic():
        Assignment.objects.filter(shift__in=shifts, source__in=[source], checkin__isnull=True).delete()
        candidates, pure_shifts, needs = roster_inputs(shifts, volunteers)
        result = rostering.roster_solve(candidates, pure_shifts, needs, ROSTER_RULES, time_limit=time_limit)
        community_of = {v.pk: v.community_code for v in volunteers}
        Assignment.objects.bulk_create(
            [
                Assignment(shift_id=need_id, volunteer_id=v, community_code=community_of[v], source=source)
                for v, need_id in result.assignments
            ]
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            entity="roster",
            row_ids=[],
            area_codes=[community_code],
            detail={
                "day": day.isoformat(),
                "reservoir": reservoir,
                "covered": result.covered,
                "demanded": result.demanded,
                "status": result.status,
                "gap": result.gap,
            },
        )
    return result


# --- check-in, check-out, hours ------------------------------------------------------------------


def _hours(start: dt.datetime, end: dt.datetime) -> Decimal:
    return (Decimal((end - start).total_seconds()) / Decimal(3600)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def checkin(*, volunteer: Volunteer, post: Post, now: dt.datetime | None = None) -> CheckIn:
    """Check in at a post (its QR code) for the volunteer's shift there that is on now."""
    now = now or timezone.now()
    if volunteer.status != Volunteer.Status.APPROVED:
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
        raise ApplicationError(_("现在不在您在该岗位的班次时间内，不能签到"), status=409)
    try:
        with transaction.atomic():
            Assignment.objects.select_for_update().get(pk=assignment.pk)  # two taps at once: one waits
            if CheckIn.objects.filter(assignment=assignment).exists():
                raise ApplicationError(_("本班次已经签到过了，请勿重复签到"), status=409)
            return CheckIn.objects.create(
                assignment=assignment,
                volunteer=volunteer,
                community_code=assignment.shift.community_code,
                checked_in_at=now,
            )
    except IntegrityError as exc:
        raise ApplicationError(_("本班次已经签到过了，请勿重复签到"), status=409) from exc


def checkout(*, volunteer: Volunteer, post: Post, now: dt.datetime | None = None) -> CheckIn:
    now = now or timezone.now()
    with transaction.atomic():
        record = (
            CheckIn.objects.select_for_update()
            .select_related("assignment__shift")
            .filter(volunteer=volunteer, assignment__shift__post=post, status=CheckIn.Status.ON_DUTY)
            .order_by("-checked_in_at")
            .first()
        )
        if record is None:
            raise ApplicationError(_("您在该岗位没有未签退的签到"), status=409)
        if now > record.assignment.shift.ends_at + CHECKOUT_LATE:
            raise ApplicationError(_("已超过签退时间，请联系带班负责人更正时长"), status=409)
        record.checked_out_at, record.status = now, CheckIn.Status.CHECKED_OUT
        record.save(update_fields=["checked_out_at", "status"])
    return record


def checkin_hours(record: CheckIn) -> Decimal:
    """Hours served: check-in to check-out, counted within the shift's window only."""
    shift = record.assignment.shift
    start = max(record.checked_in_at, shift.starts_at)
    end = min(record.checked_out_at or record.checked_in_at, shift.ends_at)
    return max(Decimal("0"), _hours(start, end))


def checkin_confirm(*, actor, record: CheckIn) -> HourEntry:
    """A leader confirms a checked-out shift: its hours enter the ledger."""
    with transaction.atomic():
        record = CheckIn.objects.select_for_update().select_related("assignment__shift", "volunteer").get(pk=record.pk)
        if record.status != CheckIn.Status.CHECKED_OUT:
            raise ApplicationError(_("只能确认已签退的班次"), status=409)
        record.status, record.confirmed_by, record.confirmed_at = CheckIn.Status.CONFIRMED, actor, timezone.now()
        record.save(update_fields=["status", "confirmed_by", "confirmed_at"])
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
    hours = hours.quantize(Decimal("0.01")) if hours.is_finite() else Decimal("0")
    if hours == 0 or abs(hours) > 24:
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


# --- hardship aid --------------------------------------------------------------------------------


def aid_request_submit(*, volunteer: Volunteer, kind: str, description: str, amount: Decimal | None = None):
    description = clean_text(description)[:500]
    if kind not in AidRequest.Kind.values:
        raise ApplicationError(_("请选择困难类型"), status=422)
    if len(description) < 5:
        raise ApplicationError(_("请简要说明困难情况（至少5个字）"), status=422)
    if amount is not None and (not amount.is_finite() or not Decimal("0.01") <= amount <= Decimal("100000")):
        raise ApplicationError(_("申请金额须在0到100000元之间"), status=422)
    return AidRequest.objects.create(
        volunteer=volunteer,
        community_code=volunteer.community_code,
        kind=kind,
        description=description,
        amount=None if amount is None else amount.quantize(Decimal("0.01")),
    )


def _actor_levels(actor, community_code: str) -> set[str]:
    """The levels (community, street, ...) at which the actor manages volunteers of this community."""
    if getattr(actor, "is_superuser", False):
        return {"community", "street"}
    return {
        roles.level_of_code(e.area_code)
        for e in user_scope(actor)
        if community_code.startswith(e.area_code) and roles.role_can(e.role, roles.MANAGE_VOLUNTEERS)
    }


def aid_transition(*, actor, request: AidRequest, to_status: str, note: str = "") -> AidRequest:
    """Move a hardship-aid request along AID_FLOW. The community takes the first review, the street
    the decision and the payment; the actor must hold a volunteer-managing role at that level."""
    with transaction.atomic():
        request = AidRequest.objects.select_for_update().get(pk=request.pk)
        if to_status not in AID_FLOW.get(request.status, ()):
            raise ApplicationError(_("申请状态不能这样变更"), {"from": request.status, "to": to_status}, status=409)
        wanted = AID_STEP_ROLE_LEVEL[to_status]
        if to_status == AidRequest.Status.REJECTED and request.status == AidRequest.Status.COMMUNITY_APPROVED:
            wanted = "street"
        if wanted not in _actor_levels(actor, request.community_code):
            raise ApplicationError(
                _("这一步须由街道审批") if wanted == "street" else _("这一步须由社区审核"), status=403
            )
        AidEvent.objects.create(
            request=request, actor=actor, from_status=request.status, to_status=to_status, note=clean_text(note)[:200]
        )
        request.status = to_status
        request.save(update_fields=["status", "updated_at"])
    return request
