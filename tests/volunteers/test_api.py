import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from gongzhi.core.services import api_token_create
from gongzhi.volunteers import choices, services
from gongzhi.volunteers.models import Volunteer
from tests.factories import make_user_with_role, valid_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(community_a):
    volunteer, _ = services.volunteer_sign_up(
        name="赵志愿",
        id_number=valid_id_number(),
        phone="13500000001",
        community_code=community_a.code,
        group="transport",
        password="serve-the-people-2022",
        availability=[f"{d}-{p}" for d in choices.WEEKDAYS for p in choices.DAY_PARTS],
        consent=True,
    )
    return volunteer


def test_list_is_scoped_and_masked_and_review_follows_the_flow(client, worker_a, pending):
    client.force_login(worker_a)
    items = client.get("/api/volunteers", {"status": "pending"}).json()["items"]
    assert [i["name"] for i in items] == ["赵志愿"] and items[0]["phone"] != pending.phone
    url = f"/api/volunteers/{pending.public_id}/review"
    assert client.post(url, {"to_status": "suspended"}, content_type="application/json").status_code == 409
    assert client.post(url, {"to_status": "approved"}, content_type="application/json").json()["status"] == "approved"
    client.force_login(make_user_with_role("other", "community_worker", "510104017002"))
    assert client.get("/api/volunteers").json()["items"] == []
    assert client.post(url, {"to_status": "suspended"}, content_type="application/json").status_code == 404


def test_device_checks_in_and_out_with_a_token_and_bad_actions_are_refused(client, worker_a, pending, community_a):
    services.volunteer_review(actor=worker_a, volunteer=pending, to_status="approved")
    now = timezone.now()
    post = services.post_create(actor=worker_a, community_code=community_a.code, name="物资车", group="transport")
    shift = services.shift_create(
        actor=worker_a, post=post, starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=2), needed=1
    )
    shift.assignments.create(volunteer=pending, community_code=community_a.code, source="manual")
    key = api_token_create(user=pending.user, name="phone")[1]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    url = f"/api/checkin/{post.checkin_key}"
    assert client.post(url, {"action": "dance"}, content_type="application/json", **headers).status_code == 422
    assert client.post(url, {"action": "in"}, content_type="application/json", **headers).json()["status"] == "on_duty"
    again = client.post(url, {"action": "in"}, content_type="application/json", **headers)
    assert again.status_code == 409 and "请勿重复签到" in again.json()["message"]
    out = client.post(url, {"action": "out"}, content_type="application/json", **headers).json()
    assert out["status"] == "checked_out" and out["checked_out_at"]
    assert (
        client.post("/api/checkin/nosuchkey", {"action": "in"}, content_type="application/json", **headers).status_code
        == 404
    )


def test_hours_report_in_scope_only(client, worker_a, pending, community_a):
    services.volunteer_review(actor=worker_a, volunteer=pending, to_status="approved")
    services.hours_correct(
        actor=worker_a, volunteer=pending, hours=Decimal("3.5"), reason="补录", served_on=timezone.localdate()
    )
    client.force_login(worker_a)
    report = client.get("/api/volunteers/hours", {"area_code": community_a.code}).json()
    assert report["total"] == 3.5 and report["by_community"][0]["entries"] == 1
    assert client.get("/api/volunteers/hours", {"area_code": "510104017002"}).status_code == 404
    assert Volunteer.objects.get().hours_total == Decimal("3.5")
