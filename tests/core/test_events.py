"""core.events, the transactional outbox: `publish` writes one OutboxMessage per subscriber in the
caller's transaction and hands them to Huey when it commits (immediate mode under the test
settings); `deliver` runs one handler and marks its message done in one transaction; the sweep
`deliver_pending` retries what is left. And the project's one subscription: a positive pool opens
its members' recalls."""

import uuid

import pytest
from django.db import transaction
from huey.contrib.djhuey import HUEY

from gongzhi.core import events
from gongzhi.core.models import AuditEvent, OutboxMessage, WorkflowEvent
from gongzhi.testing import services
from gongzhi.testing.collection import CLOSE, OPEN, SCAN, Event
from gongzhi.testing.models import Recall, Tube
from gongzhi.testing.services.results import POOLS_POSITIVE
from tests.factories import ResidentFactory, make_user_with_role

pytestmark = pytest.mark.django_db

HERE = __name__  # subscribers are named by module and name
T1, T2 = "TUBE0001", "TUBE0002"
RECALLS_HANDLER = "gongzhi.testing.handlers.open_recalls_for_positive_pools"
ZONES_HANDLER = "gongzhi.zones.handlers.propose_zones_for_positive_pools"


@pytest.fixture
def topic():
    """A topic of this test's own; every subscription the test adds is gone afterwards."""
    saved = {name: dict(handlers) for name, handlers in events._SUBSCRIBERS.items()}
    yield f"test.{uuid.uuid4().hex[:20]}"
    events._SUBSCRIBERS.clear()
    events._SUBSCRIBERS.update(saved)


def subscribe(topic, name, *, fails=0, writes=False):
    """A throwaway subscriber `name`: records each payload it is handed; raises while `fails` (in
    the returned state) is above zero; with `writes`, writes an audit row first (rolled back when it
    then raises)."""
    calls: list[dict] = []
    state = {"fails": fails}

    def handler(payload):
        calls.append(payload)
        if writes:
            AuditEvent.objects.create(actor_name=name, action="create", entity=name, area_code="5101")
        if state["fails"] > 0:
            state["fails"] -= 1
            raise RuntimeError(f"{name} is down")

    handler.__qualname__ = name
    events.subscriber(topic)(handler)
    return calls, state


def message(topic, name):
    return OutboxMessage.objects.get(topic=topic, handler=f"{HERE}.{name}")


def test_the_test_settings_run_huey_tasks_in_process():
    assert HUEY.immediate


# --- publish -------------------------------------------------------------------------------------


def test_publish_writes_one_message_per_subscriber_and_delivers_nothing_before_the_commit(
    topic, django_capture_on_commit_callbacks
):
    # given two subscribers of a topic
    second, _ = subscribe(topic, "second")
    first, _ = subscribe(topic, "first")
    # when a change is published inside a transaction that has not committed
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ids = events.publish(topic, {"round": 7, "tubes": [1, 2]}, area_code="510104017001" + "999")
    # then there is one pending message per subscriber, named by module and name, in name order
    rows = list(OutboxMessage.objects.filter(topic=topic).order_by("id"))
    assert [m.handler for m in rows] == [f"{HERE}.first", f"{HERE}.second"]
    assert ids == [m.pk for m in rows]
    for m in rows:
        assert m.payload == {"round": 7, "tubes": [1, 2]}
        assert m.area_code == "510104017001"  # cut to 12
        assert (m.done_at, m.attempts, m.last_error) == (None, 0, "")
    # and nobody was handed anything: the queue gets them when the transaction commits
    assert first == second == []
    assert len(callbacks) == 1
    # when it commits, each subscriber is handed the payload once
    callbacks[0]()
    assert first == second == [{"round": 7, "tubes": [1, 2]}]
    assert all(m.done_at is not None for m in OutboxMessage.objects.filter(topic=topic))


