"""Writes for mass-testing rounds (gongzhi.testing.services) against the database."""

import datetime as dt

import pytest

from gongzhi.core import events
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import WorkflowEvent
from gongzhi.people.id_rules import make_id_number
from gongzhi.testing import services
from gongzhi.testing.collection import CLOSE, OPEN, SCAN, Event
from gongzhi.testing.messages import outcome_message
from gongzhi.testing.models import Recall, Round, RoundProgress, Sample, Tube
from gongzhi.testing.selectors import sample_result
from tests.factories import GridFactory, HouseholdFactory, ResidentFactory, make_user_with_role

pytestmark = pytest.mark.django_db

T1, T2, T3 = "TUBE0001", "TUBE0002", "TUBE0003"


@pytest.fixture
def round_a(community_a, worker_a):
    return services.round_create(actor=worker_a, name="第1轮全员核酸", area_code=community_a.code, pool_size=10)


@pytest.fixture
def collector(community_a):
    return make_user_with_role("c1", "collector", community_a.code)


def ev(i, kind, barcode, code=""):
    return Event(event_id=f"e{i}", kind=kind, barcode=barcode, code=code)


def R(resident):
    return "R:" + resident.public_id


def H(household):
    return "H:" + household.door_key


def answers(outcomes):
    return [(o.event_id, o.status, o.code, o.added) for o in outcomes]


def recall_steps():
    """The recall workflow's steps taken by people (its openings are the platform's)."""
    return WorkflowEvent.objects.filter(flow="recall").exclude(from_status="")


def record_results(**kwargs):
    """Lab results, then what the Huey consumer does after the commit (recalls open)."""
    out = services.tube_results_record(**kwargs)
    events.deliver_pending()
    return out


def counts():
    return {
        "tubes": Tube.objects.count(),
        "samples": Sample.objects.count(),
        "progress": RoundProgress.objects.count(),
        "recalls": Recall.objects.count(),
        "recall_events": recall_steps().count(),
    }


def progress(round_, code):
    p = RoundProgress.objects.get(round=round_, community_code=code)
    return {
        "sampled": p.sampled,
        "tubes": p.tubes,
        "tubes_resulted": p.tubes_resulted,
        "positive_tubes": p.positive_tubes,
    }


def ingest(round_, collector, events):
    return services.scan_batch_ingest(round_=round_, collector=collector, events=events)


def sampled_tube(round_, collector, residents, barcode=T1):
    """Open `barcode`, scan each resident into it, close it."""
    events = [ev(0, OPEN, barcode)] + [ev(i + 1, SCAN, barcode, R(r)) for i, r in enumerate(residents)]
    events.append(ev(len(residents) + 1, CLOSE, barcode))
    outcomes = ingest(round_, collector, events)
    assert {o.status for o in outcomes} == {"ok"}
    return Tube.objects.get(round=round_, barcode=barcode)


# --- round_create --------------------------------------------------------------------------


def test_round_create_opens_a_round(round_a, community_a, worker_a):
    round_a.refresh_from_db()
    assert round_a.status == Round.Status.OPEN
    assert round_a.area_code == community_a.code == "510104017001"
    assert round_a.pool_size == 10
    assert round_a.created_by == worker_a
    assert round_a.name == "第1轮全员核酸"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "  ", "area_code": "510104017001", "pool_size": 10}, "请填写轮次名称"),
        ({"name": "x", "area_code": "510104017001", "pool_size": 0}, "混采人数必须在1到20之间"),
        ({"name": "x", "area_code": "510104017001", "pool_size": 21}, "混采人数必须在1到20之间"),
        ({"name": "x", "area_code": "999999999999", "pool_size": 10}, "区划代码不存在"),
    ],
)
def test_round_create_refuses_bad_input(areas, worker_a, kwargs, message):
    with pytest.raises(ApplicationError) as info:
        services.round_create(actor=worker_a, **kwargs)
    assert info.value.message == message
    assert Round.objects.count() == 0


