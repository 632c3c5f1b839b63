"""Reads of training: courses and training sessions."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from gongzhi.core import roles
from gongzhi.volunteers.models import Course, TrainingSession


def courses() -> "QuerySet[Course]":
    return Course.objects.all()


def course_by_code(code: str) -> Course | None:
    return Course.objects.filter(code=code).first()


def training_sessions(*, community_code: str) -> "QuerySet[TrainingSession]":
    return TrainingSession.objects.filter(community_code=community_code).select_related("course")[:50]


def training_session_get(*, user: Any, public_id: str, community_code: str) -> TrainingSession:
    session = (
        TrainingSession.objects.visible_to(user, roles.MANAGE_VOLUNTEERS)
        .filter(public_id=public_id, community_code=community_code)
        .first()
    )
    if session is None:
        raise Http404
    return session
