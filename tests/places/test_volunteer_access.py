"""A volunteer (a self-registered member of the public) browses no area, grid, building, household or
door code: their pages are their own (check-in, hours, posts). Staff still browse."""

import pytest

from gongzhi.core import roles
from gongzhi.volunteers import services
from gongzhi.volunteers.models import Volunteer
from tests.factories import BuildingFactory, GridFactory, HouseholdFactory, valid_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(community_a):
    grid = GridFactory(community=community_a, number=1)
    building = BuildingFactory(grid=grid, number=3, address="水井街2号")
    household = HouseholdFactory(building=building, unit=1, room="501")
    return grid, building, household


@pytest.fixture
def volunteer_user(community_a, worker_a):
    """A volunteer signed up and approved the usual way (the volunteer role on their community)."""
    volunteer, _ = services.volunteer_sign_up(
        name="李志愿", id_number=valid_id_number(), phone="13900000001", community_code=community_a.code,
        group="screening", password="serve-the-people-2022", consent=True,
    )  # fmt: skip
    services.volunteer_review(actor=worker_a, volunteer=volunteer, to_status=Volunteer.Status.APPROVED)
    volunteer.refresh_from_db()
    return volunteer.user


def test_the_volunteer_role_carries_only_its_own_work():
    # Their shifts and check-ins, and the delivery runs they are given (decided per run: its volunteer).
    assert roles.CAPABILITIES[roles.VOLUNTEER] == frozenset({roles.SERVE, roles.DELIVER})


def test_a_volunteer_opens_no_places_page(client, community_a, places, volunteer_user):
    grid, building, household = places
    client.force_login(volunteer_user)
    for url in (
        "/areas/",
        f"/areas/{community_a.code}/",
        "/areas/510104017/",
        "/areas/5101/",
        f"/areas/{community_a.code}/grids/new/",
        f"/grids/{grid.public_id}/",
        f"/grids/{grid.public_id}/buildings/new/",
        f"/buildings/{building.public_id}/",
        f"/buildings/{building.public_id}/households/new/",
        f"/buildings/{building.public_id}/door-codes/",
        f"/households/{household.public_id}/edit/",
    ):
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert "水井街2号" not in response.content.decode(), url
    # The landing page names their own community only, with no way into the area pages; no menu entry.
    home = client.get("/").content.decode()
    assert "水井坊社区居委会" in home and "/areas/" not in home
    assert client.get("/me/").status_code == 200  # their own page still opens


def test_staff_still_browse_down_to_the_door_codes(client, community_a, places, worker_a):
    grid, building, household = places
    client.force_login(worker_a)
    for url in (
        "/areas/5101/",
        f"/areas/{community_a.code}/",
        f"/grids/{grid.public_id}/",
        f"/buildings/{building.public_id}/",
        f"/buildings/{building.public_id}/door-codes/",
    ):
        assert client.get(url).status_code == 200, url
    assert f'href="/areas/{community_a.code}/"' in client.get("/").content.decode()
    assert client.get(f"/api/buildings/{building.public_id}/households").json()["items"][0]["room"] == "501"


def test_a_volunteer_gets_nothing_from_the_places_api(client, community_a, places, volunteer_user):
    grid, building, household = places
    client.force_login(volunteer_user)
    for url in (
        "/api/areas",
        f"/api/areas/{community_a.code}",
        f"/api/areas/{community_a.code}/children",
        "/api/areas/510104017/children",
        f"/api/areas/{community_a.code}/grids",
        f"/api/grids/{grid.public_id}/buildings",
        f"/api/buildings/{building.public_id}/households",
        f"/api/households/{household.public_id}",
    ):
        response = client.get(url)
        assert response.status_code in (403, 404) or response.json()["items"] == [], url
        assert "水井街2号" not in response.content.decode(), url