def test_publish_without_subscribers_writes_and_enqueues_nothing(topic, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert events.publish(topic, {"x": 1}) == []
    assert callbacks == []
    assert not OutboxMessage.objects.filter(topic=topic).exists()


def test_publish_adds_to_the_callers_transaction(topic):
    # given a subscriber; when the caller's transaction rolls back after publishing
    calls, _ = subscribe(topic, "only")
    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish(topic, {"x": 1})
        assert OutboxMessage.objects.filter(topic=topic).count() == 1
        raise RuntimeError("the change failed")
    # then its message is gone with it
    assert not OutboxMessage.objects.filter(topic=topic).exists()
    assert events.deliver_pending() == 0
    assert calls == []


# --- delivery after the commit (the Huey task) ---------------------------------------------------


def test_after_the_commit_the_huey_task_runs_each_handler_and_marks_its_message_done(
    topic, django_capture_on_commit_callbacks, monkeypatch
):
    # given two subscribers, and a spy on what the task delivers
    a_calls, _ = subscribe(topic, "a")
    b_calls, _ = subscribe(topic, "b")
    delivered = []
    real_deliver = events.deliver
    monkeypatch.setattr(events, "deliver", lambda message_id: delivered.append(message_id) or real_deliver(message_id))
    # when a publish commits
    with django_capture_on_commit_callbacks(execute=True):
        ids = events.publish(topic, {"n": 1})
    # then the task delivered each message: handlers ran once, messages are done after one attempt
    assert delivered == ids
    assert a_calls == b_calls == [{"n": 1}]
    for name in ("a", "b"):
        m = message(topic, name)
        assert m.done_at is not None and m.attempts == 1 and m.last_error == ""
    # and the sweep finds nothing left to do
    assert events.deliver_pending() == 0
    assert a_calls == b_calls == [{"n": 1}]


def test_a_failing_handler_leaves_its_message_pending_and_the_sweep_delivers_it_once_it_succeeds(
    topic, django_capture_on_commit_callbacks
):
    # given a subscriber that fails once (after writing), beside one that works
    flaky, state = subscribe(topic, "flaky", fails=1, writes=True)
    steady, _ = subscribe(topic, "steady")
    # when a publish commits
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(topic, {"n": 1})
    # then the working subscriber is done, and the failing one's message waits with its error
    assert steady == [{"n": 1}] and message(topic, "steady").done_at is not None
    failed = message(topic, "flaky")
    assert failed.done_at is None and failed.attempts == 1
    assert "Traceback" in failed.last_error and "RuntimeError: flaky is down" in failed.last_error
    # and what the failing handler wrote was rolled back with it
    assert not AuditEvent.objects.filter(entity="flaky").exists()
    # when the sweep runs again, the handler now working
    assert state["fails"] == 0
    assert events.deliver_pending() == 1
    # then the message is done after its second attempt, and its write stays, once
    done = message(topic, "flaky")
    assert done.done_at is not None and done.attempts == 2
    assert flaky == [{"n": 1}, {"n": 1}] and steady == [{"n": 1}]
    assert AuditEvent.objects.filter(entity="flaky").count() == 1
    assert events.deliver_pending() == 0


def test_delivery_is_at_most_once_per_message(topic):
    # given a published message (its transaction not yet committed, so nothing delivered it)
    calls, _ = subscribe(topic, "once", writes=True)
    [message_id] = events.publish(topic, {"n": 1})
    # when it is delivered twice (the task and the sweep racing, or a retried task), and swept
    assert events.deliver(message_id) is True
    assert events.deliver(message_id) is True
    assert events.deliver_pending() == 0
    # then the handler ran once
    assert calls == [{"n": 1}]
    assert AuditEvent.objects.filter(entity="once").count() == 1
    m = OutboxMessage.objects.get(pk=message_id)
    assert m.attempts == 1 and m.done_at is not None


def test_delivering_a_message_that_does_not_exist_is_false():
    assert events.deliver(10**9) is False


def test_a_message_whose_transaction_rolls_back_is_never_delivered(topic, django_capture_on_commit_callbacks):
    calls, _ = subscribe(topic, "never")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            events.publish(topic, {"n": 1})
            raise RuntimeError("rolled back")
    assert callbacks == []  # the enqueue went with the transaction
    assert not OutboxMessage.objects.filter(topic=topic).exists()
    assert events.deliver_pending() == 0
    assert calls == []


def test_a_message_for_a_subscriber_gone_since_is_kept_with_the_error(topic):
    subscribe(topic, "gone")
    [message_id] = events.publish(topic, {"n": 1})
    events._SUBSCRIBERS[topic].clear()
    assert events.deliver(message_id) is False
    m = OutboxMessage.objects.get(pk=message_id)
    assert m.done_at is None and m.attempts == 1
    assert f"no subscriber {HERE}.gone for {topic}" in m.last_error


# --- the sweep -----------------------------------------------------------------------------------


def test_deliver_pending_respects_max_attempts(topic):
    # given a handler that keeps failing, a message one attempt short of the limit and one at it
    calls, state = subscribe(topic, "broken", fails=10**6)
    [short] = events.publish(topic, {"n": "short"})
    [spent] = events.publish(topic, {"n": "spent"})
    OutboxMessage.objects.filter(pk=short).update(attempts=events.MAX_ATTEMPTS - 1)
    OutboxMessage.objects.filter(pk=spent).update(attempts=events.MAX_ATTEMPTS)
    # when the sweep runs, only the message under the limit is tried
    assert events.deliver_pending() == 0
    assert calls == [{"n": "short"}]
    assert OutboxMessage.objects.get(pk=short).attempts == events.MAX_ATTEMPTS
    # and once both are at the limit the sweep leaves them alone, even with the handler mended
    state["fails"] = 0
    assert events.deliver_pending() == 0
    assert calls == [{"n": "short"}]
    assert set(OutboxMessage.objects.filter(topic=topic, done_at__isnull=True).values_list("id", flat=True)) == {
        short,
        spent,
    }


def test_deliver_pending_delivers_the_oldest_first_up_to_its_limit(topic):
    calls, _ = subscribe(topic, "ordered")
    ids = [events.publish(topic, {"n": n})[0] for n in range(3)]
    assert events.deliver_pending(limit=2) == 2
    assert calls == [{"n": 0}, {"n": 1}]
    assert list(OutboxMessage.objects.filter(topic=topic, done_at__isnull=True).values_list("id", flat=True)) == [
        ids[2]
    ]
    assert events.deliver_pending() == 1
    assert calls == [{"n": 0}, {"n": 1}, {"n": 2}]


def test_the_fixture_leaves_the_projects_subscription_in_place():
    assert set(events.subscribers(POOLS_POSITIVE)) == {RECALLS_HANDLER, ZONES_HANDLER}
    assert not [t for t in events._SUBSCRIBERS if t.startswith("test.") and events._SUBSCRIBERS[t]]


# --- the real subscription: a positive pool opens its members' recalls ---------------------------


@pytest.fixture
def lab(areas):
    return make_user_with_role("lab1", "lab", "5101")


@pytest.fixture
def pooled(community_a, worker_a):
    """A round of community A: three residents in tube T1, one in T2, both closed."""
    round_ = services.round_create(actor=worker_a, name="第1轮", area_code=community_a.code, pool_size=10)
    collector = make_user_with_role("collector_a", "collector", community_a.code)
    in_t1, in_t2 = [ResidentFactory() for _ in range(3)], [ResidentFactory()]
    for barcode, members in ((T1, in_t1), (T2, in_t2)):
        batch = [Event(f"{barcode}-o", OPEN, barcode)]
        batch += [Event(f"{barcode}-{i}", SCAN, barcode, "R:" + r.public_id) for i, r in enumerate(members)]
        batch.append(Event(f"{barcode}-c", CLOSE, barcode))
        assert {o.status for o in services.scan_batch_ingest(round_=round_, collector=collector, events=batch)} == {
            "ok"
        }
    return round_, in_t1, in_t2


def assert_recalls_opened(round_, members, lab, community_code):
    """One open recall per member of T1, each with one START event naming the lab's account."""
    tube = Tube.objects.get(round=round_, barcode=T1)
    recalls = list(Recall.objects.filter(round=round_).order_by("resident_id"))
    assert [(r.resident_id, r.tube_id, r.status, r.community_code) for r in recalls] == [
        (m.pk, tube.pk, "open", community_code) for m in sorted(members, key=lambda m: m.pk)
    ]
    opened = WorkflowEvent.objects.filter(flow="recall").order_by("row_key")
    assert [
        (e.row_key, e.from_status, e.to_status, e.actor_id, e.actor_name, e.area_code, e.row_count) for e in opened
    ] == [
        (r.public_id, "", "open", lab.pk, "lab1", community_code, 1) for r in sorted(recalls, key=lambda r: r.public_id)
    ]


def test_a_positive_pool_opens_one_recall_per_member_after_the_commit(
    pooled, lab, community_a, django_capture_on_commit_callbacks
):
    round_, in_t1, in_t2 = pooled
    # when the lab records T1 positive and T2 negative, and the transaction commits
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.tube_results_record(actor=lab, round_=round_, results=[(T1, "positive"), (T2, "negative")])
    # then before the commit no recall exists, and only the positive pool was announced
    assert Recall.objects.count() == 0
    announced = OutboxMessage.objects.get(topic=POOLS_POSITIVE, handler=RECALLS_HANDLER)
    assert announced.handler == RECALLS_HANDLER
    t1 = Tube.objects.get(round=round_, barcode=T1)
    assert announced.payload == {"round": round_.pk, "tubes": [t1.pk], "actor": lab.pk}
    assert announced.area_code == community_a.code
    for callback in callbacks:
        callback()
    # after it, each member of T1 has a recall opened by the platform for the lab
    assert_recalls_opened(round_, in_t1, lab, community_a.code)
    assert not Recall.objects.filter(resident__in=in_t2).exists()
    announced.refresh_from_db()
    assert announced.done_at is not None and announced.attempts == 1


def test_a_second_delivery_of_a_positive_pool_opens_nothing_new(
    pooled, lab, community_a, django_capture_on_commit_callbacks
):
    round_, in_t1, _in_t2 = pooled
    with django_capture_on_commit_callbacks(execute=True):
        services.tube_results_record(actor=lab, round_=round_, results=[(T1, "positive")])
    first = OutboxMessage.objects.get(topic=POOLS_POSITIVE, handler=RECALLS_HANDLER)
    recalls = set(Recall.objects.values_list("pk", "status"))
    workflow_events = WorkflowEvent.objects.count()
    assert len(recalls) == 3
    # when the same announcement is published and delivered again (at-least-once delivery)
    with django_capture_on_commit_callbacks(execute=True):
        again = events.publish(POOLS_POSITIVE, first.payload, area_code=first.area_code)
    # then it is done (by each subscriber: recalls and zones), and opened nothing: no recall, no event
    assert len(again) == 2 and all(m.done_at is not None for m in OutboxMessage.objects.filter(pk__in=again))
    assert set(Recall.objects.values_list("pk", "status")) == recalls
    assert WorkflowEvent.objects.count() == workflow_events
    assert_recalls_opened(round_, in_t1, lab, community_a.code)
    # nor does the lab recording the same result again announce anything
    with django_capture_on_commit_callbacks(execute=True):
        services.tube_results_record(actor=lab, round_=round_, results=[(T1, "positive")])
    assert OutboxMessage.objects.filter(topic=POOLS_POSITIVE, handler=RECALLS_HANDLER).count() == 2


def test_a_recall_already_worked_is_left_as_it_is_by_a_second_delivery(
    pooled, lab, worker_a, django_capture_on_commit_callbacks
):
    round_, in_t1, _in_t2 = pooled
    with django_capture_on_commit_callbacks(execute=True):
        services.tube_results_record(actor=lab, round_=round_, results=[(T1, "positive")])
    worked = Recall.objects.get(resident=in_t1[0])
    services.recall_transition(actor=worker_a, recall=worked, to_status="notified")
    payload = OutboxMessage.objects.get(topic=POOLS_POSITIVE, handler=RECALLS_HANDLER).payload
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(POOLS_POSITIVE, payload)
    assert Recall.objects.get(pk=worked.pk).status == "notified"
    assert Recall.objects.count() == 3


# BUG: testing/services/results/moves.py `_apply_results` counts the rollup (tubes_resulted,
# positive_tubes) and announces positive pools from the tubes it *planned* to move, not from the rows
# its `UPDATE ... WHERE status = source` really moved. Two result calls for the same tube that both
# read it before either commits (two lab uploads at once; the read takes no lock) both find it
# "closed"; the second UPDATE moves nothing (its workflow events are rightly skipped, count 0), yet
# the tube is counted resulted and positive twice and its pool announced twice. Reproduced with two
# real threads on PostgreSQL (progress 2/2 for one tube); simulated here by handing the second call
# the state it reads under READ COMMITTED before the first commits.
def test_two_racing_result_calls_count_and_announce_a_tube_once(
    pooled, lab, community_a, monkeypatch, django_capture_on_commit_callbacks
):
    from gongzhi.testing.models import RoundProgress
    from gongzhi.testing.services.results import record  # where _record reads tubes_by_barcode

    round_, _in_t1, _in_t2 = pooled
    # given the first lab call recorded T1 positive
    with django_capture_on_commit_callbacks(execute=True):
        services.tube_results_record(actor=lab, round_=round_, results=[(T1, "positive")])
    events_before = WorkflowEvent.objects.filter(flow__in=["tube", "sample"]).count()
    # when a second call, racing it, read T1 while it was still closed
    real = record.tubes_by_barcode

    def read_before_the_first_commit(round_, barcodes, columns):
        if columns == "id, barcode, status, community_code":  # what the call re-reads after its UPDATE
            return real(round_, barcodes, columns)
        assert columns == "id, barcode, status, community_code, sample_count"
        return [(pk, b, "closed", code, n) for pk, b, _status, code, n in real(round_, barcodes, columns)]

    monkeypatch.setattr(record, "tubes_by_barcode", read_before_the_first_commit)
    with django_capture_on_commit_callbacks(execute=True):
        services.tube_results_record(actor=lab, round_=round_, results=[(T1, "positive")])
    # then its UPDATE moved nothing, so nothing more is recorded
    assert Tube.objects.get(round=round_, barcode=T1).status == "positive"
    assert WorkflowEvent.objects.filter(flow__in=["tube", "sample"]).count() == events_before
    progress = RoundProgress.objects.get(round=round_, community_code=community_a.code)
    assert (progress.tubes_resulted, progress.positive_tubes) == (1, 1)  # fails: (2, 2)
    assert OutboxMessage.objects.filter(topic=POOLS_POSITIVE, handler=RECALLS_HANDLER).count() == 1


# --- the full path, committed for real -----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_committed_results_open_recalls_through_on_commit_and_huey(pooled, lab, community_a):
    # given pooled tubes (committed: this test runs without a wrapping transaction)
    round_, in_t1, in_t2 = pooled
    # when the lab's results commit (no capture, no sweep)
    services.tube_results_record(actor=lab, round_=round_, results=[(T1, "positive"), (T2, "negative")])
    # then on_commit enqueued the delivery, immediate Huey ran it, and the recalls exist
    assert_recalls_opened(round_, in_t1, lab, community_a.code)
    assert not Recall.objects.filter(resident__in=in_t2).exists()
    announced = OutboxMessage.objects.get(topic=POOLS_POSITIVE, handler=RECALLS_HANDLER)
    assert announced.done_at is not None and announced.attempts == 1
    assert events.deliver_pending() == 0


@pytest.mark.django_db(transaction=True)
def test_committed_publish_is_delivered_at_the_commit_and_a_rolled_back_one_never(topic):
    calls, _ = subscribe(topic, "committed")
    with transaction.atomic():
        events.publish(topic, {"n": 1})
        assert calls == []  # not before the commit
    assert calls == [{"n": 1}]
    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish(topic, {"n": 2})
        raise RuntimeError("rolled back")
    assert calls == [{"n": 1}]
    assert list(OutboxMessage.objects.filter(topic=topic).values_list("payload", "attempts")) == [({"n": 1}, 1)]
    assert events.deliver_pending() == 0
