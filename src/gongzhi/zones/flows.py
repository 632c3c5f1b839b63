"""The workflow of a risk zone. No Django here (core.workflow).

The rules propose a zone (the system, from positive cases); staff holding zones.decide over its
area confirm it (it is then in force) or reject it with a reason; a zone in force is released by
staff when its kind's conditions hold (zones.rules.release_problems; the service refuses before).
"""

from gongzhi.core import roles
from gongzhi.core.workflow import START, SYSTEM, Flow, Step

PROPOSED, ACTIVE, REJECTED, RELEASED = "proposed", "active", "rejected", "released"
OPEN_STATES = (PROPOSED, ACTIVE)

ZONE_FLOW = Flow(
    "zone",
    states=(PROPOSED, ACTIVE, REJECTED, RELEASED),
    capability=roles.DECIDE_ZONES,
    steps=[
        Step(START, PROPOSED, by=SYSTEM),
        # A new positive inside a zone (or, for a proposal, a stricter kind for its area): recorded on it.
        Step(PROPOSED, PROPOSED, by=SYSTEM),
        Step(ACTIVE, ACTIVE, by=SYSTEM),
        Step(PROPOSED, ACTIVE),
        Step(PROPOSED, REJECTED),
        Step(ACTIVE, RELEASED),
    ],
)
