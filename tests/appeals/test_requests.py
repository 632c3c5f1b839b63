"""The life of a request through the services: triaged, waiting at the grid, merged when it comes
twice, taken on, escalated when its level's deadline lapses, resolved, answered by the resident."""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.utils import timezone

from gongzhi.appeals import flows, services
from gongzhi.appeals.models import Appeal
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import WorkflowEvent
from gongzhi.people.models import ResidentTag
from tests.factories import BuildingFactory, GridFactory, HouseholdFactory, ResidentFactory, make_user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(community_a):
    return HouseholdFactory()


@pytest.fixture
def grid_worker(household):
    return make_user_with_role("grid_a", "grid_worker", household.community_code, grid=household.building.grid)


def test_a_dialysis_patients_request_is_never_normal_and_waits_at_the_grid(household):
    resident = ResidentFactory(household=household)
    ResidentTag.objects.create(resident=resident, community_code=household.community_code, tag="dialysis")

    appeal = services.appeal_submit(household=household, category="other", text="想问问下周的安排")

    assert appeal.urgency != "normal"
    assert appeal.status == flows.PENDING and appeal.level == "grid"
    assert appeal.due_at > timezone.now()
    assert WorkflowEvent.objects.filter(flow="appeal", row_key=appeal.public_id).count() == 1


def test_a_new_request_is_routed_to_the_households_grid_worker(household, grid_worker):
    appeal = services.appeal_submit(household=household, category="food", text="家里没有米了")
    assert (appeal.status, appeal.level, appeal.assignee_id) == (flows.PENDING, "grid", grid_worker.pk)


def test_a_second_request_of_the_same_kind_is_merged_into_the_open_one_and_raises_it(household):
    first = services.appeal_submit(household=household, category="medicine", text="需要买降压药")
    second = services.appeal_submit(household=household, category="medicine", text="胸痛，药还没到")

    first.refresh_from_db()
    assert second.status == flows.MERGED and second.merged_into_id == first.pk
    assert first.urgency == "critical"  # the more urgent of the two
    assert Appeal.objects.filter(status__in=flows.OPEN_STATES).count() == 1


def test_a_new_request_is_stored_as_the_orm_reads_it_and_its_duplicate_read_raw_is_the_orm_row(household, grid_worker):
    """A new request is written by core.db.insert_together and its open duplicate read by one raw
    statement: both must be the rows the ORM writes and reads, field by field and type by type."""
    from gongzhi.appeals.services.submit import open_duplicates

    appeal = services.appeal_submit(
        household=household,
        category="medicine",
        text="需要买胰岛素",
        caller_name="王女士",
        caller_phone="139 0000 1111",
    )
    stored = Appeal.objects.get(pk=appeal.pk)
    found, none = open_duplicates([household.pk], [(household.pk, "medicine"), (household.pk, "food")])
    for f in Appeal._meta.concrete_fields:
        assert getattr(appeal, f.attname) == getattr(stored, f.attname), f.attname
        assert getattr(found, f.attname) == getattr(stored, f.attname), f.attname
        assert type(getattr(found, f.attname)) is type(getattr(stored, f.attname)), f.attname
    assert stored.urgency_reasons and stored.caller_phone == "13900001111"
    assert none is None


def test_a_new_requests_two_reads_in_one_round_trip_give_what_each_gives_alone(household, grid_worker):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gongzhi.appeals.services.submit import grid_worker_of, tags_and_grid_workers

    resident = ResidentFactory(household=household)
    for tag in ("dialysis", "elderly_alone"):
        ResidentTag.objects.create(resident=resident, community_code=household.community_code, tag=tag)
    unstaffed = HouseholdFactory(
        building=BuildingFactory(grid=GridFactory(community=household.building.grid.community))
    )
    with CaptureQueriesContext(connection) as sent:
        tags, workers = tags_and_grid_workers([household, unstaffed, household])
    assert len(sent) == (1 if connection.vendor == "postgresql" else 2)  # two households, two grids
    assert tags == {household.pk: services.household_tags(household), unstaffed.pk: set()}
    assert tags[household.pk] == {"dialysis", "elderly_alone"}
    worker = workers[household.building.grid_id]
    stored = get_user_model().objects.get(pk=grid_worker.pk)
    for found in (worker, grid_worker_of(household)):
        for f in get_user_model()._meta.concrete_fields:
            assert getattr(found, f.attname) == getattr(stored, f.attname), f.attname
    assert workers[unstaffed.building.grid_id] is None and grid_worker_of(unstaffed) is None  # no worker yet


@pytest.mark.django_db(transaction=True)
def test_eight_requests_of_one_kind_sent_at_once_leave_one_open_and_seven_merged_into_it(household):
    """The household's row is locked and its open duplicate read in one message (core.db.in_turn): the
    read must still see a request committed while it waited for the lock. PostgreSQL: eight threads,
    each its own connection, started together; SQLite has one writer, so one after another there."""
    from django.db import connection

    def submit(i):
        try:
            start.wait()
            return services.appeal_submit(household=household, category="medicine", text=f"需要买药，第{i}次")
        finally:
            connection.close()

    start = threading.Barrier(8 if connection.vendor == "postgresql" else 1)
    if connection.vendor == "postgresql":
        with ThreadPoolExecutor(8) as pool:
            made = list(pool.map(submit, range(8)))
    else:
        made = [submit(i) for i in range(8)]
    (opened,) = [a for a in made if a.status == flows.PENDING]
    assert sorted(a.merged_into_id for a in made if a is not opened) == [opened.pk] * 7
    assert Appeal.objects.filter(household=household, status__in=flows.OPEN_STATES).count() == 1
    for appeal in made:  # each with the first step of its timeline
        (event,) = WorkflowEvent.objects.filter(flow="appeal", row_key=appeal.public_id)
        assert event.to_status == appeal.status