# --- scan_batch_ingest ---------------------------------------------------------------------


def test_ingest_creates_tube_samples_and_progress(round_a, collector, community_a):
    # given three residents of community A
    r1, r2, r3 = ResidentFactory(), ResidentFactory(), ResidentFactory()
    # when the collector opens a tube, scans them and closes it
    outcomes = ingest(
        round_a,
        collector,
        [
            ev(1, OPEN, T1),
            ev(2, SCAN, T1, R(r1)),
            ev(3, SCAN, T1, R(r2)),
            ev(4, SCAN, T1, R(r3)),
            ev(5, CLOSE, T1),
        ],
    )
    # then every answer is ok and the rows exist
    assert answers(outcomes) == [
        ("e1", "ok", "ok", 0),
        ("e2", "ok", "ok", 1),
        ("e3", "ok", "ok", 1),
        ("e4", "ok", "ok", 1),
        ("e5", "ok", "ok", 0),
    ]
    tube = Tube.objects.get()
    assert (
        tube.round_id,
        tube.barcode,
        tube.community_code,
        tube.collector_id,
        tube.pool_size,
        tube.sample_count,
        tube.status,
    ) == (round_a.pk, T1, community_a.code, collector.pk, 10, 3, Tube.Status.CLOSED)
    assert tube.closed_at is not None
    samples = Sample.objects.annotate(result=sample_result()).order_by("resident_id")
    assert [(s.resident_id, s.tube_id, s.community_code, s.result) for s in samples] == [
        (r.pk, tube.pk, community_a.code, Sample.Result.PENDING) for r in sorted([r1, r2, r3], key=lambda r: r.pk)
    ]
    assert progress(round_a, community_a.code) == {
        "sampled": 3,
        "tubes": 1,
        "tubes_resulted": 0,
        "positive_tubes": 0,
    }
    assert RoundProgress.objects.count() == 1


def test_ingest_records_its_moves_as_one_event_per_kind(round_a, collector, community_a):
    """A batch's workflow moves are recorded in bulk: tubes opened (or opened and closed in the batch),
    tubes closed, samples taken, each naming its tubes, with the collector and the round."""
    first, second = ResidentFactory(), ResidentFactory()
    ingest(round_a, collector, [ev(1, OPEN, T1), ev(2, SCAN, T1, R(first)), ev(3, OPEN, T2), ev(4, CLOSE, T2)])
    ingest(round_a, collector, [ev(5, SCAN, T1, R(second)), ev(6, CLOSE, T1)])
    steps = WorkflowEvent.objects.filter(flow__in=["tube", "sample"]).order_by("id")
    assert [(e.flow, e.from_status, e.to_status, e.row_keys, e.row_count) for e in steps] == [
        ("tube", "", "closed", [T2], 1),
        ("tube", "", "open", [T1], 1),
        ("sample", "", "pending", [T1], 1),
        ("tube", "open", "closed", [T1], 1),
        ("sample", "", "pending", [T1], 1),
    ]
    assert {(e.actor_id, e.detail["round"], e.area_code) for e in steps} == {
        (collector.pk, round_a.public_id, community_a.code)
    }


def test_ingest_over_two_batches_accumulates_progress(round_a, collector, community_a):
    residents = [ResidentFactory() for _ in range(4)]
    ingest(
        round_a,
        collector,
        [ev(1, OPEN, T1), ev(2, SCAN, T1, R(residents[0])), ev(3, SCAN, T1, R(residents[1]))],
    )
    ingest(
        round_a,
        collector,
        [
            ev(4, SCAN, T1, R(residents[2])),
            ev(5, CLOSE, T1),
            ev(6, OPEN, T2),
            ev(7, SCAN, T2, R(residents[3])),
        ],
    )
    assert progress(round_a, community_a.code)["sampled"] == 4
    assert progress(round_a, community_a.code)["tubes"] == 2
    assert dict(Tube.objects.values_list("barcode", "sample_count")) == {T1: 3, T2: 1}
    assert dict(Tube.objects.values_list("barcode", "status")) == {T1: "closed", T2: "open"}


