"""The public sign-up tells no one whether an ID number or phone is already signed up, and is limited
per client address and per community.

A repeat sign-up is answered exactly as a new one (status, words, and the same work: one password
hash), changes nothing of what is stored, and is flagged on the existing volunteer for the community
to see on the review list and page.
"""

import re

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import override_settings

from gongzhi.volunteers import services
from gongzhi.volunteers.models import Volunteer
from tests.factories import make_user_with_role, valid_id_number

pytestmark = pytest.mark.django_db

PASSWORD = "serve-the-people-2022"
DONE = "提交成功，社区审核后会联系您"


def _form(community, n: int, **overrides):
    data = {
        "name": f"李志愿{n}",
        "id_number": valid_id_number(),
        "phone": f"1380000{n:04d}",
        "community_code": community.code,
        "group": "screening",
        "password": PASSWORD,
        "skills": ["medical"],
        "availability": ["mon-am"],
        "consent": "on",
    }
    data.update(overrides)
    return data


def _page(response) -> str:
    """The page without its CSRF tokens (a fresh random mask in every response)."""
    text = response.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", text)


@pytest.fixture
def hashes(monkeypatch):
    """How many passwords were hashed: the costly part of a sign-up, done for a repeat too."""
    calls = []
    encode = MD5PasswordHasher.encode

    def counted(self, password, salt):
        calls.append(password)
        return encode(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counted)
    return calls


def test_a_repeat_sign_up_is_answered_like_a_new_one(client, community_a, community_b, hashes):
    new = client.post("/join/", _form(community_a, 1))
    first = Volunteer.objects.get()
    assert len(hashes) == 1
    repeats = [
        # the same ID number and phone, other details
        _form(community_b, 2, id_number=first.id_number, phone=first.phone, password="another-pass-2022"),
        _form(community_a, 3, id_number=first.id_number),  # the same ID number, another phone
        _form(community_a, 4, phone=first.phone),  # the same phone, another ID number
    ]
    for n, data in enumerate(repeats, start=2):
        repeat = client.post("/join/", data)
        assert repeat.status_code == new.status_code == 200
        assert _page(repeat).replace(data["name"], "") == _page(new).replace("李志愿1", ""), n
        assert DONE in repeat.content.decode() and "已报名" not in repeat.content.decode()
        assert sorted(repeat.headers) == sorted(new.headers)
        assert len(hashes) == n  # the password is hashed for a repeat as for a new sign-up
    assert Volunteer.objects.count() == 1
    first_before = first
    first.refresh_from_db()
    first.user.refresh_from_db()
    # Nothing of the stored sign-up changed; the repeats are counted for the community.
    assert (first.name, first.community_code, first.phone, first.skills) == (
        first_before.name,
        community_a.code,
        first_before.phone,
        ["medical"],
    )
    assert first.user.check_password(PASSWORD) and not first.user.is_active
    assert first.repeat_sign_ups == 3 and first.repeat_sign_up_at is not None


def test_a_new_sign_up_says_submitted_and_nothing_else(client, community_a):
    response = client.post("/join/", _form(community_a, 1))
    text = response.content.decode()
    assert response.status_code == 200 and DONE in text and 'id="sign-up-done"' in text


def test_a_phone_that_is_a_staff_login_is_answered_like_a_new_sign_up(client, community_a):
    make_user_with_role("13800000009", "community_worker", community_a.code)
    new = client.post("/join/", _form(community_a, 1))
    clash = client.post("/join/", _form(community_a, 9))
    assert clash.status_code == new.status_code == 200
    assert _page(clash).replace("李志愿9", "") == _page(new).replace("李志愿1", "")
    assert Volunteer.objects.count() == 1


def test_the_worker_sees_the_repeat_on_the_review_list_and_page(client, community_a, worker_a):
    client.post("/join/", _form(community_a, 1))
    first = Volunteer.objects.get()
    client.post("/join/", _form(community_a, 2, id_number=first.id_number))
    client.force_login(worker_a)
    listing = client.get("/volunteers/").content.decode()
    assert 'class="tag warn repeat-sign-up"' in listing and "重复报名 1 次" in listing
    detail = client.get(f"/volunteers/{first.public_id}/").content.decode()
    assert "重复报名 1 次" in detail and "最近一次" in detail


