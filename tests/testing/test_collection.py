"""Sample-collection rules (gongzhi.testing.collection): pure functions over plain dicts."""

import datetime as dt
from collections import Counter

import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

from gongzhi.testing import collection
from gongzhi.testing.collection import (
    CLOSE,
    ERROR,
    OK,
    OPEN,
    SCAN,
    WARNING,
    Event,
    TubeState,
    apply_events,
)
from gongzhi.testing.messages import outcome_message

ME, OTHER = 1, 2
T1, T2, T3 = "TUBE0001", "TUBE0002", "TUBE0003"
AT = dt.datetime(2022, 9, 1, 8, 0, tzinfo=dt.UTC)


def residents(n, start=1):
    """Codes R:1..R:n each naming one resident with the same id."""
    return {f"R:{i}": [i] for i in range(start, start + n)}


def run(events, *, pool_size=10, tubes=None, sampled=None, codes=None, single=frozenset(), collector=ME, **more):
    tubes = {} if tubes is None else tubes
    sampled = {} if sampled is None else sampled
    return apply_events(
        events,
        collector_id=collector,
        pool_size=pool_size,
        tubes=tubes,
        sampled=sampled,
        residents_by_code=residents(30) if codes is None else codes,
        single_tube_residents=single,
        **more,
    )


def ev(i, kind, barcode, code="", at=None):
    return Event(event_id=f"e{i}", kind=kind, barcode=barcode, code=code, at=at)


def statuses(result):
    return [(o.event_id, o.status, o.code, o.added) for o in result.outcomes]


# --- open / scan / close -------------------------------------------------------------------


def test_open_scan_close_creates_a_tube_and_samples():
    # given an empty state, when a collector opens T1, scans two residents and closes it
    tubes, sampled = {}, {}
    result = run(
        [
            ev(1, OPEN, T1, at=AT),
            ev(2, SCAN, T1, "R:1", at=AT),
            ev(3, SCAN, T1, "R:2", at=AT),
            ev(4, CLOSE, T1, at=AT + dt.timedelta(minutes=5)),
        ],
        tubes=tubes,
        sampled=sampled,
    )
    # then every step is ok, two samples are new, the tube is new, closed now, holding 2
    assert statuses(result) == [
        ("e1", OK, "ok", 0),
        ("e2", OK, "ok", 1),
        ("e3", OK, "ok", 1),
        ("e4", OK, "ok", 0),
    ]
    assert all(outcome_message(o) == "" for o in result.outcomes)
    assert result.new_samples == [(1, T1, AT), (2, T1, AT)]
    assert sampled == {1: T1, 2: T1}
    assert result.tubes is tubes
    assert tubes[T1] == TubeState(
        T1,
        ME,
        10,
        count=2,
        closed=True,
        is_new=True,
        opened_at=AT,
        closed_at=AT + dt.timedelta(minutes=5),
        closed_now=True,
    )


def test_reopening_own_tube_is_ok_and_changes_nothing():
    tubes = {T1: TubeState(T1, ME, 10, count=3)}
    result = run([ev(1, OPEN, T1)], tubes=tubes)
    assert statuses(result) == [("e1", OK, "ok", 0)]
    assert result.outcomes[0].params == {"in_tube": 3}  # what the tube holds, for the screen's count
    assert tubes[T1] == TubeState(T1, ME, 10, count=3)


def test_closing_an_already_closed_tube_is_ok_and_not_closed_now():
    tubes = {T1: TubeState(T1, ME, 10, count=3, closed=True)}
    result = run([ev(1, CLOSE, T1, at=AT)], tubes=tubes)
    assert statuses(result) == [("e1", OK, "ok", 0)]
    assert tubes[T1].closed_now is False
    assert tubes[T1].closed_at is None


def test_new_tube_takes_the_pool_size_given():
    tubes = {}
    run([ev(1, OPEN, T1)], tubes=tubes, pool_size=20)
    assert tubes[T1].pool_size == 20
    assert tubes[T1].collector_id == ME


