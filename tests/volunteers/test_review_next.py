"""The review form's `next` (the list it was posted from) leads back into this site only."""

import pytest

from gongzhi.volunteers import services
from gongzhi.volunteers.models import Volunteer
from tests.factories import valid_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(community_a):
    volunteer, _ = services.volunteer_sign_up(
        name="李志愿", id_number=valid_id_number(), phone="13900000001", community_code=community_a.code,
        group="screening", password="serve-the-people-2022", consent=True,
    )  # fmt: skip
    return volunteer


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        " //evil.example",
        "https:evil.example",
        "javascript:alert(1)",
        "http://testserver/volunteers/",  # plain http from an https page
        "https://testserver.evil.example/",
    ],
)
def test_review_never_redirects_off_site(client, worker_a, pending, target):
    client.force_login(worker_a)
    response = client.post(
        f"/volunteers/{pending.public_id}/review/", {"to_status": "rejected", "next": target}, secure=True
    )
    assert response.status_code == 302
    assert response["Location"] == f"/volunteers/{pending.public_id}/"
    pending.refresh_from_db()
    assert pending.status == Volunteer.Status.REJECTED


def test_review_goes_back_to_the_list_it_came_from(client, worker_a, pending):
    client.force_login(worker_a)
    back = "/volunteers/?status=pending&q=%E6%9D%8E"
    response = client.post(f"/volunteers/{pending.public_id}/review/", {"to_status": "approved", "next": back})
    assert response.status_code == 302 and response["Location"] == back
