"""The area picker: places chosen by name, level by level, inside the user's own areas; and a name
typed where a code belongs never reads as "all tested"."""

import pytest

from gongzhi.places.selectors import picker_levels
from gongzhi.testing import services
from tests.factories import HouseholdFactory, ResidentFactory, make_user_with_role

pytestmark = pytest.mark.django_db
STREET = "510104017"


def test_a_street_official_picks_among_the_streets_communities(areas):
    street = make_user_with_role("s1", "street_staff", STREET)
    picker = picker_levels(user=street, capability="testing.view", code="510104017002")
    assert picker["code"] == "510104017002"
    top, communities = picker["levels"][0], picker["levels"][1]
    assert top["options"] == [(STREET, "锦官驿街道")] and top["chosen"] == STREET
    assert communities["chosen"] == "510104017002" and communities["parent"] == STREET
    assert all(code.startswith(STREET) for code, _name in communities["options"])


def test_a_code_outside_the_users_areas_falls_back_to_their_own(areas):
    worker = make_user_with_role("w1", "community_worker", "510104017001")
    for foreign in ("510104017002", "5101", "9999", ""):
        picker = picker_levels(user=worker, capability="testing.view", code=foreign)
        assert picker["code"] == "510104017001"
        assert [level["options"] for level in picker["levels"]] == [[("510104017001", "水井坊社区居委会")]]


def test_a_city_official_narrowed_to_a_rounds_area_starts_there(areas):
    city = make_user_with_role("c1", "city_staff", "5101")
    picker = picker_levels(user=city, capability="testing.view", within=STREET)
    assert picker["code"] == STREET and picker["levels"][0]["options"] == [(STREET, "锦官驿街道")]


def test_the_picker_endpoint_redraws_and_refuses_what_it_does_not_know(client, areas):
    client.force_login(make_user_with_role("s1", "street_staff", STREET))
    page = client.get("/areas/pick/", {"field": "area_code", "capability": "testing.view", "code": "510104017003"})
    assert page.status_code == 200 and 'name="area_code" value="510104017003"' in page.content.decode()
    assert client.get("/areas/pick/", {"field": "a<b", "capability": "testing.view"}).status_code == 404
    assert client.get("/areas/pick/", {"field": "area_code", "capability": "pii.full"}).status_code == 404


def test_a_name_where_a_code_belongs_is_refused_not_counted_as_all_tested(client, community_a, worker_a):
    ResidentFactory(household=HouseholdFactory())
    round_ = services.round_create(actor=worker_a, name="第五轮", area_code=community_a.code, pool_size=10)
    client.force_login(worker_a)
    for typed in ("水井坊", "510104017999", "abc"):
        response = client.get(f"/rounds/{round_.public_id}/coverage/", {"area_code": typed})
        page = response.content.decode()
        assert response.status_code == 422 and "没有这个区域" in page
        assert "全部已检测或免检" not in page and 'id="untested-count"' not in page
        assert client.get(f"/rounds/{round_.public_id}/untested.xlsx", {"area_code": typed}).status_code == 422
    page = client.get(f"/rounds/{round_.public_id}/coverage/", {"area_code": community_a.code}).content.decode()
    assert 'id="untested-count">1<' in page


def test_a_round_is_started_over_the_area_picked(client, worker_a, community_a):
    client.force_login(worker_a)
    form = client.get("/rounds/new/").content.decode()
    assert f'name="area_code" value="{community_a.code}"' in form and "区划代码" not in form
    response = client.post("/rounds/new/", {"name": "第六轮", "area_code": community_a.code, "pool_size": "10"})
    assert response.status_code == 302


def test_the_coverage_api_refuses_a_name_where_a_code_belongs(client, community_a, worker_a):
    ResidentFactory(household=HouseholdFactory())
    round_ = services.round_create(actor=worker_a, name="第七轮", area_code=community_a.code, pool_size=10)
    client.force_login(worker_a)
    answer = client.get(f"/api/rounds/{round_.public_id}/coverage", {"area_code": "水井坊"})
    assert answer.status_code == 422 and "没有这个区域" in answer.json()["message"]
    answer = client.get(f"/api/rounds/{round_.public_id}/coverage", {"area_code": community_a.code})
    assert answer.status_code == 200 and answer.json()["untested"] == 1