def test_existing_tube_keeps_its_own_pool_size():
    # given a tube opened with a pool of 2, when the batch says 10, then the tube's 2 applies
    tubes = {T1: TubeState(T1, ME, 2, count=2)}
    result = run([ev(1, SCAN, T1, "R:3")], tubes=tubes, pool_size=10)
    assert statuses(result) == [("e1", ERROR, "pool_full", 0)]
    assert outcome_message(result.outcomes[0]) == "该管已满2人，1人未扫入：请封管后换新管，再重扫"


# --- pool size -----------------------------------------------------------------------------


def test_eleventh_resident_into_a_ten_pool_is_pool_full_and_not_added():
    # given an open tube with 10 residents
    tubes, sampled = {}, {}
    events = [ev(0, OPEN, T1)] + [ev(i, SCAN, T1, f"R:{i}") for i in range(1, 11)]
    first = run(events, tubes=tubes, sampled=sampled)
    assert [o.status for o in first.outcomes] == [OK] * 11
    assert tubes[T1].count == 10
    # when the 11th is scanned
    result = run([ev(11, SCAN, T1, "R:11")], tubes=tubes, sampled=sampled)
    # then pool_full, nothing added
    assert statuses(result) == [("e11", ERROR, "pool_full", 0)]
    assert outcome_message(result.outcomes[0]) == "该管已满10人，1人未扫入：请封管后换新管，再重扫"
    assert result.new_samples == []
    assert tubes[T1].count == 10
    assert 11 not in sampled


def test_household_that_does_not_fit_is_refused_whole():
    # given a tube with 8 of 10, when a 3-person household is scanned, then nobody is added
    tubes = {T1: TubeState(T1, ME, 10, count=8)}
    sampled = {}
    result = run([ev(1, SCAN, T1, "H:h")], tubes=tubes, sampled=sampled, codes={"H:h": [1, 2, 3]})
    assert statuses(result) == [("e1", ERROR, "pool_short", 0)]
    assert result.new_samples == [] and sampled == {} and tubes[T1].count == 8
    # and the collector is told how many did not go in and to take a new tube first
    assert result.outcomes[0].params == {"pool_size": 10, "people": 3, "room": 2}
    assert outcome_message(result.outcomes[0]) == "本管只剩2个位置，该户3人均未扫入：请先封管、换新管，再重扫该户"


def test_household_that_exactly_fits_fills_the_tube():
    tubes = {T1: TubeState(T1, ME, 10, count=7)}
    result = run([ev(1, SCAN, T1, "H:h")], tubes=tubes, codes={"H:h": [1, 2, 3]})
    assert statuses(result) == [("e1", OK, "ok", 3)]
    assert tubes[T1].count == 10


# --- duplicates ----------------------------------------------------------------------------


def test_second_scan_into_another_tube_warns_already_sampled_naming_first_tube():
    # given resident 1 sampled in T1
    tubes, sampled = {}, {}
    run([ev(1, OPEN, T1), ev(2, SCAN, T1, "R:1"), ev(3, OPEN, T2)], tubes=tubes, sampled=sampled)
    # when scanned again into T2
    result = run([ev(4, SCAN, T2, "R:1")], tubes=tubes, sampled=sampled)
    # then a warning naming T1, no new sample, T2 still empty
    assert statuses(result) == [("e4", WARNING, "already_sampled", 0)]
    assert outcome_message(result.outcomes[0]) == f"该居民本轮已在{T1}号管采样，未重复登记"
    assert result.new_samples == []
    assert sampled == {1: T1}
    assert tubes[T2].count == 0 and tubes[T1].count == 1


def test_second_scan_into_the_same_tube_is_ok_without_a_new_sample():
    tubes, sampled = {}, {}
    result = run(
        [ev(1, OPEN, T1), ev(2, SCAN, T1, "R:1"), ev(3, SCAN, T1, "R:1")],
        tubes=tubes,
        sampled=sampled,
    )
    # the repeat puts nobody new in the tube: the collector's screen counts people, not scans
    assert statuses(result) == [("e1", OK, "ok", 0), ("e2", OK, "ok", 1), ("e3", OK, "ok", 0)]
    assert result.outcomes[2].params == {"repeat": True, "in_tube": 1}
    assert result.new_samples == [(1, T1, None)]
    assert tubes[T1].count == 1


