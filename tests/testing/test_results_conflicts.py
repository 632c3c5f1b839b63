"""Conflicting results for one tube are held, and a recorded result is corrected with a reason
(issue 9, point 6): services, the API and the results page."""

import pytest

from gongzhi.core import events
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import WorkflowEvent
from gongzhi.core.workflow import STAFF, SYSTEM
from gongzhi.testing import flows, services
from gongzhi.testing.collection import CLOSE, OPEN, SCAN, Event
from gongzhi.testing.models import Recall, ResultConflict, RoundProgress, Sample, Tube
from gongzhi.testing.selectors import sample_result
from tests.factories import ResidentFactory, make_user_with_role

pytestmark = pytest.mark.django_db

T1, T2, T3 = "TUBE0001", "TUBE0002", "TUBE0003"


@pytest.fixture
def collector(community_a):
    return make_user_with_role("c1", "collector", community_a.code)


@pytest.fixture
def round_a(community_a, worker_a, collector):
    return services.round_create(actor=worker_a, name="第1轮全员核酸", area_code=community_a.code, pool_size=10)


@pytest.fixture
def lab(areas):
    return make_user_with_role("lab1", "lab", "5101")


def sampled_tube(round_, collector, people, barcode=T1):
    events_ = [Event("o", OPEN, barcode)]
    events_ += [Event(f"s{i}", SCAN, barcode, "R:" + r.public_id) for i, r in enumerate(people)]
    events_.append(Event("c", CLOSE, barcode))
    outcomes = services.scan_batch_ingest(round_=round_, collector=collector, events=events_)
    assert {o.status for o in outcomes} == {"ok"}
    return Tube.objects.get(round=round_, barcode=barcode)


def record(**kwargs):
    """Lab results, then what the Huey consumer does after the commit (recalls open)."""
    out = services.tube_results_record(**kwargs)
    events.deliver_pending()
    return out


def correct(**kwargs):
    out = services.tube_result_correct(**kwargs)
    events.deliver_pending()
    return out


def progress(round_, code):
    p = RoundProgress.objects.get(round=round_, community_code=code)
    return {"tubes_resulted": p.tubes_resulted, "positive_tubes": p.positive_tubes}


def states(tube):
    tube.refresh_from_db()
    return tube.status, sorted(
        set(Sample.objects.filter(tube=tube).annotate(result=sample_result()).values_list("result", flat=True))
    )


# --- held conflicts -------------------------------------------------------------------------


def test_conflicting_rows_for_a_tube_are_held_and_none_applied(round_a, collector, lab, community_a):
    tube = sampled_tube(round_a, collector, [ResidentFactory() for _ in range(2)])
    out = record(actor=lab, round_=round_a, results=[(T1, "阴性"), (T1, "阳性（+）")])
    assert [(a["barcode"], a["status"], a["code"]) for a in out] == [(T1, "held", "conflict_held")] * 2
    assert out[0]["values"] == out[1]["values"] == ["阴性", "阳性（+）"]
    assert "阴性" in out[0]["message"] and "阳性" in out[0]["message"]
    # nothing applied: the tube waits, its samples wait, no recall, nothing counted
    assert states(tube) == ("closed", ["pending"])
    assert Recall.objects.count() == 0
    assert progress(round_a, community_a.code) == {"tubes_resulted": 0, "positive_tubes": 0}
    assert not WorkflowEvent.objects.filter(flow="tube", to_status__in=["negative", "positive"]).exists()
    # and held for the lab to see, with the rows' values
    conflict = ResultConflict.objects.get()
    assert (conflict.round_id, conflict.tube_id, conflict.barcode, conflict.community_code) == (
        round_a.pk,
        tube.pk,
        T1,
        community_a.code,
    )
    assert conflict.rows == [{"row": 1, "value": "阴性"}, {"row": 2, "value": "阳性（+）"}]
    assert conflict.resolved_at is None and conflict.held_by == lab
    # the same call again holds the same conflict, once
    assert record(actor=lab, round_=round_a, results=[(T1, "阴性"), (T1, "阳性（+）")]) == out
    assert ResultConflict.objects.count() == 1


