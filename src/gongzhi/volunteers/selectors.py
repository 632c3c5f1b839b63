"""Reads of the volunteer reservoir, always inside the user's areas (`objects.visible_to`). Single
objects: `<entity>_get_for_user(*, user, public_id, capability)`, the same 404 for missing and forbidden."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from gongzhi.core import access, roles
from gongzhi.core.masking import NumberQuery, mask_name
from gongzhi.core.pii import number_search_q, pii_visible
from gongzhi.core.scope import within_one_community
from gongzhi.places.models import Area
from gongzhi.volunteers import flows
from gongzhi.volunteers.models import (
    AidRequest,
    Assignment,
    Certificate,
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


def volunteer_list(*, user: Any, status: str = "", query: str = "") -> tuple["QuerySet[Volunteer]", NumberQuery]:
    """The reservoir in the user's areas, and what the search box asked for: names, the last 4 digits
    of a phone or ID number, or (for viewers with `pii.full`) a full number among the volunteers whose
    numbers they may see, which the caller audits. Raises ApplicationError for a full number searched
    by a viewer who may not."""
    rows = Volunteer.objects.visible_to(user, roles.VIEW_VOLUNTEERS).select_related("unit")
    if status:
        rows = rows.filter(status=status)
    narrow = within_one_community(user, roles.VIEW_VOLUNTEERS)
    condition, search = number_search_q(user, Volunteer, query, narrow=narrow)
    return rows.filter(condition).order_by("status", "community_code", "id"), search


def volunteer_get_for_user(*, user: Any, public_id: str, capability: str) -> Volunteer:
    volunteer = (
        Volunteer.objects.visible_to(user, capability).filter(public_id=public_id).select_related("unit").first()
    )
    if volunteer is None:
        raise Http404
    return volunteer


def volunteer_of_user(user: Any) -> Volunteer | None:
    """The volunteer record behind a signed-in account, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Volunteer.objects.filter(user=user).first()


def volunteer_page(volunteer: Volunteer) -> dict[str, Any]:
    """A volunteer's own page: shifts, certificates, hours and aid requests."""
    return {
        "shifts": my_shifts(volunteer),
        "certificates": volunteer.certificates.all(),
        "entries": volunteer.hour_entries.order_by("-id")[:50],
        "aid": volunteer.aid_requests.all()[:20],
    }


def volunteer_record(volunteer: Volunteer) -> dict[str, Any]:
    """What the community sees of a volunteer besides the numbers: hours, trainings, certificates."""
    return {
        "entries": HourEntry.objects.filter(volunteer=volunteer).order_by("-id")[:100],
        "certifications": volunteer.certifications.select_related("course"),
        "certificates": volunteer.certificates.all(),
    }


def organisation_list(*, user: Any, community_code: str = "") -> "QuerySet[Organisation]":
    rows = Organisation.objects.visible_to(user, roles.VIEW_VOLUNTEERS)
    if community_code:
        rows = rows.filter(community_code=community_code)
    return rows


def unit_get_for_user(*, user: Any, public_id: str, capability: str) -> Organisation:
    unit = (
        Organisation.objects.visible_to(user, capability)
        .filter(public_id=public_id, kind=Organisation.Kind.UNIT)
        .first()
    )
    if unit is None:
        raise Http404
    return unit


def unit_for_sign_up(public_id: str) -> Organisation | None:
    """The work unit a volunteer named on the public sign-up page."""
    return Organisation.objects.filter(public_id=public_id, kind=Organisation.Kind.UNIT).first() if public_id else None


def units_for_sign_up() -> "QuerySet[Organisation]":
    """Work units a volunteer may name on the public sign-up page."""
    return Organisation.objects.filter(kind=Organisation.Kind.UNIT).order_by("name")


def communities_named(query: str, limit: int = 20) -> list[dict[str, str]]:
    """Communities whose name contains the text, for the sign-up page's picker (names only)."""
    return list(
        Area.objects.filter(level=Area.Level.COMMUNITY, name__contains=query)
        .order_by("code")[:limit]
        .values("code", "name")
    )


def area_of(code: str) -> Area | None:
    return Area.objects.filter(code=code).first()


