"""Error pages speak the interface's language: a 404 (a page that is not there, or a row outside the
viewer's areas, which is answered the same way) and a 403 in Chinese, or English when chosen; a 500
in both, without the database or the session (it must render whatever failed)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings
from django.urls import path

from gongzhi.config.urls import urlpatterns as site_urls
from tests.factories import make_user_with_role

pytestmark = pytest.mark.django_db


def _fail(request):
    raise RuntimeError("boom")


def _forbidden(request):
    raise PermissionDenied


urlpatterns = [*site_urls, path("__fail__/", _fail), path("__forbidden__/", _forbidden)]


def test_a_page_that_is_not_there_is_answered_in_chinese_within_the_sites_frame(community_a):
    client = Client()
    client.force_login(make_user_with_role("w1", "community_worker", community_a.code))
    response = client.get("/rounds/NOSUCHROUND/")
    text = response.content.decode()
    assert response.status_code == 404
    assert "找不到该页面" in text and "不在您负责的区域内" in text
    assert "Not Found" not in text and "The requested resource" not in text


def test_the_404_page_follows_the_chosen_language(community_a):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user_with_role("w1", "community_worker", community_a.code))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    text = client.get("/rounds/NOSUCHROUND/").content.decode()
    assert "Page not found" in text and "找不到该页面" not in text


@override_settings(ROOT_URLCONF=__name__)
def test_a_server_error_is_answered_with_the_sites_own_page():
    client = Client(raise_request_exception=False)
    response = client.get("/__fail__/")
    text = response.content.decode()
    assert response.status_code == 500
    assert "服务暂时出错" in text and "Something went wrong" in text
    assert "Server Error (500)" not in text


@override_settings(ROOT_URLCONF=__name__)
def test_a_refusal_is_answered_in_chinese():
    response = Client().get("/__forbidden__/")
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


def test_the_favicon_a_browser_asks_for_on_its_own_leads_to_the_sites_icon(client):
    """An API answer opened in a tab has no icon link: the browser's /favicon.ico was a 404."""
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301 and answer["Location"].endswith("/gongzhi/favicon.svg")
