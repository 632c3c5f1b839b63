"""Load shedding for hot write endpoints: past what the machine can absorb, answer 503 with
Retry-After at once instead of letting every request wait in a growing queue (the failure mode of
2 September 2022). Clients keep their data and retry; nothing is lost.

The gate stands in front of the request body: a shed request costs neither JSON parsing nor a
database query. The server runs enough threads (config/gunicorn.py) that waiting requests are
inside the application, where the gate can see how long they have waited, rather than in the
socket queue, where nothing can."""

import contextlib
import os
import re
import threading
from collections.abc import Callable, Iterator

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from gongzhi.core.errors import ApplicationError

# Requests of one kind that may run at once in this process (GONGZHI_INGEST_SLOTS and
# GONGZHI_REQUEST_SLOTS, else by the database: ingest_slots(), request_slots()); the rest wait up to
# their gate's WAIT seconds.
INGEST_WAIT = float(os.environ.get("GONGZHI_INGEST_WAIT", "0.5"))
REQUEST_WAIT = float(os.environ.get("GONGZHI_REQUEST_WAIT", "3"))
RETRY_AFTER_SECONDS = 2

SCAN_INGEST = "scan_ingest"
HOUSEHOLD_REQUEST = "household_request"  # a household's new request (诉求) through its door code

# Paths behind a gate, and the gate's name. The household page's form takes the same gate in its
# view (appeals.views), where a shed request keeps what the resident wrote.
GATED_PATHS = [
    (re.compile(r"^/api/rounds/[^/]+/scans$"), SCAN_INGEST),
    (re.compile(r"^/api/appeals/households/[^/]+$"), HOUSEHOLD_REQUEST),
]

_gates: dict[str, threading.BoundedSemaphore] = {}
_lock = threading.Lock()


def _busy_message(name: str) -> str:
    if name == HOUSEHOLD_REQUEST:
        return _("提交的人太多，请稍后再提交；您填写的内容不会丢失")
    return _("服务繁忙，数据已保留在设备上，请稍后自动重试")


class Overloaded(ApplicationError):
    def __init__(self, name: str = SCAN_INGEST) -> None:
        super().__init__(_busy_message(name), {"retry_after": RETRY_AFTER_SECONDS}, status=503)


def ingest_slots() -> int:
    """Scan batches one process runs at once: GONGZHI_INGEST_SLOTS, else 2 on PostgreSQL (one batch's
    Python work overlaps the other's wait on the database server) and 1 on SQLite (one writer at a
    time: a second batch would only queue on the file lock). Measured with bench/bench_ingest.py,
    2 workers: PostgreSQL 28,629 scans/s with 2 slots against 25,710 with 1; SQLite 30,703 against
    35,570 (docs/benchmarks.md)."""
    configured = os.environ.get("GONGZHI_INGEST_SLOTS", "").strip()
    if configured:
        return max(1, int(configured))
    return 2 if connection.vendor == "postgresql" else 1


def request_slots() -> int:
    """Households' new requests one process runs at once: GONGZHI_REQUEST_SLOTS, else 1 on SQLite and
    on PostgreSQL all of the process's threads (GONGZHI_THREADS, 16) but 2, which stay free for
    everything else and to answer 503 at once when the gate is full. On SQLite every request writes,
    writers take turns, and the one holding the write lock competed for the interpreter with every
    other thread's request: behind a one-slot gate the closed-loop capacity went from 607-629 to
    751-763 requests/s (bench/bench_appeals.py, docs/benchmarks.md). On PostgreSQL requests that
    arrive together are written together (core.group_commit) and the gate caps a group at its slots:
    at 500/s offered, p99 from the due time was 0.8 s with 4 slots, 1.5-2.3 s with 8, 174-338 ms with
    12, 163-188 ms with 14 and 111-128 ms with 16 (fifteenth session, docs/benchmarks.md)."""
    configured = os.environ.get("GONGZHI_REQUEST_SLOTS", "").strip()
    if configured:
        return max(1, int(configured))
    if connection.vendor != "postgresql":
        return 1
    return max(1, int(os.environ.get("GONGZHI_THREADS") or "16") - 2)


@contextlib.contextmanager
def gate(name: str, slots: int | None = None, wait: float | None = None) -> Iterator[None]:
    """Enter if one of `slots` (unless given: request_slots() for HOUSEHOLD_REQUEST, else
    ingest_slots(); fixed by the gate's first use in the process) frees within `wait` seconds
    (REQUEST_WAIT for HOUSEHOLD_REQUEST, else INGEST_WAIT), else raise Overloaded."""
    with _lock:
        if name not in _gates:
            default = request_slots() if name == HOUSEHOLD_REQUEST else ingest_slots()
            _gates[name] = threading.BoundedSemaphore(slots or default)
        semaphore = _gates[name]
    if wait is None:
        wait = REQUEST_WAIT if name == HOUSEHOLD_REQUEST else INGEST_WAIT
    if not semaphore.acquire(timeout=wait):
        raise Overloaded(name)
    try:
        yield
    finally:
        semaphore.release()


class LoadSheddingMiddleware:
    """Runs gated paths' POSTs through their gate; a request that cannot enter in time gets 503
    with Retry-After before its body is read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = self._gate_name(request)
        if name is None:
            return self.get_response(request)
        try:
            with gate(name):
                return self.get_response(request)
        except Overloaded as exc:
            response = JsonResponse({"message": exc.message, "extra": exc.extra}, status=503)
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response

    @staticmethod
    def _gate_name(request: HttpRequest) -> str | None:
        if request.method != "POST":
            return None
        for pattern, name in GATED_PATHS:
            if pattern.match(request.path_info):
                return name
        return None