def community_of_user(*, user: Any, capability: str, wanted: str = "") -> str:
    """The community a reservoir page is about: the one asked for, if the user holds the capability
    there; else the user's own community, or the first of their street or district. "" when none."""
    if wanted:
        if not access.may_in_area(user, capability, wanted):
            return ""
        if len(wanted) == 12:
            return wanted
        areas = [wanted]  # a street or district picked: its first community
    else:
        areas = access.official_areas(user, capability)
    own = next((a for a in areas if len(a) == 12), "")
    if own or not areas:
        return own
    first = Area.objects.filter(level=Area.Level.COMMUNITY).in_area(areas[0]).order_by("code").first()
    return first.code if first else ""


def linkage(*, user: Any, community_code: str) -> dict[str, Any]:
    """党组织 + 社区组织 + 志愿者 of one community: who is there to call on."""
    orgs = list(organisation_list(user=user, community_code=community_code))
    volunteers = Volunteer.objects.visible_to(user, roles.VIEW_VOLUNTEERS).filter(
        community_code=community_code, status=flows.APPROVED
    )
    by_group = dict(volunteers.values_list("group").annotate(n=Count("id")))
    return {
        "party": [o for o in orgs if o.kind == Organisation.Kind.PARTY],
        "community": [o for o in orgs if o.kind in (Organisation.Kind.COMMUNITY, Organisation.Kind.SOCIAL)],
        "units": [o for o in orgs if o.kind == Organisation.Kind.UNIT],
        "volunteers": volunteers.count(),
        "by_group": [(label, by_group.get(value, 0)) for value, label in Volunteer.Group.choices],
        "party_reported": list(
            volunteers.filter(party_member=True, party_reported_at__isnull=False).select_related("unit")[:200]
        ),
    }


def courses() -> "QuerySet[Course]":
    return Course.objects.all()


def course_by_code(code: str) -> Course | None:
    return Course.objects.filter(code=code).first()


def training_sessions(*, community_code: str) -> "QuerySet[TrainingSession]":
    return TrainingSession.objects.filter(community_code=community_code).select_related("course")[:50]


def training_session_get(*, user: Any, public_id: str, community_code: str) -> TrainingSession:
    session = (
        TrainingSession.objects.visible_to(user, roles.MANAGE_VOLUNTEERS)
        .filter(public_id=public_id, community_code=community_code)
        .first()
    )
    if session is None:
        raise Http404
    return session


def post_list(*, user: Any, community_code: str, start: dt.datetime, end: dt.datetime) -> "QuerySet[Post]":
    """A community's posts with their shifts starting in [start, end) and who is on them."""
    day_shifts = Shift.objects.filter(starts_at__gte=start, starts_at__lt=end).prefetch_related(
        "assignments__volunteer"
    )
    return (
        Post.objects.visible_to(user, roles.MANAGE_VOLUNTEERS)
        .filter(community_code=community_code)
        .select_related("training")
        .prefetch_related(Prefetch("shifts", queryset=day_shifts))
    )


def post_get_for_user(*, user: Any, public_id: str, capability: str) -> Post:
    post = Post.objects.visible_to(user, capability).filter(public_id=public_id).first()
    if post is None:
        raise Http404
    return post


def post_by_checkin_key(key: str) -> Post:
    post = Post.objects.filter(checkin_key=key).first()
    if post is None:
        raise Http404
    return post


def checkins_to_confirm(*, user: Any, area_code: str = "") -> "QuerySet[CheckIn]":
    rows = CheckIn.objects.visible_to(user, roles.CONFIRM_HOURS).filter(status=flows.CHECKED_OUT)
    if area_code:
        rows = rows.in_area(area_code)
    return rows.select_related("volunteer", "assignment__shift__post").order_by("checked_in_at")


def checkins_on_duty(*, user: Any, area_code: str = "") -> "QuerySet[CheckIn]":
    """Volunteers checked in and not yet out, in the user's areas (in `area_code` when given)."""
    rows = CheckIn.objects.visible_to(user, roles.CONFIRM_HOURS).filter(status=flows.ON_DUTY)
    if area_code:
        rows = rows.in_area(area_code)
    return rows.select_related("volunteer", "assignment__shift__post").order_by("checked_in_at")


def checkin_get_for_user(*, user: Any, pk: int, capability: str) -> CheckIn:
    record = CheckIn.objects.visible_to(user, capability).filter(pk=pk).first()
    if record is None:
        raise Http404
    return record


def my_shifts(volunteer: Volunteer) -> "QuerySet[Assignment]":
    since = timezone.now() - dt.timedelta(days=1)
    return (
        Assignment.objects.filter(volunteer=volunteer, shift__ends_at__gte=since)
        .select_related("shift__post")
        .order_by("shift__starts_at")
    )