def test_the_service_flags_a_repeat_and_changes_nothing(community_a, community_b):
    first, _ = services.volunteer_sign_up(
        name="甲", id_number=valid_id_number(), phone="13900000001", community_code=community_a.code,
        group="screening", password=PASSWORD, skills=["medical"], consent=True,
    )  # fmt: skip
    other, _ = services.volunteer_sign_up(
        name="乙", id_number=valid_id_number(), phone="13900000002", community_code=community_a.code,
        group="screening", password=PASSWORD, consent=True,
    )  # fmt: skip
    # One repeat naming both: first's ID number, other's phone. Both are flagged, neither changes.
    services.volunteer_sign_up_public(
        name="丙", id_number=first.id_number, phone=other.phone, community_code=community_b.code,
        group="transport", password="another-pass-2022", skills=["driving"], consent=True,
    )  # fmt: skip
    first.refresh_from_db()
    other.refresh_from_db()
    assert (first.repeat_sign_ups, other.repeat_sign_ups) == (1, 1)
    assert (first.name, first.skills, first.community_code) == ("甲", ["medical"], community_a.code)
    assert Volunteer.objects.count() == 2


@override_settings(VOLUNTEER_SIGN_UP_PER_ADDRESS=3, VOLUNTEER_SIGN_UP_PER_COMMUNITY=100)
def test_sign_ups_are_limited_per_client_address(client, community_a):
    for n in range(3):
        assert client.post("/join/", _form(community_a, n), REMOTE_ADDR="203.0.113.7").status_code == 200
    refused = client.post("/join/", _form(community_a, 5), REMOTE_ADDR="203.0.113.7")
    text = refused.content.decode()
    assert refused.status_code == 429 and 'role="alert"' in text
    assert "提交报名的次数过多" in text and "分钟后再试" in text
    assert int(refused["Retry-After"]) > 0
    assert Volunteer.objects.count() == 3
    # Another address is not held up; a wrong form counts too (an attempt is an attempt).
    assert client.post("/join/", _form(community_a, 6), REMOTE_ADDR="203.0.113.8").status_code == 200
    assert client.post("/join/", _form(community_a, 7, consent=""), REMOTE_ADDR="203.0.113.7").status_code == 429
    assert client.get("/join/", REMOTE_ADDR="203.0.113.7").status_code == 200  # the page itself still opens


@override_settings(VOLUNTEER_SIGN_UP_PER_ADDRESS=100, VOLUNTEER_SIGN_UP_PER_COMMUNITY=2)
def test_sign_ups_are_limited_per_community(client, community_a, community_b):
    for n in range(2):
        assert client.post("/join/", _form(community_a, n), REMOTE_ADDR=f"198.51.100.{n}").status_code == 200
    refused = client.post("/join/", _form(community_a, 3), REMOTE_ADDR="198.51.100.9")
    assert refused.status_code == 429 and "本社区近期报名人数较多" in refused.content.decode()
    assert client.post("/join/", _form(community_b, 4), REMOTE_ADDR="198.51.100.9").status_code == 200
    assert Volunteer.objects.count() == 3


def test_the_limits_have_defaults_that_settings_override(settings):
    from gongzhi.volunteers.views import public

    assert public.SIGN_UP_LIMITS == {
        "VOLUNTEER_SIGN_UP_PER_ADDRESS": 20,
        "VOLUNTEER_SIGN_UP_PER_COMMUNITY": 200,
        "VOLUNTEER_SIGN_UP_WINDOW": 3600,
    }
    settings.VOLUNTEER_SIGN_UP_PER_ADDRESS = 1
    assert public._limit("VOLUNTEER_SIGN_UP_PER_ADDRESS") == 1


@override_settings(
    VOLUNTEER_SIGN_UP_PER_ADDRESS=2,
    VOLUNTEER_SIGN_UP_PER_COMMUNITY=100,
    TRUSTED_PROXIES=["127.0.0.1"],
    AXES_CLIENT_IP_CALLABLE="gongzhi.core.throttle.proxied_client_address",
)
def test_behind_the_proxy_each_client_is_counted_apart(client, community_a):
    # nginx on this machine: every request comes from 127.0.0.1, the client is in X-Forwarded-For
    def post(n, client_address, remote="127.0.0.1"):
        return client.post(
            "/join/", _form(community_a, n), REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=client_address
        ).status_code

    assert [post(0, "203.0.113.7"), post(1, "203.0.113.7"), post(2, "203.0.113.7")] == [200, 200, 429]
    assert post(3, "203.0.113.8") == 200  # another client behind the same proxy is not held up
    # a header sent by a client that is not the proxy is not believed: it is counted by its address
    assert [post(4, "10.0.0.1", "198.51.100.9"), post(5, "10.0.0.2", "198.51.100.9")] == [200, 200]
    assert post(6, "10.0.0.3", "198.51.100.9") == 429
