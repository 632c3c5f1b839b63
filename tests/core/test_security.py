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
