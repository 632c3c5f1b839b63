"""Writes of the command view: the rollup recounted from every app's counter (core.figures)."""

import time
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from gongzhi.command.models import AreaFigure, FigureRefresh
from gongzhi.core import figures

BATCH = 5_000


@dataclass(frozen=True)
class Refreshed:
    rows: int
    seconds: float


def figures_refresh() -> Refreshed:
    """Recount every app's figures per community and replace the rollup in one transaction: a page
    reads either the old counts or the new ones, never half of each. The counting happens before the
    transaction, so the rollup is locked only while rows are written."""
    started = time.perf_counter()
    counted = figures.count_all()
    rows = [
        AreaFigure(community_code=code, key=key, value=value)
        for key, per_area in counted.items()
        for code, value in per_area.items()
    ]
    with transaction.atomic():
        AreaFigure.objects.all().delete()
        AreaFigure.objects.bulk_create(rows, batch_size=BATCH)
        seconds = time.perf_counter() - started
        FigureRefresh.objects.update_or_create(
            pk=1, defaults={"finished_at": timezone.now(), "seconds": seconds, "rows": len(rows)}
        )
    return Refreshed(rows=len(rows), seconds=seconds)