def test_same_tube_rescan_is_ok_even_after_close():
    tubes = {T1: TubeState(T1, ME, 10, count=1, closed=True)}
    result = run([ev(1, SCAN, T1, "R:1")], tubes=tubes, sampled={1: T1})
    assert statuses(result) == [("e1", OK, "ok", 0)]
    assert result.new_samples == []


def test_household_partly_sampled_elsewhere_adds_the_rest_and_warns():
    # given resident 1 already in T1; household names 1, 2, 3
    tubes = {T1: TubeState(T1, ME, 10, count=1), T2: TubeState(T2, ME, 10)}
    sampled = {1: T1}
    result = run([ev(1, SCAN, T2, "H:h")], tubes=tubes, sampled=sampled, codes={"H:h": [1, 2, 3]})
    assert statuses(result) == [("e1", WARNING, "already_sampled", 2)]
    assert T1 in outcome_message(result.outcomes[0])
    assert result.new_samples == [(2, T2, None), (3, T2, None)]
    assert sampled == {1: T1, 2: T2, 3: T2}
    assert tubes[T2].count == 2


# --- codes and barcodes --------------------------------------------------------------------


def test_household_code_naming_three_residents_adds_three():
    tubes, sampled = {}, {}
    result = run(
        [ev(1, OPEN, T1), ev(2, SCAN, T1, "H:abc")],
        tubes=tubes,
        sampled=sampled,
        codes={"H:abc": [7, 8, 9]},
    )
    assert statuses(result) == [("e1", OK, "ok", 0), ("e2", OK, "ok", 3)]
    assert [r for r, _, _ in result.new_samples] == [7, 8, 9]
    assert sampled == {7: T1, 8: T1, 9: T1}
    assert tubes[T1].count == 3


def test_unknown_code_is_unknown_resident():
    tubes = {T1: TubeState(T1, ME, 10)}
    result = run([ev(1, SCAN, T1, "R:nobody")], tubes=tubes)
    assert statuses(result) == [("e1", ERROR, "unknown_resident", 0)]
    assert outcome_message(result.outcomes[0]) == "未找到该居民，请核对二维码或身份证号"
    assert tubes[T1].count == 0


def test_code_naming_nobody_is_unknown_resident():
    result = run([ev(1, SCAN, T1, "H:empty")], tubes={T1: TubeState(T1, ME, 10)}, codes={"H:empty": []})
    assert statuses(result) == [("e1", ERROR, "unknown_resident", 0)]


def test_unknown_resident_is_reported_before_a_missing_tube():
    result = run([ev(1, SCAN, T1, "R:nobody")])
    assert statuses(result) == [("e1", ERROR, "unknown_resident", 0)]


def test_bad_barcodes_are_refused_for_every_kind():
    bad = ["", "ABC12", "A" * 33, "TUBE 0001", "管号000001", "TUBE_0001", "------", "TUBE-0001", "A" * 65]
    events = [ev(i, kind, b, "R:1") for i, (b, kind) in enumerate((b, k) for b in bad for k in (OPEN, SCAN, CLOSE))]
    tubes = {}
    result = run(events, tubes=tubes)
    assert {(o.status, o.code) for o in result.outcomes} == {(ERROR, "bad_barcode")}
    assert len(result.outcomes) == len(events)
    assert outcome_message(result.outcomes[0]) == "管号格式不正确，不符合本轮的管号规则"
    assert tubes == {} and result.new_samples == []


def test_barcode_length_bounds():
    tubes = {}
    result = run([ev(1, OPEN, "A" * 6), ev(2, OPEN, "a1" * 16)], tubes=tubes)
    assert [o.code for o in result.outcomes] == ["ok", "ok"]
    assert set(tubes) == {"AAAAAA", "a1" * 16}


