"""Reads that may come from a streaming replica.

A page or export whose figures may trail the primary by a moment (a round's progress, a coverage
count, a report, an exported list) reads inside `reading_from_replica()`; every other read, and every
write, goes to the primary, so a user who has just saved sees it. The database router
(`config/routers.py`) makes the choice; it is installed only when GONGZHI_REPLICA_URL is set, so without
a replica the context changes nothing. Usable as a decorator too."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

REPLICA = "replica"

_tolerated: ContextVar[bool] = ContextVar("gongzhi_replica_tolerated", default=False)


@contextmanager
def reading_from_replica() -> Iterator[None]:
    """Reads inside may come from the replica (a thread's or a task's own: a context variable)."""
    token = _tolerated.set(True)
    try:
        yield
    finally:
        _tolerated.reset(token)


def replica_tolerated() -> bool:
    """Whether the reads running now said they may come from the replica."""
    return _tolerated.get()
