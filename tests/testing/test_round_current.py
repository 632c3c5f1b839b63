"""The current round's pages for an area (the command view's testing figures link there)."""

import pytest

from gongzhi.testing import services
from tests.factories import make_user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_round(community_a):
    worker = make_user_with_role("worker_cur", "community_worker", community_a.code)
    round_ = services.round_create(actor=worker, name="第3轮", area_code=community_a.code, pool_size=10)
    return round_


def test_each_page_of_the_current_round_of_an_area(client, community_a, open_round):
    street = make_user_with_role("street_cur", "street_staff", community_a.code[:9])
    client.force_login(street)
    pid = open_round.public_id
    expected = {
        "coverage": f"/rounds/{pid}/coverage/?area_code={community_a.code}",
        "untested": f"/rounds/{pid}/coverage/?area_code={community_a.code}#untested",
        "dashboard": f"/rounds/{pid}/",
        "recalls": f"/rounds/{pid}/recalls/?area={community_a.code}",
    }
    for page, url in expected.items():
        response = client.get(f"/rounds/current/{page}/", {"area": community_a.code})
        assert (response.status_code, response["Location"]) == (302, url)
    # From the street: the round is inside it, and its coverage page is the round's own area.
    response = client.get("/rounds/current/coverage/", {"area": community_a.code[:9]})
    assert response["Location"] == f"/rounds/{pid}/coverage/?area_code={community_a.code}"


def test_no_open_round_sends_to_the_round_list(client, community_a, community_b, open_round):
    worker_b = make_user_with_role("worker_cur_b", "community_worker", community_b.code)
    client.force_login(worker_b)
    response = client.get("/rounds/current/untested/", {"area": community_b.code})
    assert (response.status_code, response["Location"]) == (302, "/rounds/")
    # another community's area: not found, whatever rounds it has
    assert client.get("/rounds/current/untested/", {"area": community_a.code}).status_code == 404
    assert client.get("/rounds/current/nonsense/", {"area": community_b.code})["Location"] == "/rounds/"
