"""Posts, shifts and rosters: where and when volunteers are needed, and who goes (the pure
optimiser in volunteers.rostering; the one-action mobilisation of a street's reservoir)."""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import roles
from gongzhi.core.cleaning import clean_text
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEvent, RoleAssignment
from gongzhi.core.services import audit_record
from gongzhi.places.models import Area
from gongzhi.places.selectors import area_names
from gongzhi.volunteers import flows, rostering
from gongzhi.volunteers.choices import DAY_PARTS, ROSTER_RULES, SKILLS, WEEKDAYS
from gongzhi.volunteers.messages import roster_refusal
from gongzhi.volunteers.models import Assignment, Certification, CheckIn, Course, Post, Shift, Volunteer
from gongzhi.volunteers.services.common import community

MOBILISE_SECONDS = 30.0  # a street's week: the optimiser's time limit (bench/bench_rostering.py)
MOBILISE_MAX_DAYS = 7


def post_create(
    *, actor, community_code: str, name: str, group: str, skills: Sequence[str] = (), training: Course | None = None
) -> Post:
    name = clean_text(name)[:100]
    if not name:
        raise ApplicationError(_("请填写岗位名称"), status=422)
    if group not in Volunteer.Group.values:
        raise ApplicationError(_("请选择服务队伍"), status=422)
    if any(s not in SKILLS for s in skills):
        raise ApplicationError(_("技能或可服务时段不正确"), status=422)
    community(community_code)
    with transaction.atomic():
        post = Post.objects.create(
            community_code=community_code, name=name, group=group, skills=sorted(set(skills)), training=training
        )
        audit_record(
            actor=actor, action=AuditEvent.Action.CREATE, entity="post", row_ids=[post.public_id],
            area_codes=[community_code],
        )  # fmt: skip
    return post


def shift_create(*, actor, post: Post, starts_at, ends_at, needed: int) -> Shift:
    if ends_at <= starts_at or ends_at - starts_at > dt.timedelta(hours=12):
        raise ApplicationError(_("班次须在开始之后结束，且不超过12小时"), status=422)
    if not 1 <= needed <= 200:
        raise ApplicationError(_("每班人数须在1到200之间"), status=422)
    with transaction.atomic():
        shift = Shift.objects.create(
            post=post, community_code=post.community_code, starts_at=starts_at, ends_at=ends_at, needed=needed
        )
        audit_record(
            actor=actor, action=AuditEvent.Action.CREATE, entity="shift", row_ids=[shift.public_id],
            area_codes=[post.community_code], detail={"post": post.public_id, "needed": needed},
        )  # fmt: skip
    return shift


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


def roster_inputs(
    shifts: list[Shift],
    volunteers: list[Volunteer],
    rules=None,
    named_in_full: bool = False,
    ignoring: Sequence[int] = (),
):
    """The pure optimiser's input for these shifts and candidate volunteers: time windows, needs
    (a shift's places not yet held) and candidates with their valid trainings, availability, and
    the shifts they already hold that day anywhere, which close the windows they would clash with.
    `named_in_full`: a need is named with its community, day and time (a street's several days),
    not by its post alone. `ignoring`: assignments to plan again, read as if they were not there."""
    rules = rules or ROSTER_RULES
    names = area_names(sorted({s.community_code for s in shifts})) if named_in_full else {}

    def need_name(s: Shift) -> str:
        if not named_in_full:
            return s.post.name
        when = timezone.localtime(s.starts_at).strftime("%m-%d %H:%M")
        return f"{names.get(s.community_code, s.community_code)} {s.post.name} {when}"

    windows: dict[tuple, int] = {}
    for shift in shifts:
        windows.setdefault((shift.starts_at, shift.ends_at), len(windows) + 1)
    # Local times: a day's hour limit counts by the local calendar day.
    pure_shifts = [rostering.Shift(i, timezone.localtime(a), timezone.localtime(b)) for (a, b), i in windows.items()]
    taken: dict[int, int] = {}
    for shift_id in (
        Assignment.objects.filter(shift__in=shifts).exclude(pk__in=ignoring).values_list("shift_id", flat=True)
    ):
        taken[shift_id] = taken.get(shift_id, 0) + 1
    needs = [
        rostering.Need(
            id=s.pk,
            post_id=s.post_id,
            post_name=need_name(s),
            shift_id=windows[(s.starts_at, s.ends_at)],
            community_code=s.community_code,
            needed=max(0, s.needed - taken.get(s.pk, 0)),
            skills=frozenset(s.post.skills),
            training=s.post.training.code if s.post.training is not None else None,
        )
        for s in shifts
    ]
    needs = [n for n in needs if n.needed > 0]
    first = min((s.starts_at for s in shifts), default=timezone.now())
    valid: dict[int, set] = {}
    for volunteer_id, code in Certification.objects.filter(
        volunteer__in=volunteers, expires_at__gt=first, issued_at__lte=first
    ).values_list("volunteer_id", "course__code"):
        valid.setdefault(volunteer_id, set()).add(code)
    busy: dict[int, list[tuple]] = {}
    for volunteer_id, a, b in (
        _around(shifts, volunteers)
        .filter(volunteer__in=volunteers)
        .exclude(pk__in=ignoring)
        .values_list("volunteer_id", "shift__starts_at", "shift__ends_at")
    ):
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
    *,
    actor,
    community_code: str,
    day: dt.date,
    reservoir: str = "community",
    time_limit: float = 10.0,
    replan: bool = False,
) -> rostering.RosterResult:
    """Roster a community's shifts of one day with the optimiser and write the assignments.

    `reservoir`: "community" takes approved volunteers living in the community; "street" (the
    one-action mobilisation) asks every approved volunteer of the street, preferring the
    community's own. Assignments already made stay and only the open places are filled, unless
    `replan`: then the optimiser's earlier assignments of these shifts (of this reservoir) are
    planned again; manual ones, and any with a check-in, always stay."""
    community(community_code)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    shifts = Shift.objects.filter(
        community_code=community_code, starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1)
    )
    area = community_code if reservoir == "community" else community_code[:9]
    source = Assignment.Source.OPTIMISER if reservoir == "community" else Assignment.Source.MOBILISED
    detail = {"day": day.isoformat(), "reservoir": reservoir}
    return _roster(
        actor=actor,
        area_code=community_code,
        shifts_query=shifts,
        reservoir_area=area,
        source=source,
        replan=replan,
        time_limit=time_limit,
        detail=detail,
        none_message=_("这一天没有需要排班的班次"),
    )


