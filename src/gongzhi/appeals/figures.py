"""Residents' requests' figures for the command view (core.figures), per community: requests open,
the critical ones among them, and those past their level's deadline (SLA breaches), read on the open
requests' partial index (community code, urgency, due time)."""

from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.appeals import flows
from gongzhi.appeals.models import Appeal
from gongzhi.core import figures, roles
from gongzhi.core.figures import Figure

GROUP = _("居民诉求")


def counter() -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {"appeals.open": {}, "appeals.critical": {}, "appeals.lapsed": {}}
    lapsing = Q(status__in_fixed=flows.LAPSING_STATES)
    for row in (
        Appeal.objects.filter(status__in_fixed=flows.OPEN_STATES)
        .order_by()
        .values("community_code")
        .annotate(
            n=Count("id"),
            critical=Count("id", filter=Q(urgency_rank=0)),
            lapsed=Count("id", filter=lapsing & Q(due_at__lte=timezone.now())),
        )
    ):
        code = row["community_code"]
        out["appeals.open"][code] = row["n"]
        out["appeals.critical"][code] = row["critical"]
        out["appeals.lapsed"][code] = row["lapsed"]
    return out


def inside(community_code: str) -> dict[str, dict[tuple[str, int], float]]:
    """The community's grids and buildings: requests open, critical and lapsed, by the household's
    building (a request no household was found for counts for the community only)."""
    keys = ("appeals.open", "appeals.critical", "appeals.lapsed")
    lapsing = Q(status__in_fixed=flows.LAPSING_STATES)
    rows = (
        Appeal.objects.filter(community_code=community_code, status__in_fixed=flows.OPEN_STATES)
        .exclude(household=None)
        .order_by()
        .values_list("household__building_id", "household__building__grid_id")
        .annotate(
            n=Count("id"),
            critical=Count("id", filter=Q(urgency_rank=0)),
            lapsed=Count("id", filter=lapsing & Q(due_at__lte=timezone.now())),
        )
    )
    return figures.by_place(keys, rows)


def _worklist(extra: dict[str, str]):
    return lambda code: reverse("appeals:worklist") + "?" + urlencode({"area": code, **extra})


FIGURES = [
    Figure("appeals.open", _("未办结诉求"), GROUP, roles.VIEW_APPEALS, _worklist({}), in_children=True,
           places=True),
    Figure("appeals.critical", _("紧急诉求"), GROUP, roles.VIEW_APPEALS, _worklist({"urgency": "critical"}),
           urgent=True, places=True),
    Figure("appeals.lapsed", _("超时未办结"), GROUP, roles.VIEW_APPEALS, _worklist({"sla": "lapsed"}), urgent=True,
           in_children=True, places=True),
]  # fmt: skip
