"""Reads of the reservoir itself: volunteers (lists, single ones, own pages, records), organisations and
work units, the public sign-up's pickers, the community a page is about, and its linkage."""

from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404

from gongzhi.core import access, roles
from gongzhi.core.masking import NumberQuery
from gongzhi.core.pii import number_search_q, pii_visible
from gongzhi.core.scope import within_one_community
from gongzhi.places.models import Area
from gongzhi.volunteers import flows
from gongzhi.volunteers.models import HourEntry, Organisation, Volunteer
from gongzhi.volunteers.selectors.rosters import my_shifts


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


def repeat_sign_ups_shown(user: Any, volunteer: Volunteer) -> int:
    """The repeat sign-ups naming the volunteer, for viewers who may see their numbers in full: to
    others the count would confirm a guessed number (sign up with it, watch the count)."""
    return volunteer.repeat_sign_ups if pii_visible(user, volunteer) else 0


def pending_count(*, user: Any) -> int:
    """Sign-ups waiting for review where the user reviews them (the community-status index)."""
    return Volunteer.objects.visible_to(user, roles.MANAGE_VOLUNTEERS).filter(status=flows.PENDING).count()


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
