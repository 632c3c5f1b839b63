"""The command view's rollup: every app's figures per community (core.figures), recounted set-wise
by `services.figures_refresh` (every minute, and at the end of a demo or drill), so a page at city
level sums a few tens of thousands of rows instead of counting the city's tables."""

from django.db import models

from gongzhi.core.scope import AreaPaths, AreaQuerySet


class AreaFigure(models.Model):
    # A community's code, or a street's or district's own 12-digit code (a zone on that level).
    community_code = models.CharField(max_length=12)
    key = models.CharField(max_length=48)
    value = models.FloatField()

    area_paths = AreaPaths()
    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["community_code", "key"]
        constraints = [models.UniqueConstraint(fields=["community_code", "key"], name="area_figure_unique")]


class FigureRefresh(models.Model):
    """When the rollup was last recounted, and how long it took (one row)."""

    finished_at = models.DateTimeField()
    seconds = models.FloatField()
    rows = models.PositiveIntegerField()