def test_replaying_the_same_batch_changes_nothing_and_answers_the_same(round_a, collector, community_a):
    # given a household of 2 and a single resident, and a batch with a duplicate scan
    household = HouseholdFactory()
    ResidentFactory(household=household)
    ResidentFactory(household=household)
    r3 = ResidentFactory()
    batch = [
        ev(1, OPEN, T1),
        ev(2, SCAN, T1, H(household)),
        ev(3, SCAN, T1, R(r3)),
        ev(4, CLOSE, T1),
        ev(5, OPEN, T2),
        ev(6, SCAN, T2, R(r3)),
        ev(7, SCAN, T2, "R:nobody"),
    ]
    first = ingest(round_a, collector, batch)
    before = counts()
    before_progress = progress(round_a, community_a.code)
    before_tubes = list(Tube.objects.values_list("barcode", "sample_count", "status", "closed_at"))
    # when the device sends the exact same batch again
    second = ingest(round_a, collector, batch)
    # then no row changes and the answers are identical
    assert answers(first) == [
        ("e1", "ok", "ok", 0),
        ("e2", "ok", "ok", 2),
        ("e3", "ok", "ok", 1),
        ("e4", "ok", "ok", 0),
        ("e5", "ok", "ok", 0),
        ("e6", "warning", "already_sampled", 0),
        ("e7", "error", "unknown_resident", 0),
    ]
    assert answers(second) == answers(first)
    assert [outcome_message(o) for o in second] == [outcome_message(o) for o in first]
    assert counts() == before == {"tubes": 2, "samples": 3, "progress": 1, "recalls": 0, "recall_events": 0}
    assert (
        progress(round_a, community_a.code)
        == before_progress
        == {"sampled": 3, "tubes": 2, "tubes_resulted": 0, "positive_tubes": 0}
    )
    assert list(Tube.objects.values_list("barcode", "sample_count", "status", "closed_at")) == before_tubes


def test_replaying_a_batch_whose_scan_precedes_its_open_changes_nothing(round_a, collector, community_a):
    # given a batch where a scan arrives before the open of its tube (answered tube_not_open)
    r1 = ResidentFactory()
    batch = [ev(1, SCAN, T1, R(r1)), ev(2, OPEN, T1)]
    first = ingest(round_a, collector, batch)
    assert answers(first) == [("e1", "error", "tube_not_open", 0), ("e2", "ok", "ok", 0)]
    before = counts()
    # when the device replays it
    second = ingest(round_a, collector, batch)
    # then no sample appears and the answers are the same
    assert counts() == before
    assert answers(second) == answers(first)


def test_eleventh_resident_is_refused_by_the_database_path_too(round_a, collector, community_a):
    residents = [ResidentFactory() for _ in range(11)]
    outcomes = ingest(
        round_a,
        collector,
        [ev(0, OPEN, T1)] + [ev(i + 1, SCAN, T1, R(r)) for i, r in enumerate(residents)],
    )
    assert answers(outcomes)[-1] == ("e11", "error", "pool_full", 0)
    assert Tube.objects.get().sample_count == 10
    assert Sample.objects.count() == 10
    assert not Sample.objects.filter(resident=residents[-1]).exists()


def test_tube_of_another_collector_is_taken(round_a, collector, community_a):
    other = make_user_with_role("c2", "collector", community_a.code)
    r1, r2 = ResidentFactory(), ResidentFactory()
    ingest(round_a, collector, [ev(1, OPEN, T1), ev(2, SCAN, T1, R(r1))])
    outcomes = ingest(round_a, other, [ev(3, OPEN, T1), ev(4, SCAN, T1, R(r2)), ev(5, CLOSE, T1)])
    assert answers(outcomes) == [
        ("e3", "error", "tube_taken", 0),
        ("e4", "error", "tube_taken", 0),
        ("e5", "error", "tube_taken", 0),
    ]
    tube = Tube.objects.get()
    assert (tube.collector_id, tube.sample_count, tube.status) == (collector.pk, 1, "open")


