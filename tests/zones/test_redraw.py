"""A proposal narrowed or widened to chosen buildings of its area (zones.services.zone_redraw): the
proposal closed with who and why, a proposal per chosen building pointing back to it, the measures
following the buildings put in force; refused, writing nothing, for a building outside the area."""

import pytest
from django.db import transaction
from django.http import Http404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.core import measures
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import WorkflowEvent
from gongzhi.places.models import Building
from gongzhi.zones import rules, services
from gongzhi.zones.models import Zone
from tests.factories import BuildingFactory, GridFactory, HouseholdFactory, ResidentFactory, make_user_with_role
from tests.notices.test_services import _at_once, _one_after_another
from tests.zones.conftest import POSTGRESQL

pytestmark = pytest.mark.django_db


@pytest.fixture
def street_staff(community_a):
    return make_user_with_role("street_a", "street_staff", community_a.code[:9])


@pytest.fixture
def grid_with_buildings(community_a):
    grid = GridFactory(community=community_a)
    return grid, [BuildingFactory(grid=grid) for _ in range(4)]


def _proposal(kind: str, level: str, key: str) -> Zone:
    """A proposal made directly (the rules' tiers would give one kind per level)."""
    return Zone.objects.create(
        kind=kind,
        level=level,
        area_key=key,
        rules_version="default-1",
        cases=["T0001"],
        first_positive_at="2022-09-01T08:00:00+08:00",
        last_positive_at="2022-09-01T08:00:00+08:00",
        **services._Places([rules.Proposal(kind, level, key, ("T0001",), "default-1")]).fields(level, key),
    )


def test_a_grid_proposal_narrowed_to_two_buildings(street_staff, grid_with_buildings):
    grid, buildings = grid_with_buildings
    zone = _proposal("control", "grid", str(grid.pk))
    chosen = buildings[:2]

    made = services.zone_redraw(
        actor=street_staff, zone=zone, buildings=[b.public_id for b in chosen], reason="另两栋已搬空"
    )

    zone.refresh_from_db()
    assert zone.status == "rejected" and zone.decided_by == street_staff
    event = WorkflowEvent.objects.get(flow="zone", row_key=zone.public_id, to_status="rejected")
    assert event.actor == street_staff and "另两栋已搬空" in event.reason and "2" in event.reason
    assert sorted(event.detail["redrawn_to"]) == sorted(b.public_id for b in chosen)
    assert sorted(z.building_id for z in made) == sorted(b.pk for b in chosen)
    for new in made:
        new.refresh_from_db()
        assert (new.kind, new.level, new.status, new.redrawn_from_id) == ("control", "building", "proposed", zone.pk)
        assert new.cases == ["T0001"] and new.first_positive_at == zone.first_positive_at
        assert WorkflowEvent.objects.filter(flow="zone", row_key=new.public_id, reason="redrawn").exists()

    # put in force, a chosen building's residents go one to a tube; the building left out does not
    services.zone_confirm(actor=street_staff, zone=made[0])
    inside = ResidentFactory(household=HouseholdFactory(building=made[0].building))
    outside = ResidentFactory(household=HouseholdFactory(building=buildings[3]))
    under = measures.residents_under(measures.SINGLE_TUBE, [inside.pk, outside.pk], [grid.community_code])
    assert under == {inside.pk}


def test_a_building_proposal_widened_to_its_neighbours(street_staff, grid_with_buildings):
    _, buildings = grid_with_buildings
    zone = _proposal("lockdown", "building", str(buildings[0].pk))
    made = services.zone_redraw(
        actor=street_staff, zone=zone, buildings=[b.public_id for b in buildings[:3]], reason="同一单元楼道相通"
    )
    assert sorted(z.area_key for z in made) == sorted(str(b.pk) for b in buildings[:3])
    assert {z.kind for z in made} == {"lockdown"}


