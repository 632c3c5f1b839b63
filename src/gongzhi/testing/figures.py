"""Mass testing's figures for the command view (core.figures): the current round's coverage and
untested residents, positive tubes and recalls not yet finished, per community. The current round of
a community is the latest open round covering it; counts come from the round's rollup (RoundProgress)
and the recall and exemption indexes, never from the samples."""

from collections.abc import Mapping
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.core import roles
from gongzhi.core.figures import Figure
from gongzhi.people.models import Resident
from gongzhi.testing import flows
from gongzhi.testing.models import Exemption, Recall, RoundProgress, Sample
from gongzhi.testing.selectors import RECALL_OPEN

GROUP = _("核酸检测")


def current_rounds() -> dict[str, int]:
    """Community code -> id of the latest open round that covers it (one rollup row per pair)."""
    chosen: dict[str, int] = {}
    rows = (
        RoundProgress.objects.filter(round__status=flows.OPEN)
        .order_by("-round__starts_at", "-round_id")
        .values_list("community_code", "round_id")
    )
    for code, round_id in rows:
        chosen.setdefault(code, round_id)
    return chosen


def counter() -> dict[str, dict[str, float]]:
    chosen = current_rounds()
    out: dict[str, dict[str, float]] = {
        k: {} for k in ("expected", "sampled", "exempted", "untested", "positive_tubes", "open_recalls")
    }
    round_ids = sorted(set(chosen.values()))
    exempted: dict[str, int] = {}
    for code, round_id, n in (
        Exemption.objects.filter(round_id__in=round_ids)
        .order_by()
        .values_list("community_code", "round_id")
        .annotate(n=Count("id"))
    ):
        if chosen.get(code) == round_id:
            exempted[code] = n
    for code, round_id, expected, sampled, positive in RoundProgress.objects.filter(round_id__in=round_ids).values_list(
        "community_code", "round_id", "expected", "sampled", "positive_tubes"
    ):
        if chosen.get(code) != round_id:
            continue
        out["expected"][code] = expected
        out["sampled"][code] = sampled
        out["exempted"][code] = exempted.get(code, 0)
        out["untested"][code] = max(0, expected - sampled - exempted.get(code, 0))
        out["positive_tubes"][code] = positive
    for code, round_id, n in (
        Recall.objects.filter(round_id__in=round_ids, status__in=RECALL_OPEN)
        .order_by()
        .values_list("community_code", "round_id")
        .annotate(n=Count("id"))
    ):
        if chosen.get(code) == round_id:
            out["open_recalls"][code] = n
    return {f"testing.{k}": v for k, v in out.items()}


def inside(community_code: str) -> dict[str, dict[tuple[str, int], float]]:
    """The community's grids and buildings in its current round: residents, samples and exemptions
    counted live on that one community's indexes, open recalls and positive tubes' members by place."""
    keys = ("expected", "sampled", "exempted", "untested", "open_recalls")
    out: dict[str, dict[tuple[str, int], float]] = {k: {} for k in keys}
    round_id = (
        RoundProgress.objects.filter(round__status=flows.OPEN, community_code=community_code)
        .order_by("-round__starts_at", "-round_id")
        .values_list("round_id", flat=True)
        .first()
    )
    if round_id is None:
        return {f"testing.{k}": v for k, v in out.items()}
    of_resident = "resident__household__building"
    in_round = {"community_code": community_code, "round_id": round_id}
    counted = (
        (
            "expected",
            Resident.objects.filter(community_code=community_code, household__isnull=False),
            "household__building",
        ),
        ("sampled", Sample.objects.filter(**in_round), of_resident),
        ("exempted", Exemption.objects.filter(**in_round), of_resident),
        ("open_recalls", Recall.objects.filter(**in_round, status__in=RECALL_OPEN), of_resident),
    )
    for key, rows, building in counted:
        for building_id, grid_id, n in (
            rows.order_by().values_list(f"{building}_id", f"{building}__grid_id").annotate(n=Count("id"))
        ):
            out[key][("building", building_id)] = out[key].get(("building", building_id), 0) + n
            if grid_id is not None:
                out[key][("grid", grid_id)] = out[key].get(("grid", grid_id), 0) + n
    for place, expected in out["expected"].items():
        done = out["sampled"].get(place, 0) + out["exempted"].get(place, 0)
        out["untested"][place] = max(0, expected - done)
    return {f"testing.{k}": v for k, v in out.items()}


def _current(page: str, extra: dict[str, str] | None = None):
    """A link to the current round's page for an area: the round is found when it is followed."""
    return lambda code: reverse("testing:round_current", args=[page]) + "?" + urlencode({"area": code, **(extra or {})})


def _coverage_share(values: Mapping[str, float]) -> float | None:
    expected = values.get("testing.expected", 0.0)
    if not expected:
        return None
    return min(1.0, (values.get("testing.sampled", 0.0) + values.get("testing.exempted", 0.0)) / expected)


FIGURES = [
    Figure("testing.coverage", _("本轮覆盖率"), GROUP, roles.VIEW_TESTING, _current("coverage"), unit="%",
           derived=_coverage_share, in_children=True, places=True),
    Figure("testing.expected", _("应检人数"), GROUP, roles.VIEW_TESTING, _current("coverage"), places=True),
    Figure("testing.sampled", _("已采样"), GROUP, roles.VIEW_TESTING, _current("coverage"), places=True),
    Figure("testing.exempted", _("免检"), GROUP, roles.VIEW_TESTING, hidden=True),
    Figure("testing.untested", _("未检测"), GROUP, roles.VIEW_TESTING, _current("untested"),
           urgent=True, in_children=True, places=True),
    Figure("testing.positive_tubes", _("阳性管"), GROUP, roles.VIEW_TESTING, _current("dashboard"), urgent=True,
           in_children=True),
    Figure("testing.open_recalls", _("待完成复核"), GROUP, roles.VIEW_TESTING, _current("recalls", {"open": "1"}),
           urgent=True, places=True),
]  # fmt: skip
