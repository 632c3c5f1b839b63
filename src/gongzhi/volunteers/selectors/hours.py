"""Reads of check-ins and certificates: the post a check-in key opens, check-ins on duty and to confirm,
and certificates (the public verification page and their own volunteer's)."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from gongzhi.core import access, roles
from gongzhi.core.masking import mask_name
from gongzhi.places.models import Area
from gongzhi.volunteers import flows
from gongzhi.volunteers.models import Certificate, CheckIn, Post


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
