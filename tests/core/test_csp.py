"""A Content-Security-Policy on every response, with no inline script allowed: an injected <script> or
onclick= in a page cannot run. So no template may carry inline script (a <script> without src, an on*
attribute, a javascript: URL, htmx's hx-on or hx-vars, which need eval) or a <style> element."""

import json
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from tests.test_access_matrix import _fill, _page_routes, world  # noqa: F401  (the matrix's rows)

SOURCE = Path(__file__).resolve().parents[2] / "src" / "gongzhi"

# Templates that still carry inline script or style, each with what its owner must move out.
# Empty: every template is clean. A new entry needs a TODO for its owner.
KNOWN_INLINE: dict[str, str] = {}

_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>", re.S)
_ATTRIBUTE = re.compile(r"""\s([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?""")


def _inline_code(text: str) -> list[str]:
    found = []
    for match in _TAG.finditer(text):
        tag, attributes = match.group(1).lower(), match.group(2)
        names = {name.lower(): (value or "").strip("\"'") for name, value in _ATTRIBUTE.findall(attributes)}
        if tag == "script" and "src" not in names and names.get("type", "").lower() != "application/json":
            found.append(match.group(0)[:80])
        if tag == "style":
            found.append(match.group(0)[:80])
        for name, value in names.items():
            if re.fullmatch(r"on[a-z]+", name) or name.startswith(("hx-on", "data-hx-on")) or name == "hx-vars":
                found.append(f"<{tag} {name}=...>")
            if value.strip().lower().startswith(("javascript:", "js:")):
                found.append(f"<{tag} {name}={value[:40]}>")
            if name in ("hx-trigger", "data-hx-trigger") and "[" in value:
                found.append(f"<{tag} {name}={value[:40]}> (a trigger filter is evaluated)")
    return found


def test_the_scanner_finds_inline_code():
    assert _inline_code("<script>alert(1)</script>")
    assert _inline_code('<a href="javascript:window.print()">')
    assert _inline_code("<button onclick='x()'>")
    assert _inline_code('<div hx-on:click="x()">')
    assert _inline_code("<style>body{}</style>")
    assert _inline_code("<input hx-trigger=\"keyup[key=='Enter']\">")
    assert not _inline_code("<script src=\"{% static 'x.js' %}\" defer></script>")
    assert not _inline_code('<div data-online="在线" class="x">')


def test_no_template_has_inline_script_or_style():
    templates = sorted(SOURCE.glob("*/templates/**/*.html"))
    assert len(templates) > 30
    found = {
        str(path.relative_to(SOURCE)): code
        for path in templates
        if (code := _inline_code(path.read_text(encoding="utf-8")))
    }
    assert {name: code for name, code in found.items() if name not in KNOWN_INLINE} == {}


def _directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {part[0]: part[1:] for part in parts}


def _assert_strict(response, url):
    header = response.get("Content-Security-Policy")
    assert header, (url, response.status_code)
    policy = _directives(header)
    scripts = policy.get("script-src", policy.get("default-src"))
    assert scripts is not None and "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, (url, header)
    assert "'unsafe-inline'" not in policy.get("style-src", policy.get("default-src", [])), (url, header)
    assert policy.get("object-src") == ["'none'"] and policy.get("frame-ancestors") == ["'none'"], (url, header)


@pytest.mark.django_db
def test_every_page_answers_with_a_strict_content_security_policy(client, world):  # noqa: F811
    objects, _outsider = world
    insider = get_user_model().objects.get(username="round_manager_a")
    admin = get_user_model().objects.create_superuser("csp_admin", password="pass-for-tests-1")
    pages = 0
    for as_user in (None, insider, admin):
        client.logout()
        if as_user is not None:
            client.force_login(as_user)
        for route, _pattern in _page_routes():
            url = _fill(route, objects)
            if url is None or url.startswith("admin/") != (as_user is admin):
                continue
            url = "/" + url.lstrip("^").rstrip("$")
            response = client.get(url)
            _assert_strict(response, url)
            pages += response.status_code == 200 and response["Content-Type"].startswith("text/html")
    for url in ("/api/docs", "/api/openapi.json", "/api/residents", "/no-such-page/"):
        _assert_strict(client.get(url), url)
    assert pages > 40


@pytest.mark.django_db
def test_htmx_injects_no_style_and_evaluates_nothing(client):
    page = client.get("/login/").content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page)
    assert config, "base.html configures htmx"
    assert json.loads(config.group(1)) == {"includeIndicatorStyles": False, "allowEval": False}
    css = (SOURCE / "core" / "static" / "gongzhi" / "app.css").read_text(encoding="utf-8")
    assert ".htmx-indicator" in css and ".htmx-request" in css
