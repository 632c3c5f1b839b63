"""A resident's vulnerability tags (重点人群) are health status: shown, filtered and exported only
where the viewer holds residents.health over that resident's own place (core.roles.VIEW_HEALTH)."""

import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.core import roles
from gongzhi.core.models import RoleAssignment
from gongzhi.people.models import ResidentTag
from tests.factories import GridFactory, HouseholdFactory, ResidentFactory, make_user_with_role

DIALYSIS = "透析"


@pytest.fixture
def residents(community_a, community_b):
    """A dialysis patient in each of two communities."""
    found = {}
    for community in (community_a, community_b):
        household = HouseholdFactory(building__grid=GridFactory(community=community, community_code=community.code))
        resident = ResidentFactory(household=household, name=f"王{community.code[-1]}明")
        ResidentTag.objects.create(resident=resident, community_code=community.code, tag="dialysis")
        found[community.code] = resident
    return found


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_roles_that_care_for_residents_hold_it_and_the_others_do_not():
    holders = {role for role, caps in roles.CAPABILITIES.items() if roles.VIEW_HEALTH in caps}
    assert holders == {roles.STREET_STAFF, roles.COMMUNITY_WORKER, roles.GRID_WORKER, roles.BUILDING_LEADER}


@pytest.mark.parametrize(
    ("role", "area", "shown"),
    [
        (roles.COMMUNITY_WORKER, "510104017001", True),
        (roles.STREET_STAFF, "510104017", True),
        (roles.COLLECTOR, "510104017001", False),
        (roles.DISTRICT_STAFF, "510104", False),
        (roles.CITY_STAFF, "5101", False),
    ],
)
def test_resident_page_household_page_and_api(residents, role, area, shown):
    resident = residents["510104017001"]
    client = client_of(make_user_with_role("viewer", role, area))

    detail = client.get(reverse("people:resident_detail", args=[resident.public_id])).content.decode()
    household = client.get(reverse("people:household_detail", args=[resident.household.public_id])).content.decode()
    api = client.get(f"/api/residents/{resident.public_id}").json()

    assert (DIALYSIS in detail, DIALYSIS in household) == (shown, shown)
    assert ("不显示" in detail) == (not shown)
    assert api["tags"] == (["dialysis"] if shown else None)


def test_a_filter_by_tag_finds_only_whom_the_viewer_may_see_tagged(residents):
    district = client_of(make_user_with_role("district", roles.DISTRICT_STAFF, "510104"))
    worker = client_of(make_user_with_role("worker", roles.COMMUNITY_WORKER, "510104017001"))

    # the district sees both residents in its list, but a filter by tag would say who is on dialysis
    assert len(district.get("/api/residents").json()["items"]) == 2
    assert district.get("/api/residents", {"tag": "dialysis"}).json()["items"] == []
    page = district.get(reverse("people:resident_list"), {"tag": "dialysis"}).content.decode()
    assert "王1明" not in page and 'name="tag"' not in page
    found = worker.get("/api/residents", {"tag": "dialysis"}).json()["items"]
    assert [r["public_id"] for r in found] == [residents["510104017001"].public_id]


def test_the_decision_is_per_resident_for_a_user_with_roles_in_two_places(residents, community_b):
    """A community worker of 水井坊 who also collects samples in 崇德里: tags of the first only."""
    user = make_user_with_role("both", roles.COMMUNITY_WORKER, "510104017001")
    RoleAssignment.objects.create(user=user, role=roles.COLLECTOR, area_code=community_b.code)
    client = client_of(user)

    items = {r["public_id"]: r["tags"] for r in client.get("/api/residents").json()["items"]}

    assert items == {residents["510104017001"].public_id: ["dialysis"], residents["510104017002"].public_id: None}
    assert client.get("/api/residents", {"tag": "dialysis"}).json()["items"][0]["community_code"] == "510104017001"
    assert len(client.get("/api/residents", {"tag": "dialysis"}).json()["items"]) == 1


@pytest.mark.parametrize(
    ("role", "area", "shown"), [(roles.DISTRICT_STAFF, "510104", False), (roles.GRID_WORKER, None, True)]
)
def test_the_register_export(residents, role, area, shown):
    resident = residents["510104017001"]
    grid = resident.household.building.grid
    if role == roles.GRID_WORKER:
        user = make_user_with_role("exporter", role, grid.community_code, grid=grid)
    else:
        user = make_user_with_role("exporter", role, area)

    response = client_of(user).get(reverse("people:resident_export"), {"area_code": "510104017001"})

    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    tags = rows[0].index("重点人群")
    row = next(r for r in rows[1:] if r[0] == resident.name)
    assert (row[tags] == DIALYSIS) == shown and (row[tags] in ("", None)) == (not shown)
