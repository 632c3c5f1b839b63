"""Requests submitted together (appeals.services.submit.appeals_submit_many, what core.group_commit
writes for requests that threads of one process submit at the same moment): each decided as if it
came alone, in the order they came, one bad request its own error."""

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from gongzhi.appeals import flows, services
from gongzhi.appeals.models import Appeal, Channel
from gongzhi.appeals.services import submit
from gongzhi.appeals.services.submit import Submission, appeals_submit_many
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import WorkflowEvent
from gongzhi.people.models import ResidentTag
from gongzhi.zones import rules
from gongzhi.zones import services as zones
from gongzhi.zones.models import Zone
from tests.factories import BuildingFactory, HouseholdFactory, ResidentFactory, make_user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def homes(community_a):
    return HouseholdFactory(), HouseholdFactory()


def _events(appeal):
    return list(WorkflowEvent.objects.filter(flow="appeal", row_key=appeal.public_id))


def test_a_group_is_decided_in_order_as_if_each_came_alone(homes):
    a, b = homes
    resident = ResidentFactory(household=b)
    ResidentTag.objects.create(resident=resident, community_code=b.community_code, tag="dialysis")
    grid_worker = make_user_with_role("grid_g", "grid_worker", a.community_code, grid=a.building.grid)
    out = appeals_submit_many(
        [
            Submission(household=a, category="medicine", text="需要买降压药"),
            Submission(household=b, category="other", text="想问问下周的安排"),
            Submission(household=a, category="medicine", text="胸痛，药还没到"),  # merged into the first, raising it
            Submission(household=a, category="nonsense", text="需要买药"),  # its own error
            Submission(household=a, category="food", text="x"),  # its own error
            Submission(household=a, category="food", text="家里没有米了"),
        ]
    )
    first, other, second, bad_category, too_short, food = out
    assert isinstance(bad_category, ApplicationError) and bad_category.status == 422
    assert isinstance(too_short, ApplicationError) and too_short.status == 422
    stored = {x.pk: x for x in Appeal.objects.all()}
    assert len(stored) == 4
    assert (stored[first.pk].status, stored[first.pk].urgency) == (flows.PENDING, "critical")  # raised by the second
    assert (stored[second.pk].status, stored[second.pk].merged_into_id) == (flows.MERGED, first.pk)
    assert stored[first.pk].due_at <= stored[second.pk].due_at  # raised: due no later
    assert stored[other.pk].urgency != "normal"  # a dialysis patient's household
    assert stored[food.pk].status == flows.PENDING and stored[food.pk].merged_into_id is None
    assert {stored[x.pk].assignee_id for x in (first, food)} == {grid_worker.pk}
    # each with the first step of its timeline, as it stood when the request came
    (started,) = _events(first)
    assert started.detail["urgency"] != "critical" and started.to_status == flows.PENDING
    (merged,) = _events(second)
    assert merged.detail == {"channel": Channel.HOUSEHOLD, "merged_into": first.public_id, "urgency_raised": True}


def test_a_group_raises_a_stored_open_request_and_merges_into_it(homes):
    a, _ = homes
    open_one = services.appeal_submit(household=a, category="medicine", text="需要买降压药")
    out = appeals_submit_many(
        [
            Submission(household=a, category="medicine", text="药还没到"),
            Submission(household=a, category="medicine", text="胸痛，药还没到"),
        ]
    )
    open_one.refresh_from_db()
    assert [o.merged_into_id for o in out] == [open_one.pk, open_one.pk]
    assert open_one.urgency == "critical"
    assert Appeal.objects.filter(household=a, status__in=flows.OPEN_STATES).count() == 1


