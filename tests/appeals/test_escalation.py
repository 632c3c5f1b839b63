"""The sweep (services.appeals_escalate_due, run every minute by appeals.tasks.escalate_due): every
request whose level's deadline has passed moves up one level, pending there with that level's minutes
and no assignee, one event each; the district keeps its own; nothing resolved, closed, merged or
unplaced moves; a second sweep at the same moment moves nothing."""

import datetime as dt
import itertools
from collections import Counter

import pytest
from django.utils import timezone
from huey.api import PeriodicTask
from huey.contrib.djhuey import HUEY

from gongzhi.appeals import flows, services, sla, tasks
from gongzhi.appeals.models import Appeal
from gongzhi.core.models import WorkflowEvent
from tests.appeals.factories import make_place, submit, unplaced
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2022, 9, 6, 4, 0, tzinfo=dt.UTC)  # 12:00 in Chengdu
CATEGORY_OF = {"critical": "medical_emergency", "urgent": "medicine", "normal": "food"}
MINUTES = sla.DEFAULT_SLA_MINUTES


@pytest.fixture
def place(community_a, community_b):
    return make_place(community_a, community_b)


def events_by_row() -> Counter:
    return Counter(WorkflowEvent.objects.filter(flow="appeal").values_list("row_key", flat=True))


@pytest.fixture
def spread(place):
    """Requests at every level, of every urgency, pending and in progress, lapsed (by a second, by a
    day, exactly at NOW) and not (by a second); and resolved, closed, merged and unplaced ones long past
    their deadline. Returns {public_id: (status, level, urgency, lapsed)}."""
    street = place.users["street"]
    households = iter(HouseholdFactory.create_batch(40, building=place.building))
    household = next(households)
    used: set[str] = set()
    cases = {}
    offsets = (-dt.timedelta(days=1), -dt.timedelta(seconds=1), dt.timedelta(0), dt.timedelta(seconds=1))
    for level, status, offset, urgency in itertools.product(
        sla.LEVELS, (flows.PENDING, flows.IN_PROGRESS), offsets, ("critical", "urgent", "normal")
    ):
        if urgency in used:
            household, used = next(households), set()
        used.add(urgency)
        appeal = submit(household, CATEGORY_OF[urgency], "需要帮助")
        assert appeal.urgency == urgency
        if status == flows.IN_PROGRESS:
            services.appeal_take(actor=street, appeal=appeal)
        Appeal.objects.filter(pk=appeal.pk).update(level=level, due_at=NOW + offset)
        cases[appeal.public_id] = (status, level, urgency, offset <= dt.timedelta(0))
    long_ago = NOW - dt.timedelta(days=30)
    ended = []
    for end in ("resolved", "closed", "merged"):
        appeal = submit(next(households), "food", "没有米了")
        if end in ("resolved", "closed"):
            services.appeal_resolve(actor=street, appeal=appeal, resolution="已送到")
        if end == "closed":
            services.appeal_answer(appeal=appeal, solved=True, rating=5)
        if end == "merged":
            appeal = submit(appeal.household, "food", "还是没有米")
        ended.append(appeal)
    waiting = unplaced(ref="GD-SWEEP-1")
    ended.append(waiting)
    for appeal in ended:
        appeal.refresh_from_db()
        Appeal.objects.filter(pk=appeal.pk).update(due_at=long_ago)
        cases[appeal.public_id] = (appeal.status, appeal.level, appeal.urgency, False)
    return cases


