"""Reads of residents, always inside the user's areas."""

import re

from django.db.models import Prefetch, Q
from django.http import Http404

from gongzhi.core import roles
from gongzhi.core.masking import mask_id_number, mask_phone
from gongzhi.core.scope import scope_q, user_can
from gongzhi.people.models import Resident, ResidentTag

_RESIDENT_PATHS = {"grid_field": "household__building__grid_id", "building_field": "household__building_id"}
_TAIL = re.compile(r"^[0-9]{1,17}[0-9X]?$")


def resident_scope_q(user, capability: str = roles.VIEW_RESIDENTS) -> Q:
    return scope_q(user, capability=capability, **_RESIDENT_PATHS)


def resident_list(*, user, area_code: str = "", grid_id: str = "", building_id: str = "", tag: str = "", q: str = ""):
    """Residents in the user's areas, filtered. Search: digits (1-6, or ending in X) match the tail
    of the ID number or phone; anything else matches name or address."""
    qs = Resident.objects.filter(resident_scope_q(user))
    if area_code:
        qs = qs.filter(community_code__startswith=area_code)
    if grid_id:
        qs = qs.filter(household__building__grid__public_id=grid_id)
    if building_id:
        qs = qs.filter(household__building__public_id=building_id)
    if tag:
        qs = qs.filter(tags__tag=tag)
    q = q.strip().upper()
    if q:
        if _TAIL.match(q):
            qs = qs.filter(Q(id_number__endswith=q) | Q(phone__endswith=q))
        else:
            qs = qs.filter(Q(name__contains=q) | Q(household__address__contains=q))
    return (
        qs.select_related("household")
        .prefetch_related(Prefetch("tags", queryset=ResidentTag.objects.only("resident_id", "tag")))
        .order_by("community_code", "household_id", "id")
    )


def resident_get_for_user(*, user, public_id: str, capability: str = roles.VIEW_RESIDENTS) -> Resident:
    resident = (
        Resident.objects.filter(resident_scope_q(user, capability), public_id=public_id)
        .select_related("household", "household__building", "household__building__grid")
        .prefetch_related("tags")
        .first()
    )
    if resident is None:
        raise Http404
    return resident


def may_see_full_pii(user) -> bool:
    return user_can(user, roles.SEE_FULL_PII)


def resident_pii(resident: Resident, *, full: bool) -> dict[str, str]:
    """The ID number and phone as this viewer may see them."""
    if full:
        return {"id_number": resident.id_number, "phone": resident.phone}
    return {"id_number": mask_id_number(resident.id_number), "phone": mask_phone(resident.phone)}
