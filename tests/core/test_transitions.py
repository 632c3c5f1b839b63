"""core.transitions against the database, with the project's real models and services: one row's
step (lock, check the flow and the actor's right on the row's own place, write status and one event),
the first step of rows just created, and the bulk moves of the hot paths (one event per batch)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from gongzhi.core import events, transitions
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import WorkflowEvent
from gongzhi.places.models import Area
from gongzhi.testing import services
from gongzhi.testing.collection import CLOSE, OPEN, SCAN, Event
from gongzhi.testing.flows import RECALL_FLOW, ROUND_FLOW, TUBE_FLOW
from gongzhi.testing.models import Recall, Round, Tube
from gongzhi.volunteers import choices
from gongzhi.volunteers import services as volunteer_services
from gongzhi.volunteers.flows import AID_FLOW, CHECKIN_FLOW, VOLUNTEER_FLOW
from gongzhi.volunteers.models import Assignment, CheckIn, Volunteer
from tests.factories import GridFactory, ResidentFactory, make_user_with_role, valid_id_number

pytestmark = pytest.mark.django_db

T1, T2, T3 = "TUBE0001", "TUBE0002", "TUBE0003"
OTHER_STREET = "510104018"  # 东湖街道, beside community A's street 510104017
COMMUNITY_X = "510104018001"  # 观音桥社区, in that other street


# --- helpers and fixtures ------------------------------------------------------------------------


def scanned(round_, collector, residents, barcode):
    """Open `barcode`, scan each resident into it, close it (the collector's device)."""
    batch = [Event(f"{barcode}-o", OPEN, barcode)]
    batch += [Event(f"{barcode}-{i}", SCAN, barcode, "R:" + r.public_id) for i, r in enumerate(residents)]
    batch.append(Event(f"{barcode}-c", CLOSE, barcode))
    outcomes = services.scan_batch_ingest(round_=round_, collector=collector, events=batch)
    assert {o.status for o in outcomes} == {"ok"}
    return Tube.objects.get(round=round_, barcode=barcode)


def positive(round_, lab, barcode):
    """The lab records a positive pool; then what the Huey consumer does after the commit."""
    assert services.tube_results_record(actor=lab, round_=round_, results=[(barcode, "positive")])[0]["status"] == "ok"
    events.deliver_pending()


def steps_taken(flow):
    """The events of a flow's steps (its START events left out)."""
    return WorkflowEvent.objects.filter(flow=flow.name).exclude(from_status="")


def status_of(row):
    return type(row).objects.values_list("status", flat=True).get(pk=row.pk)


def refused(call, status):
    with pytest.raises(ApplicationError) as info:
        call()
    assert info.value.status == status
    return info.value


@pytest.fixture
def lab(areas):
    return make_user_with_role("lab1", "lab", "5101")


@pytest.fixture
def collector(community_a):
    return make_user_with_role("collector_a", "collector", community_a.code)


@pytest.fixture
def round_a(community_a, worker_a):
    return services.round_create(actor=worker_a, name="第1轮", area_code=community_a.code, pool_size=10)


@pytest.fixture
def resident(community_a):
    return ResidentFactory()


@pytest.fixture
def recall(round_a, collector, lab, resident):
    scanned(round_a, collector, [resident], T1)
    positive(round_a, lab, T1)
    return Recall.objects.get(resident=resident)


# --- transition: one row's step ------------------------------------------------------------------


def test_transition_writes_the_status_and_one_event(recall, worker_a, community_a):
    # given an open recall and its opening event
    assert steps_taken(RECALL_FLOW).count() == 0
    # when the community worker notifies the resident, with a long note
    moved = transitions.transition(flow=RECALL_FLOW, row=recall, to="notified", actor=worker_a, reason="电话" * 150)
    # then the row is written and returned, with its updated_at moved on
    assert moved.status == "notified" == status_of(recall)
    assert moved.updated_at > recall.updated_at
    # and one event names the row, the step, the actor, the reason (cut to 200) and the row's community
    event = steps_taken(RECALL_FLOW).get()
    assert (event.flow, event.row_key, event.from_status, event.to_status) == (
        "recall",
        recall.public_id,
        "open",
        "notified",
    )
    assert (event.actor, event.actor_name) == (worker_a, "worker_a")
    assert event.reason == ("电话" * 150)[:200] and len(event.reason) == 200
    assert event.area_code == community_a.code
    assert (event.row_count, event.row_keys, event.detail) == (1, [], {})


def test_transition_sets_the_fields_the_step_sets_and_keeps_its_detail(round_a, worker_a):
    # given an open round; when its manager closes it, saying when it ended
    ended = timezone.now() - dt.timedelta(hours=1)
    closed = transitions.transition(
        flow=ROUND_FLOW, row=round_a, to="closed", actor=worker_a, also={"ends_at": ended}, detail={"why": "done"}
    )
    # then the status and the other field are written together, and the event keeps the detail
    assert closed.ends_at == ended
    assert Round.objects.filter(pk=round_a.pk).values_list("status", "ends_at").get() == ("closed", ended)
    event = steps_taken(ROUND_FLOW).get()
    assert (event.from_status, event.to_status, event.detail) == ("open", "closed", {"why": "done"})
    # and a closed round may be opened again (late scans)
    transitions.transition(flow=ROUND_FLOW, row=round_a, to="open", actor=worker_a)
    assert status_of(round_a) == "open"


def test_transition_starts_from_the_rows_state_in_the_database_not_the_callers_copy(recall, worker_a):
    # given a copy of the recall read while it was open, and another worker's notification since
    stale = Recall.objects.get(pk=recall.pk)
    transitions.transition(flow=RECALL_FLOW, row=recall, to="notified", actor=worker_a)
    assert stale.status == "open"
    # when the stale copy is taken to "resampled"
    transitions.transition(flow=RECALL_FLOW, row=stale, to="resampled", actor=worker_a)
    # then the step recorded is the one really taken, from "notified"
    assert list(steps_taken(RECALL_FLOW).order_by("id").values_list("from_status", "to_status")) == [
        ("open", "notified"),
        ("notified", "resampled"),
    ]
    # and the stale copy cannot notify twice
    again = Recall.objects.get(pk=recall.pk)
    again.status = "open"
    error = refused(lambda: transitions.transition(flow=RECALL_FLOW, row=again, to="notified", actor=worker_a), 409)
    assert error.extra == {"from": "resampled", "to": "notified"}


@pytest.mark.parametrize(
    ("to", "message"),
    [
        ("negative", "状态不能从“待通知”变为“单采阴性”"),
        ("open", "状态不能从“待通知”变为“待通知”"),
        ("no_such_state", "状态不能从“待通知”变为“no_such_state”"),
    ],
)
def test_a_step_the_flow_does_not_allow_is_409_and_writes_nothing(recall, worker_a, to, message):
    before = WorkflowEvent.objects.count()
    error = refused(lambda: transitions.transition(flow=RECALL_FLOW, row=recall, to=to, actor=worker_a), 409)
    assert error.message == message
    assert error.extra == {"from": "open", "to": to}
    assert status_of(recall) == "open"
    assert WorkflowEvent.objects.count() == before


@pytest.mark.parametrize(
    ("role", "area_code"),
    [
        ("community_worker", "510104017002"),  # another community of the same street
        ("district_staff", "510104"),  # the right district, but district staff do not handle recalls
        ("street_staff", "510104017"),  # the right street, likewise
        ("city_staff", "5101"),
        ("lab", "5101"),  # records results, never works recalls
        ("collector", "510104017001"),  # the right community, the wrong role
        ("volunteer", "510104017001"),
    ],
)
def test_a_staff_step_by_someone_without_the_capability_on_the_rows_place_is_403(recall, role, area_code):
    # given a user whose only role does not carry testing.recalls over the recall's community
    user = make_user_with_role("someone", role, area_code)
    before = WorkflowEvent.objects.count()
    # when they try to notify the resident
    error = refused(lambda: transitions.transition(flow=RECALL_FLOW, row=recall, to="notified", actor=user), 403)
    # then they are refused and nothing is written
    assert error.message == "您无权办理这一步"
    assert status_of(recall) == "open"
    assert WorkflowEvent.objects.count() == before


def test_an_anonymous_actor_may_not_take_a_staff_step(recall):
    from django.contrib.auth.models import AnonymousUser

    refused(lambda: transitions.transition(flow=RECALL_FLOW, row=recall, to="notified", actor=AnonymousUser()), 403)
    refused(lambda: transitions.transition(flow=RECALL_FLOW, row=recall, to="notified", actor=None), 403)
    assert status_of(recall) == "open"


def test_the_grid_worker_of_the_residents_grid_may_take_the_step_another_grid_worker_may_not(
    recall, resident, community_a
):
    # given the grid worker of the resident's grid and one of another grid of the same community
    own_grid = resident.household.building.grid
    other_grid = GridFactory()
    assert own_grid.community_code == other_grid.community_code == community_a.code
    ours = make_user_with_role("grid_ours", "grid_worker", community_a.code, grid=own_grid)
    theirs = make_user_with_role("grid_theirs", "grid_worker", community_a.code, grid=other_grid)
    # when the other grid's worker tries, they are refused
    refused(lambda: transitions.transition(flow=RECALL_FLOW, row=recall, to="notified", actor=theirs), 403)
    assert steps_taken(RECALL_FLOW).count() == 0
    # and the resident's grid worker may take the step
    transitions.transition(flow=RECALL_FLOW, row=recall, to="notified", actor=ours)
    event = steps_taken(RECALL_FLOW).get()
    assert (event.actor, event.to_status, event.area_code) == (ours, "notified", community_a.code)


def test_a_superuser_may_take_any_staff_step(recall):
    admin = get_user_model().objects.create_superuser("root", password="pass-for-tests-1")
    transitions.transition(flow=RECALL_FLOW, row=recall, to="notified", actor=admin)
    assert status_of(recall) == "notified"


# --- level-restricted steps (hardship aid: the community reviews, the street decides) ------------


def volunteer_in(code, worker, n):
    """A volunteer signed up in community `code` and approved by its worker."""
    volunteer, _merged = volunteer_services.volunteer_sign_up(
        name=f"志愿者{n}",
        id_number=valid_id_number(),
        phone=f"139{n:08d}",
        community_code=code,
        group="screening",
        password="serve-the-people-2022",
        skills=["medical"],
        availability=[f"{d}-{p}" for d in choices.WEEKDAYS for p in choices.DAY_PARTS],
        consent=True,
    )
    return volunteer_services.volunteer_review(actor=worker, volunteer=volunteer, to_status="approved")


def aid_of(volunteer):
    return volunteer_services.aid_request_submit(
        volunteer=volunteer, kind="illness", description="家人住院，收入减少", amount=Decimal("800")
    )


@pytest.fixture
def aid_a(community_a, worker_a):
    return aid_of(volunteer_in(community_a.code, worker_a, 1))


def test_a_level_restricted_step_refuses_another_level_naming_the_level(aid_a, worker_a, community_a):
    # given a submitted aid request in community A, its street's staff and community A's worker
    street = make_user_with_role("street_a", "street_staff", community_a.code[:9])
    before = WorkflowEvent.objects.count()
    # when the street tries the community's review, it is told the community takes it
    error = refused(
        lambda: volunteer_services.aid_transition(actor=street, request=aid_a, to_status="community_approved"), 403
    )
    assert error.message == "这一步须由社区办理"
    error = refused(lambda: volunteer_services.aid_transition(actor=street, request=aid_a, to_status="rejected"), 403)
    assert error.message == "这一步须由社区办理"
    assert status_of(aid_a) == "submitted" and WorkflowEvent.objects.count() == before
    # and once the community has reviewed it, the community may not decide: the street does
    volunteer_services.aid_transition(actor=worker_a, request=aid_a, to_status="community_approved")
    error = refused(lambda: volunteer_services.aid_transition(actor=worker_a, request=aid_a, to_status="approved"), 403)
    assert error.message == "这一步须由街道办理"
    assert status_of(aid_a) == "community_approved"
    volunteer_services.aid_transition(actor=street, request=aid_a, to_status="approved", note="同意")
    assert list(
        WorkflowEvent.objects.filter(flow="aid", row_key=aid_a.public_id)
        .order_by("id")
        .values_list("from_status", "to_status", "actor__username", "reason")
    ) == [
        ("", "submitted", aid_a.volunteer.user.username, ""),
        ("submitted", "community_approved", "worker_a", ""),
        ("community_approved", "approved", "street_a", "同意"),
    ]


def test_a_street_official_of_another_street_is_refused_the_streets_step(aid_a, worker_a):
    volunteer_services.aid_transition(actor=worker_a, request=aid_a, to_status="community_approved")
    stranger = make_user_with_role("street_x", "street_staff", OTHER_STREET)
    refused(lambda: volunteer_services.aid_transition(actor=stranger, request=aid_a, to_status="approved"), 403)
    assert status_of(aid_a) == "community_approved"


def test_one_user_holding_both_levels_over_the_row_takes_both_steps(aid_a, community_a):
    both = make_user_with_role("both", "street_staff", community_a.code[:9])
    from gongzhi.core.models import RoleAssignment

    RoleAssignment.objects.create(user=both, role="community_worker", area_code=community_a.code)
    volunteer_services.aid_transition(actor=both, request=aid_a, to_status="community_approved")
    volunteer_services.aid_transition(actor=both, request=aid_a, to_status="approved")
    volunteer_services.aid_transition(actor=both, request=aid_a, to_status="paid")
    assert status_of(aid_a) == "paid"


# --- two roles in different areas: the row's place decides ---------------------------------------


@pytest.fixture
def dual(community_a):
    """Street staff of the other street (东湖), and community worker of community A (锦官驿 street)."""
    from gongzhi.core.models import RoleAssignment

    user = make_user_with_role("dual", "street_staff", OTHER_STREET)
    RoleAssignment.objects.create(user=user, role="community_worker", area_code=community_a.code)
    return user


def test_two_roles_in_two_areas_give_each_roles_step_rights_only_in_its_own_area_for_recalls(
    dual, community_a, collector, lab
):
    # given a district round with a positive pool of one resident of community A and one of
    # community X (in the street where `dual` is street staff)
    district = make_user_with_role("district", "district_staff", "510104")
    round_ = services.round_create(actor=district, name="全区第1轮", area_code="510104", pool_size=10)
    area_x = Area.objects.get(code=COMMUNITY_X)
    in_a = ResidentFactory()
    in_x = ResidentFactory(household__building__grid__community=area_x)
    assert (in_a.community_code, in_x.community_code) == (community_a.code, COMMUNITY_X)
    scanned(round_, collector, [in_a, in_x], T1)
    positive(round_, lab, T1)
    recall_a, recall_x = Recall.objects.get(resident=in_a), Recall.objects.get(resident=in_x)
    # when dual works both recalls
    transitions.transition(flow=RECALL_FLOW, row=recall_a, to="notified", actor=dual)
    error = refused(lambda: transitions.transition(flow=RECALL_FLOW, row=recall_x, to="notified", actor=dual), 403)
    # then the community worker's right holds in community A only: street staff handle no recalls
    assert error.message == "您无权办理这一步"
    assert (status_of(recall_a), status_of(recall_x)) == ("notified", "open")


def test_two_roles_in_two_areas_give_each_roles_level_only_in_its_own_area_for_aid(dual, community_a, worker_a):
    # given aid requests in community A (where dual is community worker) and in community X (in the
    # street where dual is street staff)
    worker_x = make_user_with_role("worker_x", "community_worker", COMMUNITY_X)
    aid_a = aid_of(volunteer_in(community_a.code, worker_a, 1))
    aid_x = aid_of(volunteer_in(COMMUNITY_X, worker_x, 2))
    # in A, dual reviews as the community, but may not decide as a street
    volunteer_services.aid_transition(actor=dual, request=aid_a, to_status="community_approved")
    error = refused(lambda: volunteer_services.aid_transition(actor=dual, request=aid_a, to_status="approved"), 403)
    assert error.message == "这一步须由街道办理"
    # in X, dual may not review as a community, but decides as the street once X's worker reviewed
    error = refused(
        lambda: volunteer_services.aid_transition(actor=dual, request=aid_x, to_status="community_approved"), 403
    )
    assert error.message == "这一步须由社区办理"
    volunteer_services.aid_transition(actor=worker_x, request=aid_x, to_status="community_approved")
    volunteer_services.aid_transition(actor=dual, request=aid_x, to_status="approved")
    assert (status_of(aid_a), status_of(aid_x)) == ("community_approved", "approved")
    assert [(e.row_key, e.to_status) for e in steps_taken(AID_FLOW).filter(actor=dual).order_by("id")] == [
        (aid_a.public_id, "community_approved"),
        (aid_x.public_id, "approved"),
    ]


# --- OWNER steps (a volunteer's check-out) -------------------------------------------------------


def _at(day, hour):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def on_duty(community_a, worker_a):
    """An approved volunteer of community A checked in on today's shift."""
    day = timezone.localdate()
    volunteer = volunteer_in(community_a.code, worker_a, 1)
    post = volunteer_services.post_create(
        actor=worker_a, community_code=community_a.code, name="楼栋配送", group="transport"
    )
    shift = volunteer_services.shift_create(
        actor=worker_a, post=post, starts_at=_at(day, 8), ends_at=_at(day, 12), needed=1
    )
    Assignment.objects.create(shift=shift, volunteer=volunteer, community_code=community_a.code, source="manual")
    record = volunteer_services.checkin(volunteer=volunteer, post=post, now=_at(day, 8))
    return volunteer, post, record


def test_an_owner_step_is_refused_to_anyone_but_the_owner(on_duty, worker_a, community_a):
    volunteer, post, record = on_duty
    other = volunteer_in(community_a.code, worker_a, 2).user
    before = WorkflowEvent.objects.count()
    for actor in (other, worker_a):  # another volunteer; the worker who confirms hours
        error = refused(
            lambda actor=actor: transitions.transition(
                flow=CHECKIN_FLOW, row=record, to="checked_out", actor=actor, owner_id=volunteer.user_id
            ),
            403,
        )
        assert error.message == "这一步只能由本人办理"
    # the owner too, when the caller does not say whose row it is
    refused(lambda: transitions.transition(flow=CHECKIN_FLOW, row=record, to="checked_out", actor=volunteer.user), 403)
    assert status_of(record) == "on_duty" and WorkflowEvent.objects.count() == before
    # the owner checks out
    volunteer_services.checkout(volunteer=volunteer, post=post, now=_at(timezone.localdate(), 12))
    assert status_of(record) == "checked_out"
    assert list(
        transitions.timeline(flow=CHECKIN_FLOW, row=record).values_list("from_status", "to_status", "actor")
    ) == [("", "on_duty", volunteer.user_id), ("on_duty", "checked_out", volunteer.user_id)]


def test_the_staff_step_after_an_owner_step_needs_the_community_level(on_duty, worker_a, worker_b, community_a):
    volunteer, post, record = on_duty
    volunteer_services.checkout(volunteer=volunteer, post=post, now=_at(timezone.localdate(), 12))
    # the volunteer may not confirm their own hours, nor another community's worker
    error = refused(lambda: volunteer_services.checkin_confirm(actor=volunteer.user, record=record), 403)
    assert error.message == "您无权办理这一步"  # no right at all here: not told a level is wrong
    refused(lambda: volunteer_services.checkin_confirm(actor=worker_b, record=record), 403)
    assert status_of(record) == "checked_out"
    volunteer_services.checkin_confirm(actor=worker_a, record=record)
    assert CheckIn.objects.get(pk=record.pk).confirmed_by == worker_a


# --- SYSTEM steps --------------------------------------------------------------------------------


def bare_recall(round_, tube, resident=None):
    """A recall row created as the platform creates them, before its opening step is recorded."""
    resident = resident or ResidentFactory()
    return Recall.objects.create(
        round=round_, resident=resident, tube=tube, community_code=resident.community_code, status="open"
    )


def test_a_system_step_is_refused_to_users_and_taken_with_system(recall, worker_a, lab):
    # given a recall row just created (its opening step is the platform's)
    fresh = bare_recall(recall.round, recall.tube)
    before = WorkflowEvent.objects.count()
    # when a user (even one who handles recalls there) records its opening, it is refused
    for actor in (worker_a, lab):
        error = refused(lambda actor=actor: transitions.start(flow=RECALL_FLOW, row=fresh, actor=actor), 403)
        assert error.message == "您无权办理这一步"
    assert WorkflowEvent.objects.count() == before
    # and the platform records it, naming the account it acts for
    event = transitions.start(flow=RECALL_FLOW, row=fresh, actor=lab, system=True)
    assert event.pk is not None
    assert (event.row_key, event.from_status, event.to_status, event.actor, event.actor_name) == (
        fresh.public_id,
        "",
        "open",
        lab,
        "lab1",
    )


def test_a_staff_or_owner_step_is_refused_with_system(recall, on_duty):
    before = WorkflowEvent.objects.count()
    error = refused(
        lambda: transitions.transition(flow=RECALL_FLOW, row=recall, to="notified", actor=None, system=True), 403
    )
    assert error.message == "您无权办理这一步"
    volunteer, _post, record = on_duty
    before = WorkflowEvent.objects.count()
    refused(
        lambda: transitions.transition(
            flow=CHECKIN_FLOW,
            row=record,
            to="checked_out",
            actor=volunteer.user,
            owner_id=volunteer.user_id,
            system=True,
        ),
        403,
    )
    assert (status_of(recall), status_of(record)) == ("open", "on_duty")
    assert WorkflowEvent.objects.count() == before


def test_a_volunteers_sign_up_is_a_system_step(community_a, worker_a):
    volunteer = volunteer_in(community_a.code, worker_a, 1)
    Volunteer.objects.filter(pk=volunteer.pk).update(status="pending")
    volunteer.refresh_from_db()
    refused(lambda: transitions.start(flow=VOLUNTEER_FLOW, row=volunteer, actor=worker_a), 403)
    assert list(transitions.timeline(flow=VOLUNTEER_FLOW, row=volunteer).values_list("from_status", "to_status")) == [
        ("", "pending"),
        ("pending", "approved"),
    ]


# --- start and start_many ------------------------------------------------------------------------


def test_start_writes_one_start_event(round_a, worker_a, community_a):
    # round_create recorded its first step
    event = WorkflowEvent.objects.get(flow="round")
    assert (event.row_key, event.from_status, event.to_status, event.actor, event.area_code, event.row_count) == (
        round_a.public_id,
        "",
        "open",
        worker_a,
        community_a.code,
        1,
    )
    # a planned round may be started too, and its event carries the reason and detail
    planned = Round.objects.create(name="计划", area_code=community_a.code, status="planned")
    event = transitions.start(flow=ROUND_FLOW, row=planned, actor=worker_a, reason="r" * 300, detail={"k": 1})
    assert (event.to_status, event.reason, event.detail) == ("planned", "r" * 200, {"k": 1})
    assert WorkflowEvent.objects.filter(flow="round").count() == 2


def test_start_refuses_a_state_no_step_creates_and_an_actor_without_the_right(community_a, community_b, worker_a):
    closed = Round.objects.create(name="已结束", area_code=community_a.code, status="closed")
    error = refused(lambda: transitions.start(flow=ROUND_FLOW, row=closed, actor=worker_a), 409)
    assert error.extra == {"from": "", "to": "closed"}
    assert error.message == "状态不能从“—”变为“已结束”"
    elsewhere = Round.objects.create(name="B", area_code=community_b.code, status="open")
    refused(lambda: transitions.start(flow=ROUND_FLOW, row=elsewhere, actor=worker_a), 403)
    # a community worker does not manage a round over the whole street
    street_round = Round.objects.create(name="街道", area_code=community_a.code[:9], status="open")
    refused(lambda: transitions.start(flow=ROUND_FLOW, row=street_round, actor=worker_a), 403)
    assert WorkflowEvent.objects.count() == 0


def test_start_many_writes_one_start_event_per_row(recall, lab, community_a):
    fresh = [bare_recall(recall.round, recall.tube) for _ in range(3)]
    before = WorkflowEvent.objects.count()
    assert transitions.start_many(flow=RECALL_FLOW, rows=fresh, actor=lab, reason="阳性", system=True) == 3
    written = WorkflowEvent.objects.order_by("id")[before:]
    assert [(e.flow, e.row_key, e.from_status, e.to_status, e.actor_id, e.reason, e.area_code) for e in written] == [
        ("recall", r.public_id, "", "open", lab.pk, "阳性", community_a.code) for r in fresh
    ]
    assert transitions.start_many(flow=RECALL_FLOW, rows=[], actor=lab, system=True) == 0
    assert WorkflowEvent.objects.count() == before + 3


def test_start_many_writes_nothing_when_one_row_is_refused(recall, lab, worker_a, community_a, community_b):
    good = bare_recall(recall.round, recall.tube)
    bad = bare_recall(recall.round, recall.tube)
    bad.status = "notified"  # not a state a recall is created in
    before = WorkflowEvent.objects.count()
    error = refused(lambda: transitions.start_many(flow=RECALL_FLOW, rows=[good, bad], actor=lab, system=True), 409)
    assert error.extra == {"from": "", "to": "notified"}
    # the actor's right is checked on each row: a worker of A may not open a round in B
    rounds = [
        Round(name="A", area_code=community_a.code, status="open"),
        Round(name="B", area_code=community_b.code, status="open"),
    ]
    refused(lambda: transitions.start_many(flow=ROUND_FLOW, rows=rounds, actor=worker_a), 403)
    assert WorkflowEvent.objects.count() == before


# --- record_many: one event for a hot path's bulk move -------------------------------------------


def test_record_many_writes_one_bulk_event_with_keys_count_and_common_area(lab, community_a, community_b):
    event = transitions.record_many(
        flow=TUBE_FLOW,
        source="closed",
        target="negative",
        keys=[T1, T2, T3],
        area_codes={community_a.code, community_b.code, ""},
        actor=lab,
        reason="x" * 250,
        detail={"round": "R1"},
    )
    assert WorkflowEvent.objects.get() == event
    assert (event.flow, event.row_key, event.row_keys, event.row_count) == ("tube", "", [T1, T2, T3], 3)
    assert (event.from_status, event.to_status, event.actor, event.actor_name) == ("closed", "negative", lab, "lab1")
    assert event.area_code == "510104017"  # the street holding both communities
    assert event.reason == "x" * 200 and event.detail == {"round": "R1"}


@pytest.mark.parametrize(
    ("codes", "common"),
    [
        (["510104017001"], "510104017001"),
        (["510104017001", "510104017001"], "510104017001"),
        (["510104017001", "510104018001"], "510104"),
        (["510104017001", "510105002001"], "5101"),
    ],
)
def test_record_many_files_the_event_under_the_narrowest_area(lab, codes, common):
    event = transitions.record_many(
        flow=TUBE_FLOW, source="open", target="closed", keys=[T1], area_codes=codes, actor=lab
    )
    assert event.area_code == common


def test_record_many_keeps_the_count_given_and_caps_the_keys(lab, community_a, monkeypatch):
    event = transitions.record_many(
        flow=TUBE_FLOW, source="open", target="closed", keys=[T1, T2], area_codes=[community_a.code], actor=lab, count=7
    )
    assert (event.row_keys, event.row_count) == ([T1, T2], 7)
    monkeypatch.setattr(transitions, "MAX_ROW_KEYS", 2)
    event = transitions.record_many(
        flow=TUBE_FLOW, source="open", target="closed", keys=[T1, T2, T3], area_codes=[community_a.code], actor=lab
    )
    assert (event.row_keys, event.row_count) == ([T1, T2], 3)


def test_record_many_writes_nothing_for_no_rows(lab, community_a):
    for kwargs in ({"keys": []}, {"keys": [T1], "count": 0}):
        assert (
            transitions.record_many(
                flow=TUBE_FLOW, source="open", target="closed", area_codes=[community_a.code], actor=lab, **kwargs
            )
            is None
        )
    assert WorkflowEvent.objects.count() == 0


@pytest.mark.parametrize(("source", "target"), [("negative", "open"), ("", "negative"), ("closed", "open")])
def test_record_many_refuses_a_move_the_flow_does_not_allow(lab, community_a, source, target):
    error = refused(
        lambda: transitions.record_many(
            flow=TUBE_FLOW, source=source, target=target, keys=[T1], area_codes=[community_a.code], actor=lab
        ),
        409,
    )
    assert error.extra == {"from": source, "to": target}
    assert WorkflowEvent.objects.count() == 0


# --- move_many: set-wise bulk moves --------------------------------------------------------------


def tube(round_, barcode, status, community_code):
    return Tube.objects.create(
        round=round_, barcode=barcode, community_code=community_code, pool_size=10, status=status
    )


def test_move_many_moves_only_the_rows_in_the_source_state(round_a, collector, community_a):
    # given tubes in every state
    rows = {
        "OPEN0001": tube(round_a, "OPEN0001", "open", community_a.code),
        "OPEN0002": tube(round_a, "OPEN0002", "open", community_a.code),
        "SHUT-0001": tube(round_a, "SHUT-0001", "closed", community_a.code),
        "NEGA-0001": tube(round_a, "NEGA-0001", "negative", community_a.code),
        "POSI-0001": tube(round_a, "POSI-0001", "positive", community_a.code),
    }
    now = timezone.now()
    # when the batch closes all of them
    moved = transitions.move_many(
        flow=TUBE_FLOW,
        queryset=Tube.objects.filter(round=round_a),
        source="open",
        target="closed",
        actor=collector,
        keys=sorted(rows),
        area_codes=[community_a.code],
        also={"closed_at": now},
    )
    # then only the open ones moved, and got the fields the move sets
    assert moved == 2
    assert dict(Tube.objects.values_list("barcode", "status")) == {
        "OPEN0001": "closed",
        "OPEN0002": "closed",
        "SHUT-0001": "closed",
        "NEGA-0001": "negative",
        "POSI-0001": "positive",
    }
    assert set(Tube.objects.filter(closed_at=now).values_list("barcode", flat=True)) == {"OPEN0001", "OPEN0002"}
    # and one event counts them
    event = steps_taken(TUBE_FLOW).get()
    assert (event.row_count, event.row_keys, event.from_status, event.to_status, event.actor) == (
        2,
        sorted(rows),
        "open",
        "closed",
        collector,
    )
    assert event.area_code == community_a.code


def test_move_many_keeps_to_its_queryset_and_writes_nothing_when_nothing_moves(round_a, collector, community_a):
    first = tube(round_a, "OPEN0001", "open", community_a.code)
    second = tube(round_a, "OPEN0002", "open", community_a.code)
    args = {"flow": TUBE_FLOW, "actor": collector, "area_codes": [community_a.code], "source": "open"}
    assert transitions.move_many(queryset=Tube.objects.filter(pk=first.pk), target="closed", keys=["x"], **args) == 1
    assert (status_of(first), status_of(second)) == ("closed", "open")
    # nothing left open in that queryset: no move, no event
    assert transitions.move_many(queryset=Tube.objects.filter(pk=first.pk), target="closed", keys=["x"], **args) == 0
    assert steps_taken(TUBE_FLOW).count() == 1


def test_move_many_refuses_a_move_the_flow_does_not_allow_and_moves_nothing(round_a, collector, community_a):
    negative = tube(round_a, "NEGA-0001", "negative", community_a.code)
    before = WorkflowEvent.objects.count()
    error = refused(
        lambda: transitions.move_many(
            flow=TUBE_FLOW,
            queryset=Tube.objects.all(),
            source="negative",
            target="open",
            actor=collector,
            keys=["NEGA-0001"],
            area_codes=[community_a.code],
        ),
        409,
    )
    assert error.message == "状态不能从“阴性”变为“采样中”"
    assert status_of(negative) == "negative" and WorkflowEvent.objects.count() == before


def test_move_many_moves_updated_at_on_models_that_keep_it(recall, worker_a, community_a):
    before = Recall.objects.get(pk=recall.pk).updated_at
    moved = transitions.move_many(
        flow=RECALL_FLOW,
        queryset=Recall.objects.filter(pk=recall.pk),
        source="open",
        target="notified",
        actor=worker_a,
        keys=[recall.public_id],
        area_codes=[community_a.code],
    )
    after = Recall.objects.get(pk=recall.pk)
    assert moved == 1 and after.status == "notified" and after.updated_at > before


# --- timeline ------------------------------------------------------------------------------------


def test_timeline_returns_the_rows_own_events_oldest_first(recall, worker_a, lab, collector, round_a):
    # given a second recall in the same tube worked alongside the first
    other = bare_recall(round_a, recall.tube)
    transitions.start(flow=RECALL_FLOW, row=other, actor=lab, system=True)
    transitions.transition(flow=RECALL_FLOW, row=recall, to="notified", actor=worker_a, reason="1")
    transitions.transition(flow=RECALL_FLOW, row=other, to="resampled", actor=worker_a)
    transitions.transition(flow=RECALL_FLOW, row=recall, to="resampled", actor=worker_a, reason="2")
    # then each timeline holds its own row's steps only, in order (not the tube's or sample's bulk events)
    assert list(
        transitions.timeline(flow=RECALL_FLOW, row=recall).values_list("from_status", "to_status", "reason")
    ) == [
        ("", "open", ""),
        ("open", "notified", "1"),
        ("notified", "resampled", "2"),
    ]
    assert list(transitions.timeline(flow=RECALL_FLOW, row=other).values_list("from_status", "to_status")) == [
        ("", "open"),
        ("open", "resampled"),
    ]
    # ordered by time, then by id
    first = transitions.timeline(flow=RECALL_FLOW, row=recall).first()
    earlier = WorkflowEvent.objects.create(
        flow="recall",
        row_key=recall.public_id,
        from_status="",
        to_status="open",
        actor_name="system",
        area_code=recall.community_code,
        at=first.at - dt.timedelta(seconds=1),
    )
    assert transitions.timeline(flow=RECALL_FLOW, row=recall).first() == earlier


def test_timeline_of_a_row_without_a_public_id_goes_by_its_primary_key(on_duty):
    _volunteer, _post, record = on_duty
    assert not hasattr(record, "public_id")
    assert [e.row_key for e in transitions.timeline(flow=CHECKIN_FLOW, row=record)] == [str(record.pk)]


def test_record_each_writes_one_event_per_row_in_each_rows_timeline(worker_a, community_a, community_b):
    first = services.round_create(actor=worker_a, name="第1轮", area_code=community_a.code, pool_size=10)
    second = services.round_create(actor=worker_a, name="第2轮", area_code=community_a.code, pool_size=10)
    before = WorkflowEvent.objects.count()
    written = transitions.record_each(
        flow=ROUND_FLOW, source="open", target="closed", rows=[first, second], actor=worker_a, detail={"why": "x"}
    )
    assert written == 2 and WorkflowEvent.objects.count() == before + 2
    for round_ in (first, second):
        last = list(transitions.timeline(flow=ROUND_FLOW, row=round_))[-1]
        assert (last.from_status, last.to_status, last.actor, last.row_count) == ("open", "closed", worker_a, 1)
        assert last.area_code == community_a.code and last.detail == {"why": "x"}


def test_record_each_refuses_a_step_the_flow_does_not_have(worker_a, community_a):
    round_ = services.round_create(actor=worker_a, name="第1轮", area_code=community_a.code, pool_size=10)
    before = WorkflowEvent.objects.count()
    with pytest.raises(ApplicationError) as refused:
        transitions.record_each(flow=ROUND_FLOW, source="closed", target="planned", rows=[round_], actor=worker_a)
    assert refused.value.status == 409 and WorkflowEvent.objects.count() == before
