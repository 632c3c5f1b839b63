import datetime as dt

import pytest

from gongzhi.core.models import AuditEvent
from gongzhi.people import id_rules
from gongzhi.people.models import Resident
from tests.factories import HouseholdFactory, ResidentFactory, make_user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, worker_a):
    client.force_login(worker_a)
    return client


def test_list_shows_masked_values_and_filters(logged_in, django_assert_max_num_queries):
    resident = ResidentFactory(name="王秀英", phone="13812345678")
    resident.tags.create(community_code=resident.community_code, tag="dialysis")
    ResidentFactory(name="李四")
    with django_assert_max_num_queries(8):
        page = logged_in.get("/residents/", {"tag": "dialysis"}).content.decode()
    assert "王秀英" in page and "李四" not in page
    assert resident.id_number not in page and "138****5678" in page
    assert "透析" in page


def test_detail_is_masked_until_revealed_and_reveal_is_audited(logged_in):
    resident = ResidentFactory()
    detail = logged_in.get(f"/residents/{resident.public_id}/").content.decode()
    assert resident.id_number not in detail
    assert AuditEvent.objects.filter(action="view_full").count() == 0
    revealed = logged_in.post(f"/residents/{resident.public_id}/reveal/").content.decode()
    assert resident.id_number in revealed
    assert AuditEvent.objects.filter(action="view_full", row_ids=[resident.public_id]).count() == 1


def test_building_leader_sees_masked_without_reveal_button(client, community_a):
    resident = ResidentFactory()
    leader = make_user_with_role("leader", "building_leader", community_a.code, building=resident.household.building)
    client.force_login(leader)
    detail = client.get(f"/residents/{resident.public_id}/").content.decode()
    assert resident.id_number not in detail and "查看完整信息" not in detail
    assert client.post(f"/residents/{resident.public_id}/reveal/").status_code == 404


def test_create_form_shows_chinese_errors_and_writes_nothing(logged_in):
    household = HouseholdFactory()
    response = logged_in.post(
        "/residents/new/",
        {"household_id": household.public_id, "name": "张三", "id_number": "5.10104E+17", "phone": "123"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "科学计数法" in page and "电话应为11位手机号" in page
    assert Resident.objects.count() == 0


def test_create_and_edit_through_the_pages(logged_in):
    household = HouseholdFactory()
    number = id_rules.make_id_number("510104", dt.date(1941, 2, 3), 9, False)
    created = logged_in.post(
        "/residents/new/",
        {
            "household_id": household.public_id,
            "name": "刘奶奶",
            "id_number": number,
            "tags": ["elderly_alone", "bedridden"],
        },
    )
    assert created.status_code == 302
    resident = Resident.objects.get(id_number=number)
    assert set(resident.tags.values_list("tag", flat=True)) == {"elderly_alone", "bedridden"}
    edited = logged_in.post(
        f"/residents/{resident.public_id}/edit/",
        {"name": "刘奶奶", "id_number": "", "phone": "13700000001", "tags": ["bedridden"]},
    )
    assert edited.status_code == 302
    resident.refresh_from_db()
    assert resident.id_number == number and resident.phone == "13700000001"
    assert list(resident.tags.values_list("tag", flat=True)) == ["bedridden"]


def test_language_switch_to_english(logged_in):
    logged_in.post("/i18n/setlang/", {"language": "en", "next": "/residents/"})
    page = logged_in.get("/residents/").content.decode()
    assert "Residents" in page


def test_chinese_by_default_even_for_an_english_browser(logged_in):
    page = logged_in.get("/residents/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "居民" in page and "Residents" not in page
