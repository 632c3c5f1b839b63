"""The workflow of a resident's request (诉求). No Django here (core.workflow).

A request comes in through the household's own code, from staff taking a call or a visit, or from
the 12345 hotline's work orders. It waits (pending) at a level: the household's grid first (its
community when the building has no grid). Someone at that level takes it on (in progress) and
resolves it; the resident confirms with a rating, which closes it, or says it is not solved, which
puts it back in progress. When the level's deadline lapses the platform moves it up a level
(grid → community → street → district): it is pending again there, with the next deadline.

A hotline work order whose address matches no household waits unplaced at its street until
someone places it on a household. A request for the same household and category as one still open
is merged into that one when it comes in: it keeps its own row and history, and the open one
carries on. Nothing ends otherwise: a request is closed only by the resident's answer (or staff
recording it from a call), never by the platform.
"""

from gongzhi.core import roles
from gongzhi.core.workflow import START, SYSTEM, Flow, Step

UNPLACED, PENDING, IN_PROGRESS, RESOLVED, CLOSED, MERGED = (
    "unplaced",
    "pending",
    "in_progress",
    "resolved",
    "closed",
    "merged",
)
APPEAL_FLOW = Flow(
    "appeal",
    states=(UNPLACED, PENDING, IN_PROGRESS, RESOLVED, CLOSED, MERGED),
    capability=roles.HANDLE_APPEALS,
    steps=[
        # The household's code, staff entry or the hotline import: the service decides which.
        Step(START, PENDING, by=SYSTEM),
        Step(START, UNPLACED, by=SYSTEM),
        Step(START, MERGED, by=SYSTEM),
        Step(UNPLACED, PENDING, capability=roles.IMPORT_HOTLINE),
        Step(PENDING, IN_PROGRESS),
        Step(PENDING, RESOLVED),
        Step(IN_PROGRESS, RESOLVED),
        # The deadline of its level lapsed: up one level (the sweep).
        Step(PENDING, PENDING, by=SYSTEM),
        Step(IN_PROGRESS, PENDING, by=SYSTEM),
        # The resident's answer through the household's code, or staff recording it from a call.
        Step(RESOLVED, CLOSED, by=SYSTEM),
        Step(RESOLVED, IN_PROGRESS, by=SYSTEM),
    ],
)
OPEN_STATES = (UNPLACED, PENDING, IN_PROGRESS)
LAPSING_STATES = (PENDING, IN_PROGRESS)