def street_mobilise(
    *, actor, street_code: str, first_day: dt.date, days: int = 7, time_limit: float = MOBILISE_SECONDS
) -> rostering.RosterResult:
    """一键动员 for a whole street: every community's open places over `days` days from `first_day`,
    filled from every approved volunteer of the street (own community preferred, the load spread
    over the week). Places already held stay; only open ones are filled."""
    if not (isinstance(days, int) and 1 <= days <= MOBILISE_MAX_DAYS):
        raise ApplicationError(_("动员天数须在 1 到 %(n)d 天之间") % {"n": MOBILISE_MAX_DAYS}, status=422)
    if not Area.objects.filter(code=street_code, level=Area.Level.STREET).exists():
        raise ApplicationError(_("请选择街道"), {"street_code": street_code}, status=422)
    start = timezone.make_aware(dt.datetime.combine(first_day, dt.time.min))
    shifts = Shift.objects.filter(
        community_code__startswith=street_code, starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=days)
    )
    detail = {"day": first_day.isoformat(), "days": days, "reservoir": "street"}
    return _roster(
        actor=actor,
        area_code=street_code,
        shifts_query=shifts,
        reservoir_area=street_code,
        source=Assignment.Source.MOBILISED,
        replan=False,
        time_limit=time_limit,
        detail=detail,
        none_message=_("这几天街道内没有需要排班的班次"),
        named_in_full=True,
    )


def _roster(
    *,
    actor,
    area_code,
    shifts_query,
    reservoir_area,
    source,
    replan,
    time_limit,
    detail,
    none_message,
    named_in_full=False,
):
    """The shared work of a roster. The optimiser runs outside any transaction (on SQLite a write
    transaction would hold every other write of the platform, scans included, for its seconds); the
    write then locks the shifts and checks that nothing it read has changed meanwhile (another
    roster, a place filled by hand, a shift edited): if something has, nothing is written and the
    user is asked to press again."""
    if errors := rostering.rules_errors(ROSTER_RULES):  # before roster_inputs uses them
        raise ApplicationError(roster_refusal(errors), status=422)
    shifts = list(shifts_query.select_related("post", "post__training").order_by("starts_at", "id"))
    if not shifts:
        raise ApplicationError(none_message, status=422)
    volunteers = list(
        Volunteer.objects.in_area(reservoir_area).filter(status=flows.APPROVED).select_related("user").order_by("id")
    )
    replaced = (
        list(
            Assignment.objects.filter(shift__in=shifts, source=source, checkin__isnull=True).values_list(
                "pk", flat=True
            )
        )
        if replan
        else []
    )
    seen = _state(shifts, volunteers)
    candidates, pure_shifts, needs = roster_inputs(shifts, volunteers, named_in_full=named_in_full, ignoring=replaced)
    result = rostering.roster_solve(candidates, pure_shifts, needs, ROSTER_RULES, time_limit=time_limit)
    if result.status == "infeasible_input":  # a bad number named; nothing written, the earlier roster kept
        raise ApplicationError(roster_refusal(result.errors), status=422)
    with transaction.atomic():
        list(Shift.objects.select_for_update().filter(pk__in=[s.pk for s in shifts]).order_by("pk").values("pk"))
        if _state(shifts, volunteers) != seen:
            raise ApplicationError(_("排班期间这些班次刚有改动，没有写入，请再点一次"), status=409)
        Assignment.objects.filter(pk__in=replaced).delete()
        community_of = {v.pk: v.community_code for v in volunteers}
        Assignment.objects.bulk_create(
            [
                Assignment(shift_id=need_id, volunteer_id=v, community_code=community_of[v], source=source)
                for v, need_id in result.assignments
            ],
            batch_size=2000,
        )
        shift_community = {s.pk: s.community_code for s in shifts}
        serve_where_sent(
            actor,
            {(v, shift_community[need_id]) for v, need_id in result.assignments},
            {v.pk: v for v in volunteers},
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            entity="roster",
            row_ids=[],
            area_codes=[area_code],
            detail={
                **detail,
                "covered": result.covered,
                "demanded": result.demanded,
                "status": result.status,
                "gap": result.gap,
            },
        )
    return result


