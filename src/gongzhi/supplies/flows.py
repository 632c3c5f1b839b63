"""The workflows of living supplies. No Django here (core.workflow).

An order is placed through the household's own code or by a building leader, grid worker or
community worker on its behalf; the community accepts it, packs it (the packing issues its items
from the distribution point's stock), and sends it out on a delivery run. The volunteer of the run
confirms it at the door by scanning the household's door code, or records why it failed; a failed
order goes back to the queue at once (by the platform) and out on the next run. Orders not yet out
may be cancelled.

A delivery run is planned by the community, started by its volunteer and done when every stop is
confirmed or failed.
"""

from gongzhi.core import roles
from gongzhi.core.workflow import OWNER, START, SYSTEM, Flow, Step

PLACED, ACCEPTED, PACKED, OUT, DELIVERED, FAILED, REQUEUED, CANCELLED = (
    "placed",
    "accepted",
    "packed",
    "out",
    "delivered",
    "failed",
    "requeued",
    "cancelled",
)
_COMMUNITY = frozenset({"community"})
ORDER_FLOW = Flow(
    "order",
    states=(PLACED, ACCEPTED, PACKED, OUT, DELIVERED, FAILED, REQUEUED, CANCELLED),
    capability=roles.MANAGE_SUPPLIES,
    steps=[
        # The household's code, or staff on its behalf: the service decides which (supplies.services.orders).
        Step(START, PLACED, by=SYSTEM),
        Step(PLACED, ACCEPTED, levels=_COMMUNITY),
        Step(ACCEPTED, PACKED, levels=_COMMUNITY),
        Step(PACKED, OUT, levels=_COMMUNITY),
        Step(REQUEUED, OUT, levels=_COMMUNITY),
        Step(OUT, DELIVERED, by=OWNER),
        Step(OUT, FAILED, by=OWNER),
        Step(FAILED, REQUEUED, by=SYSTEM),
        Step(PLACED, CANCELLED, levels=_COMMUNITY),
        Step(ACCEPTED, CANCELLED, levels=_COMMUNITY),
        Step(PACKED, CANCELLED, levels=_COMMUNITY),
        Step(REQUEUED, CANCELLED, levels=_COMMUNITY),
    ],
)
OPEN_ORDER_STATES = (PLACED, ACCEPTED, PACKED, OUT, REQUEUED)

PLANNED, ON_ROUTE, DONE = "planned", "on_route", "done"
RUN_FLOW = Flow(
    "delivery_run",
    states=(PLANNED, ON_ROUTE, DONE),
    capability=roles.MANAGE_SUPPLIES,
    steps=[
        Step(START, PLANNED, levels=_COMMUNITY),
        Step(PLANNED, ON_ROUTE, by=OWNER),
        Step(ON_ROUTE, DONE, by=SYSTEM),  # the last stop confirmed or failed
    ],
)

PROPOSED, CONFIRMED, DISCARDED = "proposed", "confirmed", "discarded"
ALLOCATION_FLOW = Flow(
    "allocation",
    states=(PROPOSED, CONFIRMED, DISCARDED),
    capability=roles.MANAGE_STOCK,
    steps=[
        Step(START, PROPOSED, levels=frozenset({"street", "district", "city"})),
        Step(PROPOSED, CONFIRMED, levels=frozenset({"street", "district", "city"})),
        Step(PROPOSED, DISCARDED, levels=frozenset({"street", "district", "city"})),
    ],
)
