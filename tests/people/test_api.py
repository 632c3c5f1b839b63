import datetime as dt

import pytest

from gongzhi.core.models import AuditEvent
from gongzhi.core.services import api_token_create
from gongzhi.people import id_rules
from gongzhi.people.messages import PEOPLE
from gongzhi.people.models import Resident
from tests.factories import HouseholdFactory, ResidentFactory, make_user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_a(client, worker_a):
    client.force_login(worker_a)
    return client


def test_list_masks_and_filters(api_a, django_assert_max_num_queries):
    r1 = ResidentFactory(name="王秀英", phone="13800001111")
    ResidentFactory(name="李四")
    with django_assert_max_num_queries(6):
        body = api_a.get("/api/residents", {"q": "王"}).json()
    assert [i["public_id"] for i in body["items"]] == [r1.public_id]
    item = body["items"][0]
    assert item["id_number"] == r1.id_number[:6] + "********" + r1.id_number[-4:]
    assert item["phone"] == "138****1111"
    assert body["has_next"] is False
    by_tail = api_a.get("/api/residents", {"q": r1.id_number[-4:]}).json()
    assert [i["public_id"] for i in by_tail["items"]] == [r1.public_id]
    by_phone = api_a.get("/api/residents", {"q": "1111"}).json()
    assert r1.public_id in [i["public_id"] for i in by_phone["items"]]


def test_pages_do_not_count(api_a):
    for _ in range(3):
        ResidentFactory()
    first = api_a.get("/api/residents", {"page_size": 2}).json()
    second = api_a.get("/api/residents", {"page_size": 2, "page": 2}).json()
    assert len(first["items"]) == 2 and first["has_next"] is True
    assert len(second["items"]) == 1 and second["has_next"] is False
    assert api_a.get("/api/residents", {"page_size": 500}).status_code == 422


def test_create_validates_in_chinese_and_writes_nothing(api_a):
    household = HouseholdFactory()
    bad = api_a.post(
        "/api/residents",
        {"household_id": household.public_id, "name": "张三", "id_number": "5.10104E+17"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["extra"]["fields"]["id_number"] == PEOPLE.text(id_rules.ID_SCIENTIFIC)
    assert Resident.objects.count() == 0
    good_id = id_rules.make_id_number("510104", dt.date(1990, 1, 1), 3, True)
    ok = api_a.post(
        "/api/residents",
        {"household_id": household.public_id, "name": "张三", "id_number": good_id, "tags": ["migrant_worker"]},
        content_type="application/json",
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["tags"] == ["migrant_worker"]
    assert ok.json()["id_number"] != good_id  # masked in the answer too


def test_reveal_gives_full_values_and_audits(api_a):
    resident = ResidentFactory()
    body = api_a.post(f"/api/residents/{resident.public_id}/reveal").json()
    assert body["id_number"] == resident.id_number
    assert AuditEvent.objects.filter(action="view_full", row_ids=[resident.public_id]).count() == 1


def test_reveal_refused_for_roles_without_full_view(client, community_a):
    resident = ResidentFactory()
    collector = make_user_with_role("collector", "collector", community_a.code)
    client.force_login(collector)
    assert client.get(f"/api/residents/{resident.public_id}").status_code == 200
    assert client.post(f"/api/residents/{resident.public_id}/reveal").status_code == 404
    assert not AuditEvent.objects.filter(action="view_full").exists()


def test_collector_cannot_create(client, community_a):
    collector = make_user_with_role("collector", "collector", community_a.code)
    client.force_login(collector)
    household = HouseholdFactory()
    good_id = id_rules.make_id_number("510104", dt.date(1990, 1, 1), 3, True)
    response = client.post(
        "/api/residents",
        {"household_id": household.public_id, "name": "张三", "id_number": good_id},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert Resident.objects.count() == 0


def test_device_token_auth(client, worker_a):
    ResidentFactory()
    _, key = api_token_create(user=worker_a, name="phone 1")
    assert client.get("/api/residents").status_code == 401
    assert client.get("/api/residents", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    response = client.get("/api/residents", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200 and len(response.json()["items"]) == 1


def test_update_via_api(api_a):
    resident = ResidentFactory()
    response = api_a.put(
        f"/api/residents/{resident.public_id}",
        {"name": "改名", "id_number": resident.id_number, "phone": "13900000000"},
        content_type="application/json",
    )
    assert response.status_code == 200
    resident.refresh_from_db()
    assert resident.name == "改名" and resident.phone == "13900000000"
