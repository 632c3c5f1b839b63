"""The links of a round's pages to each other, shown on each of them: the round's overview, its
coverage, the recall list, the site plan, the collector page and the results upload, each where the
user may open it (decided against the round's area, or the user's assignment as a collector). So
every page of a round leads on to the next step, and back up to the round."""

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.core import access, roles
from gongzhi.core.scope import entries_with
from gongzhi.testing import selectors
from gongzhi.testing.models import Round


def round_links(user: Any, round_: Round, current: str) -> list[dict[str, Any]]:
    """[{"label", "url", "current"}] for the page named `current` (a testing URL name)."""
    pid = [round_.public_id]
    links: list[tuple[str, str, str]] = []
    if access.may_around(user, roles.VIEW_TESTING, round_.area_code):
        links += [
            ("round_dashboard", _("本轮概况"), reverse("testing:round_dashboard", args=pid)),
            ("coverage", _("覆盖与未检测"), reverse("testing:coverage", args=pid)),
            ("recall_list", _("阳性复核名单"), reverse("testing:recall_list", args=pid)),
        ]
        managed = [
            e.area_code
            for e in entries_with(user, roles.MANAGE_ROUNDS, levels=("community",))
            if e.area_code.startswith(round_.area_code)
        ]
        if managed:
            url = reverse("testing:site_plan", args=pid) + "?" + urlencode({"community_code": managed[0]})
            links.append(("site_plan", _("采样点与时段"), url))
    if selectors.rounds_collecting(user=user).filter(pk=round_.pk).exists():
        links.append(("collect", _("采样扫码"), reverse("testing:collect", args=pid)))
    if access.may_around(user, roles.RECORD_RESULTS, round_.area_code):
        links.append(("results_import", _("上传检测结果"), reverse("testing:results_import", args=pid)))
    return [{"label": label, "url": url, "current": name == current} for name, label, url in links]
