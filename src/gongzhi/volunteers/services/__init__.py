"""Writes of the volunteer reservoir, by topic:

- reservoir: organisations, public sign-up, review (VOLUNTEER_FLOW), audited full views
- training: sessions and attendance (certifications)
- rosters: posts, shifts, rosters and mobilisation (the optimiser is volunteers.rostering)
- hours: check-in and check-out (CHECKIN_FLOW), confirmation, the hour ledger, certificates
- aid: hardship aid (AID_FLOW)
- reports: a work unit's report, audited
"""

from gongzhi.volunteers.services.aid import aid_request_submit, aid_transition
from gongzhi.volunteers.services.hours import (
    certificates_issue,
    checkin,
    checkin_confirm,
    checkin_hours,
    checkout,
    hours_correct,
)
from gongzhi.volunteers.services.reports import roster_export, unit_report_export
from gongzhi.volunteers.services.reservoir import (
    organisation_create,
    volunteer_reveal,
    volunteer_review,
    volunteer_sign_up,
    volunteer_sign_up_public,
)
from gongzhi.volunteers.services.rosters import (
    MOBILISE_MAX_DAYS,
    assignment_add,
    assignment_remove,
    post_create,
    roster_build,
    roster_inputs,
    shift_create,
    street_mobilise,
)
from gongzhi.volunteers.services.training import attendance_record, training_session_create

__all__ = [
    "MOBILISE_MAX_DAYS",
    "roster_export",
    "assignment_add",
    "assignment_remove",
    "aid_request_submit",
    "aid_transition",
    "attendance_record",
    "certificates_issue",
    "checkin",
    "checkin_confirm",
    "checkin_hours",
    "checkout",
    "hours_correct",
    "organisation_create",
    "post_create",
    "roster_build",
    "street_mobilise",
    "roster_inputs",
    "shift_create",
    "training_session_create",
    "unit_report_export",
    "volunteer_reveal",
    "volunteer_review",
    "volunteer_sign_up",
    "volunteer_sign_up_public",
]