def test_a_round_may_name_its_own_barcode_format():
    # given a round whose barcodes are "NJ-" and 8 digits, then those pass and the default form does not
    rule = collection.barcode_rule(r"NJ-\d{8}")
    tubes = {}
    result = run([ev(1, OPEN, "NJ-12345678"), ev(2, OPEN, "ABC123456")], tubes=tubes, barcode=rule)
    assert [o.code for o in result.outcomes] == ["ok", "bad_barcode"]


@pytest.mark.parametrize("pattern", ["[", "", ".*", "[-]{6}", "(", r"[A-Z0-9 ]{0,10}"])
def test_a_barcode_format_that_accepts_nothing_sensible_is_refused(pattern):
    with pytest.raises(ValueError):
        collection.barcode_rule(pattern)


def test_unknown_kind_is_bad_kind():
    result = run([ev(1, "delete", T1)])
    assert statuses(result) == [("e1", ERROR, "bad_kind", 0)]
    assert outcome_message(result.outcomes[0]) == "未知的操作类型"


# --- tubes of other collectors, closed, not open -------------------------------------------


def test_scanning_into_a_tube_of_another_collector_is_tube_taken():
    tubes = {T1: TubeState(T1, OTHER, 10, count=2)}
    sampled = {}
    result = run([ev(1, SCAN, T1, "R:1")], tubes=tubes, sampled=sampled)
    assert statuses(result) == [("e1", ERROR, "tube_taken", 0)]
    assert outcome_message(result.outcomes[0]) == "该管号本轮已被其他采样员使用，请换新管"
    assert sampled == {} and tubes[T1].count == 2


def test_opening_or_closing_a_tube_of_another_collector_is_tube_taken():
    tubes = {T1: TubeState(T1, OTHER, 10, count=2)}
    result = run([ev(1, OPEN, T1), ev(2, CLOSE, T1)], tubes=tubes)
    assert statuses(result) == [("e1", ERROR, "tube_taken", 0), ("e2", ERROR, "tube_taken", 0)]
    assert tubes[T1] == TubeState(T1, OTHER, 10, count=2)


def test_scanning_into_a_closed_tube_is_tube_closed():
    tubes, sampled = {}, {}
    result = run(
        [ev(1, OPEN, T1), ev(2, SCAN, T1, "R:1"), ev(3, CLOSE, T1), ev(4, SCAN, T1, "R:2")],
        tubes=tubes,
        sampled=sampled,
    )
    assert statuses(result)[3] == ("e4", ERROR, "tube_closed", 0)
    assert outcome_message(result.outcomes[3]) == "该管已封管，请换新管"
    assert sampled == {1: T1} and tubes[T1].count == 1


def test_scanning_into_a_tube_never_opened_is_tube_not_open():
    sampled = {}
    result = run([ev(1, SCAN, T1, "R:1")], sampled=sampled)
    assert statuses(result) == [("e1", ERROR, "tube_not_open", 0)]
    assert outcome_message(result.outcomes[0]) == "请先扫码开管"
    assert sampled == {}


def test_close_of_unknown_tube_is_tube_not_open():
    tubes = {}
    result = run([ev(1, CLOSE, T1)], tubes=tubes)
    assert statuses(result) == [("e1", ERROR, "tube_not_open", 0)]
    assert tubes == {}


# --- single-tube residents (lockdown / control areas) --------------------------------------


def test_single_tube_resident_into_an_empty_tube_is_ok():
    tubes = {T1: TubeState(T1, ME, 10)}
    result = run([ev(1, SCAN, T1, "R:5")], tubes=tubes, single=frozenset({5}))
    assert statuses(result) == [("e1", OK, "ok", 1)]
    assert tubes[T1].count == 1


def test_single_tube_resident_into_a_tube_with_others_is_refused():
    tubes = {T1: TubeState(T1, ME, 10, count=1)}
    sampled = {1: T1}
    result = run([ev(1, SCAN, T1, "R:5")], tubes=tubes, sampled=sampled, single=frozenset({5}))
    assert statuses(result) == [("e1", ERROR, "single_tube", 0)]
    assert outcome_message(result.outcomes[0]) == "封控区居民须单人单管，请换新管"
    assert sampled == {1: T1} and tubes[T1].count == 1


