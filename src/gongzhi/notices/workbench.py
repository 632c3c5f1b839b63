"""Notices' part of the workbench (core.workbench). Staff: the newest notices addressed to staff of
their areas. Building leaders, grid and community workers: for the newest notices to residents, how
many households in their building, grid or community have neither read them nor been told in person,
linking to the building's list (a building leader) or the notice's buildings."""

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import roles
from gongzhi.core.scope import ScopeEntry, entries_with
from gongzhi.core.workbench import WorkItem, WorkSection
from gongzhi.notices import selectors
from gongzhi.notices.models import Notice

LOCAL_LEVELS = ("community", "grid", "building")
MAX_PLACES = 3  # a user with more places than this sees the first ones; the notices' pages have the rest
MAX_ITEMS = 6


def _concerns(notice: Notice, entry: ScopeEntry) -> bool:
    """The notice is addressed to the entry's place (its community, or its building)."""
    if not entry.area_code.startswith(notice.area_code):
        return False
    if notice.building is None or (entry.grid_id is None and entry.building_id is None):
        return True
    return entry.building_id == notice.building_id or entry.grid_id == notice.building.grid_id


def _url(notice: Notice, entry: ScopeEntry, buildings: dict[int, str]) -> str:
    if entry.building_id is not None and entry.building_id in buildings:
        return reverse("notices:building", args=[notice.public_id, buildings[entry.building_id]])
    return reverse("notices:detail", args=[notice.public_id]) + "#buildings"


def work(user: Any, held: frozenset[str]) -> list[WorkSection]:
    items: list[WorkItem] = []
    if roles.VIEW_NOTICES in held:
        staff = selectors.recent_notices(user=user, audiences=selectors.STAFF_AUDIENCES)
        words = selectors.area_words_of(staff)
        for notice in staff:
            items.append(
                WorkItem(
                    notice.title,
                    reverse("notices:detail", args=[notice.public_id]),
                    detail=f"{timezone.localtime(notice.published_at):%m-%d} · {words[notice.pk]}",
                    urgent=notice.severity == Notice.Severity.URGENT,
                )
            )
    if roles.TELL_NOTICES in held:
        entries = [e for e in entries_with(user, roles.TELL_NOTICES) if e.level in LOCAL_LEVELS][:MAX_PLACES]
        notices = selectors.recent_notices(
            user=user, audiences=selectors.RESIDENT_AUDIENCES, capability=roles.TELL_NOTICES
        )
        buildings = selectors.building_public_ids([e.building_id for e in entries if e.building_id is not None])
        for entry in entries:
            for notice in notices:
                if not _concerns(notice, entry) or len(items) >= MAX_ITEMS:
                    continue
                count = selectors.unreached_in(
                    notice=notice, community_code=entry.area_code, grid_id=entry.grid_id, building_id=entry.building_id
                )
                items.append(
                    WorkItem(
                        _("未读“%(title)s”的住户") % {"title": notice.title},
                        _url(notice, entry, buildings),
                        count=count,
                        urgent=count > 0 and notice.severity == Notice.Severity.URGENT,
                    )
                )
    return [WorkSection(_("通知公告"), tuple(items), key="notices")] if items else []
