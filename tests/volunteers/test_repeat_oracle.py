"""The repeat sign-up count is no oracle for masked numbers: a viewer who sees a volunteer's numbers
masked could sign up with a guessed phone or ID number and watch the count. Only viewers who may see
the row's numbers in full (`pii.full` over its community) see the count; to others the list, the page
and the API read the same before and after a repeat."""

import re

import pytest

from gongzhi.core import roles
from gongzhi.core.models import RoleAssignment
from gongzhi.volunteers import services
from gongzhi.volunteers.models import Volunteer
from tests.factories import make_user_with_role, valid_id_number

pytestmark = pytest.mark.django_db


def _form(community, n: int, **overrides):
    data = {
        "name": f"李志愿{n}",
        "id_number": valid_id_number(),
        "phone": f"1380000{n:04d}",
        "community_code": community.code,
        "group": "screening",
        "password": "serve-the-people-2022",
        "skills": ["medical"],
        "availability": ["mon-am"],
        "consent": "on",
    }
    data.update(overrides)
    return data


def _page(response) -> str:
    """The page without its CSRF tokens (a fresh random mask in every response)."""
    assert response.status_code == 200
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", text)


def _seen(client, volunteer: Volunteer) -> tuple[str, str, object]:
    return (
        _page(client.get("/volunteers/")),
        _page(client.get(f"/volunteers/{volunteer.public_id}/")),
        client.get("/api/volunteers").json(),
    )


@pytest.fixture
def volunteer(client, community_a):
    client.post("/join/", _form(community_a, 1))
    return Volunteer.objects.get()


def _sign_up_again(community, volunteer: Volunteer, n: int) -> None:
    services.volunteer_sign_up_public(
        name=f"李志愿{n}", id_number=valid_id_number(), phone=volunteer.phone, community_code=community.code,
        group="screening", password="serve-the-people-2022", skills=["medical"], consent=True,
    )  # fmt: skip


@pytest.mark.parametrize(("role", "area"), [(roles.DISTRICT_STAFF, "510104"), (roles.CITY_STAFF, "5101")])
def test_a_masked_viewer_sees_no_repeat_count(client, community_a, volunteer, role, area):
    client.force_login(make_user_with_role(f"masked_{role}", role, area))
    before = _seen(client, volunteer)
    assert volunteer.phone not in before[0] and volunteer.phone not in before[1]
    _sign_up_again(community_a, volunteer, 2)
    volunteer.refresh_from_db()
    assert volunteer.repeat_sign_ups == 1
    after = _seen(client, volunteer)
    assert after == before
    listing, detail, api = after
    assert "repeat-sign-up" not in listing and "重复报名" not in listing
    assert "repeat-sign-up" not in detail and "重复报名" not in detail
    assert not any("repeat" in key for item in api["items"] for key in item)


def test_a_viewer_who_may_see_the_numbers_sees_the_repeat_count(client, community_a, volunteer, worker_a):
    _sign_up_again(community_a, volunteer, 2)
    for user in (worker_a, make_user_with_role("street", roles.STREET_STAFF, "510104017")):
        client.force_login(user)
        listing = _page(client.get("/volunteers/"))
        assert 'class="tag warn repeat-sign-up"' in listing and "重复报名 1 次" in listing
        detail = _page(client.get(f"/volunteers/{volunteer.public_id}/"))
        assert "重复报名 1 次" in detail and "最近一次" in detail


def test_full_numbers_in_one_area_do_not_show_the_count_of_another(client, community_a, community_b, volunteer):
    """A community worker of the next community who is also district staff: `pii.full` counts only
    over the volunteer's own community, so the district's view of it shows no count."""
    user = make_user_with_role("next_door", roles.COMMUNITY_WORKER, community_b.code)
    RoleAssignment.objects.create(user=user, role=roles.DISTRICT_STAFF, area_code="510104")
    _sign_up_again(community_a, volunteer, 2)
    client.force_login(user)
    listing = _page(client.get("/volunteers/"))
    assert "李志愿1" in listing and "重复报名" not in listing
    assert "重复报名" not in _page(client.get(f"/volunteers/{volunteer.public_id}/"))
