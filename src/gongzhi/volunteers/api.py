"""The volunteer API: the reservoir list and review for the community, check-in and check-out for
a volunteer's phone or device, and the hours report."""

import datetime as dt
from typing import Literal

from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from gongzhi.core import access, roles
from gongzhi.core.api import PageParams, paginate
from gongzhi.core.masking import mask_phone
from gongzhi.core.services import full_number_search_record
from gongzhi.volunteers import selectors, services

router = Router(tags=["volunteers"])


class VolunteerOut(Schema):
    public_id: str
    name: str
    phone: str = Field(description="masked")
    community_code: str
    group: str
    skills: list[str]
    status: str
    hours_total: float


class VolunteerPage(Schema):
    items: list[VolunteerOut]
    page: int
    has_next: bool


class ReviewIn(Schema):
    to_status: str = Field(max_length=16)
    note: str = Field("", max_length=200)


class CheckInIn(Schema):
    action: Literal["in", "out"] = Field(description="in | out")


class CheckInOut(Schema):
    status: str
    checked_in_at: dt.datetime
    checked_out_at: dt.datetime | None
    hours: float


class HoursRow(Schema):
    community_code: str
    name: str
    hours: float
    entries: int


class HoursReportOut(Schema):
    area_code: str
    total: float
    by_community: list[HoursRow]


def _out(v) -> dict:
    return {
        "public_id": v.public_id,
        "name": v.name,
        "phone": mask_phone(v.phone),
        "community_code": v.community_code,
        "group": v.group,
        "skills": v.skills,
        "status": v.status,
        "hours_total": float(v.hours_total),
    }


@router.get("/volunteers", response=VolunteerPage)
def volunteer_list(request, params: Query[PageParams], status: str = "", q: str = ""):
    rows, query = selectors.volunteer_list(user=request.user, status=status[:16], query=q[:30])
    items, has_next = paginate(rows, page=params.page, page_size=params.page_size)
    if query.is_full:
        full_number_search_record(
            actor=request.user, entity="volunteer", query=query, rows=items, ip_address=request.META.get("REMOTE_ADDR")
        )
    return {"items": [_out(v) for v in items], "page": params.page, "has_next": has_next}


@router.post("/volunteers/{public_id}/review", response=VolunteerOut)
def volunteer_review(request, public_id: str, payload: ReviewIn):
    volunteer = selectors.volunteer_get_for_user(
        user=request.user, public_id=public_id, capability=roles.MANAGE_VOLUNTEERS
    )
    return _out(
        services.volunteer_review(
            actor=request.user, volunteer=volunteer, to_status=payload.to_status, note=payload.note
        )
    )


@router.post("/checkin/{key}", response=CheckInOut, summary="Check in or out at a post (its QR code's key)")
def checkin(request, key: str, payload: CheckInIn):
    post = selectors.post_by_checkin_key(key[:26])
    volunteer = selectors.volunteer_of_user(request.user)
    if volunteer is None:
        raise Http404
    if payload.action == "out":
        record = services.checkout(volunteer=volunteer, post=post)
    else:
        record = services.checkin(volunteer=volunteer, post=post)
    return {
        "status": record.status,
        "checked_in_at": record.checked_in_at,
        "checked_out_at": record.checked_out_at,
        "hours": float(services.checkin_hours(record)) if record.checked_out_at else 0.0,
    }


@router.get("/volunteers/hours", response=HoursReportOut, summary="Service hours by community, from the rollup")
def hours_report(request, area_code: str = "", since: dt.date | None = None, until: dt.date | None = None):
    code = area_code[:12]
    if not code or not access.may_in_area(request.user, roles.VIEW_VOLUNTEERS, code):
        raise Http404
    today = timezone.localdate()
    report = selectors.hours_report(
        user=request.user, area_code=code, since=since or today.replace(month=1, day=1), until=until or today
    )
    return {
        "area_code": code,
        "total": float(report["total"]),
        "by_community": [
            {
                "community_code": r["community_code"],
                "name": r["name"],
                "hours": float(r["hours"]),
                "entries": r["entries"],
            }
            for r in report["by_community"]
        ],
    }
