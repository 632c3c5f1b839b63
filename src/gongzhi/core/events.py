"""Reactions across apps, without reading each other's tables: the publisher writes what changed
into the outbox (core.OutboxMessage), in the same transaction as the change; after the commit a
Huey task delivers it to each subscriber; a periodic sweep delivers whatever is still pending (a
crash between commit and queue, a handler that failed). Delivery is at least once: handlers are
idempotent (natural keys make a second delivery change nothing).

    @events.subscriber("testing.pools_positive")
    def recalls_open(payload): ...

    events.publish("testing.pools_positive", {...}, area_code=...)

Subscribers are registered when their module is imported, from their app's AppConfig.ready().
Huey: SqliteHuey beside the database by default, RedisHuey with GONGZHI_REDIS_URL (settings.HUEY);
`gongzhi serve` starts a consumer (`gongzhi run_huey`), as does `make run`.
"""

import logging
import traceback
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from gongzhi.core.models import OutboxMessage

Handler = Callable[[dict[str, Any]], None]

log = logging.getLogger(__name__)
_SUBSCRIBERS: dict[str, dict[str, Handler]] = {}
MAX_ATTEMPTS = 20


def subscriber(topic: str) -> Callable[[Handler], Handler]:
    """Register a function as a subscriber of a topic (named by its module and name)."""

    def register(handler: Handler) -> Handler:
        _SUBSCRIBERS.setdefault(topic, {})[f"{handler.__module__}.{handler.__qualname__}"] = handler
        return handler

    return register


def subscribers(topic: str) -> dict[str, Handler]:
    return dict(_SUBSCRIBERS.get(topic, {}))


def publish(topic: str, payload: dict[str, Any], *, area_code: str = "") -> list[int]:
    """Announce a change: one outbox row per subscriber, written in the caller's transaction, handed
    to the queue when it commits. Returns the rows' ids."""
    rows = [
        OutboxMessage(topic=topic, handler=name, payload=payload, area_code=area_code[:12])
        for name in sorted(_SUBSCRIBERS.get(topic, {}))
    ]
    if not rows:
        return []
    with transaction.atomic():
        created = OutboxMessage.objects.bulk_create(rows)
    ids = [m.pk for m in created if m.pk is not None]
    if len(ids) != len(rows):  # a backend that does not return ids: the sweep delivers them
        return ids

    def enqueue() -> None:
        from gongzhi.core.tasks import deliver_message

        for message_id in ids:
            deliver_message(message_id)

    transaction.on_commit(enqueue)
    return ids


def deliver(message_id: int) -> bool:
    """Run one pending message's handler, in one transaction with marking it done. Returns True when
    it is done (now or before). A failure is recorded on the row, which the sweep retries."""
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.select_for_update(skip_locked=True).filter(pk=message_id).first()
            if message is None:
                return False  # being delivered by another worker
            if message.done_at is not None:
                return True
            handler = _SUBSCRIBERS.get(message.topic, {}).get(message.handler)
            if handler is None:
                raise LookupError(f"no subscriber {message.handler} for {message.topic}")
            handler(message.payload)
            message.done_at = timezone.now()
            message.attempts += 1
            message.save(update_fields=["done_at", "attempts"])
            return True
    except Exception:
        log.exception("outbox message %s failed", message_id)
        failed = OutboxMessage.objects.filter(pk=message_id, done_at__isnull=True).first()
        if failed is not None:
            failed.attempts += 1
            failed.last_error = traceback.format_exc()[-4000:]
            failed.save(update_fields=["attempts", "last_error"])
        return False


def deliver_pending(*, limit: int = 1000) -> int:
    """Deliver pending messages, oldest first (the periodic sweep, and tests). Returns how many were
    delivered now."""
    ids = list(
        OutboxMessage.objects.filter(done_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    return sum(deliver(message_id) for message_id in ids)
