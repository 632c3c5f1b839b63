"""Writes of the command view: the rollup recounted from every app's counter (core.figures)."""

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from gongzhi.command.models import AreaFigure, FigureRefresh
from gongzhi.core import figures

BATCH = 5_000
DEPTHS = (4, 6, 9, 12)  # city, district, street, community: each community's counts go into all four


@dataclass(frozen=True)
class Refreshed:
    rows: int
    seconds: float


def official_code(code: str) -> str:
    """The official area a counted code stands for: a street's, district's or the city's own 12-digit
    code (a zone on that level, 510104017000) is the street's 9 digits, the district's 6, the city's 4."""
    if len(code) == 12 and code.endswith("000"):
        code = code[:9]
    if len(code) == 9 and code.endswith("000"):
        code = code[:6]
    if len(code) == 6 and code.endswith("00"):
        code = code[:4]
    return code


def figures_refresh() -> Refreshed:
    """Recount every app's figures per community, sum them for each street, district and the city,
    and replace the rollup in one transaction: a page reads either the old counts or the new ones,
    never half of each. The counting happens before the transaction, so the rollup is locked only
    while rows are written."""
    started = time.perf_counter()
    counted_at = timezone.now()
    summed: dict[tuple[str, str], float] = defaultdict(float)
    for key, per_community in figures.count_all().items():
        for code, value in per_community.items():
            own = official_code(code)
            for depth in DEPTHS:
                if depth <= len(own):
                    summed[(own[:depth], key)] += value
    rows = [AreaFigure(area_code=code, depth=len(code), key=key, value=value) for (code, key), value in summed.items()]
    with transaction.atomic():
        # One recount at a time (a slow one past the minute, a demo's): the second waits here, then
        # replaces the first's rows instead of colliding with them.
        never = timezone.make_aware(dt.datetime(2000, 1, 1))
        FigureRefresh.objects.get_or_create(
            pk=1, defaults={"counted_at": never, "finished_at": never, "seconds": 0, "rows": 0}
        )
        last = FigureRefresh.objects.select_for_update().get(pk=1)
        if last.counted_at > counted_at:  # a recount that began after this one already wrote newer figures
            return Refreshed(rows=0, seconds=time.perf_counter() - started)
        AreaFigure.objects.all().delete()
        AreaFigure.objects.bulk_create(rows, batch_size=BATCH)
        seconds = time.perf_counter() - started
        FigureRefresh.objects.update_or_create(
            pk=1,
            defaults={"counted_at": counted_at, "finished_at": timezone.now(), "seconds": seconds, "rows": len(rows)},
        )
    return Refreshed(rows=len(rows), seconds=seconds)
