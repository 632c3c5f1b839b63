"""Risk zones against the database: proposed from a positive pool (through the event the results
publish), a second positive joining its zone, confirmed, rejected with a reason, released only when
the rules allow; each step an event; a user outside the area cannot decide."""

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from gongzhi.core import events
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import WorkflowEvent
from gongzhi.testing import services as testing_services
from gongzhi.testing.models import Round, RoundProgress
from gongzhi.zones import rules, services
from gongzhi.zones.models import Zone
from tests.factories import BuildingFactory, GridFactory, HouseholdFactory, ResidentFactory, make_user_with_role
from tests.notices.test_services import _at_once, _one_after_another
from tests.testing.test_services import T1, T2, sampled_tube
from tests.zones.conftest import POSTGRESQL

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_a(community_a, worker_a):
    return testing_services.round_create(actor=worker_a, name="第1轮", area_code=community_a.code, pool_size=10)


@pytest.fixture
def collector(community_a):
    return make_user_with_role("c1", "collector", community_a.code)


@pytest.fixture
def street_staff(community_a):
    return make_user_with_role("street_a", "street_staff", community_a.code[:9])


def positive(round_a, collector, worker_a, residents, barcode=T1):
    sampled_tube(round_a, collector, residents, barcode)
    testing_services.tube_results_record(actor=worker_a, round_=round_a, results=[(barcode, "positive")])
    events.deliver_pending()  # what the Huey consumer does after the commit: recalls and zones


def test_a_positive_pool_proposes_its_building_grid_and_street(round_a, collector, worker_a, community_a):
    building = BuildingFactory()
    residents = [ResidentFactory(household=HouseholdFactory(building=building)) for _ in range(3)]
    positive(round_a, collector, worker_a, residents)

    zones = {(z.kind, z.level): z for z in Zone.objects.all()}
    assert set(zones) == {("lockdown", "building"), ("control", "grid"), ("prevention", "street")}
    lockdown = zones[("lockdown", "building")]
    assert (lockdown.status, lockdown.building_id, lockdown.grid_id) == ("proposed", building.pk, building.grid_id)
    assert lockdown.cases == [T1] and lockdown.community_code == community_a.code
    assert zones[("prevention", "street")].community_code == "510104017000"
    assert WorkflowEvent.objects.filter(flow="zone", reason="proposed").count() == 3

    events.deliver_pending()  # a second delivery changes nothing
    assert Zone.objects.count() == 3 and WorkflowEvent.objects.filter(flow="zone").count() == 3


def test_a_second_positive_joins_the_open_zones_and_is_recorded(round_a, collector, worker_a):
    building = BuildingFactory()
    positive(round_a, collector, worker_a, [ResidentFactory(household=HouseholdFactory(building=building))])
    other = BuildingFactory(grid=building.grid)
    positive(round_a, collector, worker_a, [ResidentFactory(household=HouseholdFactory(building=other))], T2)

    grid_zone = Zone.objects.get(level="grid")
    assert grid_zone.cases == [T1, T2]
    assert Zone.objects.filter(kind="lockdown").count() == 2  # each building its own
    assert WorkflowEvent.objects.filter(flow="zone", reason="new_positive").count() == 2  # grid and street


@pytest.mark.django_db(transaction=True)
def test_two_positives_in_one_building_at_once_share_its_zones(read_together, community_a):
    building = BuildingFactory(grid=GridFactory(community=community_a))
    place = rules.Place(str(building.pk), str(building.grid_id), building.community_code)
    cases = [rules.Case("X1", place), rules.Case("X2", place)]
    read_together()

    def propose(i):
        return services.zones_propose(cases=[cases[i]])

    results, errors = (_at_once if POSTGRESQL else _one_after_another)(2, propose)

    assert errors == []  # the second to insert read the first's zones again and joined them
    zones = Zone.objects.filter(status="proposed")
    assert sorted(z.level for z in zones) == ["building", "grid", "street"]
    assert all(z.cases == ["X1", "X2"] for z in zones)
    assert WorkflowEvent.objects.filter(flow="zone", reason="proposed").count() == 3