def test_batch_of_501_events_is_refused_with_413(round_a, collector):
    events = [ev(i, OPEN, f"TUBE{i:04d}") for i in range(501)]
    with pytest.raises(ApplicationError) as info:
        ingest(round_a, collector, events)
    assert info.value.status == 413
    assert Tube.objects.count() == 0


def test_batch_of_500_events_is_accepted(round_a, collector):
    events = [ev(i, OPEN, f"TUBE{i:04d}") for i in range(500)]
    outcomes = ingest(round_a, collector, events)
    assert len(outcomes) == 500 and {o.status for o in outcomes} == {"ok"}
    assert Tube.objects.count() == 500


@pytest.mark.parametrize("status", [Round.Status.PLANNED, Round.Status.CLOSED])
def test_round_not_open_is_refused_with_409(round_a, collector, status):
    Round.objects.filter(pk=round_a.pk).update(status=status)
    round_a.refresh_from_db()
    with pytest.raises(ApplicationError) as info:
        ingest(round_a, collector, [ev(1, OPEN, T1)])
    assert info.value.status == 409
    assert Tube.objects.count() == 0


def test_residents_outside_the_round_area_are_unknown(round_a, collector, community_a, community_b):
    # given a resident in community B and a household in community B, a round over community A
    grid_b = GridFactory(community=community_b)
    outsider = ResidentFactory(household__building__grid=grid_b)
    household_b = HouseholdFactory(building__grid=grid_b)
    ResidentFactory(household=household_b)
    assert outsider.community_code == community_b.code
    # when scanned by resident code, household code and ID number
    outcomes = ingest(
        round_a,
        collector,
        [
            ev(1, OPEN, T1),
            ev(2, SCAN, T1, R(outsider)),
            ev(3, SCAN, T1, H(household_b)),
            ev(4, SCAN, T1, outsider.id_number),
        ],
    )
    # then all are unknown_resident and nobody is sampled
    assert answers(outcomes)[1:] == [
        ("e2", "error", "unknown_resident", 0),
        ("e3", "error", "unknown_resident", 0),
        ("e4", "error", "unknown_resident", 0),
    ]
    assert Sample.objects.count() == 0
    assert progress(round_a, community_a.code)["sampled"] == 0


def _id_number_ending_in_x():
    for seq in range(500):
        number = make_id_number("510104", dt.date(1975, 3, 9), seq, True)
        if number.endswith("X"):
            return number
    raise AssertionError("no ID number with check character X")


def test_id_number_typed_with_lower_case_x_is_found(round_a, collector):
    number = _id_number_ending_in_x()
    resident = ResidentFactory(id_number=number)
    outcomes = ingest(round_a, collector, [ev(1, OPEN, T1), ev(2, SCAN, T1, number[:17] + "x")])
    assert answers(outcomes) == [("e1", "ok", "ok", 0), ("e2", "ok", "ok", 1)]
    assert Sample.objects.get().resident_id == resident.pk


def test_id_number_typed_exactly_is_found(round_a, collector):
    resident = ResidentFactory()
    outcomes = ingest(round_a, collector, [ev(1, OPEN, T1), ev(2, SCAN, T1, resident.id_number)])
    assert answers(outcomes)[1] == ("e2", "ok", "ok", 1)
    assert Sample.objects.get().resident_id == resident.pk


def test_household_code_samples_every_member(round_a, collector, community_a):
    household = HouseholdFactory()
    members = [ResidentFactory(household=household) for _ in range(3)]
    outcomes = ingest(round_a, collector, [ev(1, OPEN, T1), ev(2, SCAN, T1, H(household))])
    assert answers(outcomes)[1] == ("e2", "ok", "ok", 3)
    assert set(Sample.objects.values_list("resident_id", flat=True)) == {m.pk for m in members}
    assert Tube.objects.get().sample_count == 3
    assert progress(round_a, community_a.code)["sampled"] == 3


