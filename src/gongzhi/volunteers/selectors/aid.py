"""Reads of hardship aid requests."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from gongzhi.core import roles
from gongzhi.volunteers.models import AidRequest


def aid_list(*, user: Any) -> "QuerySet[AidRequest]":
    return (
        AidRequest.objects.visible_to(user, roles.MANAGE_VOLUNTEERS)
        .select_related("volunteer")
        .order_by("status", "-created_at")
    )


def aid_get_for_user(*, user: Any, public_id: str, capability: str) -> AidRequest:
    request = AidRequest.objects.visible_to(user, capability).filter(public_id=public_id).first()
    if request is None:
        raise Http404
    return request