def test_household_with_a_single_tube_resident_is_refused_whole():
    tubes = {T1: TubeState(T1, ME, 10)}
    sampled = {}
    result = run(
        [ev(1, SCAN, T1, "H:h")],
        tubes=tubes,
        sampled=sampled,
        codes={"H:h": [5, 6]},
        single=frozenset({5}),
    )
    assert statuses(result) == [("e1", ERROR, "single_tube", 0)]
    assert sampled == {} and tubes[T1].count == 0


def test_nobody_may_join_the_tube_of_a_single_tube_resident():
    # given a lockdown resident alone in T1
    tubes, sampled = {T1: TubeState(T1, ME, 10)}, {}
    run([ev(1, SCAN, T1, "R:5")], tubes=tubes, sampled=sampled, single=frozenset({5}))
    # when an ordinary resident is scanned into the same tube
    result = run([ev(2, SCAN, T1, "R:1")], tubes=tubes, sampled=sampled, single=frozenset({5}))
    # then single_tube: the lockdown resident's tube holds one person only
    assert statuses(result) == [("e2", ERROR, "single_tube", 0)]
    assert sampled == {5: T1} and tubes[T1].count == 1


# --- replay --------------------------------------------------------------------------------


def test_replaying_a_normal_batch_adds_nothing_and_counts_nobody_twice():
    # (the service answers a replayed batch from its stored answers; applied again to the state it
    # left, a batch adds no sample and its answers put nobody in a tube a second time)
    batch = [
        ev(1, OPEN, T1),
        ev(2, SCAN, T1, "R:1"),
        ev(3, SCAN, T1, "H:h"),
        ev(4, SCAN, T1, "R:1"),
        ev(5, CLOSE, T1),
        ev(6, OPEN, T2),
        ev(7, SCAN, T2, "R:2"),
        ev(8, SCAN, T2, "R:9"),
    ]
    codes = {"R:1": [1], "R:2": [2], "H:h": [2, 3, 4], "R:9": [9]}
    tubes, sampled = {}, {}
    first = run(batch, tubes=tubes, sampled=sampled, codes=codes)
    second = run(batch, tubes=tubes, sampled=sampled, codes=codes)
    assert statuses(first) == [
        ("e1", OK, "ok", 0),
        ("e2", OK, "ok", 1),
        ("e3", OK, "ok", 3),
        ("e4", OK, "ok", 0),
        ("e5", OK, "ok", 0),
        ("e6", OK, "ok", 0),
        ("e7", WARNING, "already_sampled", 0),
        ("e8", OK, "ok", 1),
    ]
    assert sum(o.added for o in first.outcomes) == 5 == len(first.new_samples)
    assert [(o.status, o.code) for o in second.outcomes] == [(o.status, o.code) for o in first.outcomes]
    assert sum(o.added for o in second.outcomes) == 0
    assert second.new_samples == []
    assert sampled == {1: T1, 2: T1, 3: T1, 4: T1, 9: T2}


def test_replay_after_pool_full_then_new_tube_answers_the_same():
    # given a pool of 1: R:1 fills T1, R:2 is refused (pool_full) and then sampled in T2
    batch = [
        ev(1, OPEN, T1),
        ev(2, SCAN, T1, "R:1"),
        ev(3, SCAN, T1, "R:2"),
        ev(4, OPEN, T2),
        ev(5, SCAN, T2, "R:2"),
    ]
    tubes, sampled = {}, {}
    first = run(batch, tubes=tubes, sampled=sampled, pool_size=1)
    # when the same events are applied again to the state they left
    second = run(batch, tubes=tubes, sampled=sampled, pool_size=1)
    # then nobody is sampled again (the same answers for a replay come from the stored batch,
    # see tests/testing/test_services.py)
    assert statuses(first)[2] == ("e3", ERROR, "pool_full", 0)
    assert second.new_samples == []