def test_confirm_reject_and_release_with_its_conditions(community_a, street_staff):
    building = BuildingFactory()
    case = rules.Case("X1", rules.Place(str(building.pk), str(building.grid_id), building.community_code))
    found = timezone.now() - dt.timedelta(days=10)
    services.zones_propose(cases=[case], found_at=found)
    lockdown = Zone.objects.get(kind="lockdown")
    street_zone = Zone.objects.get(level="street")

    services.zone_reject(actor=street_staff, zone=street_zone, reason="已有全域防范措施")
    with pytest.raises(ApplicationError):
        services.zone_reject(actor=street_staff, zone=Zone.objects.get(level="grid"), reason=" ")

    active = services.zone_confirm(actor=street_staff, zone=lockdown)
    assert active.status == "active" and active.since is not None and active.decided_by == street_staff

    with pytest.raises(ApplicationError) as refused:  # in force for minutes, no negative round
        services.zone_release(actor=street_staff, zone=active)
    assert "封控区须连续7天无新增阳性" in refused.value.message and "2轮" in refused.value.message
    assert Zone.objects.get(pk=active.pk).status == "active"

    # Two closed rounds over the community since, with no positive tube in it; eight days later.
    for n in (1, 2):
        round_ = Round.objects.create(
            name=f"第{n}轮",
            area_code=community_a.code,
            status="closed",
            starts_at=timezone.now() + dt.timedelta(hours=n),
        )
        RoundProgress.objects.create(round=round_, community_code=community_a.code, sampled=10, tubes=1)
    later = timezone.now() + dt.timedelta(days=8)
    released = services.zone_release(actor=street_staff, zone=active, now=later)
    assert released.status == "released" and released.ended_at == later
    steps = list(
        WorkflowEvent.objects.filter(flow="zone", row_key=lockdown.public_id).values_list("to_status", "actor_name")
    )
    assert [s for s, _ in steps] == ["proposed", "active", "released"]


def test_only_staff_over_the_area_decide(community_a, community_b):
    building = BuildingFactory()
    services.zones_propose(
        cases=[rules.Case("X1", rules.Place(str(building.pk), str(building.grid_id), building.community_code))]
    )
    zone = Zone.objects.get(kind="lockdown")
    elsewhere = make_user_with_role("street_b", "street_staff", "510104018")
    with pytest.raises(Http404):
        services.zone_confirm(actor=elsewhere, zone=zone)
    grid_worker = make_user_with_role("grid_a", "grid_worker", community_a.code, grid=building.grid)
    with pytest.raises(ApplicationError) as refused:
        services.zone_confirm(actor=grid_worker, zone=zone)
    assert refused.value.status == 403
    assert Zone.objects.get(pk=zone.pk).status == "proposed"


def test_a_resident_of_a_lockdown_building_is_refused_into_a_pooled_tube(round_a, collector, street_staff):
    from gongzhi.testing.collection import OPEN, SCAN
    from tests.testing.test_services import R, ev, ingest

    sealed = BuildingFactory()
    inside = [ResidentFactory(household=HouseholdFactory(building=sealed)) for _ in range(3)]
    neighbours = [
        ResidentFactory(household=HouseholdFactory(building=BuildingFactory(grid=sealed.grid))) for _ in range(2)
    ]
    place = rules.Place(str(sealed.pk), str(sealed.grid_id), sealed.community_code)
    services.zones_propose(cases=[rules.Case("X1", place)])
    lockdown = Zone.objects.get(kind="lockdown")

    # proposed only: nothing applies yet, pooled as usual
    out = ingest(
        round_a,
        collector,
        [ev(1, OPEN, "TUBE0101"), ev(2, SCAN, "TUBE0101", R(inside[0])), ev(3, SCAN, "TUBE0101", R(neighbours[0]))],
    )
    assert [o.status for o in out] == ["ok", "ok", "ok"]

    services.zone_confirm(actor=street_staff, zone=lockdown)
    # in force: a sealed resident gets a tube of their own; a neighbour (the grid's control zone is
    # still only proposed) cannot join it, nor can the sealed resident join the neighbour's tube
    out = ingest(
        round_a,
        collector,
        [
            ev(4, OPEN, "TUBE0102"),
            ev(5, SCAN, "TUBE0102", R(inside[1])),
            ev(6, SCAN, "TUBE0102", R(neighbours[1])),
            ev(7, OPEN, "TUBE0103"),
            ev(8, SCAN, "TUBE0103", R(neighbours[1])),
            ev(9, SCAN, "TUBE0103", R(inside[2])),
        ],
    )
    assert [o.status for o in out] == ["ok", "ok", "error", "ok", "ok", "error"]
    assert out[2].code == "single_tube" and out[5].code == "single_tube"

    # released: pooled again
    Zone.objects.filter(pk=lockdown.pk).update(status="released")
    out = ingest(round_a, collector, [ev(10, SCAN, "TUBE0103", R(inside[2]))])
    assert [o.status for o in out] == ["ok"]