def test_a_group_reads_and_writes_in_a_few_round_trips_whatever_its_size(homes):
    households = [HouseholdFactory() for _ in range(10)]
    with CaptureQueriesContext(connection) as sent:
        out = appeals_submit_many([Submission(household=h, category="food", text="家里没有米了") for h in households])
    assert all(isinstance(o, Appeal) for o in out)
    reads = [q["sql"] for q in sent.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    if connection.vendor == "postgresql":
        # zones; tags and grid workers; lock and duplicates; the requests and their events (+ savepoint in the test)
        assert len(sent) <= 6, [q["sql"][:80] for q in sent.captured_queries]
    else:  # one statement at a time, but the reads do not grow with the group: zones, tags, grid workers, duplicates
        assert len(reads) == 4, [r[:80] for r in reads]


def test_a_write_that_fails_for_the_group_is_retried_one_by_one_and_fails_only_its_own(homes):
    a, b = homes
    out = appeals_submit_many(
        [
            Submission(household=a, category="food", text="家里没有米了", channel=Channel.HOTLINE, hotline_ref="GD-1"),
            Submission(household=b, category="food", text="家里没有菜了", channel=Channel.HOTLINE, hotline_ref="GD-1"),
            Submission(household=b, category="medicine", text="需要买药"),
        ]
    )
    assert isinstance(out[0], Appeal) and isinstance(out[2], Appeal)
    assert isinstance(out[1], IntegrityError)  # the same work order twice: the second alone fails
    assert Appeal.objects.filter(hotline_ref="GD-1").count() == 1
    assert Appeal.objects.count() == 2


def test_staff_entry_without_the_right_is_that_ones_error(homes, community_b):
    a, _ = homes
    elsewhere = make_user_with_role("worker_b", "community_worker", community_b.code)
    out = appeals_submit_many(
        [
            Submission(household=a, category="food", text="家里没有米了", channel=Channel.STAFF, actor=elsewhere),
            Submission(household=a, category="medicine", text="需要买药"),
        ]
    )
    assert isinstance(out[0], ApplicationError) and out[0].status == 403
    assert isinstance(out[1], Appeal) and Appeal.objects.count() == 1


def test_a_lockdown_zone_raises_the_requests_from_inside_it_only(community_a, community_b):
    inside = HouseholdFactory(building=BuildingFactory())
    outside = HouseholdFactory()
    zones.zones_propose(
        cases=[
            rules.Case(
                "TUBE0001",
                rules.Place(str(inside.building.pk), str(inside.building.grid_id), inside.building.community_code),
            )
        ]
    )
    street = make_user_with_role("street_z", "street_staff", community_a.code[:9])
    for zone in Zone.objects.all():
        zones.zone_confirm(actor=street, zone=zone)
    together = appeals_submit_many(
        [Submission(household=h, category="other", text="想问问下周的安排") for h in (inside, outside)]
    )
    alone = [services.appeal_submit(household=h, category="food", text="家里没有米了") for h in (inside, outside)]
    assert together[0].urgency_rank < together[1].urgency_rank  # raised inside the lockdown zone
    assert alone[0].urgency_rank < alone[1].urgency_rank  # the same one by one
    assert together[1].urgency == "normal" and together[0].urgency_reasons != together[1].urgency_reasons


@pytest.mark.django_db(transaction=True)
def test_requests_submitted_at_once_by_many_threads_are_written_together_and_each_accounted_for(community_a):
    """PostgreSQL: 24 threads, each its own connection, submit at once for 6 households, 2 categories:
    every request stored with its event, one open per household and category, the rest merged into
    it; the groups written were fewer than the requests (some went together). SQLite: one by one."""
    households = [HouseholdFactory() for _ in range(6)]
    threads = 24 if connection.vendor == "postgresql" else 1
    start = threading.Barrier(threads)
    before = (submit._TOGETHER.groups, submit._TOGETHER.calls)

    def send(i):
        try:
            start.wait()
            return services.appeal_submit(
                household=households[i % 6], category=("food", "medicine")[i // 6 % 2], text=f"需要帮助，第{i}次"
            )
        finally:
            connection.close()

    if threads > 1:
        with ThreadPoolExecutor(threads) as pool:
            made = list(pool.map(send, range(24)))
    else:
        made = [send(i) for i in range(24)]
    assert Appeal.objects.count() == 24 == len({a.pk for a in made})
    assert WorkflowEvent.objects.filter(flow="appeal").count() == 24
    for key in {(a.household_id, a.category) for a in made}:
        same = [a for a in made if (a.household_id, a.category) == key]
        (opened,) = [a for a in same if a.status == flows.PENDING]
        assert all(a.merged_into_id == opened.pk for a in same if a is not opened)
    groups, calls = submit._TOGETHER.groups - before[0], submit._TOGETHER.calls - before[1]
    assert calls == 24
    if threads > 1:
        assert groups < calls


def test_a_refused_field_stays_its_own_error_when_anothers_write_fails_in_the_same_group(homes):
    a, b = homes
    services.appeal_submit(
        household=a, category="food", text="家里没有米了", channel=Channel.HOTLINE, hotline_ref="GD-9"
    )
    out = appeals_submit_many(
        [
            Submission(household=b, category="nonsense", text="需要买药"),
            Submission(household=b, category="food", text="家里没有菜了", channel=Channel.HOTLINE, hotline_ref="GD-9"),
        ]
    )
    assert isinstance(out[0], ApplicationError) and out[0].status == 422
    assert isinstance(out[1], IntegrityError)


def test_a_refused_field_is_answered_in_the_callers_own_language_before_any_group(homes, monkeypatch):
    """Fields are checked in the caller's thread: a group is written by another thread, whose language
    may be another one."""
    from django.utils import translation

    handed = []
    monkeypatch.setattr(submit, "_TOGETHER", handed.append)
    with translation.override("en"), pytest.raises(ApplicationError) as refused:
        services.appeal_submit(household=homes[0], category="nonsense", text="需要买药")
    assert refused.value.message == "Please choose a category" and handed == []


@pytest.mark.django_db(transaction=True)
def test_a_household_held_by_another_transaction_is_answered_busy_and_a_resident_added_meanwhile_does_not_block(
    community_a, monkeypatch
):
    """PostgreSQL: a new request waits at most LOCK_WAIT_MS for its household's row, then is answered
    503 (try again); a resident being added to the household (a register import) does not hold it.
    SQLite has no row locks (writers take turns on the database), so there both requests are written."""
    from django.db import transaction

    held, adding = HouseholdFactory(), HouseholdFactory()
    monkeypatch.setattr(submit, "LOCK_WAIT_MS", 300)
    holding, release, done = threading.Event(), threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic() if connection.vendor == "postgresql" else contextlib.nullcontext():
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT id FROM places_household WHERE id = %s FOR UPDATE", [held.pk])
                    ResidentFactory(household=adding)  # takes FOR KEY SHARE on the other household
                holding.set()
                release.wait(10)
        finally:
            connection.close()
            done.set()

    worker = threading.Thread(target=hold)
    worker.start()
    try:
        assert holding.wait(10)
        written = services.appeal_submit(household=adding, category="food", text="家里没有米了")
        assert written.pk is not None
        if connection.vendor == "postgresql":
            with pytest.raises(ApplicationError) as busy:
                services.appeal_submit(household=held, category="food", text="家里没有米了")
            assert busy.value.status == 503 and busy.value.extra == {"retry_after": 2}
            assert not Appeal.objects.filter(household=held).exists()
        else:
            assert services.appeal_submit(household=held, category="food", text="家里没有米了").pk is not None
    finally:
        release.set()
        done.wait(10)


def test_an_access_check_that_fails_is_that_requests_own_error(homes, monkeypatch):
    from gongzhi.core import access

    a, _ = homes
    worker = make_user_with_role("worker_x", "community_worker", a.community_code)

    def may(user, capability, row):
        raise RuntimeError("the role table could not be read")

    monkeypatch.setattr(access, "may", may)
    out = appeals_submit_many(
        [
            Submission(household=a, category="food", text="家里没有米了", channel=Channel.STAFF, actor=worker),
            Submission(household=a, category="medicine", text="需要买药"),
        ]
    )
    assert isinstance(out[0], RuntimeError)
    assert isinstance(out[1], Appeal) and Appeal.objects.count() == 1


def test_a_staff_entry_is_checked_once(homes, monkeypatch):
    """Checked in the caller's thread, not again in the group."""
    from gongzhi.core import access

    a, _ = homes
    worker = make_user_with_role("worker_once", "community_worker", a.community_code)
    asked = []
    may = access.may
    monkeypatch.setattr(access, "may", lambda *args: asked.append(args) or may(*args))
    appeal = services.appeal_submit(
        household=a, category="food", text="家里没有米了", channel=Channel.STAFF, actor=worker
    )
    assert appeal.created_by_id == worker.pk and len(asked) == 1