def test_a_conflict_does_not_stop_the_other_tubes(round_a, collector, lab, community_a):
    sampled_tube(round_a, collector, [ResidentFactory()], T1)
    sampled_tube(round_a, collector, [ResidentFactory()], T2)
    out = record(actor=lab, round_=round_a, results=[(T1, "+"), (T2, "neg"), (T1, "-")])
    assert [(a["barcode"], a["status"], a["code"]) for a in out] == [
        (T1, "held", "conflict_held"),
        (T2, "ok", "recorded"),
        (T1, "held", "conflict_held"),
    ]
    assert dict(Tube.objects.values_list("barcode", "status")) == {T1: "closed", T2: "negative"}
    assert progress(round_a, community_a.code) == {"tubes_resulted": 1, "positive_tubes": 0}


def test_the_same_result_twice_is_applied_once(round_a, collector, lab, community_a):
    tube = sampled_tube(round_a, collector, [ResidentFactory() for _ in range(2)])
    out = record(actor=lab, round_=round_a, results=[(T1, "阳性"), (T1, "pos"), (T1, "+")])
    assert [(a["status"], a["code"]) for a in out] == [("ok", "recorded"), ("ok", "repeated"), ("ok", "repeated")]
    assert states(tube) == ("positive", ["positive_pool"])
    assert Recall.objects.count() == 2
    assert progress(round_a, community_a.code) == {"tubes_resulted": 1, "positive_tubes": 1}
    [event] = WorkflowEvent.objects.filter(flow="tube", to_status="positive")
    assert event.row_keys == [T1] and event.row_count == 1
    assert not ResultConflict.objects.exists()
    # a replay changes nothing and says so
    again = record(actor=lab, round_=round_a, results=[(T1, "阳性")])
    assert [(a["status"], a["code"]) for a in again] == [("ok", "unchanged")]


def test_a_later_call_gives_the_held_tube_its_result(round_a, collector, lab, community_a):
    tube = sampled_tube(round_a, collector, [ResidentFactory() for _ in range(3)])
    record(actor=lab, round_=round_a, results=[(T1, "阴性"), (T1, "阳性")])
    out = record(actor=lab, round_=round_a, results=[(T1, "阳性")])
    assert [(a["status"], a["code"]) for a in out] == [("ok", "recorded")]
    assert states(tube) == ("positive", ["positive_pool"])
    assert Recall.objects.filter(status="open").count() == 3
    assert progress(round_a, community_a.code) == {"tubes_resulted": 1, "positive_tubes": 1}
    conflict = ResultConflict.objects.get()
    assert conflict.resolved_at is not None
    assert (conflict.resolution, conflict.resolved_by) == ("positive", lab)


def test_a_result_differing_from_the_recorded_one_is_refused_and_points_to_the_correction(
    round_a, collector, lab, community_a
):
    tube = sampled_tube(round_a, collector, [ResidentFactory()])
    record(actor=lab, round_=round_a, results=[(T1, "negative")])
    out = record(actor=lab, round_=round_a, results=[(T1, "positive")])
    assert [(a["status"], a["code"]) for a in out] == [("error", "result_differs")]
    assert "阴性" in out[0]["message"] and "更正" in out[0]["message"]
    assert states(tube) == ("negative", ["negative"])


def test_conflicting_rows_for_a_tube_not_in_the_round_are_errors(round_a, lab):
    out = record(actor=lab, round_=round_a, results=[("NOSUCH01", "阴性"), ("NOSUCH01", "阳性")])
    assert [(a["status"], a["code"]) for a in out] == [("error", "no_such_tube")] * 2
    assert not ResultConflict.objects.exists()


# --- corrections ----------------------------------------------------------------------------


