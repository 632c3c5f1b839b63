"""Hardship aid for volunteers in difficulty (AID_FLOW): submitted by the volunteer, reviewed by
the community, decided and paid by the street."""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core import transitions
from gongzhi.core.cleaning import clean_text
from gongzhi.core.errors import ApplicationError
from gongzhi.volunteers import flows
from gongzhi.volunteers.models import AidRequest, Volunteer


def aid_request_submit(*, volunteer: Volunteer, kind: str, description: str, amount: Decimal | None = None):
    description = clean_text(description)[:500]
    if kind not in AidRequest.Kind.values:
        raise ApplicationError(_("请选择困难类型"), status=422)
    if len(description) < 5:
        raise ApplicationError(_("请简要说明困难情况（至少5个字）"), status=422)
    if amount is not None and (not amount.is_finite() or not Decimal("0.01") <= amount <= Decimal("100000")):
        raise ApplicationError(_("申请金额须在0到100000元之间"), status=422)
    with transaction.atomic():
        request = AidRequest.objects.create(
            volunteer=volunteer,
            community_code=volunteer.community_code,
            kind=kind,
            description=description,
            amount=None if amount is None else amount.quantize(Decimal("0.01")),
            status=flows.SUBMITTED,
        )
        transitions.start(flow=flows.AID_FLOW, row=request, actor=volunteer.user, owner_id=volunteer.user_id)
    return request


def aid_transition(*, actor, request: AidRequest, to_status: str, note: str = "") -> AidRequest:
    """Move a hardship-aid request along AID_FLOW; the flow names the level (community or street)
    whose volunteer managers take each step, checked against the request's own community."""
    return transitions.transition(flow=flows.AID_FLOW, row=request, to=to_status, actor=actor, reason=clean_text(note))
