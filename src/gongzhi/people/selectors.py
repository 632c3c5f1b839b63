"""Reads of residents and register imports, always inside the user's areas."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from gongzhi.core import access, masking, roles
from gongzhi.core.masking import NumberQuery
from gongzhi.core.pii import PersonalData, number_search_q, personal_data
from gongzhi.core.scope import within_one_community
from gongzhi.people import flows
from gongzhi.people.models import RegisterImport, Resident, ResidentTag

# The register's order: a community's households together. Index resident_register_order.
REGISTER_ORDER = ("community_code", "household_id", "id")
# A search by names' beginning (beyond one community) lists by name. Index resident_name_order.
NAME_ORDER = ("name", "community_code", "id")


def resident_order(query: NumberQuery) -> tuple[str, ...]:
    """The keys a list is ordered by (and paged on): by name for a search by names' beginning, where
    the name index yields the page in order; the register's order otherwise."""
    return NAME_ORDER if query.kind == masking.TEXT and not query.anywhere else REGISTER_ORDER


def resident_list(
    *,
    user: Any,
    area_code: str = "",
    grid_id: str = "",
    building_id: str = "",
    tag: str = "",
    q: str = "",
    capability: str = roles.VIEW_RESIDENTS,
) -> tuple["QuerySet[Resident]", NumberQuery]:
    """Residents in the user's areas, filtered, and what the search box asked for. Search: the last
    4 digits of an ID number or phone; a full ID number or phone for viewers with `pii.full`, among
    the residents whose numbers they may see (the caller audits it: `query.is_full`); any other text
    matches names and addresses inside one community, and the beginning of names in a wider list
    (core.pii; `query.anywhere` says which). Raises ApplicationError for a full number searched by a
    viewer who may not. Ordered by `resident_order(query)`, which an index serves (keyset pages)."""
    rows = Resident.objects.visible_to(user, capability)
    if area_code:
        rows = rows.in_area(area_code)
    if grid_id:
        rows = rows.filter(household__building__grid__public_id=grid_id)
    if building_id:
        rows = rows.filter(household__building__public_id=building_id)
    if tag:  # a filter by tag shows who has it: only among the residents whose tags the user may see
        rows = rows.with_tag(tag).visible_to(user, roles.VIEW_HEALTH)
    narrow = bool(grid_id or building_id) or within_one_community(user, capability, area_code)
    condition, query = number_search_q(
        user, Resident, q, text_fields=("name", "household__address"), narrow=narrow, prefix_fields=("name",)
    )
    rows = rows.filter(condition)
    rows = (
        rows.select_related("household", "household__building")
        .prefetch_related(Prefetch("tags", queryset=ResidentTag.objects.only("resident_id", "tag")))
        .order_by(*resident_order(query))
    )
    return rows, query


def resident_get_for_user(*, user: Any, public_id: str, capability: str) -> Resident:
    resident = (
        Resident.objects.visible_to(user, capability)
        .filter(public_id=public_id)
        .select_related("household", "household__building", "household__building__grid")
        .prefetch_related("tags")
        .first()
    )
    if resident is None:
        raise Http404
    return resident


def tags_shown(user: Any, residents: Iterable[Resident]) -> None:
    """Sets `tags_shown` on each resident: its vulnerability tags (health status) when the user holds
    residents.health over the resident's own place, else None (not shown: not "none")."""
    for resident in residents:
        shown = access.may(user, roles.VIEW_HEALTH, resident)
        resident.tags_shown = list(resident.tags.all()) if shown else None  # type: ignore[attr-defined]


def resident_personal_data(resident: Resident, *, full: bool) -> PersonalData:
    """The ID number, phone and birth date (or age group) as this viewer may see them."""
    return personal_data(id_number=resident.id_number, phone=resident.phone, birth_date=resident.birth_date, full=full)


def register_import_get_for_user(*, user: Any, public_id: str, capability: str) -> RegisterImport:
    """The user's own upload, in a community where they still hold the capability; else 404."""
    record = RegisterImport.objects.defer("content").filter(public_id=public_id).first()
    if record is None or record.actor_id is None or record.actor_id != user.pk:
        raise Http404
    if not access.may(user, capability, record):
        raise Http404
    return record


RECENT_IMPORT_DAYS = 7


def register_imports_open(*, user: Any) -> list[RegisterImport]:
    """The user's own uploads of the last week still waiting on them: previewed and not yet
    confirmed, or rejected with errors and not followed by an import into the same community. In
    communities where they still hold the import capability, newest first."""
    since = timezone.now() - dt.timedelta(days=RECENT_IMPORT_DAYS)
    rows = list(RegisterImport.objects.defer("content", "report").filter(actor_id=user.pk, created_at__gte=since)[:200])
    imported_at: dict[str, Any] = {}
    for row in rows:
        if row.status == flows.IMPORTED and row.community_code not in imported_at:
            imported_at[row.community_code] = row.created_at  # newest first: the latest import
    return [
        row
        for row in rows
        if (
            row.status == flows.PREVIEWED
            or (row.status == flows.REJECTED and row.created_at > imported_at.get(row.community_code, since))
        )
        and access.may(user, roles.IMPORT_RESIDENTS, row)
    ]


def household_members(*, user: Any, household: Any) -> list[tuple[Resident, PersonalData]]:
    """The members of a household the user may see, with their tags, and their numbers masked (the
    resident's own page reveals them, audited)."""
    members = (
        Resident.objects.visible_to(user, roles.VIEW_RESIDENTS)
        .filter(household=household)
        .prefetch_related("tags")
        .order_by("id")
    )
    tags_shown(user, members)
    return [(m, resident_personal_data(m, full=False)) for m in members]


def resident_names(public_ids: list[str]) -> dict[str, str]:
    """Residents' names by public id, for the audit log (whose data was seen or exported)."""
    return dict(Resident.objects.filter(public_id__in=public_ids).values_list("public_id", "name"))