def test_the_flows_allow_the_corrections_by_the_lab_and_the_platforms_recall_steps():
    for source, target in ((flows.NEGATIVE, flows.POSITIVE), (flows.POSITIVE, flows.NEGATIVE)):
        step = flows.TUBE_FLOW.step(source, target)
        assert step is not None and flows.TUBE_FLOW.capability_of(step) == "testing.results"
        assert (source, target) in flows.REASON_REQUIRED
    assert flows.SAMPLE_FLOW.step(flows.NEGATIVE, flows.POSITIVE_POOL) is not None
    assert flows.SAMPLE_FLOW.step(flows.POSITIVE_POOL, flows.NEGATIVE) is not None
    assert flows.RECALL_FLOW.next_states(flows.OPEN, by=SYSTEM) == (flows.CANCELLED,)
    assert flows.RECALL_FLOW.next_states(flows.NOTIFIED, by=SYSTEM) == (flows.CANCELLED,)
    assert flows.RECALL_FLOW.next_states(flows.CANCELLED, by=SYSTEM) == (flows.OPEN,)
    assert flows.RECALL_FLOW.next_states(flows.OPEN, by=STAFF) == (flows.NOTIFIED, flows.RESAMPLED)
    assert flows.RECALL_FLOW.next_states(flows.CANCELLED, by=STAFF) == ()


def test_correcting_negative_to_positive_opens_the_recalls(round_a, collector, lab, community_a):
    people = [ResidentFactory() for _ in range(3)]
    tube = sampled_tube(round_a, collector, people)
    record(actor=lab, round_=round_a, results=[(T1, "negative")])
    out = correct(actor=lab, round_=round_a, barcode=T1, result="阳性", reason="复检阳性")
    assert out["from_status"] == "negative" and out["to_status"] == "positive"
    assert states(tube) == ("positive", ["positive_pool"])
    assert sorted(Recall.objects.filter(status="open").values_list("resident_id", flat=True)) == sorted(
        p.pk for p in people
    )
    assert progress(round_a, community_a.code) == {"tubes_resulted": 1, "positive_tubes": 1}
    [step] = WorkflowEvent.objects.filter(flow="tube", from_status="negative", to_status="positive")
    assert (step.actor, step.reason, step.row_keys) == (lab, "复检阳性", [T1])
    assert step.detail["correction"] is True
    [samples] = WorkflowEvent.objects.filter(flow="sample", from_status="negative", to_status="positive_pool")
    assert (samples.actor, samples.reason, samples.row_count) == (lab, "复检阳性", 3)
    opened = WorkflowEvent.objects.filter(flow="recall", to_status="open")
    assert opened.count() == 3 and {e.actor_id for e in opened} == {lab.pk}


def test_correcting_positive_to_negative_cancels_the_open_recalls_and_keeps_worked_ones(
    round_a, collector, lab, worker_a, community_a
):
    people = [ResidentFactory() for _ in range(3)]
    tube = sampled_tube(round_a, collector, people)
    record(actor=lab, round_=round_a, results=[(T1, "positive")])
    notified, resampled, untouched = (Recall.objects.get(resident=p) for p in people)
    services.recall_transition(actor=worker_a, recall=notified, to_status="notified")
    services.recall_transition(actor=worker_a, recall=resampled, to_status="resampled")
    out = correct(actor=lab, round_=round_a, barcode=T1, result="阴性（-）", reason="复检阴性，原结果污染")
    assert (out["from_status"], out["to_status"], out["recalls_cancelled"]) == ("positive", "negative", 2)
    assert states(tube) == ("negative", ["negative"])
    assert progress(round_a, community_a.code) == {"tubes_resulted": 1, "positive_tubes": 0}
    status = dict(Recall.objects.values_list("pk", "status"))
    assert status == {notified.pk: "cancelled", resampled.pk: "resampled", untouched.pk: "cancelled"}
    for recall, source in ((notified, "notified"), (untouched, "open")):
        last = WorkflowEvent.objects.filter(flow="recall", row_key=recall.public_id).order_by("id").last()
        assert (last.from_status, last.to_status, last.actor, last.reason) == (
            source,
            "cancelled",
            lab,
            "复检阴性，原结果污染",
        )
    steps = WorkflowEvent.objects.filter(flow="recall", row_key=resampled.public_id).order_by("id")
    assert list(steps.values_list("to_status", flat=True)) == ["open", "resampled"]
    # a cancelled recall offers no step to the people who work recalls
    cancelled = Recall.objects.get(pk=untouched.pk)
    with pytest.raises(ApplicationError):
        services.recall_transition(actor=worker_a, recall=cancelled, to_status="open")