def test_a_zone_in_force_and_its_release_are_told_to_the_households_inside(community_a, street_staff):
    from gongzhi.notices.models import Notice, NoticeReceipt

    building = BuildingFactory()
    homes = [HouseholdFactory(building=building) for _ in range(3)]
    HouseholdFactory(building=BuildingFactory(grid=building.grid))  # the grid's other building
    place = rules.Place(str(building.pk), str(building.grid_id), building.community_code)
    services.zones_propose(cases=[rules.Case("X1", place)], found_at=timezone.now() - dt.timedelta(days=9))
    lockdown = services.zone_confirm(actor=street_staff, zone=Zone.objects.get(kind="lockdown"))

    notice = Notice.objects.get()
    assert notice.building_id == building.pk and notice.title.endswith("划为封控区") and notice.severity == "urgent"
    assert set(NoticeReceipt.objects.filter(notice_id=notice.pk).values_list("household_id", flat=True)) == {
        h.pk for h in homes
    }

    services.zone_confirm(actor=street_staff, zone=Zone.objects.get(kind="control"))
    grid_notices = Notice.objects.filter(title__endswith="划为管控区")
    assert grid_notices.count() == 2  # one to each building of the grid

    for n in (1, 2):
        round_ = Round.objects.create(
            name=f"第{n}轮",
            area_code=community_a.code,
            status="closed",
            starts_at=timezone.now() + dt.timedelta(hours=n),
        )
        RoundProgress.objects.create(round=round_, community_code=community_a.code, sampled=3, tubes=1)
    services.zone_release(actor=street_staff, zone=lockdown, now=timezone.now() + dt.timedelta(days=8))
    assert Notice.objects.filter(building=building, title__endswith="封控区解除").count() == 1


def test_a_zone_over_a_building_nobody_lives_in_yet_is_told_to_its_staff(community_a, street_staff):
    from gongzhi.notices.models import Notice, NoticeReceipt
    from gongzhi.notices.selectors import notice_list

    building = BuildingFactory()
    place = rules.Place(str(building.pk), str(building.grid_id), building.community_code)
    services.zones_propose(cases=[rules.Case("X1", place)])
    services.zone_confirm(actor=street_staff, zone=Zone.objects.get(kind="lockdown"))

    notice = Notice.objects.get(building=building)
    assert (notice.targeted, notice.audience) == (0, "both") and notice.title.endswith("划为封控区")
    assert not NoticeReceipt.objects.filter(notice=notice).exists()
    worker = make_user_with_role("grid_w", "grid_worker", community_a.code)
    assert notice_list(user=worker).filter(pk=notice.pk).exists()  # the staff of its area see it


def test_a_request_from_inside_a_lockdown_zone_is_raised_a_level(community_a, street_staff):
    from gongzhi.appeals import services as appeal_services

    sealed = BuildingFactory()
    inside, outside = HouseholdFactory(building=sealed), HouseholdFactory(building=BuildingFactory(grid=sealed.grid))
    before = appeal_services.appeal_submit(household=inside, category="food", text="家里没有米了")
    assert before.urgency == "normal"

    place = rules.Place(str(sealed.pk), str(sealed.grid_id), sealed.community_code)
    services.zones_propose(cases=[rules.Case("X1", place)])
    services.zone_confirm(actor=street_staff, zone=Zone.objects.get(kind="lockdown"))

    raised = appeal_services.appeal_submit(household=inside, category="elderly_care", text="老人需要照看")
    assert raised.urgency == "urgent"  # normal, raised one level
    assert any(r["code"] == "triage_raised" for r in raised.urgency_reasons)
    assert (
        appeal_services.appeal_submit(household=outside, category="elderly_care", text="老人需要照看").urgency
        == "normal"
    )