# --- tube_results_record -------------------------------------------------------------------


def test_negative_result_marks_tube_and_samples_negative(round_a, collector, community_a, worker_a):
    residents = [ResidentFactory() for _ in range(3)]
    tube = sampled_tube(round_a, collector, residents)
    out = record_results(actor=worker_a, round_=round_a, results=[(T1, "阴性")])
    assert out == [{"barcode": T1, "status": "ok", "code": "recorded", "message": ""}]
    tube.refresh_from_db()
    assert tube.status == Tube.Status.NEGATIVE
    assert tube.result_at is not None
    assert set(Sample.objects.annotate(result=sample_result()).values_list("result", flat=True)) == {
        Sample.Result.NEGATIVE
    }
    assert Recall.objects.count() == 0
    assert progress(round_a, community_a.code) == {
        "sampled": 3,
        "tubes": 1,
        "tubes_resulted": 1,
        "positive_tubes": 0,
    }


def test_positive_result_opens_one_recall_per_member(round_a, collector, community_a, worker_a):
    residents = [ResidentFactory() for _ in range(4)]
    tube = sampled_tube(round_a, collector, residents)
    out = record_results(actor=worker_a, round_=round_a, results=[(T1, "positive")])
    assert out == [{"barcode": T1, "status": "ok", "code": "recorded", "message": ""}]
    tube.refresh_from_db()
    assert tube.status == Tube.Status.POSITIVE
    assert set(Sample.objects.annotate(result=sample_result()).values_list("result", flat=True)) == {
        Sample.Result.POSITIVE_POOL
    }
    recalls = Recall.objects.order_by("resident_id")
    assert [(r.resident_id, r.tube_id, r.community_code, r.status, r.round_id) for r in recalls] == [
        (p.pk, tube.pk, community_a.code, Recall.Status.OPEN, round_a.pk) for p in sorted(residents, key=lambda r: r.pk)
    ]
    assert progress(round_a, community_a.code) == {
        "sampled": 4,
        "tubes": 1,
        "tubes_resulted": 1,
        "positive_tubes": 1,
    }


def test_result_of_an_open_tube_closes_it_with_a_time(round_a, collector, worker_a):
    r1 = ResidentFactory()
    ingest(round_a, collector, [ev(1, OPEN, T1), ev(2, SCAN, T1, R(r1))])
    record_results(actor=worker_a, round_=round_a, results=[(T1, "neg")])
    tube = Tube.objects.get()
    assert tube.status == "negative"
    assert tube.closed_at == tube.result_at


def test_replaying_results_is_idempotent(round_a, collector, community_a, worker_a):
    sampled_tube(round_a, collector, [ResidentFactory() for _ in range(2)], T1)
    sampled_tube(round_a, collector, [ResidentFactory() for _ in range(3)], T2)
    batch = [(T1, "+"), (T2, "-")]
    first = record_results(actor=worker_a, round_=round_a, results=batch)
    before, before_progress = counts(), progress(round_a, community_a.code)
    result_at = dict(Tube.objects.values_list("barcode", "result_at"))
    second = record_results(actor=worker_a, round_=round_a, results=batch)
    assert [(a["barcode"], a["status"], a["code"]) for a in first] == [(T1, "ok", "recorded"), (T2, "ok", "recorded")]
    assert [(a["barcode"], a["status"], a["code"]) for a in second] == [
        (T1, "ok", "unchanged"),
        (T2, "ok", "unchanged"),
    ]
    assert counts() == before
    assert before["recalls"] == 2
    assert (
        progress(round_a, community_a.code)
        == before_progress
        == {"sampled": 5, "tubes": 2, "tubes_resulted": 2, "positive_tubes": 1}
    )
    assert dict(Tube.objects.values_list("barcode", "result_at")) == result_at


