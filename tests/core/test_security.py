import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def test_login_is_throttled_after_five_failures(client, worker_a):
    for _ in range(4):
        response = client.post("/login/", {"username": "worker_a", "password": "wrong-password"})
        assert response.status_code == 200
    fifth = client.post("/login/", {"username": "worker_a", "password": "wrong-password"})
    assert fifth.status_code == 429
    locked = client.post("/login/", {"username": "worker_a", "password": "pass-for-tests-1"})
    assert locked.status_code == 429
    assert "登录已暂时锁定" in locked.content.decode()


def test_login_works_with_the_right_password(client, worker_a):
    response = client.post("/login/", {"username": "worker_a", "password": "pass-for-tests-1"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_session_posts_need_a_csrf_token(worker_a):
    resident = ResidentFactory()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(worker_a)
    assert strict.post(f"/api/residents/{resident.public_id}/reveal").status_code == 403
    assert strict.post(f"/residents/{resident.public_id}/reveal/").status_code == 403


@pytest.mark.parametrize("password", ["12345678901", "password123", "short1"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_cookies_are_http_only_and_same_site(settings):
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.X_FRAME_OPTIONS == "DENY"


def test_secure_cookies_switch(monkeypatch):
    import importlib

    from gongzhi.config.settings import base

    monkeypatch.setenv("GONGZHI_SECURE_COOKIES", "1")
    try:
        reloaded = importlib.reload(base)
        assert reloaded.SESSION_COOKIE_SECURE and reloaded.CSRF_COOKIE_SECURE
        assert reloaded.SECURE_HSTS_SECONDS > 0
    finally:
        monkeypatch.delenv("GONGZHI_SECURE_COOKIES")
        importlib.reload(base)


def test_nul_characters_are_a_clear_4xx_not_a_500(client, worker_a):
    client.force_login(worker_a)
    assert client.get("/residents/", {"q": "a\x00b"}).status_code == 400
    response = client.post(
        "/api/residents",
        {"household_id": "x\x00y", "name": "张三", "id_number": "11010519491231002X"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["message"] == "输入含有无法保存的字符"


# An API POST without credentials is "who are you?" (401), not a CSRF refusal (403): devices and lab
# systems read the status to know they must (re)issue a token. A logged-in session still needs CSRF.
UNAUTHENTICATED = "请先登录或提供有效的接口令牌"


def test_an_api_post_without_any_credentials_answers_401():
    resident = ResidentFactory()
    response = Client(enforce_csrf_checks=True).post(f"/api/residents/{resident.public_id}/reveal")
    assert response.status_code == 401
    assert response.json() == {"message": UNAUTHENTICATED, "extra": {}}


@pytest.mark.parametrize("header", ["Authorization", "X-Api-Token"])
def test_an_api_post_with_an_unknown_or_revoked_token_answers_401(worker_a, header):
    from django.utils import timezone

    from gongzhi.core.models import ApiToken
    from gongzhi.core.services import api_token_create

    resident = ResidentFactory()
    token, key = api_token_create(user=worker_a, name="phone")
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    for credential in (key, "gz_no-such-token"):
        value = f"Bearer {credential}" if header == "Authorization" else credential
        response = Client(enforce_csrf_checks=True).post(
            f"/api/residents/{resident.public_id}/reveal", headers={header: value}
        )
        assert response.status_code == 401, (credential, response.content)
        assert response.json()["message"] == UNAUTHENTICATED


def test_a_valid_token_needs_no_csrf_token(worker_a):
    from gongzhi.core.services import api_token_create

    resident = ResidentFactory()
    _, key = api_token_create(user=worker_a, name="phone")
    response = Client(enforce_csrf_checks=True).post(
        f"/api/residents/{resident.public_id}/reveal", headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code != 401 and response.status_code != 403


def test_a_logged_in_api_post_without_csrf_token_answers_403_in_chinese(worker_a):
    resident = ResidentFactory()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(worker_a)
    response = strict.post(f"/api/residents/{resident.public_id}/reveal")
    assert response.status_code == 403
    assert response.json()["message"] == "安全校验失败，请刷新页面后重试"
