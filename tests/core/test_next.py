"""`next` leads back into this site only: every way of naming another site falls back."""

import pytest
from django.test import RequestFactory

from gongzhi.core.navigation import next_url

OFF_SITE = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    " //evil.example",
    "\t//evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "https:evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "https://testserver.evil.example/",
    "https://evil.example@testserver/",
    "http://testserver/volunteers/",  # this site, but over plain http from an https page
    "volunteers/",  # relative: resolves against wherever the form was posted
    "\x00/x",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_off_site_targets_fall_back(target):
    for request in (
        RequestFactory().post("/x/", {"next": target}, secure=True),
        RequestFactory().get("/x/", {"next": target}),
    ):
        assert next_url(request, "/fallback/") == "/fallback/"


@pytest.mark.parametrize("target", ["/volunteers/", "/volunteers/?status=pending&q=%E6%9D%8E", "/"])
def test_same_site_paths_are_kept(target):
    assert next_url(RequestFactory().post("/x/", {"next": target}), "/fallback/") == target
    assert next_url(RequestFactory().get("/x/", {"next": target}), "/fallback/") == target


def test_no_next_falls_back():
    assert next_url(RequestFactory().post("/x/", {}), "/fallback/") == "/fallback/"


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example"])
def test_login_and_language_switch_stay_on_site(client, target):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user(username="someone", password="pass-for-tests-1")
    response = client.post("/login/", {"username": "someone", "password": "pass-for-tests-1", "next": target})
    assert response.status_code == 302 and response["Location"] == "/"
    response = client.post("/i18n/setlang/", {"language": "en", "next": target})
    assert response.status_code == 302 and "evil" not in response["Location"]


def test_only_next_url_reads_next():
    """A page that reads `next` itself could forget the check: every one goes through next_url."""
    import re
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "src" / "gongzhi"
    readers = [
        path.relative_to(src).as_posix()
        for path in src.rglob("*.py")
        if re.search(r"""(GET|POST|REQUEST|data)(\.get\(|\[)\s*["']next["']""", path.read_text(encoding="utf-8"))
    ]
    assert readers == ["core/navigation.py"]
