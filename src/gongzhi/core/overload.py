"""Load shedding for hot write endpoints: past what the machine can absorb, answer 503 with
Retry-After at once instead of letting every request wait in a growing queue (the failure mode of
2 September 2022). Clients keep their data and retry; nothing is lost."""

import contextlib
import os
import threading

from gongzhi.core.errors import ApplicationError

# Requests of one kind that may run at once in this process; the rest wait up to WAIT seconds.
INGEST_SLOTS = int(os.environ.get("GONGZHI_INGEST_SLOTS", "1"))
INGEST_WAIT = float(os.environ.get("GONGZHI_INGEST_WAIT", "1.0"))
RETRY_AFTER_SECONDS = 2

_gates: dict[str, threading.BoundedSemaphore] = {}
_lock = threading.Lock()


class Overloaded(ApplicationError):
    def __init__(self):
        super().__init__(
            "服务繁忙，数据已保留在设备上，请稍后自动重试", {"retry_after": RETRY_AFTER_SECONDS}, status=503
        )


@contextlib.contextmanager
def gate(name: str, slots: int = INGEST_SLOTS, wait: float = INGEST_WAIT):
    """Enter if one of `slots` frees within `wait` seconds, else raise Overloaded."""
    with _lock:
        semaphore = _gates.setdefault(name, threading.BoundedSemaphore(slots))
    if not semaphore.acquire(timeout=wait):
        raise Overloaded()
    try:
        yield
    finally:
        semaphore.release()
