"""The workflows of the people app. No Django here (core.workflow)."""

from gongzhi.core.workflow import OWNER, START, Flow, Step

PREVIEWED, IMPORTED, REJECTED = "previewed", "imported", "rejected"

# A register file: checked on upload (kept for the confirm when clean), imported on the uploader's
# confirm, or rejected (errors on upload, or the data changed since the preview).
REGISTER_IMPORT_FLOW = Flow(
    "register_import",
    states=(PREVIEWED, IMPORTED, REJECTED),
    steps=[
        Step(START, PREVIEWED, by=OWNER),
        Step(START, REJECTED, by=OWNER),
        Step(PREVIEWED, IMPORTED, by=OWNER),
        Step(PREVIEWED, REJECTED, by=OWNER),
    ],
)