def certificate_public(public_id: str) -> dict[str, Any]:
    """What the public verification page shows: a masked name, the hours, the issuing community."""
    cert = Certificate.objects.filter(public_id=public_id).select_related("volunteer").first()
    if cert is None:
        raise Http404
    community = Area.objects.filter(code=cert.community_code).first()
    return {
        "public_id": cert.public_id,
        "name": mask_name(cert.volunteer.name),
        "hours": cert.hours,
        "threshold": cert.threshold,
        "community": community.name if community else cert.community_code,
        "issued_at": cert.issued_at,
    }


def certificate_get_for_user(*, user: Any, public_id: str, capability: str) -> Certificate:
    """A certificate, for its own volunteer, or for staff holding the capability where it was issued."""
    cert = Certificate.objects.filter(public_id=public_id).select_related("volunteer").first()
    if cert is None:
        raise Http404
    if cert.volunteer.user_id != getattr(user, "pk", None) and not access.may(user, capability, cert):
        raise Http404
    return cert


def hours_report(*, user: Any, area_code: str, since: dt.date, until: dt.date) -> dict[str, Any]:
    """Hours by community and by work unit for an area and a span of months, from the rollup:
    a district's report sums a few thousand rows, never the ledger's millions of entries."""
    rows = (
        HourTotal.objects.visible_to(user, roles.VIEW_VOLUNTEERS)
        .in_area(area_code)
        .filter(month__gte=since.replace(day=1), month__lte=until)
    )
    by_community = list(
        rows.values("community_code").annotate(hours=Sum("hours"), entries=Sum("entries")).order_by("community_code")
    )
    by_unit = list(
        rows.exclude(unit=None)
        .values("unit_id", "unit__name")
        .annotate(hours=Sum("hours"), entries=Sum("entries"))
        .order_by("-hours")[:200]
    )
    names = dict(Area.objects.filter(code__in=[r["community_code"] for r in by_community]).values_list("code", "name"))
    for r in by_community:
        r["name"] = names.get(r["community_code"], r["community_code"])
    return {
        "by_community": by_community,
        "by_unit": by_unit,
        "total": sum((r["hours"] for r in by_community), Decimal("0")),
    }


def unit_report(*, user: Any, unit: Organisation, limit: int = 5000) -> dict[str, Any]:
    """A unit's approved volunteers in the user's areas with their hours, community names and
    certificates, for the employer's evaluation (单位评优) report."""
    volunteers = list(
        Volunteer.objects.visible_to(user, roles.VIEW_VOLUNTEERS)
        .filter(unit=unit, status=flows.APPROVED)
        .order_by("-hours_total", "id")[:limit]
    )
    names = dict(Area.objects.filter(code__in={v.community_code for v in volunteers}).values_list("code", "name"))
    certificates: dict[int, list[int]] = {}
    for volunteer_id, threshold in Certificate.objects.filter(volunteer__in=volunteers).values_list(
        "volunteer_id", "threshold"
    ):
        certificates.setdefault(volunteer_id, []).append(threshold)
    return {"volunteers": volunteers, "community_names": names, "certificates": certificates}


def aid_list(*, user: Any) -> "QuerySet[AidRequest]":
    return (
        AidRequest.objects.visible_to(user, roles.MANAGE_VOLUNTEERS)
        .select_related("volunteer")
        .order_by("status", "-created_at")
    )


def aid_get_for_user(*, user: Any, public_id: str, capability: str) -> AidRequest:
    request = AidRequest.objects.visible_to(user, capability).filter(public_id=public_id).first()
    if request is None:
        raise Http404
    return request


def commendation_list(*, user: Any, area_code: str, top: int = 50) -> "QuerySet[Volunteer]":
    """The volunteers with the most hours in an area: the commendation list."""
    return (
        Volunteer.objects.visible_to(user, roles.VIEW_VOLUNTEERS)
        .in_area(area_code)
        .filter(status=flows.APPROVED, hours_total__gt=0)
        .order_by("-hours_total", "id")[:top]
    )


def pending_count(*, user: Any) -> int:
    """Sign-ups waiting for review where the user reviews them (the community-status index)."""
    return Volunteer.objects.visible_to(user, roles.MANAGE_VOLUNTEERS).filter(status=flows.PENDING).count()


