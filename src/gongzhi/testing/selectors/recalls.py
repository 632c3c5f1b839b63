"""Recalls of positive pools: the list, one recall, and the count still open."""

from django.http import Http404

from gongzhi.core import roles
from gongzhi.places.selectors import PlaceFilter
from gongzhi.testing import flows
from gongzhi.testing.models import Recall, Round

_PLACE_OF_RECALL = ("resident", "resident__household", "resident__household__building", "tube")


def recall_list(*, user, round_: Round, area_code: str = "", place: PlaceFilter | None = None, open_only: bool = False):
    """The members of positive pools in the user's areas, with household and building; `area_code`,
    `place`: those of one area, grid or building; `open_only`: those not yet finished."""
    recalls = Recall.objects.visible_to(user, roles.VIEW_TESTING).filter(round=round_)
    if open_only:
        recalls = recalls.filter(status__in=RECALL_OPEN)
    if area_code:
        recalls = recalls.in_area(area_code)
    if place is not None:
        recalls = recalls.filter(place.rows("resident__household__building"))
    return recalls.select_related(*_PLACE_OF_RECALL).order_by("community_code", "status", "id")


def recall_get_for_user(*, user, public_id: str, capability: str) -> Recall:
    recall = (
        Recall.objects.visible_to(user, capability)
        .filter(public_id=public_id)
        .select_related("round", *_PLACE_OF_RECALL)
        .first()
    )
    if recall is None:
        raise Http404
    return recall


RECALL_OPEN = (flows.OPEN, flows.NOTIFIED, flows.RESAMPLED)


def open_recall_count(*, user, round_: Round, area_code: str = "") -> int:
    """Members of positive pools whose recall is not finished (to notify, notified, re-swabbed and
    waiting for the result), in the user's areas: one count on the recall index."""
    rows = Recall.objects.visible_to(user, roles.VIEW_TESTING).filter(round=round_, status__in=RECALL_OPEN)
    return (rows.in_area(area_code) if area_code else rows).count()
