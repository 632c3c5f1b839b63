"""Group commit: the same write asked for by many threads of one process at once goes to the
database together, in one transaction and a few round trips, instead of one transaction each.

The first caller to arrive writes (the leader) what is waiting at that moment, its own call
included; callers arriving while it writes wait, and the first of them writes the next group when
it is done. A caller alone waits for nothing: its group is itself. Under load the groups grow by
themselves, and each call costs the database and this process less (measured on households' new
requests: bench/bench_appeals.py, docs/benchmarks.md).

`write_many(items)` returns one outcome per item, in order: a result, or the exception that item
raises in its caller's thread. It decides each item's fate on its own (one bad item is that item's
error, never its group's). A caller already inside a transaction writes alone, in that transaction:
its own commit must decide about its write, not another request's."""

import threading
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar, cast

from django.db import connection

T = TypeVar("T")
R = TypeVar("R")


class _Call:
    __slots__ = ("item", "outcome", "ready", "leads")

    def __init__(self, item: Any) -> None:
        self.item = item
        self.outcome: Any = None
        self.ready = threading.Event()
        self.leads = False


def _result(outcome: R | BaseException) -> R:
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


class GroupCommit(Generic[T, R]):
    """`together(item)`: `write_many([..., item, ...])`'s outcome for the item (see the module)."""

    def __init__(self, write_many: Callable[[list[T]], Sequence[R | BaseException]], most: int = 64) -> None:
        self._write_many = write_many
        self._most = most
        self._lock = threading.Lock()
        self._waiting: list[_Call] = []
        self._writing = False
        self.groups = 0  # groups written by this process, and the calls in them (for tests and benchmarks)
        self.calls = 0

    def __call__(self, item: T) -> R:
        if connection.in_atomic_block:
            return _result(self._write_many([item])[0])
        call = _Call(item)
        with self._lock:
            self._waiting.append(call)
            call.leads = not self._writing
            self._writing = True
        if not call.leads:
            call.ready.wait()
            if not call.leads:  # written by another caller's group
                return _result(cast(R, call.outcome))
        self._write_group()
        return _result(cast(R, call.outcome))

    def _write_group(self) -> None:
        with self._lock:
            group, self._waiting = self._waiting[: self._most], self._waiting[self._most :]
        try:
            outcomes: Sequence[Any] = self._write_many([call.item for call in group])
            if len(outcomes) != len(group):
                raise RuntimeError(f"write_many gave {len(outcomes)} outcomes for {len(group)} items")
        except BaseException as exc:  # noqa: BLE001  (each caller raises it in its own thread)
            outcomes = [exc] * len(group)
        for call, outcome in zip(group, outcomes, strict=True):
            call.outcome = outcome
        with self._lock:
            self.groups += 1
            self.calls += len(group)
            if self._waiting:  # the first caller waiting writes the next group
                following = self._waiting[0]
                following.leads = True
                following.ready.set()
            else:
                self._writing = False
        for call in group:
            call.ready.set()
