"""Mass testing's part of the workbench (core.workbench): what each role has waiting in the current
round. Community and grid workers: residents untested in their area, door-to-door visits due, open
recalls. Street, district and city staff: each open round's coverage and its lagging communities.
Collectors: the rounds they collect in. Labs: tubes waiting for results. Counts come from the
rollup or from one community's indexes, never from the city's samples."""

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.core import roles
from gongzhi.core.scope import ScopeEntry, entries_with
from gongzhi.core.workbench import WorkItem, WorkSection
from gongzhi.places.selectors import area_names
from gongzhi.testing import selectors
from gongzhi.testing.models import Round

LOCAL_LEVELS = ("community", "grid", "building")
MAX_AREAS = 4  # a user with more areas than this sees the first ones; the round list has the rest
LAGGING_SHOWN = 5


def _overlaps(round_: Round, code: str) -> bool:
    return code.startswith(round_.area_code) or round_.area_code.startswith(code)


def _coverage_url(round_: Round, code: str, anchor: str = "") -> str:
    url = reverse("testing:coverage", args=[round_.public_id]) + "?" + urlencode({"area_code": code})
    return url + (f"#{anchor}" if anchor else "")


def _area_label(entry: ScopeEntry, names: dict[str, str]) -> str:
    return names.get(entry.area_code, entry.area_code)


def _local(user: Any, round_: Round, entry: ScopeEntry, names: dict[str, str]) -> WorkSection:
    """A community or grid worker's round: untested, door-to-door, open recalls in their area."""
    code = entry.area_code
    summary = selectors.coverage_summary(user=user, round_=round_, area_code=code)
    door = selectors.door_visits_due(user=user, round_=round_, area_code=code)
    recalls = selectors.open_recall_count(user=user, round_=round_, area_code=code)
    items = [
        WorkItem(
            _("未检测居民"),
            _coverage_url(round_, code, "untested"),
            count=summary["untested"],
            detail=_("应检 %(expected)s，已采样 %(sampled)s")
            % {"expected": summary["expected"], "sampled": summary["sampled"]},
            share=(summary["sampled"] + summary["exempted"]) / summary["expected"] if summary["expected"] else None,
        ),
        WorkItem(_("待上门采样"), _coverage_url(round_, code, "door-to-door"), count=door, urgent=door > 0),
        WorkItem(
            _("待处理的复核（单采）"),
            reverse("testing:recall_list", args=[round_.public_id]),
            count=recalls,
            urgent=recalls > 0,
        ),
    ]
    return WorkSection(
        _("核酸检测"),
        tuple(items),
        subtitle=f"{round_.name} · {_area_label(entry, names)}",
        key=f"testing-{round_.public_id}-{code}",
    )


def _overview(user: Any, round_: Round) -> WorkSection:
    """Street, district and city staff: the round's coverage, then its lagging communities."""
    rows = selectors.community_coverage(user=user, round_=round_)
    expected = sum(r["expected"] for r in rows)
    sampled = sum(r["sampled"] for r in rows)
    lagging = rows[:LAGGING_SHOWN]
    names = area_names([r["code"] for r in lagging])
    items = [
        WorkItem(
            _("本轮覆盖"),
            reverse("testing:round_dashboard", args=[round_.public_id]),
            count=sampled,
            detail=_("已采样 %(sampled)s / 应检 %(expected)s")
            % {"sampled": f"{sampled:,}", "expected": f"{expected:,}"},
            share=min(1.0, sampled / expected) if expected else None,
        )
    ]
    for r in lagging:
        if r["share"] >= 1.0:
            break
        items.append(
            WorkItem(
                _("进度落后：%(name)s") % {"name": names.get(r["code"], r["code"])},
                _coverage_url(round_, r["code"], "untested"),
                count=r["expected"] - r["sampled"],
                detail=_("未采样人数"),
                urgent=r["sampled"] == 0,
                share=r["share"],
            )
        )
    return WorkSection(_("核酸检测"), tuple(items), subtitle=round_.name, key=f"testing-{round_.public_id}")


def _collecting(user: Any) -> list[WorkSection]:
    items = []
    for round_ in selectors.rounds_collecting(user=user)[:MAX_AREAS]:
        items.append(
            WorkItem(
                _("去采样：%(round)s") % {"round": round_.name}, reverse("testing:collect", args=[round_.public_id])
            )
        )
    return [WorkSection(_("采样"), tuple(items), key="testing-collect")] if items else []


def _resulting(user: Any) -> list[WorkSection]:
    items = []
    for round_ in selectors.rounds_open_around(user=user, capability=roles.RECORD_RESULTS)[:MAX_AREAS]:
        waiting = selectors.tubes_waiting_for_results(round_=round_)
        items.append(
            WorkItem(
                _("待录结果的试管：%(round)s") % {"round": round_.name},
                reverse("testing:results_import", args=[round_.public_id]),
                count=waiting,
                urgent=waiting > 0,
            )
        )
    return [WorkSection(_("检测结果"), tuple(items), key="testing-results")] if items else []


def work(user: Any, held: frozenset[str]) -> list[WorkSection]:
    sections: list[WorkSection] = []
    entries = entries_with(user, roles.VIEW_TESTING) if roles.VIEW_TESTING in held else []
    if entries:
        rounds = list(selectors.rounds_open_around(user=user, capability=roles.VIEW_TESTING)[:20])
        local = [e for e in entries if e.level in LOCAL_LEVELS]
        names = area_names([e.area_code for e in local])
        seen: set[tuple[int, str]] = set()
        for entry in local[:MAX_AREAS]:
            round_ = next((r for r in rounds if _overlaps(r, entry.area_code)), None)
            if round_ is not None and (round_.pk, entry.area_code) not in seen:
                seen.add((round_.pk, entry.area_code))
                sections.append(_local(user, round_, entry, names))
        if any(e.level not in LOCAL_LEVELS for e in entries):
            wide = [e.area_code for e in entries if e.level not in LOCAL_LEVELS]
            for round_ in [r for r in rounds if any(_overlaps(r, code) for code in wide)][:MAX_AREAS]:
                sections.append(_overview(user, round_))
    if roles.COLLECT_SAMPLES in held:
        sections += _collecting(user)
    if roles.RECORD_RESULTS in held:
        sections += _resulting(user)
    return sections
