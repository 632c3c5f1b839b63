"""Training: sessions and attendance, which certifies the attendees for the course's validity."""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core.cleaning import clean_text
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEvent
from gongzhi.core.services import audit_record
from gongzhi.volunteers import flows
from gongzhi.volunteers.models import Attendance, Certification, Course, TrainingSession, Volunteer
from gongzhi.volunteers.services.common import community


def training_session_create(*, actor, course: Course, community_code: str, starts_at, place: str = ""):
    community(community_code)
    with transaction.atomic():
        session = TrainingSession.objects.create(
            course=course, community_code=community_code, starts_at=starts_at, place=clean_text(place)[:100]
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            entity="training_session",
            row_ids=[session.public_id],
            area_codes=[community_code],
        )
    return session


def attendance_record(*, actor, session: TrainingSession, volunteers: list[Volunteer]) -> int:
    """Mark volunteers present; each gets the course's certification, valid from the session for
    the course's days. Recording the same attendance again changes nothing."""
    added, certified = 0, []
    with transaction.atomic():
        for volunteer in volunteers:
            if volunteer.status != flows.APPROVED:
                raise ApplicationError(_("只能为已通过审核的志愿者登记培训"), {"volunteer": volunteer.public_id})
            _attendance, created = Attendance.objects.get_or_create(
                session=session, volunteer=volunteer, defaults={"community_code": volunteer.community_code}
            )
            if created:
                Certification.objects.create(
                    volunteer=volunteer,
                    course=session.course,
                    community_code=volunteer.community_code,
                    issued_at=session.starts_at,
                    expires_at=session.starts_at + dt.timedelta(days=session.course.valid_days),
                    session=session,
                )
                added += 1
                certified.append(volunteer.public_id)
        if certified:  # who says these people attended, and so certified them
            audit_record(
                actor=actor,
                action=AuditEvent.Action.CREATE,
                entity="certification",
                row_ids=certified,
                area_codes=[session.community_code],
                detail={"session": session.public_id, "course": session.course.code},
            )
    return added