def open_places(*, user: Any, days: int = 7) -> dict[str, Any]:
    """Roster places still open on the shifts starting in the next `days` days in the user's
    communities: their number, and the first shift with one (community and day), where the page
    to fill them opens."""
    now = timezone.now()
    shifts = (
        Shift.objects.visible_to(user, roles.MANAGE_VOLUNTEERS)
        .filter(starts_at__gte=now, starts_at__lt=now + dt.timedelta(days=days))
        .annotate(assigned=Count("assignments"))
        .values_list("community_code", "starts_at", "needed", "assigned")
        .order_by("starts_at", "community_code")
    )
    total, first = 0, None
    for code, starts_at, needed, assigned in shifts:
        missing = max(0, needed - assigned)
        if missing and first is None:
            first = (code, timezone.localdate(starts_at))
        total += missing
    return {"open": total, "first": first}


def next_shift(volunteer: Volunteer) -> Assignment | None:
    """The volunteer's next shift not yet over."""
    return (
        Assignment.objects.filter(volunteer=volunteer, shift__ends_at__gte=timezone.now())
        .select_related("shift__post")
        .order_by("shift__starts_at")
        .first()
    )


def volunteer_names(public_ids: list[str]) -> dict[str, str]:
    """Volunteers' names by public id, for the audit log; names only, never their numbers."""
    return dict(Volunteer.objects.filter(public_id__in=public_ids).values_list("public_id", "name"))


def shift_get_for_user(*, user: Any, public_id: str, capability: str) -> Shift:
    shift = Shift.objects.visible_to(user, capability).filter(public_id=public_id).select_related("post").first()
    if shift is None:
        raise Http404
    return shift


def assignment_get_for_user(*, user: Any, pk: int, capability: str) -> Assignment:
    """An assignment, decided against its shift's community (where the roster is made)."""
    assignment = Assignment.objects.filter(pk=pk).select_related("shift", "volunteer").first()
    if assignment is None or not access.may(user, capability, assignment.shift):
        raise Http404
    return assignment


def roster_candidates(*, user: Any, community_code: str, limit: int = 300) -> "QuerySet[Volunteer]":
    """Approved volunteers a worker may put on a shift by hand: the community's own first, then the
    rest of the street's, by name."""
    return (
        Volunteer.objects.visible_to(user, roles.VIEW_VOLUNTEERS)
        .filter(status=flows.APPROVED, community_code__startswith=community_code[:9])
        .order_by("name", "id")[:limit]
    )


def roster_of_day(*, user: Any, community_code: str, start: dt.datetime, end: dt.datetime) -> list[Assignment]:
    """A community's shifts of one day with who is on them, for the export and the printed roster."""
    return list(
        Assignment.objects.filter(
            shift__in=Shift.objects.visible_to(user, roles.MANAGE_VOLUNTEERS).filter(
                community_code=community_code, starts_at__gte=start, starts_at__lt=end
            )
        )
        .select_related("shift__post", "volunteer")
        .order_by("shift__starts_at", "shift__post__name", "volunteer__name")
    )


def post_names(public_ids: list[str]) -> dict[str, str]:
    return dict(Post.objects.filter(public_id__in=public_ids).values_list("public_id", "name"))


def shift_names(public_ids: list[str]) -> dict[str, str]:
    """A shift by its post and time, e.g. "3号采样点扫码 12-03 08:00"."""
    return {
        pid: f"{post} {timezone.localtime(starts):%m-%d %H:%M}"
        for pid, post, starts in Shift.objects.filter(public_id__in=public_ids).values_list(
            "public_id", "post__name", "starts_at"
        )
    }


def organisation_names(public_ids: list[str]) -> dict[str, str]:
    return dict(Organisation.objects.filter(public_id__in=public_ids).values_list("public_id", "name"))


def training_session_names(public_ids: list[str]) -> dict[str, str]:
    return {
        pid: f"{course} {timezone.localtime(starts):%m-%d}"
        for pid, course, starts in TrainingSession.objects.filter(public_id__in=public_ids).values_list(
            "public_id", "course__name", "starts_at"
        )
    }


def repeat_sign_ups_shown(user: Any, volunteer: Volunteer) -> int:
    """The repeat sign-ups naming the volunteer, for viewers who may see their numbers in full: to
    others the count would confirm a guessed number (sign up with it, watch the count)."""
    return volunteer.repeat_sign_ups if pii_visible(user, volunteer) else 0