def test_a_building_already_in_an_open_zone_keeps_it(street_staff, grid_with_buildings):
    _, buildings = grid_with_buildings
    other = _proposal("lockdown", "building", str(buildings[1].pk))
    zone = _proposal("control", "grid", str(buildings[0].grid_id))
    made = services.zone_redraw(
        actor=street_staff, zone=zone, buildings=[buildings[0].public_id, buildings[1].public_id], reason="缩小"
    )
    assert [z.building_id for z in made] == [buildings[0].pk]
    other.refresh_from_db()
    assert other.status == "proposed" and other.kind == "lockdown"


@pytest.mark.parametrize(
    "change, status, words",
    [
        ("outside", 422, "不在"),
        ("empty", 422, ""),
        ("no_reason", 422, "原因"),
        ("active", 409, "待确认"),
    ],
)
def test_a_redraw_refused_writes_nothing(street_staff, grid_with_buildings, community_a, change, status, words):
    grid, buildings = grid_with_buildings
    zone = _proposal("control", "grid", str(grid.pk))
    elsewhere = BuildingFactory(grid=GridFactory(community=community_a))
    chosen = [buildings[0].public_id]
    reason = "缩小"
    if change == "outside":
        chosen.append(elsewhere.public_id)
    elif change == "empty":
        chosen = []
    elif change == "no_reason":
        reason = "  "
    else:
        services.zone_confirm(actor=street_staff, zone=zone)
    before = (Zone.objects.count(), WorkflowEvent.objects.filter(flow="zone").count())

    with pytest.raises(ApplicationError) as refused:
        services.zone_redraw(actor=street_staff, zone=zone, buildings=chosen, reason=reason)

    assert refused.value.status == status and words in refused.value.message
    assert (Zone.objects.count(), WorkflowEvent.objects.filter(flow="zone").count()) == before


@pytest.mark.django_db(transaction=True)
def test_two_redraws_to_one_building_at_once_give_it_one_zone(street_staff, grid_with_buildings, read_together):
    grid, buildings = grid_with_buildings
    proposals = [_proposal("control", "grid", str(grid.pk)), _proposal("lockdown", "community", grid.community_code)]
    read_together()

    def redraw(i):
        return services.zone_redraw(
            actor=street_staff, zone=proposals[i], buildings=[buildings[0].public_id], reason="只封这一栋"
        )

    results, errors = (_at_once if POSTGRESQL else _one_after_another)(2, redraw)

    assert errors == []  # the second read the first's zone again and kept it, instead of failing
    assert sorted(len(made) for made in results) == [0, 1]
    assert Zone.objects.filter(level="building", area_key=str(buildings[0].pk), status="proposed").count() == 1
    assert set(Zone.objects.filter(pk__in=[p.pk for p in proposals]).values_list("status", flat=True)) == {"rejected"}


def test_a_street_proposal_is_taken_whole(street_staff, community_a):
    zone = _proposal("prevention", "street", community_a.code[:9])
    with pytest.raises(ApplicationError) as refused:
        services.zone_redraw(actor=street_staff, zone=zone, buildings=["x"], reason="缩小")
    assert refused.value.status == 409


def test_someone_outside_the_area_cannot_redraw(grid_with_buildings, community_b):
    grid, buildings = grid_with_buildings
    zone = _proposal("control", "grid", str(grid.pk))
    outsider = make_user_with_role("worker_b2", "community_worker", community_b.code)
    with pytest.raises(Http404):
        services.zone_redraw(actor=outsider, zone=zone, buildings=[buildings[0].public_id], reason="缩小")


class _Undo(Exception):
    pass


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(picks=st.lists(st.integers(min_value=0, max_value=6), max_size=7))
def test_a_redrawn_zone_never_holds_a_building_outside_its_proposals_area(
    street_staff, grid_with_buildings, community_a, picks
):
    grid, buildings = grid_with_buildings
    outside = list(Building.objects.exclude(grid=grid).order_by("pk")[:3])
    if len(outside) < 3:
        outside = [BuildingFactory(grid=GridFactory(community=community_a)) for _ in range(3)]
    pool = buildings + outside  # 4 inside, 3 outside
    chosen = [pool[i].public_id for i in picks]
    inside = {b.public_id for b in buildings}
    with pytest.raises(_Undo), transaction.atomic():
        zone = _proposal("lockdown", "grid", str(grid.pk))
        try:
            made = services.zone_redraw(actor=street_staff, zone=zone, buildings=chosen, reason="property")
        except ApplicationError:
            assert not set(chosen) <= inside or not chosen
            assert Zone.objects.filter(redrawn_from=zone).count() == 0
            raise _Undo from None
        assert chosen and set(chosen) <= inside
        assert {z.building.public_id for z in made} == set(chosen)
        raise _Undo