def serve_where_sent(actor: Any, sent: set[tuple[int, str]], volunteers: dict[int, Volunteer]) -> int:
    """A volunteer rostered in another community of the street (mobilised, or placed by hand) serves
    there: they gain the volunteer role over that community, so its workers may route them on its
    delivery runs and they see its posts. (volunteer id, community code) pairs; the roles not yet held
    are given in one insert and audited as the actor's (who was given access where, and why); returns
    the roles given. Called inside the roster's transaction."""
    wanted: dict[tuple[int, str], Volunteer] = {}
    for v, code in sent:
        volunteer = volunteers[v]
        if volunteer.user_id is not None and code != volunteer.community_code:
            wanted[(volunteer.user_id, code)] = volunteer
    if not wanted:
        return 0
    held = set(
        RoleAssignment.objects.filter(
            role=roles.VOLUNTEER, user_id__in={u for u, _ in wanted}, area_code__in={c for _, c in wanted}
        ).values_list("user_id", "area_code")
    )
    given = sorted(set(wanted) - held)
    if not given:
        return 0
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user_id=user_id, role=roles.VOLUNTEER, area_code=code) for user_id, code in given],
        ignore_conflicts=True,  # the same role given by a roster committing at the same moment
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        entity="role_assignment",
        row_ids=[str(wanted[pair].public_id) for pair in given],
        area_codes=[code for _, code in given],
        detail={
            "role": roles.VOLUNTEER,
            "why": "rostered in another community",
            "given": [[str(wanted[(u, c)].public_id), c] for u, c in given],
        },
    )
    return len(given)


def _around(shifts: list[Shift], volunteers: list[Volunteer]):
    """Assignments on shifts within a day of these shifts: those that can clash with them."""
    if not shifts:
        return Assignment.objects.none()
    first = min(s.starts_at for s in shifts)
    last = max(s.ends_at for s in shifts)
    return Assignment.objects.filter(
        shift__starts_at__lt=last + dt.timedelta(hours=24), shift__ends_at__gt=first - dt.timedelta(hours=24)
    )


def _state(shifts: list[Shift], volunteers: list[Volunteer]) -> tuple:
    """What a roster is planned from, to notice a change while the optimiser runs: the shifts' places,
    and the assignments on them or of these volunteers around them (any added or removed moves the
    count or the largest id)."""
    places = sorted(Shift.objects.filter(pk__in=[s.pk for s in shifts]).values_list("pk", "needed"))
    held = (
        _around(shifts, volunteers)
        .filter(Q(shift__in=shifts) | Q(volunteer__in=volunteers))
        .aggregate(n=Count("pk"), last=Max("pk"))
    )
    return places, held["n"], held["last"]


def assignment_add(*, actor, shift: Shift, volunteer: Volunteer) -> Assignment:
    """Put a volunteer on a shift by hand (手工安排): approved, living in the shift's street, not on
    it already, and only into an open place."""
    if volunteer.status != flows.APPROVED:
        raise ApplicationError(_("只能安排已通过审核的志愿者"), status=422)
    if not volunteer.community_code.startswith(shift.community_code[:9]):
        raise ApplicationError(_("只能安排本街道的志愿者"), status=422)
    with transaction.atomic():
        Shift.objects.select_for_update().get(pk=shift.pk)  # two workers filling the last place: one wins
        if Assignment.objects.filter(shift=shift, volunteer=volunteer).exists():
            raise ApplicationError(_("该志愿者已在这个班次上"), status=409)
        if Assignment.objects.filter(shift=shift).count() >= shift.needed:
            raise ApplicationError(_("这个班次已排满，请先换下一人"), status=409)
        serve_where_sent(actor, {(volunteer.pk, shift.community_code)}, {volunteer.pk: volunteer})
        assignment = Assignment.objects.create(
            shift=shift, volunteer=volunteer, community_code=volunteer.community_code, source=Assignment.Source.MANUAL
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            entity="roster",
            row_ids=[volunteer.public_id],
            area_codes=[shift.community_code],
            detail={"shift": shift.public_id, "assigned": volunteer.public_id},
        )
    return assignment


def assignment_remove(*, actor, assignment: Assignment) -> None:
    """Take a volunteer off a shift (to swap in another): not once they have checked in, whose
    hours are on record."""
    with transaction.atomic():
        if CheckIn.objects.filter(assignment=assignment).exists():
            raise ApplicationError(_("已签到的班次不能换人"), status=409)
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            entity="roster",
            row_ids=[assignment.volunteer.public_id],
            area_codes=[assignment.community_code],
            detail={"shift": assignment.shift.public_id, "removed": assignment.volunteer.public_id},
        )
        assignment.delete()
