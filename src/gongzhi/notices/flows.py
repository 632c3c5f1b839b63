"""The workflow of a notice. No Django here (core.workflow).

A notice is published by staff holding notices.publish over the area it is addressed to. It is never
edited: a mistake is put right by a correction, a new notice to the same households that names the
one it corrects; the old one then becomes "corrected" (it stays readable, marked as replaced, with its
read receipts). Only a published notice can be corrected, so a notice has at most one correction and
the chain of corrections is a list.
"""

from gongzhi.core import roles
from gongzhi.core.workflow import START, Flow, Step

PUBLISHED, CORRECTED = "published", "corrected"

NOTICE_FLOW = Flow(
    "notice",
    states=(PUBLISHED, CORRECTED),
    capability=roles.PUBLISH_NOTICES,
    steps=[
        Step(START, PUBLISHED),
        Step(PUBLISHED, CORRECTED),
    ],
)
