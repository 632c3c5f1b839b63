"""The supplies API: a household's order through its door code, the community's order list, and the
doorstep confirmation a volunteer's route sheet sends (also from its offline queue)."""

from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from gongzhi.core.api import PageParams, paginate
from gongzhi.core.errors import ApplicationError
from gongzhi.supplies import selectors, services
from gongzhi.supplies.views.orders import household_order_limit

router = Router(tags=["supplies"])


class LineIn(Schema):
    kind: Literal["package", "item"]
    public_id: str = Field(max_length=26)
    quantity: int = Field(ge=1, le=99)


class OrderIn(Schema):
    lines: list[LineIn] = Field(max_length=20)
    payment: Literal["free", "paid"] = "free"
    note: str = Field("", max_length=200)


class OrderOut(Schema):
    public_id: str
    household_address: str
    community_code: str
    status: str
    urgent: bool
    payment: str
    total_price: float
    kg: float
    created_at: str


def _order_out(order) -> dict:
    return {
        "public_id": order.public_id,
        "household_address": order.household.address,
        "community_code": order.community_code,
        "status": order.status,
        "urgent": order.urgent,
        "payment": order.payment,
        "total_price": float(order.total_price),
        "kg": float(order.kg),
        "created_at": order.created_at.isoformat(),
    }


class OrderPage(Schema):
    items: list[OrderOut]
    page: int
    has_next: bool


@router.post("/supplies/households/{code}/orders", response={201: OrderOut}, auth=None)
def household_order(request, code: str, payload: OrderIn):
    """An order for the household whose door code is in the path, and for no other."""
    household = selectors.household_by_code(code)
    household_order_limit(request, household)
    lines = [
        services.LineIn(kind=line.kind, public_id=line.public_id, quantity=line.quantity) for line in payload.lines
    ]
    order = services.order_place(household=household, lines=lines, payment=payload.payment, note=payload.note)
    return 201, _order_out(order)


@router.get("/supplies/orders", response=OrderPage)
def order_list(request, params: Query[PageParams], area: str = "", status: str = ""):
    """Orders in the caller's areas (inside `area` when given), urgent first."""
    rows, has_next = paginate(
        selectors.order_list(user=request.user, area_code=area[:12], status=status[:16]),
        page=params.page,
        page_size=params.page_size,
    )
    return {"items": [_order_out(o) for o in rows], "page": params.page, "has_next": has_next}


class DoorIn(Schema):
    code: str = Field("", max_length=40, description="the door code scanned (H:<door key>): required to confirm")
    household: str = Field("", max_length=26, description="to fail a stop without its code: the household's id")
    action: str = Field("confirm", max_length=10, description="confirm or fail")
    reason: str = Field("", max_length=20)


class DoorOut(Schema):
    household: str
    address: str
    outcome: str
    outcome_label: str
    confirmed_at: str | None
    already: bool
    run_done: bool


@router.post("/supplies/runs/{public_id}/door", response=DoorOut)
def door(request, public_id: str, payload: DoorIn):
    """The volunteer of the run at a door: delivered (the household's code scanned) or failed with a reason.
    A replay of the same confirmation writes nothing and answers what was recorded."""
    run = selectors.run_get_for_user(user=request.user, public_id=public_id)
    if payload.action == "fail":
        result = services.stop_fail(
            actor=request.user, run=run, household=payload.household, code=payload.code, reason=payload.reason
        )
    elif payload.action == "confirm":
        result = services.stop_confirm(actor=request.user, run=run, code=payload.code)
    else:
        raise ApplicationError(_("操作须为 confirm 或 fail"), status=422)
    stop = result.stop
    return {
        "household": stop.household.public_id,
        "address": stop.household.address,
        "outcome": stop.outcome,
        "outcome_label": stop.get_outcome_display(),
        "confirmed_at": stop.confirmed_at.isoformat() if stop.confirmed_at else None,
        "already": result.already,
        "run_done": result.run_done,
    }