def test_the_sweep_moves_every_lapsed_request_up_one_level_and_nothing_else(spread):
    before = {a.public_id: a for a in Appeal.objects.all()}
    events = events_by_row()
    expected = {pid for pid, (status, level, _u, lapsed) in spread.items() if lapsed and level != "district"}
    assert len(expected) == 3 * 3 * 2 * 3  # three levels below the district, three urgencies, two states, three offsets

    moved = services.appeals_escalate_due(now=NOW)

    assert moved == len(expected)
    after = {a.public_id: a for a in Appeal.objects.all()}
    new_events = events_by_row() - events
    assert set(new_events) == expected and set(new_events.values()) == {1}  # exactly one event per moved request
    for pid, (status, level, urgency, _lapsed) in spread.items():
        old, new = before[pid], after[pid]
        if pid not in expected:
            assert (new.status, new.level, new.due_at, new.escalations, new.assignee_id, new.updated_at) == (
                old.status, old.level, old.due_at, old.escalations, old.assignee_id, old.updated_at,
            ), pid  # fmt: skip
            continue
        upper = sla.next_level(level)
        assert (new.status, new.level, new.escalations) == (flows.PENDING, upper, old.escalations + 1), pid
        assert (new.assignee_id, new.assignee_name) == (None, ""), pid  # the level above owns it now
        assert new.level_since == NOW and new.due_at == NOW + dt.timedelta(minutes=MINUTES[urgency]), pid
        event = WorkflowEvent.objects.get(row_key=pid, reason="sla_lapsed")
        assert (event.from_status, event.to_status, event.actor_id) == (status, flows.PENDING, None)
        assert event.detail == {"from_level": level, "to_level": upper}
        assert event.area_code == new.community_code
    # The district keeps its lapsed ones: still lapsed, on its list.
    district_lapsed = [pid for pid, (_s, level, _u, lapsed) in spread.items() if lapsed and level == "district"]
    assert district_lapsed and all(
        after[pid].level == "district" and after[pid].due_at <= NOW for pid in district_lapsed
    )

    assert services.appeals_escalate_due(now=NOW) == 0  # a second sweep at the same moment
    assert events_by_row() == events + new_events


def test_batches_of_any_size_move_the_same_requests(spread):
    assert services.appeals_escalate_due(now=NOW, batch=4) == 3 * 3 * 2 * 3
    assert services.appeals_escalate_due(now=NOW, batch=4) == 0
    assert (
        Counter(WorkflowEvent.objects.filter(reason="sla_lapsed").values_list("row_key", flat=True)).most_common(1)[0][
            1
        ]
        == 1
    )


def test_a_forgotten_request_climbs_to_the_district_and_stays_there(place):
    appeal = submit(place.households["h1"], "medicine", "降压药吃完了")
    services.appeal_take(actor=place.users["grid"], appeal=appeal)
    allowance = dt.timedelta(minutes=MINUTES["urgent"])
    now = appeal.due_at
    seen = []
    for _ in range(5):
        services.appeals_escalate_due(now=now)
        appeal.refresh_from_db()
        seen.append((appeal.level, appeal.status, appeal.assignee_id))
        now += allowance
    assert seen == [
        ("community", "pending", None), ("street", "pending", None), ("district", "pending", None),
        ("district", "pending", None), ("district", "pending", None),
    ]  # fmt: skip
    assert appeal.escalations == 3 and appeal.due_at < now
    steps = WorkflowEvent.objects.filter(row_key=appeal.public_id, reason="sla_lapsed").order_by("id")
    assert [(e.detail["from_level"], e.detail["to_level"]) for e in steps] == [
        ("grid", "community"), ("community", "street"), ("street", "district"),
    ]  # fmt: skip
    assert services.appeals_escalate_due(now=now + dt.timedelta(days=365)) == 0


def test_a_request_one_second_before_its_deadline_stays(place):
    appeal = submit(place.households["h1"], "food", "没有米了")
    assert services.appeals_escalate_due(now=appeal.due_at - dt.timedelta(microseconds=1)) == 0
    assert services.appeals_escalate_due(now=appeal.due_at) == 1


def test_the_periodic_task_runs_every_minute_and_sweeps(place):
    assert isinstance(tasks.escalate_due.task_class(), PeriodicTask)
    assert tasks.escalate_due.task_class in HUEY._registry.periodic_tasks or any(
        isinstance(t, tasks.escalate_due.task_class) for t in HUEY._registry.periodic_tasks
    )
    for moment in (dt.datetime(2022, 9, 5, 0, 0), dt.datetime(2022, 9, 5, 13, 37)):
        assert tasks.escalate_due.task_class().validate_datetime(moment)
    lapsed = submit(place.households["h1"], "food", "没有米了")
    Appeal.objects.filter(pk=lapsed.pk).update(due_at=timezone.now() - dt.timedelta(minutes=1))
    fresh = submit(place.households["h2"], "food", "没有米了")
    tasks.escalate_due.call_local()
    lapsed.refresh_from_db()
    fresh.refresh_from_db()
    assert (lapsed.level, lapsed.escalations) == ("community", 1)
    assert (fresh.level, fresh.escalations) == ("grid", 0)
    # Enqueued as the consumer would (the tests' Huey runs tasks at once).
    Appeal.objects.filter(pk=lapsed.pk).update(due_at=timezone.now() - dt.timedelta(minutes=1))
    tasks.escalate_due()
    lapsed.refresh_from_db()
    assert (lapsed.level, lapsed.escalations) == ("street", 2)
