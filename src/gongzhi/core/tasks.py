"""Huey tasks of core: delivering the outbox (core.events). Found by `gongzhi run_huey`."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from gongzhi.core import events


@db_task()  # type: ignore[untyped-decorator]  # huey has no type hints
def deliver_message(message_id: int) -> None:
    """Deliver one outbox message after the transaction that wrote it committed."""
    events.deliver(message_id)


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]
def deliver_pending() -> None:
    """Every minute: deliver whatever is still pending (a lost enqueue, a failed handler)."""
    events.deliver_pending()
