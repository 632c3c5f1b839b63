"""Huey tasks of the command view. Found by `gongzhi run_huey` (djhuey looks for each app's tasks)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from gongzhi.command import services


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]  # huey has no type hints
def refresh_figures() -> None:
    """Every minute: the command view's figures recounted."""
    services.figures_refresh()
