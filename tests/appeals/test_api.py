"""The requests API: a household's request through its door code (public: 201 with its urgency and
level; 422 for bad input and 404 for an unknown code, writing nothing; limited like the page) and the
worklist, which answers each caller with the rows of their own areas only."""

import pytest
from django.test import Client

from gongzhi.appeals.limits import HOUSEHOLD_REQUESTS_PER_HOUR
from gongzhi.appeals.models import Appeal
from gongzhi.core.models import WorkflowEvent
from gongzhi.core.services import api_token_create
from tests.appeals.factories import clear_limits, make_place, submit, unplaced

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    clear_limits()
    yield
    clear_limits()


@pytest.fixture
def place(community_a, community_b):
    return make_place(community_a, community_b)


def post(client, code: str, body: dict):
    return client.post(f"/api/appeals/households/{code}", body, content_type="application/json")


def test_a_household_submits_through_its_code_without_an_account(place):
    h1 = place.households["h1"]
    client = Client(enforce_csrf_checks=True)
    made = post(client, h1.door_key, {"category": "chronic_care", "text": "明天要透析", "caller_phone": "13812345678"})
    assert made.status_code == 201, made.content
    answer = made.json()
    appeal = Appeal.objects.get()
    assert answer["public_id"] == appeal.public_id
    assert (answer["status"], answer["urgency"], answer["level"], answer["merged_into"]) == (
        "pending", "critical", "grid", None,
    )  # fmt: skip
    assert (appeal.household, appeal.channel, appeal.caller_phone) == (h1, "household", "13812345678")
    # The same need again is merged into the open one, and says so.
    again = post(client, f"H:{h1.door_key}", {"category": "chronic_care", "text": "透析的事还没有消息"})
    assert again.status_code == 201 and again.json()["merged_into"] == appeal.public_id
    assert again.json()["status"] == "merged"


@pytest.mark.parametrize(
    "body",
    [
        {"category": "rocket", "text": "需要帮助"},
        {"category": "food", "text": "米" * 1001},
        {"category": "food", "text": ""},
        {"category": "food"},
        {"text": "没有米了"},
        {},
        {"category": "food", "text": "没有米了", "caller_phone": "not a phone"},
        {"category": ["food"], "text": "没有米了"},
    ],
)
def test_bad_input_is_422_and_writes_nothing(place, body):
    response = post(Client(), place.households["h1"].door_key, body)
    assert response.status_code == 422, response.content
    assert response.json()["message"]
    assert not Appeal.objects.exists() and not WorkflowEvent.objects.exists()


def test_an_unknown_code_is_404_and_writes_nothing(place):
    response = post(Client(), "01NOSUCHHOUSEHOLD000000000", {"category": "food", "text": "没有米了"})
    assert response.status_code == 404 and response.json()["message"] == "未找到"
    assert not Appeal.objects.exists()


def test_the_api_counts_against_the_same_limit_as_the_page(place):
    h1 = place.households["h1"]
    client = Client()
    categories = ["food", "medicine", "other", "elderly_care", "psychological"]
    for n in range(HOUSEHOLD_REQUESTS_PER_HOUR - 1):
        assert post(client, h1.door_key, {"category": categories[n % 5], "text": f"第{n}次"}).status_code == 201
    assert client.post(f"/h/{h1.door_key}/requests/", {"category": "food", "text": "页面提交"}).status_code == 200
    refused = post(client, h1.door_key, {"category": "food", "text": "又一次"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "提交次数过多" in refused.json()["message"]
    assert Appeal.objects.count() == HOUSEHOLD_REQUESTS_PER_HOUR


def _ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["public_id"] for row in response.json()["items"]}


def test_the_list_answers_each_caller_with_their_areas_rows_only(place):
    h = place.households
    a_building = submit(h["h1"], "food", "没有米了")
    a_neighbour = submit(h["n1"], "medicine", "没有降压药了")
    a_far = submit(h["f1"], "other", "楼道灯坏了")
    b = submit(h["b1"], "food", "想买蔬菜")
    queued = unplaced(ref="GD-API-1")
    community_a = {a_building.public_id, a_neighbour.public_id, a_far.public_id}
    expected = {
        "worker": community_a,
        "grid": {a_building.public_id, a_neighbour.public_id},
        "leader": {a_building.public_id},
        "outsider": {b.public_id},
        "street": community_a | {b.public_id, queued.public_id},
        "district": community_a | {b.public_id, queued.public_id},
    }
    for role, ids in expected.items():
        _token, key = api_token_create(user=place.users[role], name="phone")
        assert _ids(Client().get("/api/appeals", headers={"Authorization": f"Bearer {key}"})) == ids, role
        assert _ids(Client().get("/api/appeals", headers={"X-Api-Token": key})) == ids, role
        session = Client()
        session.force_login(place.users[role])
        assert _ids(session.get("/api/appeals")) == ids, role
    # Asking for another area than one's own does not widen the list.
    _token, key = api_token_create(user=place.users["outsider"], name="phone 2")
    asked = Client().get("/api/appeals?area=510104017001", headers={"Authorization": f"Bearer {key}"})
    assert _ids(asked) == set()
    # Row contents and filters.
    client = Client()
    client.force_login(place.users["worker"])
    rows = client.get("/api/appeals?category=medicine").json()["items"]
    assert [(r["public_id"], r["urgency"], r["community_code"]) for r in rows] == [
        (a_neighbour.public_id, "urgent", h["n1"].community_code)
    ]
    assert Client().get("/api/appeals").status_code == 401


def test_the_list_pages_and_refuses_a_bad_page(place):
    h = place.households
    categories = ["food", "medicine", "other"]
    made = {submit(household, category, "需要帮助").public_id for household in h.values() for category in categories}
    client = Client()
    client.force_login(place.users["district"])
    first = client.get("/api/appeals?page_size=10").json()
    second = client.get("/api/appeals?page_size=10&page=2").json()
    assert first["has_next"] and not second["has_next"]
    assert {r["public_id"] for r in first["items"] + second["items"]} == made
    assert client.get("/api/appeals?page=0").status_code == 422
    assert client.get("/api/appeals?page_size=500").status_code == 422
