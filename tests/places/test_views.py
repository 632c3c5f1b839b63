import pytest

from gongzhi.places.models import Building, Grid
from tests.factories import BuildingFactory, GridFactory

pytestmark = pytest.mark.django_db


def test_breadcrumb_from_city_to_building(client, worker_a, community_a):
    grid = GridFactory(community=community_a, number=1)
    building = BuildingFactory(grid=grid, number=3)
    client.force_login(worker_a)
    assert client.get("/areas/").status_code == 302  # one root: straight into the city
    street = client.get("/areas/510104017/").content.decode()
    assert "水井坊社区居委会" in street and "崇德里社区居委会" not in street
    page = client.get(f"/buildings/{building.public_id}/").content.decode()
    for name in ("成都市", "锦江区", "锦官驿街道", "水井坊社区居委会", "第1网格", "3栋"):
        assert name in page


def test_worker_adds_grid_and_building_with_errors_shown(client, worker_a, community_a):
    client.force_login(worker_a)
    assert client.post(f"/areas/{community_a.code}/grids/new/", {"number": "x"}).status_code == 422
    response = client.post(f"/areas/{community_a.code}/grids/new/", {"number": "2", "name": ""})
    assert response.status_code == 302
    grid = Grid.objects.get()
    again = client.post(f"/areas/{community_a.code}/grids/new/", {"number": "2"})
    assert again.status_code == 422 and "同编号的网格" in again.content.decode()
    ok = client.post(f"/grids/{grid.public_id}/buildings/new/", {"number": "5", "floors": "6", "units": "2"})
    assert ok.status_code == 302 and Building.objects.get().floors == 6


def test_grid_worker_adds_a_household_then_a_resident(client, community_a):
    from tests.factories import make_user_with_role

    grid = GridFactory(community=community_a, number=1)
    building = BuildingFactory(grid=grid, number=3, address="水井街2号")
    user = make_user_with_role("gw", "grid_worker", community_a.code, grid=grid)
    client.force_login(user)
    bad = client.post(f"/buildings/{building.public_id}/households/new/", {"unit": "1", "room": " "})
    assert bad.status_code == 422 and "房号不能为空" in bad.content.decode()
    ok = client.post(f"/buildings/{building.public_id}/households/new/", {"unit": "2", "room": "301"})
    assert ok.status_code == 302 and "/residents/new/?household=" in ok["Location"]
    assert client.get(ok["Location"]).status_code == 200


@pytest.mark.parametrize("room", ["²", "١٠١", "１０２"])  # a superscript; Arabic-Indic and full-width digits
def test_a_room_of_unusual_digits_leaves_the_building_page_working(client, community_a, room):
    """str.isdigit holds for "²" where int() fails: the building page's door order was a 500 for good."""
    from tests.factories import make_user_with_role

    grid = GridFactory(community=community_a, number=1)
    building = BuildingFactory(grid=grid, number=3)
    client.force_login(make_user_with_role("gw", "grid_worker", community_a.code, grid=grid))
    for door in ("101", room, "11"):
        client.post(f"/buildings/{building.public_id}/households/new/", {"unit": "1", "room": door})
    assert client.get(f"/buildings/{building.public_id}/").status_code == 200


def test_household_door_is_corrected_and_clashes_refused(client, worker_a, community_a):
    from gongzhi.places.models import Household
    from tests.factories import HouseholdFactory

    building = BuildingFactory(grid=GridFactory(community=community_a, number=1), number=2, address="水井街3号")
    first = HouseholdFactory(building=building, unit=1, room="101")
    HouseholdFactory(building=building, unit=1, room="102")
    client.force_login(worker_a)
    clash = client.post(f"/households/{first.public_id}/edit/", {"unit": "1", "room": "102"})
    assert clash.status_code == 422 and "已有这个单元和房号" in clash.content.decode()
    ok = client.post(f"/households/{first.public_id}/edit/", {"unit": "2", "room": "201"})
    assert ok.status_code == 302
    first.refresh_from_db()
    assert (first.unit, first.room, first.address) == (2, "201", "水井街3号2栋2单元201")
    api = client.put(f"/api/households/{first.public_id}", {"unit": 2, "room": "202"}, content_type="application/json")
    assert api.status_code == 200 and api.json()["address"].endswith("2单元202")
    assert Household.objects.filter(building=building).count() == 2


def test_door_codes_sheet_has_one_qr_per_household(client, community_a):
    from tests.factories import HouseholdFactory, make_user_with_role

    building = BuildingFactory(grid=GridFactory(community=community_a, number=1), number=4)
    households = [HouseholdFactory(building=building) for _ in range(3)]
    leader = make_user_with_role("leader", "building_leader", community_a.code, building=building)
    client.force_login(leader)
    page = client.get(f"/buildings/{building.public_id}/door-codes/").content.decode()
    assert page.count("<svg") == 3
    assert all(h.room in page for h in households)
    other = BuildingFactory(grid=GridFactory(community=community_a, number=2), number=5)
    assert client.get(f"/buildings/{other.public_id}/door-codes/").status_code == 404


def test_doors_are_listed_in_number_order_on_the_building_page_and_the_door_codes(client, community_a, worker_a):
    from tests.factories import BuildingFactory, GridFactory, HouseholdFactory

    building = BuildingFactory(grid=GridFactory(community=community_a, number=9))
    for unit, room in ((1, "1001"), (1, "201"), (2, "101"), (1, "903"), (1, "地下室"), (1, "2")):
        HouseholdFactory(building=building, unit=unit, room=room)
    client.force_login(worker_a)
    wanted = ["2", "201", "903", "1001", "地下室", "101"]
    page = client.get(f"/buildings/{building.public_id}/").content.decode()
    positions = [page.index(f">{room}</a>") for room in wanted]
    assert positions == sorted(positions)
    page = client.get(f"/buildings/{building.public_id}/door-codes/").content.decode()
    positions = [page.index(f" {room}</p>") for room in wanted]
    assert positions == sorted(positions)


def test_the_door_code_holds_the_door_key_and_only_those_who_print_codes_see_it(client, community_a, worker_a):
    """The door code (H:<door key>) lets its holder act as the household, so it is apart from the
    public id that staff pages, links and route sheets show, and drawn only for those who put the
    codes on the doors."""
    import segno

    from tests.factories import HouseholdFactory, make_user_with_role

    building = BuildingFactory(grid=GridFactory(community=community_a, number=1), number=4)
    household = HouseholdFactory(building=building)
    assert household.door_key and household.door_key not in household.public_id.lower()
    drawn = segno.make(f"H:{household.door_key}", error="m").svg_inline(scale=4)
    client.force_login(worker_a)
    assert drawn in client.get(f"/buildings/{building.public_id}/door-codes/").content.decode()
    assert segno.make(f"H:{household.door_key}", error="m").svg_inline(scale=3) in (
        client.get(f"/households/{household.public_id}/").content.decode()
    )
    for role in ("district_staff", "collector"):
        code = community_a.code[:6] if role == "district_staff" else community_a.code
        client.force_login(make_user_with_role(f"x-{role}", role, code))
        assert client.get(f"/buildings/{building.public_id}/door-codes/").status_code == 404
        building_page = client.get(f"/buildings/{building.public_id}/").content.decode()
        assert "door-codes" not in building_page and household.door_key not in building_page
    client.logout()
    assert client.get(f"/h/H:{household.public_id}/").status_code == 404  # the public id opens nothing
    assert client.get(f"/h/H:{household.door_key}/").status_code == 200
    assert client.get(f"/h/H:{household.door_key.upper()}/").status_code == 200  # typed in capitals