def test_a_stricter_kind_for_a_building_in_force_waits_for_staff_and_is_told_when_confirmed(
    street_staff, grid_with_buildings
):
    """A grid's control proposal redrawn to one building and put in force; a positive in that building
    then calls for lockdown: a proposal of its own (the control zone keeps its measures, nobody is told
    of a lockdown yet), told to the households when staff confirm it."""
    from gongzhi.notices.models import Notice

    grid, buildings = grid_with_buildings
    HouseholdFactory(building=buildings[0])
    [control] = services.zone_redraw(
        actor=street_staff,
        zone=_proposal("control", "grid", str(grid.pk)),
        buildings=[buildings[0].public_id],
        reason="只管这一栋",
    )
    control = services.zone_confirm(actor=street_staff, zone=control)
    assert Notice.objects.filter(title__endswith="划为管控区").count() == 1

    place = rules.Place(str(buildings[0].pk), str(grid.pk), grid.community_code)
    services.zones_propose(cases=[rules.Case("T0002", place)])

    control.refresh_from_db()
    assert (control.kind, control.status) == ("control", "active")  # unchanged until staff decide
    lockdown = Zone.objects.get(level="building", area_key=str(buildings[0].pk), kind="lockdown")
    assert lockdown.status == "proposed" and lockdown.cases == ["T0002"]
    assert not Notice.objects.filter(title__endswith="划为封控区").exists()

    services.zones_propose(cases=[rules.Case("T0003", place)])  # a third positive joins the lockdown proposal
    lockdown.refresh_from_db()
    on_building = Zone.objects.filter(
        level="building", area_key=str(buildings[0].pk), status__in=("proposed", "active")
    )
    assert lockdown.cases == ["T0002", "T0003"] and on_building.count() == 2

    services.zone_confirm(actor=street_staff, zone=lockdown)
    told = Notice.objects.get(title__endswith="划为封控区")
    assert told.building_id == buildings[0].pk and told.targeted == 1
    assert services.RULES.kinds[
        rules.kind_at(
            place, [rules.ZoneArea(z.kind, z.level, z.area_key) for z in Zone.objects.filter(status="active")]
        )
    ].door_delivery  # the strictest in force applies: lockdown


def test_a_second_confirm_is_told_the_zone_is_no_longer_a_proposal(street_staff, grid_with_buildings):
    grid, _ = grid_with_buildings
    zone = _proposal("control", "grid", str(grid.pk))
    services.zone_confirm(actor=street_staff, zone=zone)
    with pytest.raises(ApplicationError) as refused:
        services.zone_confirm(actor=street_staff, zone=zone)  # the page's copy, still "proposed"
    assert refused.value.status == 409 and "待确认" in refused.value.message
    assert WorkflowEvent.objects.filter(flow="zone", row_key=zone.public_id, to_status="active").count() == 1


def test_a_long_area_name_still_gives_a_notice_title_within_the_limit(street_staff, community_a):
    from gongzhi.notices.models import Notice
    from gongzhi.notices.services import TITLE_MAX

    grid = GridFactory(community=community_a, name="第" + "十" * 55 + "网格")
    building = BuildingFactory(grid=grid)
    HouseholdFactory(building=building)
    zone = _proposal("lockdown", "building", str(building.pk))
    assert len(zone.area_name) > TITLE_MAX

    services.zone_confirm(actor=street_staff, zone=zone)
    notice = Notice.objects.get()
    assert len(notice.title) <= TITLE_MAX and notice.title.endswith("…划为封控区")
    assert zone.area_name in notice.body  # the whole name is in the body
