import pytest

from gongzhi.places.models import Grid
from tests.factories import BuildingFactory, GridFactory, make_user_with_role

pytestmark = pytest.mark.django_db


def test_worker_browses_down_to_households(client, worker_a, community_a):
    client.force_login(worker_a)
    roots = client.get("/api/areas").json()
    assert [a["code"] for a in roots["items"]] == ["5101"]
    street_children = client.get("/api/areas/510104017/children").json()["items"]
    assert [a["code"] for a in street_children] == [community_a.code]  # only the way to their own area
    assert client.get("/api/areas/510104017002").status_code == 404
    grid = client.post("/api/grids", {"community_code": community_a.code, "number": 1}, content_type="application/json")
    assert grid.status_code == 201
    grid_id = grid.json()["public_id"]
    building = client.post(
        f"/api/grids/{grid_id}/buildings", {"number": 5, "address": "水井街1号"}, content_type="application/json"
    )
    assert building.status_code == 201
    household = client.post(
        f"/api/buildings/{building.json()['public_id']}/households",
        {"unit": 1, "room": "101"},
        content_type="application/json",
    )
    assert household.status_code == 201
    assert household.json()["address"] == "水井街1号5栋1单元101"


def test_bad_place_input_is_a_4xx_with_message(client, worker_a, community_a):
    client.force_login(worker_a)
    GridFactory(community=community_a, number=1)
    dup = client.post("/api/grids", {"community_code": community_a.code, "number": 1}, content_type="application/json")
    assert dup.status_code == 400 and dup.json()["message"] == "该社区已有同编号的网格"
    wrong_type = client.post(
        "/api/grids", {"community_code": community_a.code, "number": "abc"}, content_type="application/json"
    )
    assert wrong_type.status_code == 422
    outside = client.post(
        "/api/grids", {"community_code": "510104017002", "number": 9}, content_type="application/json"
    )
    assert outside.status_code == 404
    assert Grid.objects.count() == 1


def test_grid_worker_sees_only_their_grid(client, community_a):
    g1, g2 = GridFactory(community=community_a, number=1), GridFactory(community=community_a, number=2)
    BuildingFactory(grid=g1)
    user = make_user_with_role("gw", "grid_worker", community_a.code, grid=g1)
    client.force_login(user)
    listed = client.get(f"/api/areas/{community_a.code}/grids").json()["items"]
    assert [g["public_id"] for g in listed] == [g1.public_id]
    assert client.get(f"/api/grids/{g2.public_id}/buildings").status_code == 404
    assert (
        client.post(
            "/api/grids", {"community_code": community_a.code, "number": 3}, content_type="application/json"
        ).status_code
        == 404
    )


def test_service_errors_are_in_english_after_the_switch(client, worker_a, community_a):
    client.force_login(worker_a)
    client.cookies["django_language"] = "en"
    GridFactory(community=community_a, number=1)
    dup = client.post("/api/grids", {"community_code": community_a.code, "number": 1}, content_type="application/json")
    assert dup.json()["message"] == "This community already has a grid with this number"
