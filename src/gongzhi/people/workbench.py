"""The residents register's part of the workbench (core.workbench): the user's own register uploads
still waiting on them (a preview to confirm, or a file rejected with errors)."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.core.workbench import WorkItem, WorkSection
from gongzhi.people import flows, selectors


def work(user: Any, held: frozenset[str]) -> list[WorkSection]:
    """Asked for users who import residents (people.apps)."""
    waiting = selectors.register_imports_open(user=user)
    rejected = sum(1 for row in waiting if row.status == flows.REJECTED)
    previewed = len(waiting) - rejected
    url = reverse("people:register_import") + "#waiting"
    items = (
        WorkItem(_("有错误未导入的花名册"), url, count=rejected, urgent=rejected > 0),
        WorkItem(_("已预览待确认的花名册"), url, count=previewed),
    )
    return [WorkSection(_("居民花名册"), items, key="people")]
