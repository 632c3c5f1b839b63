import pytest

from gongzhi.core.access import may_in_area
from gongzhi.core.scope import common_area_code, scope_q
from gongzhi.people.models import Resident
from tests.factories import BuildingFactory, GridFactory, HouseholdFactory, ResidentFactory, make_user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_grids(community_a):
    grid1 = GridFactory(community=community_a, number=1)
    grid2 = GridFactory(community=community_a, number=2)
    b1 = BuildingFactory(grid=grid1, number=1)
    b2 = BuildingFactory(grid=grid2, number=2)
    r1 = ResidentFactory(household=HouseholdFactory(building=b1))
    r2 = ResidentFactory(household=HouseholdFactory(building=b2))
    return grid1, grid2, b1, b2, r1, r2


def _visible(user):
    q = scope_q(user, paths=Resident.area_paths)
    return set(Resident.objects.filter(q).values_list("public_id", flat=True))


def test_official_area_roles_see_their_subtree(two_grids, community_b):
    *_, r1, r2 = two_grids
    everyone = {r1.public_id, r2.public_id}
    assert _visible(make_user_with_role("city", "city_staff", "5101")) == everyone
    assert _visible(make_user_with_role("district", "district_staff", "510104")) == everyone
    assert _visible(make_user_with_role("other_district", "district_staff", "510105")) == set()
    assert _visible(make_user_with_role("street", "street_staff", "510104017")) == everyone
    assert _visible(make_user_with_role("worker", "community_worker", "510104017001")) == everyone
    assert _visible(make_user_with_role("other", "community_worker", community_b.code)) == set()


def test_grid_and_building_roles_see_only_their_grid_or_building(two_grids, community_a):
    grid1, grid2, b1, b2, r1, r2 = two_grids
    grid_worker = make_user_with_role("g1", "grid_worker", community_a.code, grid=grid1)
    leader = make_user_with_role("l2", "building_leader", community_a.code, building=b2)
    assert _visible(grid_worker) == {r1.public_id}
    assert _visible(leader) == {r2.public_id}


def test_user_without_roles_sees_nothing(two_grids, django_user_model):
    user = django_user_model.objects.create_user("nobody", password="x-long-password")
    assert _visible(user) == set()


def test_superuser_sees_everything(two_grids, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="x-long-password")
    assert len(_visible(admin)) == 2


def test_capability_filters_roles(two_grids, community_a):
    leader = make_user_with_role("leader", "building_leader", community_a.code, building=two_grids[2])
    assert not Resident.objects.visible_to(leader, "pii.full").exists()
    assert Resident.objects.visible_to(leader, "residents.view").count() == 1


def test_may_in_area(community_a):
    worker = make_user_with_role("w", "community_worker", community_a.code)
    assert may_in_area(worker, "residents.view", community_a.code)
    assert not may_in_area(worker, "residents.view", "510104017002")
    assert not may_in_area(worker, "residents.view", "510104017")  # the street above is not inside
    assert may_in_area(worker, "places.edit", community_a.code)
    collector = make_user_with_role("c", "collector", community_a.code)
    assert not may_in_area(collector, "places.edit", community_a.code)


def test_in_area_is_a_range_for_full_codes_and_a_prefix_for_mixed_ones(two_grids, community_a):
    *_, r1, r2 = two_grids
    assert set(Resident.objects.in_area("510104").values_list("pk", flat=True)) == {r1.pk, r2.pk}
    assert not Resident.objects.in_area("510105").exists()
    assert "BETWEEN" in str(Resident.objects.in_area("510104").query) or ">=" in str(
        Resident.objects.in_area("510104").query
    )
    from gongzhi.core.models import AuditEvent

    assert "LIKE" in str(AuditEvent.objects.in_area("510104").query)
    one = Resident.objects.in_area(community_a.code)
    assert set(one.values_list("pk", flat=True)) == {r1.pk, r2.pk}
    assert ">=" not in str(one.query) and "BETWEEN" not in str(one.query)  # one community: an equality


def test_common_area_code():
    assert common_area_code(["510104017001", "510104017001"]) == "510104017001"
    assert common_area_code(["510104017001", "510104017002"]) == "510104017"
    assert common_area_code(["510104017001", "510104018001"]) == "510104"
    assert common_area_code(["510104017001", "510105001001"]) == "5101"
    assert common_area_code([]) == ""


def test_may_around_decides_one_area_as_around_q_selects_them(two_grids, community_a, community_b):
    """The one-row decision (a round's or an area's single read) and the list condition agree, for
    every area in the tree and users at each kind of place, with and without the capability."""
    from gongzhi.core.access import may_around
    from gongzhi.places.models import Area

    grid1, _, b1, *_ = two_grids
    users = [
        make_user_with_role("a_city", "city_staff", "5101"),
        make_user_with_role("a_street", "street_staff", "510104017"),
        make_user_with_role("a_worker", "community_worker", community_a.code),
        make_user_with_role("a_grid", "grid_worker", community_a.code, grid=grid1),
        make_user_with_role("a_leader", "building_leader", community_a.code, building=b1),
        make_user_with_role("a_collector", "collector", community_b.code),
    ]
    codes = list(Area.objects.values_list("code", flat=True))
    assert len(codes) >= 5
    for user in users:
        for capability in (None, "testing.view", "residents.edit"):
            listed = set(Area.objects.around(user, capability).values_list("code", flat=True))
            decided = {code for code in codes if may_around(user, capability, code)}
            assert decided == listed, (user.username, capability)
    assert may_around(users[2], "testing.view", "5101")  # a city's round concerns a community worker
    assert not may_around(users[5], "testing.view", community_a.code)  # a neighbouring community does not