def test_positive_again_after_a_correction_reopens_the_cancelled_recalls(round_a, collector, lab, community_a):
    tube = sampled_tube(round_a, collector, [ResidentFactory() for _ in range(2)])
    record(actor=lab, round_=round_a, results=[(T1, "positive")])
    correct(actor=lab, round_=round_a, barcode=T1, result="negative", reason="复检阴性")
    correct(actor=lab, round_=round_a, barcode=T1, result="positive", reason="再次复检阳性")
    assert states(tube) == ("positive", ["positive_pool"])
    assert list(Recall.objects.values_list("status", flat=True)) == ["open", "open"]
    reopened = WorkflowEvent.objects.filter(flow="recall", from_status="cancelled", to_status="open")
    assert reopened.count() == 2 and {e.reason for e in reopened} == {"再次复检阳性"}
    assert progress(round_a, community_a.code) == {"tubes_resulted": 1, "positive_tubes": 1}


def test_a_correction_before_the_recalls_opened_leaves_none_to_open(round_a, collector, lab, community_a):
    sampled_tube(round_a, collector, [ResidentFactory() for _ in range(2)])
    services.tube_results_record(actor=lab, round_=round_a, results=[(T1, "positive")])  # not yet delivered
    services.tube_result_correct(actor=lab, round_=round_a, barcode=T1, result="negative", reason="复检阴性")
    events.deliver_pending()  # the positive pool's announcement arrives after the correction
    assert Recall.objects.count() == 0
    assert progress(round_a, community_a.code) == {"tubes_resulted": 1, "positive_tubes": 0}


@pytest.mark.parametrize(
    ("kwargs", "status", "words"),
    [
        ({"barcode": T1, "result": "positive", "reason": "  "}, 422, "原因"),
        ({"barcode": T1, "result": "maybe", "reason": "复检"}, 422, "maybe"),
        ({"barcode": "NOSUCH01", "result": "positive", "reason": "复检"}, 404, "本轮没有这个管号"),
        ({"barcode": T1, "result": "阴性", "reason": "复检"}, 409, "阴性"),
    ],
)
def test_a_correction_needs_a_reason_a_result_and_a_tube_of_the_round(
    round_a, collector, lab, community_a, kwargs, status, words
):
    tube = sampled_tube(round_a, collector, [ResidentFactory()])
    record(actor=lab, round_=round_a, results=[(T1, "negative")])
    before = WorkflowEvent.objects.count()
    with pytest.raises(ApplicationError) as info:
        correct(actor=lab, round_=round_a, **kwargs)
    assert info.value.status == status and words in info.value.message
    assert states(tube) == ("negative", ["negative"])
    assert WorkflowEvent.objects.count() == before


def test_a_correction_gives_a_held_tube_its_result(round_a, collector, lab, community_a):
    tube = sampled_tube(round_a, collector, [ResidentFactory() for _ in range(2)])
    record(actor=lab, round_=round_a, results=[(T1, "阴性"), (T1, "阳性")])
    out = correct(actor=lab, round_=round_a, barcode=T1, result="阳性", reason="复检阳性")
    assert (out["from_status"], out["to_status"], out["conflict_resolved"]) == ("closed", "positive", True)
    assert states(tube) == ("positive", ["positive_pool"])
    assert Recall.objects.filter(status="open").count() == 2
    assert progress(round_a, community_a.code) == {"tubes_resulted": 1, "positive_tubes": 1}
    conflict = ResultConflict.objects.get()
    assert (conflict.resolution, conflict.resolved_by, conflict.resolution_reason) == ("positive", lab, "复检阳性")