def test_reapplying_scan_before_open_samples_once_the_tube_is_open():
    # given a batch whose scan precedes the open of its tube (refused: tube_not_open)
    batch = [ev(1, SCAN, T1, "R:1"), ev(2, OPEN, T1)]
    tubes, sampled = {}, {}
    first = run(batch, tubes=tubes, sampled=sampled)
    assert statuses(first) == [("e1", ERROR, "tube_not_open", 0), ("e2", OK, "ok", 0)]
    # when the same events come again, the tube is open: R:1 is sampled once, then never again
    second = run(batch, tubes=tubes, sampled=sampled)
    assert [r for r, _, _ in second.new_samples] == [1]
    third = run(batch, tubes=tubes, sampled=sampled)
    assert third.new_samples == []


# --- properties ----------------------------------------------------------------------------

BARCODES = [T1, T2, T3, "TUBE0004", "bad"]
CODES = {
    "R:1": [1],
    "R:2": [2],
    "R:3": [3],
    "R:4": [4],
    "R:5": [5],
    "H:a": [1, 6, 7],
    "H:b": [8, 9],
    "H:c": [2, 10, 11, 12],
    "R:x": [],
}

# Events are drawn as plain (kind, barcode, code) tuples so a failing example prints readably.
event_strategy = st.tuples(
    st.sampled_from([OPEN, SCAN, SCAN, SCAN, CLOSE, "bogus"]),
    st.sampled_from(BARCODES),
    st.sampled_from([*CODES, "R:unknown"]),
)
steps_strategy = st.lists(event_strategy, max_size=40)


def _batch(steps):
    return [ev(i, kind, barcode, code) for i, (kind, barcode, code) in enumerate(steps)]


setup_strategy = st.fixed_dictionaries(
    {
        "pool_size": st.integers(min_value=1, max_value=5),
        "taken": st.booleans(),  # T3 belongs to another collector
        "single": st.sets(st.integers(min_value=1, max_value=12), max_size=3),
    }
)


def _initial(setup):
    tubes = {T3: TubeState(T3, OTHER, setup["pool_size"])} if setup["taken"] else {}
    return tubes, {}


@settings(max_examples=300, deadline=None)
@given(steps=steps_strategy, setup=setup_strategy)
def test_property_invariants(steps, setup):
    batch = _batch(steps)
    tubes, sampled = _initial(setup)
    result = run(
        batch,
        tubes=tubes,
        sampled=sampled,
        codes=CODES,
        pool_size=setup["pool_size"],
        single=frozenset(setup["single"]),
    )
    # one outcome per event, in order
    assert [o.event_id for o in result.outcomes] == [e.event_id for e in batch]
    # tube counts never exceed the pool size, and equal the residents recorded in them
    per_tube = Counter(sampled.values())
    for barcode, tube in tubes.items():
        assert tube.count <= tube.pool_size
        assert tube.count == per_tube[barcode]
    # each resident appears at most once in new_samples, and new_samples match `sampled`
    new_ids = [r for r, _, _ in result.new_samples]
    assert len(new_ids) == len(set(new_ids))
    assert {r: b for r, b, _ in result.new_samples} == sampled
    # the other collector's tube is never touched
    if setup["taken"]:
        assert tubes[T3] == TubeState(T3, OTHER, setup["pool_size"])
    # `added` never exceeds the residents the code names
    for event, outcome in zip(batch, result.outcomes, strict=True):
        assert 0 <= outcome.added <= len(CODES.get(event.code, []))
        assert outcome.status in (OK, WARNING, ERROR)
        assert outcome.code in collection.CODES


@settings(max_examples=300, deadline=None)
@given(steps=steps_strategy, setup=setup_strategy)
def test_property_reapplying_never_samples_twice(steps, setup):
    note(f"steps={steps!r} setup={setup!r}")
    batch = _batch(steps)
    tubes, sampled = _initial(setup)
    kwargs = dict(
        tubes=tubes,
        sampled=sampled,
        codes=CODES,
        pool_size=setup["pool_size"],
        single=frozenset(setup["single"]),
    )
    first = run(batch, **kwargs)
    sampled_after_first = dict(sampled)
    counts_after_first = {b: t.count for b, t in tubes.items()}
    second = run(batch, **kwargs)
    assert set(sampled_after_first.items()) <= set(sampled.items())  # nobody moves to another tube
    assert all(counts_after_first.get(b, 0) <= t.count for b, t in tubes.items())
    for tube in tubes.values():
        assert tube.count <= tube.pool_size
    new_ids = [r for r, _, _ in first.new_samples + second.new_samples]
    assert len(new_ids) == len(set(new_ids))


