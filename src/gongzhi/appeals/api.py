"""Requests over the API: a household's request through its door code (public, limited per client
address and household like the page), and the worklist of the user's areas."""

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema

from gongzhi.appeals import selectors, services
from gongzhi.appeals.limits import household_limit
from gongzhi.core.api import PageParams, paginate
from gongzhi.places.selectors import household_by_door_code

router = Router(tags=["appeals"])


class AppealIn(Schema):
    category: str
    text: str
    caller_name: str = ""
    caller_phone: str = ""


class AppealOut(Schema):
    public_id: str
    status: str
    category: str
    urgency: str
    level: str
    due_at: dt.datetime
    merged_into: str | None = None

    @staticmethod
    def resolve_merged_into(obj) -> str | None:
        return obj.merged_into.public_id if obj.merged_into_id else None


class AppealRow(Schema):
    public_id: str
    status: str
    category: str
    urgency: str
    level: str
    due_at: dt.datetime
    received_at: dt.datetime
    text: str
    community_code: str


@router.post("/appeals/households/{code}", response={201: AppealOut}, auth=None)
def household_appeal(request: HttpRequest, code: str, payload: AppealIn):
    """A household's request through its door code (no account)."""
    household = household_by_door_code(code)
    household_limit(request, household)
    appeal = services.appeal_submit(household=household, **payload.dict())
    return 201, appeal


class AppealPage(Schema):
    items: list[AppealRow]
    page: int
    has_next: bool


@router.get("/appeals", response=AppealPage)
def appeal_list(
    request: HttpRequest, params: Query[PageParams], area: str = "", status: str = "open", category: str = ""
):
    """The requests of the caller's areas (inside `area` when given), most urgent and soonest due first."""
    rows, has_next = paginate(
        selectors.worklist(user=request.user, area_code=area[:12], status=status[:16], category=category[:20]),
        page=params.page,
        page_size=params.page_size,
    )
    return {"items": rows, "page": params.page, "has_next": has_next}
