"""Huey tasks of residents' requests. Found by `gongzhi run_huey` (djhuey looks for each app's tasks)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from gongzhi.appeals import services


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]  # huey has no type hints
def escalate_due() -> None:
    """Every minute: requests whose level's deadline passed move up a level."""
    services.appeals_escalate_due()