def test_same_barcode_twice_in_one_batch_counts_once(round_a, collector, community_a, worker_a):
    sampled_tube(round_a, collector, [ResidentFactory() for _ in range(2)])
    out = record_results(actor=worker_a, round_=round_a, results=[(T1, "pos"), (T1, "阳性")])
    assert [(a["status"], a["code"]) for a in out] == [("ok", "recorded"), ("ok", "repeated")]
    assert Recall.objects.count() == 2
    assert progress(round_a, community_a.code)["positive_tubes"] == 1
    assert progress(round_a, community_a.code)["tubes_resulted"] == 1


def test_contradicting_results_in_one_batch_are_held_none_applied(round_a, collector, worker_a):
    # (issue 9: the first no longer wins; tests/testing/test_results_conflicts.py has the rest)
    sampled_tube(round_a, collector, [ResidentFactory()])
    out = record_results(actor=worker_a, round_=round_a, results=[(T1, "negative"), (T1, "positive")])
    held = ("held", "conflict_held", ["negative", "positive"])
    assert [(a["status"], a["code"], a["values"]) for a in out] == [held, held]
    assert Tube.objects.get().status == "closed"
    assert Recall.objects.count() == 0


def test_contradicting_result_keeps_the_first(round_a, collector, community_a, worker_a):
    sampled_tube(round_a, collector, [ResidentFactory() for _ in range(2)])
    record_results(actor=worker_a, round_=round_a, results=[(T1, "negative")])
    out = record_results(actor=worker_a, round_=round_a, results=[(T1, "positive")])
    assert [(a["status"], a["code"]) for a in out] == [("error", "result_differs")]  # a correction changes it
    assert Tube.objects.get().status == Tube.Status.NEGATIVE
    assert set(Sample.objects.annotate(result=sample_result()).values_list("result", flat=True)) == {
        Sample.Result.NEGATIVE
    }
    assert Recall.objects.count() == 0
    assert progress(round_a, community_a.code) == {
        "sampled": 2,
        "tubes": 1,
        "tubes_resulted": 1,
        "positive_tubes": 0,
    }


def test_unknown_barcode_is_an_error_and_the_rest_still_apply(round_a, collector, community_a, worker_a):
    sampled_tube(round_a, collector, [ResidentFactory()], T1)
    sampled_tube(round_a, collector, [ResidentFactory()], T2)
    out = record_results(
        actor=worker_a,
        round_=round_a,
        results=[(T1, "negative"), ("NOSUCH01", "negative"), (T2, "positive")],
    )
    assert out == [
        {"barcode": T1, "status": "ok", "code": "recorded", "message": ""},
        {"barcode": "NOSUCH01", "status": "error", "code": "no_such_tube", "message": "本轮没有这个管号"},
        {"barcode": T2, "status": "ok", "code": "recorded", "message": ""},
    ]
    assert dict(Tube.objects.values_list("barcode", "status")) == {T1: "negative", T2: "positive"}
    assert Recall.objects.count() == 1
    assert progress(round_a, community_a.code) == {
        "sampled": 2,
        "tubes": 2,
        "tubes_resulted": 2,
        "positive_tubes": 1,
    }


def test_tube_of_another_round_is_unknown(round_a, collector, community_a, worker_a):
    sampled_tube(round_a, collector, [ResidentFactory()])
    other = services.round_create(actor=worker_a, name="第2轮", area_code=community_a.code, pool_size=10)
    out = record_results(actor=worker_a, round_=other, results=[(T1, "positive")])
    assert out == [{"barcode": T1, "status": "error", "code": "no_such_tube", "message": "本轮没有这个管号"}]
    assert Tube.objects.get().status == "closed"


