"""What risk zones read of testing: where positive tubes' members live, and the negative rounds a
release counts."""

from django.db.models import Sum

from gongzhi.testing import flows
from gongzhi.testing.models import RoundProgress, Sample, Tube


def positive_tube_places(*, round_id: int, tube_ids: list[int]) -> list[tuple[str, int, int | None, str]]:
    """Where the members of these tubes live, for the tubes still positive: (barcode, building id,
    grid id, community code) per member (for risk zones, which read no testing table)."""
    from gongzhi.testing.services.partitions import round_filter

    positive = dict(
        Tube.objects.filter(pk__in=tube_ids, status=flows.POSITIVE, **round_filter(round_id)).values_list(
            "pk", "barcode"
        )
    )
    members = Sample.objects.filter(tube_id__in=list(positive), **round_filter(round_id)).values_list(
        "tube_id",
        "resident__household__building_id",
        "resident__household__building__grid_id",
        "resident__household__building__community_code",
    )
    return [(positive[t], b, g, c) for t, b, g, c in members if b is not None]


def negative_rounds_since(*, area_code: str, since) -> int:
    """Closed rounds that began after `since`, covered the whole area (a 12-digit community code, or the
    9- or 6-digit code of a street or district) and found no positive tube in it: what a risk zone's
    release counts. Read from the rounds' rollup (RoundProgress), one row per community, in one query."""
    from django.db.models import Q

    prefix = area_code[:9] if area_code.endswith("000") and not area_code.endswith("000000") else area_code
    prefix = prefix[:6] if prefix.endswith("000000") else prefix
    inside = Q(community_code=prefix) if len(prefix) == 12 else Q(community_code__startswith=prefix)
    covering = [prefix[:n] for n in range(1, len(prefix) + 1)]  # a round over the area or one holding it
    per_round = (
        RoundProgress.objects.filter(
            inside, round__status=flows.CLOSED, round__starts_at__gt=since, round__area_code__in=covering
        )
        .values("round_id")
        .annotate(positive=Sum("positive_tubes"))
    )
    return sum(1 for row in per_round if not row["positive"])
