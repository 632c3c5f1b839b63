"""Bad requests found by fuzzing every URL and API operation as every role: each is answered with a
clear error in Chinese (4xx) and writes nothing, never a server error."""

import json

import pytest
from django.test import Client

from gongzhi.places.models import Grid, Household
from tests.factories import BuildingFactory, GridFactory, make_user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(community_a):
    client = Client()
    client.force_login(make_user_with_role("w", "community_worker", community_a.code))
    return client


def test_a_form_or_broken_json_sent_to_a_json_operation_is_a_400_in_chinese(worker, community_a):
    form = worker.post("/api/grids", {"community_code": community_a.code, "number": "1"})  # multipart
    broken = worker.post("/api/grids", "{", content_type="application/json")
    text = worker.post("/api/grids", "number=1", content_type="text/plain")

    for response in (form, broken, text):
        assert response.status_code == 400
        assert response.json()["message"] == "请求内容无法读取：请以JSON格式发送"
    assert not Grid.objects.exists()


def test_a_form_with_too_many_fields_gets_the_400_page_in_chinese(worker, community_a):
    response = worker.post(f"/areas/{community_a.code}/grids/new/", {f"f{i}": "1" for i in range(1200)})

    assert response.status_code == 400
    assert "请求无法处理" in response.content.decode() and "Bad Request" not in response.content.decode()


@pytest.mark.parametrize(
    ("url", "form"),
    [
        ("grid", {"number": "99999999999999999999999999"}),
        ("building", {"number": "99999999999999999999999999", "floors": "1", "units": "1"}),
        ("building", {"number": "7", "floors": "99999999999999999999999999", "units": "1"}),
        ("household", {"unit": "99999999999999999999999999", "room": "101"}),
        ("household", {"unit": "1", "room": "1" * 26}),
    ],
)
def test_a_number_past_its_column_or_a_text_too_long_is_the_forms_error(worker, community_a, url, form):
    grid = GridFactory(community=community_a, number=1)
    building = BuildingFactory(grid=grid, number=3)
    path = {
        "grid": f"/areas/{community_a.code}/grids/new/",
        "building": f"/grids/{grid.public_id}/buildings/new/",
        "household": f"/buildings/{building.public_id}/households/new/",
    }[url]
    before = (Grid.objects.count(), Household.objects.count(), building.grid.buildings.count())

    response = worker.post(path, form)

    assert response.status_code in (200, 422)
    assert "输入有误" in response.content.decode()
    assert (Grid.objects.count(), Household.objects.count(), building.grid.buildings.count()) == before


def test_a_prevalence_that_is_not_a_number_gets_the_default(community_a):
    client = Client()
    client.force_login(make_user_with_role("street", "street_staff", community_a.code[:9]))
    for value in ("NaN", "nan", "inf", "-1", "abc"):
        assert client.get("/rounds/new/", {"prevalence": value}).status_code == 200


def test_the_api_body_errors_stay_json(worker):
    response = worker.post("/api/grids", json.dumps({"community_code": 1}), content_type="application/json")

    assert response.status_code == 422 and response.json()["message"] == "输入有误"


def test_each_input_problem_of_an_api_body_is_worded_in_the_interfaces_language(worker, community_a):
    response = worker.post("/api/grids", json.dumps({"number": "第一"}), content_type="application/json")

    assert response.status_code == 422
    said = {tuple(e["loc"])[-1]: e["msg"] for e in response.json()["extra"]["errors"]}
    assert said == {"community_code": "必填", "number": "应为整数"}
    worker.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = worker.post("/api/grids", json.dumps({"number": "第一"}), content_type="application/json").json()
    assert {e["msg"] for e in english["extra"]["errors"]} == {"required", "must be a whole number"}