@pytest.mark.parametrize("word", ["maybe", "", None, "阴阳", "invalid"])
def test_bad_result_word_is_an_error(round_a, collector, worker_a, word):
    sampled_tube(round_a, collector, [ResidentFactory()])
    out = record_results(actor=worker_a, round_=round_a, results=[(T1, word), (T2 + "X", "neg")])
    assert (out[0]["status"], out[0]["code"]) == ("error", "result_empty" if not word else "result_unknown")
    assert "结果只能是阴性或阳性" in out[0]["message"]
    assert out[1] == {"barcode": T2 + "X", "status": "error", "code": "no_such_tube", "message": "本轮没有这个管号"}
    assert Tube.objects.get().status == "closed"


def test_result_words_are_case_and_space_insensitive(round_a, collector, worker_a):
    sampled_tube(round_a, collector, [ResidentFactory()])
    out = record_results(actor=worker_a, round_=round_a, results=[(f"  {T1} ", " NEGATIVE ")])
    assert out == [{"barcode": T1, "status": "ok", "code": "recorded", "message": ""}]
    assert Tube.objects.get().status == "negative"


def test_bad_barcode_in_results_is_an_error(round_a, worker_a):
    out = record_results(actor=worker_a, round_=round_a, results=[("ab", "negative")])
    assert out == [{"barcode": "ab", "status": "error", "code": "barcode_format", "message": "管号格式不正确"}]


# --- recall_transition ---------------------------------------------------------------------


@pytest.fixture
def recall(round_a, collector, worker_a):
    sampled_tube(round_a, collector, [ResidentFactory()])
    record_results(actor=worker_a, round_=round_a, results=[(T1, "positive")])
    return Recall.objects.get()


def test_recall_follows_the_flow_with_an_event_per_step(recall, worker_a):
    assert recall.status == Recall.Status.OPEN
    for to_status in ("notified", "resampled", "negative"):
        recall = services.recall_transition(actor=worker_a, recall=recall, to_status=to_status, note=f"to {to_status}")
        recall.refresh_from_db()
        assert recall.status == to_status
    steps = list(WorkflowEvent.objects.filter(flow="recall", row_key=recall.public_id).order_by("id"))
    assert [(e.from_status, e.to_status, e.actor_id, e.reason) for e in steps] == [
        ("", "open", worker_a.pk, ""),  # opened by the platform for the lab's result, named
        ("open", "notified", worker_a.pk, "to notified"),
        ("notified", "resampled", worker_a.pk, "to resampled"),
        ("resampled", "negative", worker_a.pk, "to negative"),
    ]


def test_recall_flow_table():
    from gongzhi.testing.flows import RECALL_FLOW

    assert {s: RECALL_FLOW.next_states(s) for s in RECALL_FLOW.states} == {
        "open": ("notified", "resampled", "cancelled"),
        "notified": ("resampled", "cancelled"),
        "resampled": ("negative", "positive"),
        "negative": (),
        "positive": (),
        "cancelled": ("open",),  # the platform's: the pool's result corrected back to positive
    }
    assert RECALL_FLOW.next_states("open", by="system") == ("cancelled",)


def test_recall_illegal_transition_is_409_and_writes_nothing(recall, worker_a):
    with pytest.raises(ApplicationError) as info:
        services.recall_transition(actor=worker_a, recall=recall, to_status="negative")
    assert info.value.status == 409
    assert info.value.extra == {"from": "open", "to": "negative"}
    recall.refresh_from_db()
    assert recall.status == "open"
    assert recall_steps().count() == 0


def test_recall_final_states_accept_nothing(recall, worker_a):
    for to_status in ("resampled", "positive"):
        services.recall_transition(actor=worker_a, recall=recall, to_status=to_status)
    for to_status in ("open", "notified", "resampled", "negative", "positive"):
        with pytest.raises(ApplicationError) as info:
            services.recall_transition(actor=worker_a, recall=recall, to_status=to_status)
        assert info.value.status == 409
    assert recall_steps().count() == 2
    recall.refresh_from_db()
    assert recall.status == "positive"


def test_recall_note_is_cut_to_200(recall, worker_a):
    services.recall_transition(actor=worker_a, recall=recall, to_status="notified", note="n" * 250)
    assert recall_steps().get().reason == "n" * 200
