"""Mass testing's panels on the household and resident pages (core.panels): each member's result in
the latest rounds, with exemptions and recalls. Shown to viewers who follow testing where the
household lives (decided against its own area), and audited: it is health status."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core import access, roles
from gongzhi.core.panels import Panel
from gongzhi.people.selectors import household_members
from gongzhi.testing import flows, selectors, services

RESULT_WORDS = {
    flows.NEGATIVE: gettext_lazy("阴性"),
    flows.POSITIVE_POOL: gettext_lazy("混管阳性"),
    flows.PENDING: gettext_lazy("待出结果"),
}
TEMPLATE = "testing/_testing_history.html"


def _cell(round_, entry: dict | None) -> dict[str, Any]:
    if entry is None:
        if round_.archived_at is not None:
            return {"text": _("已归档"), "tone": "muted"}
        return {"text": _("未采样"), "tone": "warn" if round_.status == flows.OPEN else "muted"}
    parts, tone = [], ""
    if "result" in entry:
        parts.append(str(RESULT_WORDS.get(entry["result"], entry["result"])))
        tone = "alert" if entry["result"] == flows.POSITIVE_POOL else ""
    if "exempt" in entry:
        parts.append(_("免检（%(reason)s）") % {"reason": entry["exempt"]})
    if "recall" in entry:
        parts.append(_("复核：%(status)s") % {"status": entry["recall"]})
        tone = "alert"
    return {"text": " · ".join(parts), "tone": tone, "barcode": entry.get("barcode", "")}


def _history(request: HttpRequest, household, residents: list) -> dict[str, Any] | None:
    if not residents or not access.may(request.user, roles.VIEW_TESTING, household):
        return None
    rounds = selectors.rounds_over_community(household.community_code)
    if not rounds:
        return None
    found = selectors.testing_history(rounds=rounds, resident_ids=[r.pk for r in residents])
    services.testing_history_view_record(
        actor=request.user, residents=residents, ip_address=request.META.get("REMOTE_ADDR")
    )
    return {
        "rounds": rounds,
        "rows": [(r, [_cell(round_, found.get((round_.pk, r.pk))) for round_ in rounds]) for r in residents],
    }


def household_panel(request: HttpRequest, household) -> Panel | None:
    residents = [m for m, _pii in household_members(user=request.user, household=household)]
    context = _history(request, household, residents)
    return Panel(_("各轮核酸结果"), TEMPLATE, context) if context else None


def resident_panel(request: HttpRequest, resident) -> Panel | None:
    context = _history(request, resident.household, [resident])
    return Panel(_("核酸检测记录"), TEMPLATE, context) if context else None
