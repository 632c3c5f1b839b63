"""The workflows of mass testing. No Django here (core.workflow).

Rounds are opened over an area and closed when done. A tube is opened by its collector, closed when
full or at the end, and resulted by a lab (a lab may result a tube before it was closed); the lab
may correct a recorded result after a retest (复检更正), always with the reason. A sample's result is
its tube's (pending until the tube has one, then negative or positive-pool, following corrections).
A recall is opened by the platform when a pool is positive, then worked by the resident's community
or grid worker: notified, re-swabbed singly, resulted; the platform cancels a recall not yet
re-swabbed when its pool is corrected to negative, and opens it again if the pool is corrected back
to positive.
"""

from gongzhi.core import roles
from gongzhi.core.workflow import START, SYSTEM, Flow, Step

PLANNED, OPEN, CLOSED = "planned", "open", "closed"
ROUND_FLOW = Flow(
    "round",
    states=(PLANNED, OPEN, CLOSED),
    capability=roles.MANAGE_ROUNDS,
    steps=[
        Step(START, OPEN),
        Step(START, PLANNED),
        Step(PLANNED, OPEN),
        Step(OPEN, CLOSED),
        Step(CLOSED, OPEN),  # closed by mistake, or late scans to take
    ],
)

NEGATIVE, POSITIVE = "negative", "positive"
TUBE_FLOW = Flow(
    "tube",
    states=(OPEN, CLOSED, NEGATIVE, POSITIVE),
    capability=roles.COLLECT_SAMPLES,
    steps=[
        Step(START, OPEN),
        Step(START, CLOSED),  # opened, filled and closed within one batch
        Step(OPEN, CLOSED),
        Step(OPEN, NEGATIVE, capability=roles.RECORD_RESULTS),
        Step(OPEN, POSITIVE, capability=roles.RECORD_RESULTS),
        Step(CLOSED, NEGATIVE, capability=roles.RECORD_RESULTS),
        Step(CLOSED, POSITIVE, capability=roles.RECORD_RESULTS),
        # corrections after a retest (复检更正): testing.services.results.tube_result_correct
        Step(NEGATIVE, POSITIVE, capability=roles.RECORD_RESULTS),
        Step(POSITIVE, NEGATIVE, capability=roles.RECORD_RESULTS),
    ],
)
# Steps taken only with the reason written down (core.workflow's Step has no such flag yet: the
# service that takes them refuses an empty reason).
REASON_REQUIRED = frozenset({(NEGATIVE, POSITIVE), (POSITIVE, NEGATIVE)})

PENDING, POSITIVE_POOL = "pending", "positive_pool"
# A sample's result is its tube's (SAMPLE_RESULT), not stored on the sample: a tube's result is one
# row written, not eleven. Its steps are recorded as events beside the tube's, with the count of samples.
SAMPLE_FLOW = Flow(
    "sample",
    states=(PENDING, NEGATIVE, POSITIVE_POOL),
    field=None,
    capability=roles.RECORD_RESULTS,
    steps=[
        Step(START, PENDING, capability=roles.COLLECT_SAMPLES),
        Step(PENDING, NEGATIVE),
        Step(PENDING, POSITIVE_POOL),
        Step(NEGATIVE, POSITIVE_POOL),  # the tube's result corrected
        Step(POSITIVE_POOL, NEGATIVE),
    ],
)

# tube status -> its samples' result; any other status (open, closed): pending
SAMPLE_RESULT = {NEGATIVE: NEGATIVE, POSITIVE: POSITIVE_POOL}

NOTIFIED, RESAMPLED, CANCELLED = "notified", "resampled", "cancelled"
RECALL_FLOW = Flow(
    "recall",
    states=(OPEN, NOTIFIED, RESAMPLED, NEGATIVE, POSITIVE, CANCELLED),
    capability=roles.HANDLE_RECALLS,
    steps=[
        Step(START, OPEN, by=SYSTEM),
        Step(OPEN, NOTIFIED),
        Step(OPEN, RESAMPLED),
        Step(NOTIFIED, RESAMPLED),
        Step(RESAMPLED, NEGATIVE),
        Step(RESAMPLED, POSITIVE),
        # the pool corrected to negative before the member was re-swabbed, and back to positive
        Step(OPEN, CANCELLED, by=SYSTEM),
        Step(NOTIFIED, CANCELLED, by=SYSTEM),
        Step(CANCELLED, OPEN, by=SYSTEM),
    ],
)
