from ninja import Query, Router, Status

from gongzhi.core import access, roles
from gongzhi.core.api import paginate_keyset
from gongzhi.core.services import full_number_search_record
from gongzhi.people import selectors, services
from gongzhi.people.models import Resident
from gongzhi.people.schemas import ResidentCreateIn, ResidentFilter, ResidentOut, ResidentPage, ResidentUpdateIn
from gongzhi.places.selectors import household_get_for_user

router = Router(tags=["residents"])


def resident_out(r: Resident, *, user, full: bool = False) -> dict:
    """A resident as this user may see it: numbers masked unless `full` (the reveal, audited), the
    vulnerability tags (health status) only where the user holds residents.health (else null)."""
    pii = selectors.resident_personal_data(r, full=full)
    return {
        "public_id": r.public_id,
        "name": r.name,
        "id_number": pii.id_number,
        "phone": pii.phone,
        "birth_date": pii.birth_date,
        "age_group": pii.age_group,
        "gender": r.gender,
        "household_id": r.household.public_id,
        "address": r.household.address,
        "community_code": r.community_code,
        "relation": r.relation,
        "tags": [t.tag for t in r.tags.all()] if access.may(user, roles.VIEW_HEALTH, r) else None,
    }


def _data(payload) -> services.ResidentData:
    return services.ResidentData(
        name=payload.name,
        id_number=payload.id_number,
        phone=payload.phone,
        relation=payload.relation,
        notes=payload.notes,
        tags=list(payload.tags),
    )


@router.get("/residents", response=ResidentPage)
def resident_list(request, filters: Query[ResidentFilter]):
    rows, query = selectors.resident_list(
        user=request.user, **filters.dict(exclude={"page", "page_size", "after", "before"})
    )
    items, has_next, next_cursor, previous_cursor = paginate_keyset(
        rows,
        keys=selectors.resident_order(query),
        page=filters.page,
        page_size=filters.page_size,
        after=filters.after,
        before=filters.before,
    )
    if query.is_full:
        full_number_search_record(
            actor=request.user, entity="resident", query=query, rows=items, ip_address=request.META.get("REMOTE_ADDR")
        )
    return {
        "items": [resident_out(r, user=request.user) for r in items],
        "page": filters.page,
        "has_next": has_next,
        "next": next_cursor,
        "previous": previous_cursor,
    }


@router.get("/residents/{public_id}", response=ResidentOut)
def resident_detail(request, public_id: str):
    resident = selectors.resident_get_for_user(user=request.user, public_id=public_id, capability=roles.VIEW_RESIDENTS)
    return resident_out(resident, user=request.user)


@router.post("/residents/{public_id}/reveal", response=ResidentOut, summary="Full ID number and phone, audited")
def resident_reveal(request, public_id: str):
    resident = selectors.resident_get_for_user(user=request.user, public_id=public_id, capability=roles.SEE_FULL_PII)
    services.resident_reveal(actor=request.user, resident=resident, ip_address=request.META.get("REMOTE_ADDR"))
    return resident_out(resident, user=request.user, full=True)


@router.post("/residents", response={201: ResidentOut})
def resident_create(request, payload: ResidentCreateIn):
    household = household_get_for_user(
        user=request.user, public_id=payload.household_id, capability=roles.EDIT_RESIDENTS
    )
    resident = services.resident_create(actor=request.user, household=household, data=_data(payload))
    return Status(201, resident_out(resident, user=request.user))


@router.put("/residents/{public_id}", response=ResidentOut)
def resident_update(request, public_id: str, payload: ResidentUpdateIn):
    resident = selectors.resident_get_for_user(user=request.user, public_id=public_id, capability=roles.EDIT_RESIDENTS)
    household = None
    if payload.household_id:
        household = household_get_for_user(
            user=request.user, public_id=payload.household_id, capability=roles.EDIT_RESIDENTS
        )
    resident = services.resident_update(actor=request.user, resident=resident, data=_data(payload), household=household)
    return resident_out(resident, user=request.user)
