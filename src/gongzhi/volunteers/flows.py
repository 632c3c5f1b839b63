"""The workflows of the volunteer reservoir. No Django here (core.workflow).

A volunteer signs up on the public page (pending) and is reviewed by their community (or street);
an approved volunteer may be suspended and reinstated. A check-in on a rostered shift is the
volunteer's own until they check out; a community worker then confirms its hours. Hardship aid is
reviewed by the community, decided and paid by the street.
"""

from gongzhi.core import roles
from gongzhi.core.workflow import OWNER, START, SYSTEM, Flow, Step

PENDING, APPROVED, REJECTED, SUSPENDED = "pending", "approved", "rejected", "suspended"
VOLUNTEER_FLOW = Flow(
    "volunteer",
    states=(PENDING, APPROVED, REJECTED, SUSPENDED),
    capability=roles.MANAGE_VOLUNTEERS,
    steps=[
        Step(START, PENDING, by=SYSTEM),  # the public sign-up page
        Step(PENDING, APPROVED),
        Step(PENDING, REJECTED),
        Step(APPROVED, SUSPENDED),
        Step(SUSPENDED, APPROVED),
    ],
)

ON_DUTY, CHECKED_OUT, CONFIRMED = "on_duty", "checked_out", "confirmed"
CHECKIN_FLOW = Flow(
    "checkin",
    states=(ON_DUTY, CHECKED_OUT, CONFIRMED),
    capability=roles.CONFIRM_HOURS,
    steps=[
        Step(START, ON_DUTY, by=OWNER),
        Step(ON_DUTY, CHECKED_OUT, by=OWNER),
        Step(CHECKED_OUT, CONFIRMED, levels=frozenset({"community"})),
    ],
)

SUBMITTED, COMMUNITY_APPROVED, AID_APPROVED, AID_REJECTED, PAID = (
    "submitted",
    "community_approved",
    "approved",
    "rejected",
    "paid",
)
_COMMUNITY, _STREET = frozenset({"community"}), frozenset({"street"})
AID_FLOW = Flow(
    "aid",
    states=(SUBMITTED, COMMUNITY_APPROVED, AID_APPROVED, AID_REJECTED, PAID),
    capability=roles.MANAGE_VOLUNTEERS,
    steps=[
        Step(START, SUBMITTED, by=OWNER),
        Step(SUBMITTED, COMMUNITY_APPROVED, levels=_COMMUNITY),
        Step(SUBMITTED, AID_REJECTED, levels=_COMMUNITY),
        Step(COMMUNITY_APPROVED, AID_APPROVED, levels=_STREET),
        Step(COMMUNITY_APPROVED, AID_REJECTED, levels=_STREET),
        Step(AID_APPROVED, PAID, levels=_STREET),
    ],
)