# --- one wrong event is that event's error, never the batch's (issue 9, point 2) ---

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2022, 9, 5, 10, 0, tzinfo=SHANGHAI)


def read(raw, i=0):
    return collection.read_event(raw, i, default_at=NOW, tz=SHANGHAI)


def test_events_are_read_one_by_one_and_a_wrong_one_is_only_its_own_error():
    health_code_url = "https://example.gov.cn/healthcode?uid=" + "9" * 80
    raws = [
        {"event_id": "a", "kind": "open", "barcode": "TUBE0001"},
        {"event_id": "b", "kind": "scan", "barcode": "TUBE0001", "code": health_code_url},
        {"event_id": "c", "kind": "scan", "barcode": "TUBE0001", "code": "R:1"},
        {"event_id": "d" * 65, "kind": "scan", "barcode": "TUBE0001", "code": "R:2"},
        42,
        {"event_id": "f", "kind": "scan", "barcode": ["TUBE0001"], "code": "R:3"},
        {"event_id": "g", "kind": "scan", "barcode": "TUBE0001", "code": "R:4", "at": "yesterday"},
        {"event_id": "h", "kind": "scan", "barcode": "TUBE0001", "code": "R:5", "at": "2022-09-05T09:59:00"},
    ]
    events = [read(r, i) for i, r in enumerate(raws)]
    result = run(events, window=(NOW - dt.timedelta(days=1), NOW))
    assert [(o.event_id, o.code) for o in result.outcomes] == [
        ("a", "ok"),
        ("b", "bad_code"),
        ("c", "ok"),
        ("#3", "bad_event"),
        ("#4", "bad_event"),
        ("f", "bad_event"),
        ("g", "time_replaced"),
        ("h", "ok"),
    ]
    # naive times are the city's local time
    assert events[7].at == dt.datetime(2022, 9, 5, 9, 59, tzinfo=SHANGHAI)
    # an unreadable time is not the scan's fault: the resident is recorded, at the server's time
    assert sorted(r for r, _, _ in result.new_samples) == [1, 4, 5]
    assert result.outcomes[6].params["at"] == "?"


@pytest.mark.parametrize("at", ["1970-01-01T00:00:00+00:00", "9999-12-31T23:59:00+08:00", "2022-09-03T09:00:00+08:00"])
def test_implausible_event_times_are_replaced_by_the_receiving_time_and_said(at):
    # given a round started on 5 September, a scan from 1970, the year 9999 or two days before is
    # still recorded (the swab is in the tube), at the time the server received it, with a warning
    events = [
        read({"event_id": "o", "kind": "open", "barcode": "TUBE0001", "at": at}),
        read({"event_id": "s", "kind": "scan", "barcode": "TUBE0001", "code": "R:1", "at": at}),
    ]
    window = (NOW - dt.timedelta(days=1), NOW + dt.timedelta(minutes=15))
    result = run(events, window=window, received_at=NOW)
    assert [(o.code, o.status, o.added) for o in result.outcomes] == [
        ("time_replaced", WARNING, 0),
        ("time_replaced", WARNING, 1),
    ]
    assert result.outcomes[1].params["at"] == at[:16]
    assert result.new_samples == [(1, "TUBE0001", NOW)]
    assert result.tubes["TUBE0001"].opened_at == NOW


def test_scan_answers_name_the_residents_masked():
    # the collector sees who went in: names as the service masks them
    result = run([ev(1, OPEN, T1), ev(2, SCAN, T1, "H:h")], codes={"H:h": [1, 2]}, names={1: "王*明", 2: "李*"})
    assert result.outcomes[1].params["names"] == ["王*明", "李*"]
    assert result.outcomes[1].added == 2
