"""Reads of the volunteer reservoir, always inside the user's areas (`core.scope.scope_q`)."""

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, Sum
from django.http import Http404
from django.utils import timezone

from gongzhi.core import roles
from gongzhi.core.masking import mask_name
from gongzhi.core.scope import scope_q, user_can
from gongzhi.places.models import Area
from gongzhi.volunteers.models import (
    AidRequest,
    Assignment,
    Certificate,
    CheckIn,
    HourTotal,
    Organisation,
    Post,
    Shift,
    Volunteer,
)


def _can_see(user) -> Q:
    return scope_q(user, capability=roles.VIEW_VOLUNTEERS) | scope_q(user, capability=roles.CONFIRM_HOURS)


def volunteer_list(*, user, status: str = "", query: str = ""):
    rows = Volunteer.objects.filter(_can_see(user)).select_related("unit")
    if status:
        rows = rows.filter(status=status)
    if query:
        rows = rows.filter(Q(name__contains=query) | Q(phone__endswith=query) | Q(id_number__endswith=query))
    return rows.order_by("status", "community_code", "id")


def volunteer_get_for_user(*, user, public_id: str) -> Volunteer:
    volunteer = Volunteer.objects.filter(_can_see(user), public_id=public_id).select_related("unit").first()
    if volunteer is None:
        raise Http404
    return volunteer


def volunteer_of_user(user) -> Volunteer | None:
    """The volunteer record behind a signed-in account, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Volunteer.objects.filter(user=user).first()


def organisation_list(*, user, community_code: str = ""):
    rows = Organisation.objects.filter(scope_q(user, capability=roles.VIEW_VOLUNTEERS))
    if community_code:
        rows = rows.filter(community_code=community_code)
    return rows


def units_for_sign_up():
    """Work units a volunteer may name on the public sign-up page."""
    return Organisation.objects.filter(kind=Organisation.Kind.UNIT).order_by("name")


def linkage(*, user, community_code: str) -> dict:
    """党组织 + 社区组织 + 志愿者 of one community: who is there to call on."""
    orgs = list(organisation_list(user=user, community_code=community_code))
    volunteers = Volunteer.objects.filter(
        scope_q(user, capability=roles.VIEW_VOLUNTEERS), community_code=community_code
    ).filter(status=Volunteer.Status.APPROVED)
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


def post_list(*, user, community_code: str, start, end):
    """A community's posts with their shifts starting in [start, end) and who is on them."""
    day_shifts = Shift.objects.filter(starts_at__gte=start, starts_at__lt=end).prefetch_related(
        "assignments__volunteer"
    )
    return (
        Post.objects.filter(scope_q(user, capability=roles.MANAGE_VOLUNTEERS), community_code=community_code)
        .select_related("training")
        .prefetch_related(Prefetch("shifts", queryset=day_shifts))
    )


def post_get_for_user(*, user, public_id: str, capability: str = roles.MANAGE_VOLUNTEERS) -> Post:
    post = Post.objects.filter(scope_q(user, capability=capability), public_id=public_id).first()
    if post is None:
        raise Http404
    return post


def post_by_checkin_key(key: str) -> Post:
    post = Post.objects.filter(checkin_key=key).first()
    if post is None:
        raise Http404
    return post


def checkins_to_confirm(*, user):
    return (
        CheckIn.objects.filter(scope_q(user, capability=roles.CONFIRM_HOURS), status=CheckIn.Status.CHECKED_OUT)
        .select_related("volunteer", "assignment__shift__post")
        .order_by("checked_in_at")
    )


def checkin_get_for_user(*, user, pk: int) -> CheckIn:
    record = CheckIn.objects.filter(scope_q(user, capability=roles.CONFIRM_HOURS), pk=pk).first()
    if record is None:
        raise Http404
    return record


def my_shifts(volunteer: Volunteer):
    since = timezone.now() - dt.timedelta(days=1)
    return (
        Assignment.objects.filter(volunteer=volunteer, shift__ends_at__gte=since)
        .select_related("shift__post")
        .order_by("shift__starts_at")
    )


def certificate_public(public_id: str) -> dict:
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


def hours_report(*, user, area_code: str, since: dt.date, until: dt.date) -> dict:
    """Hours by community and by work unit for an area and a span of months, from the rollup:
    a district's report sums a few thousand rows, never the ledger's millions of entries."""
    rows = HourTotal.objects.filter(
        scope_q(user, capability=roles.VIEW_VOLUNTEERS),
        community_code__startswith=area_code,
        month__gte=since.replace(day=1),
        month__lte=until,
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


def unit_volunteers(*, user, unit: Organisation):
    """A unit's volunteers with their hours, for the employer's evaluation (单位评优) report."""
    if not user_can(user, roles.VIEW_VOLUNTEERS):
        raise Http404
    return Volunteer.objects.filter(
        scope_q(user, capability=roles.VIEW_VOLUNTEERS), unit=unit, status=Volunteer.Status.APPROVED
    ).order_by("-hours_total", "id")


def aid_list(*, user):
    return (
        AidRequest.objects.filter(scope_q(user, capability=roles.MANAGE_VOLUNTEERS))
        .select_related("volunteer")
        .order_by("status", "-created_at")
    )


def aid_get_for_user(*, user, public_id: str) -> AidRequest:
    request = AidRequest.objects.filter(scope_q(user, capability=roles.MANAGE_VOLUNTEERS), public_id=public_id).first()
    if request is None:
        raise Http404
    return request


def commendation_list(*, user, area_code: str, top: int = 50):
    """The volunteers with the most hours in an area: the commendation list."""
    return Volunteer.objects.filter(
        scope_q(user, capability=roles.VIEW_VOLUNTEERS),
        community_code__startswith=area_code,
        status=Volunteer.Status.APPROVED,
        hours_total__gt=0,
    ).order_by("-hours_total", "id")[:top]
