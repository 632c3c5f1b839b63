"""The notices API: the caller's notices in pages, with their reach inside the caller's areas, and a
notice's reach per child area; another area's notice is not found."""

import pytest

from gongzhi.notices import services
from tests.notices.conftest import STREET, publish

pytestmark = pytest.mark.django_db


def test_the_list_holds_the_callers_notices_newest_first_in_pages(client, world):
    older = publish(world.street, area_code=STREET, title="街道通知")
    newer = publish(world.worker_a, area_code=world.community_a.code, title="甲社区通知")
    publish(world.worker_b, area_code=world.community_b.code, title="乙社区通知")
    services.receipt_read(household=world.a1[0], notice=older)
    client.force_login(world.worker_a)
    answer = client.get("/api/notices", {"page_size": 1}).json()
    assert [n["title"] for n in answer["items"]] == ["甲社区通知"] and answer["has_next"] is True
    second = client.get("/api/notices", {"page_size": 1, "page": 2}).json()
    item = second["items"][0]
    assert item["public_id"] == older.public_id and second["has_next"] is False
    assert (item["targeted"], item["targeted_in_my_areas"], item["reached_in_my_areas"]) == (8, 6, 1)
    assert item["area_name"] == "锦江区锦官驿街道" and item["status"] == "published" and item["corrected_by"] is None
    assert newer.public_id != older.public_id
    assert client.get("/api/notices", {"page_size": 500}).status_code == 422


def test_a_correction_names_the_notice_it_corrects_and_back(client, world):
    first = publish(world.worker_a, area_code=world.community_a.code, title="初版")
    second = services.notice_correct(actor=world.worker_a, notice=first, title="更正版", body="x", reason="写错")
    client.force_login(world.worker_a)
    items = {n["public_id"]: n for n in client.get("/api/notices").json()["items"]}
    assert (
        items[first.public_id]["corrected_by"] == second.public_id and items[first.public_id]["status"] == "corrected"
    )
    assert (
        items[second.public_id]["corrects"] == first.public_id
        and items[second.public_id]["correction_reason"] == "写错"
    )


def test_reach_per_child_area_and_per_building_and_not_found_elsewhere(client, world):
    notice = publish(world.street, area_code=STREET)
    services.receipts_tell(actor=world.leader1, notice=notice, households=world.a1[:2])
    client.force_login(world.street)
    street = client.get(f"/api/notices/{notice.public_id}/reach").json()
    assert street["area_code"] == STREET and street["total"]["targeted"] == 8 and street["total"]["reached"] == 2
    assert [(r["code"], r["targeted"], r["told"]) for r in street["rows"]] == [
        (world.community_a.code, 6, 2),
        (world.community_b.code, 2, 0),
    ]
    buildings = client.get(f"/api/notices/{notice.public_id}/reach", {"area": world.community_a.code}).json()
    assert [(r["code"], r["building"], r["share"]) for r in buildings["rows"]] == [
        (world.b1.public_id, True, 0.6667),
        (world.b2.public_id, True, 0.0),
    ]
    client.force_login(world.worker_b)
    own = client.get(f"/api/notices/{notice.public_id}/reach").json()
    assert own["area_code"] == world.community_b.code and own["total"]["targeted"] == 2
    assert client.get(f"/api/notices/{notice.public_id}/reach", {"area": world.community_a.code}).status_code == 404
    mine = publish(world.worker_a, area_code=world.community_a.code)
    assert client.get(f"/api/notices/{mine.public_id}/reach").status_code == 404
    client.logout()
    assert client.get("/api/notices").status_code == 401