def test_the_sweep_moves_a_lapsed_request_up_a_level_and_records_it(household, grid_worker):
    appeal = services.appeal_submit(household=household, category="food", text="家里没有米了")
    services.appeal_take(actor=grid_worker, appeal=appeal)

    assert services.appeals_escalate_due(now=appeal.due_at - dt.timedelta(seconds=1)) == 0
    assert services.appeals_escalate_due(now=appeal.due_at + dt.timedelta(seconds=1)) == 1

    appeal.refresh_from_db()
    assert (appeal.status, appeal.level, appeal.escalations, appeal.assignee_id) == (
        flows.PENDING,
        "community",
        1,
        None,
    )
    event = WorkflowEvent.objects.filter(flow="appeal", row_key=appeal.public_id).order_by("-id").first()
    assert event.detail == {"from_level": "grid", "to_level": "community"}


def test_resolve_then_the_residents_answer_closes_it_or_reopens_it(household, grid_worker):
    appeal = services.appeal_submit(household=household, category="food", text="家里没有米了")
    appeal = services.appeal_take(actor=grid_worker, appeal=appeal)
    appeal = services.appeal_resolve(actor=grid_worker, appeal=appeal, resolution="已送米一袋")
    reopened = services.appeal_answer(appeal=appeal, solved=False, feedback="只送了米，没有油")
    assert reopened.status == flows.IN_PROGRESS
    resolved = services.appeal_resolve(actor=grid_worker, appeal=reopened, resolution="已补送油")
    closed = services.appeal_answer(appeal=resolved, solved=True, rating=4)
    assert (closed.status, closed.rating) == (flows.CLOSED, 4)
    with pytest.raises(ApplicationError):
        services.appeal_answer(appeal=closed, solved=True, rating=5)


def test_staff_outside_the_households_area_cannot_enter_or_handle(household, worker_b):
    with pytest.raises(ApplicationError) as refused:
        services.appeal_submit(household=household, category="food", text="没有米了", channel="staff", actor=worker_b)
    assert refused.value.status == 403
    appeal = services.appeal_submit(household=household, category="food", text="没有米了")
    with pytest.raises(ApplicationError):
        services.appeal_take(actor=worker_b, appeal=appeal)


def test_oversized_text_is_refused_and_nothing_written(household):
    with pytest.raises(ApplicationError):
        services.appeal_submit(household=household, category="food", text="米" * 1001)
    assert not Appeal.objects.exists()


def test_a_wrong_sla_setting_is_refused_by_the_system_check(settings):
    from gongzhi.appeals.checks import appeal_sla_setting

    settings.APPEAL_SLA_MINUTES = {"critical": 30, "urgent": "abc", "normal": 10}
    errors = appeal_sla_setting()
    assert errors and all(e.id == "gongzhi.appeals.E001" for e in errors)
    settings.APPEAL_SLA_MINUTES = {"critical": 30, "urgent": 120, "normal": 1440}
    assert appeal_sla_setting() == []


def test_the_sla_setting_decides_the_deadline(settings, household):
    settings.APPEAL_SLA_MINUTES = {"critical": 10, "urgent": 60, "normal": 600}
    appeal = services.appeal_submit(household=household, category="food", text="家里没有米了")
    assert appeal.urgency == "normal"
    assert abs((appeal.due_at - appeal.level_since) - dt.timedelta(minutes=600)) < dt.timedelta(seconds=1)


def test_the_worklist_counts_are_exact_up_to_the_cap_and_say_more_past_it(household, grid_worker, monkeypatch):
    from gongzhi.appeals import selectors

    for category in ("food", "medicine", "psychological", "elderly_care"):
        services.appeal_submit(household=household, category=category, text="需要帮助")
    services.appeal_submit(household=household, category="medical_emergency", text="胸痛")
    qs = selectors.worklist(user=grid_worker, area_code=household.community_code)
    exact = selectors.worklist_counts(qs)
    assert sum(exact.values()) == qs.count() == 5
    assert exact == {u: qs.filter(urgency=u).count() for u in ("critical", "urgent", "normal")}

    capped = selectors.worklist_counts(qs, cap=1)
    words = selectors.count_words(capped, 1)
    for urgency, n in exact.items():
        assert words[urgency] == ("1+" if n > 1 else str(n))

    critical = selectors.worklist(user=grid_worker, area_code=household.community_code, urgency="critical")
    assert set(critical.values_list("urgency", flat=True)) == {"critical"}
    only = selectors.worklist_counts(critical, urgency="critical")
    assert only == {"critical": exact["critical"], "urgent": 0, "normal": 0}
    assert selectors.count_cap({"status": "open"}) == selectors.COUNT_CAP
    assert selectors.count_cap({"status": "open", "category": "food"}) == selectors.FILTERED_COUNT_CAP
