"""The command view's rollup: every app's figures per area, recounted set-wise by
`services.figures_refresh` (every minute, and at the end of a demo or drill). Each community's
counts are stored, and their sums for its street, district and city, so a page reads its own area's
rows and its children's (a few hundred), never the city's communities or the apps' tables."""

from django.db import models

from gongzhi.core.scope import AreaPaths, AreaQuerySet


class AreaFigure(models.Model):
    # An official code: the city (4 digits), a district (6), a street (9), a community (12).
    area_code = models.CharField(max_length=12)
    depth = models.PositiveSmallIntegerField()  # the code's length: 4, 6, 9 or 12
    key = models.CharField(max_length=48)
    value = models.FloatField()

    area_paths = AreaPaths(community="area_code", full_codes=False)
    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["area_code", "key"]
        constraints = [models.UniqueConstraint(fields=["area_code", "key"], name="area_figure_unique")]
        indexes = [models.Index(fields=["depth", "area_code"], name="area_figure_depth")]


class FigureRefresh(models.Model):
    """When the rollup was last recounted, and how long it took (one row)."""

    counted_at = models.DateTimeField()  # when the counting began: the figures are as of then
    finished_at = models.DateTimeField()
    seconds = models.FloatField()
    rows = models.PositiveIntegerField()