def test_confirming_the_recorded_result_resolves_a_held_conflict(round_a, collector, lab, community_a):
    tube = sampled_tube(round_a, collector, [ResidentFactory()])
    record(actor=lab, round_=round_a, results=[(T1, "阴性")])
    record(actor=lab, round_=round_a, results=[(T1, "阴性"), (T1, "阳性")])  # a resent file contradicting itself
    assert ResultConflict.objects.get().resolved_at is None
    out = correct(actor=lab, round_=round_a, barcode=T1, result="阴性", reason="复核原结果无误")
    assert (out["from_status"], out["to_status"], out["conflict_resolved"]) == ("negative", "negative", True)
    assert states(tube) == ("negative", ["negative"])
    assert ResultConflict.objects.get().resolved_at is not None


# --- the API and the page -------------------------------------------------------------------


def test_api_answers_held_conflicts_and_takes_corrections(client, round_a, collector, lab, community_a):
    sampled_tube(round_a, collector, [ResidentFactory() for _ in range(2)])
    client.force_login(lab)
    url = f"/api/rounds/{round_a.public_id}/results"
    body = {"results": [{"barcode": T1, "result": "阴性"}, {"barcode": T1, "result": "阳性"}]}
    answer = client.post(url, body, content_type="application/json").json()
    assert [(a["status"], a["code"], a["values"]) for a in answer] == [("held", "conflict_held", ["阴性", "阳性"])] * 2
    fix = {"barcode": T1, "result": "阳性", "reason": "复检阳性"}
    done = client.post(url + "/corrections", fix, content_type="application/json")
    assert done.status_code == 200, done.content
    assert done.json()["to_status"] == "positive" and done.json()["conflict_resolved"] is True
    events.deliver_pending()
    assert Recall.objects.count() == 2
    no_reason = client.post(
        url + "/corrections", {**fix, "result": "阴性", "reason": ""}, content_type="application/json"
    )
    assert no_reason.status_code == 422 and "原因" in no_reason.json()["message"]
    # a lab elsewhere, and a community worker without the capability, do not find the round
    for other in (make_user_with_role("lab2", "lab", "5102"), make_user_with_role("w", "community_worker", "510104")):
        client.force_login(other)
        assert client.post(url + "/corrections", fix, content_type="application/json").status_code == 404
    assert Tube.objects.get().status == "positive"


def test_results_page_shows_held_conflicts_and_corrects_a_result(client, round_a, collector, lab, community_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    sampled_tube(round_a, collector, [ResidentFactory() for _ in range(2)])
    client.force_login(lab)
    url = f"/rounds/{round_a.public_id}/results/"
    csv = "管号,结果\nTUBE0001,阴性\nTUBE0001,阳性(+)\n".encode()
    page = client.post(url, {"file": SimpleUploadedFile("r.csv", csv)}).content.decode()
    assert 'id="held-count">2<' in page
    held = page.split('class="held-conflicts"')[1].split("</table>")[0]
    assert T1 in held and "阴性" in held and "阳性(+)" in held and "r.csv" in held
    assert 'name="reason"' in page and 'value="correct"' in page
    refused = client.post(url, {"action": "correct", "barcode": T1, "result": "阳性", "reason": ""})
    assert refused.status_code == 422 and "原因" in refused.content.decode()
    done = client.post(url, {"action": "correct", "barcode": T1, "result": "阳性", "reason": "复检阳性"}, follow=True)
    assert done.status_code == 200
    text = done.content.decode()
    assert "已更正" in text and 'class="held-conflicts"' not in text
    assert Tube.objects.get().status == "positive"
    client.force_login(make_user_with_role("lab2", "lab", "5102"))
    assert client.post(url, {"action": "correct", "barcode": T1, "result": "阴性", "reason": "x"}).status_code == 404


def test_recall_list_offers_no_platform_step(client, round_a, collector, lab, worker_a):
    sampled_tube(round_a, collector, [ResidentFactory()])
    record(actor=lab, round_=round_a, results=[(T1, "positive")])
    client.force_login(worker_a)
    page = client.get(f"/rounds/{round_a.public_id}/recalls/").content.decode()
    assert 'value="notified"' in page and 'value="cancelled"' not in page
    correct(actor=lab, round_=round_a, barcode=T1, result="negative", reason="复检阴性")
    page = client.get(f"/rounds/{round_a.public_id}/recalls/").content.decode()
    assert "已撤销" in page and 'value="notified"' not in page
