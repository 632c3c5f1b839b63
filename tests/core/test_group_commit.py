"""core.group_commit: callers arriving while a group is written go together in the next one; each
gets its own outcome, in its own thread."""

import threading
import time

import pytest
from django.db import transaction

from gongzhi.core.group_commit import GroupCommit


class Recorder:
    """write_many that records its groups; the first group waits until `hold` is set. With
    `then_raise`, every group after the first raises."""

    def __init__(self, then_raise=False):
        self.groups = []
        self.hold = threading.Event()
        self.writing = threading.Event()
        self.then_raise = then_raise

    def __call__(self, items):
        self.groups.append(list(items))
        if len(self.groups) == 1:
            self.writing.set()
            self.hold.wait(5)
        elif self.then_raise:
            raise ValueError("the database went away")
        return [ValueError(f"bad {i}") if i < 0 else i * 10 for i in items]


def _behind_a_write(together, write, later):
    """Caller 1 writes its group, held until the callers `later` all wait behind it; then every one
    finishes. Each caller's outcome (a raised one as its text)."""
    results = {}

    def call(i):
        try:
            results[i] = together(i)
        except ValueError as exc:
            results[i] = str(exc)

    first = threading.Thread(target=call, args=(1,))
    first.start()
    assert write.writing.wait(5)  # the first group is being written
    threads = [threading.Thread(target=call, args=(i,)) for i in later]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 5
    while len(together._waiting) < len(later) and time.monotonic() < deadline:
        time.sleep(0.01)
    write.hold.set()
    for t in [first, *threads]:
        t.join(5)
    return results


def test_a_caller_alone_writes_its_own_group_at_once():
    write = Recorder()
    write.hold.set()
    together = GroupCommit(write)
    assert together(3) == 30
    assert together(4) == 40
    assert write.groups == [[3], [4]] and (together.groups, together.calls) == (2, 2)


def test_callers_arriving_during_a_write_go_together_in_the_next_with_their_own_outcomes():
    write = Recorder()
    together = GroupCommit(write)
    results = _behind_a_write(together, write, [2, -3, 4, 5])
    assert write.groups[0] == [1] and sorted(write.groups[1]) == [-3, 2, 4, 5] and len(write.groups) == 2
    assert results == {1: 10, 2: 20, -3: "bad -3", 4: 40, 5: 50}  # one bad item is that item's error


def test_a_group_stays_within_its_size_and_the_rest_follow():
    write = Recorder()
    together = GroupCommit(write, most=2)
    results = _behind_a_write(together, write, [2, 3, 4, 5, 6])
    assert [len(g) for g in write.groups] == [1, 2, 2, 1]
    assert results == {i: i * 10 for i in (1, 2, 3, 4, 5, 6)}
    assert not together._writing and not together._waiting


def test_a_write_that_raises_is_raised_to_every_caller_of_its_group_and_the_next_group_still_runs():
    calls = []

    def write_many(items):
        calls.append(items)
        if len(calls) == 1:
            raise ValueError("the database went away")
        return items

    together = GroupCommit(write_many)
    with pytest.raises(ValueError, match="went away"):
        together(1)
    assert together(2) == 2


def test_a_write_that_raises_for_a_group_of_followers_is_raised_in_each_of_their_threads():
    write = Recorder(then_raise=True)
    together = GroupCommit(write)
    results = _behind_a_write(together, write, [2, 3, 4])
    assert sorted(write.groups[1]) == [2, 3, 4]
    assert results == {1: 10, 2: "the database went away", 3: "the database went away", 4: "the database went away"}
    assert not together._writing and not together._waiting


def test_outcomes_must_match_the_items():
    together = GroupCommit(lambda items: [])
    with pytest.raises(RuntimeError, match="0 outcomes for 1 items"):
        together(1)


@pytest.mark.django_db
def test_a_caller_inside_a_transaction_writes_alone_in_it():
    write = Recorder()
    write.hold.set()
    together = GroupCommit(write)
    with transaction.atomic():
        assert together(7) == 70
    assert write.groups == [[7]] and together.groups == 0  # not through a group
