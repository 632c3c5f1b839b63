"""Markup typed into a request is shown as text everywhere: the text, the caller's name, the address
of a hotline order and the resident's feedback come in through the household's page, the API, staff
entry and the 12345 import, and every page, fragment, export and API answer that shows them is
opened as the users who see them. No page holds the markup itself; those that show it hold it
escaped; the .xlsx holds the literal text (and a formula-like text as text); the API gives it back
as it was typed."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal
from tests.appeals.factories import (
    HOTLINE_HEADER,
    STREET,
    clear_limits,
    hotline_address,
    hotline_row,
    hotline_xlsx,
    make_place,
)

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
HOSTILE = f"{SCRIPT}{IMG}"
FORMULA = '=HYPERLINK("http://x","click")'
RAW = (SCRIPT, "<img src=x", "<script>alert")
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
ESCAPED_IMG = "&lt;img src=x onerror=alert(1)&gt;"


@pytest.fixture(autouse=True)
def _fresh_limits():
    clear_limits()
    yield
    clear_limits()


@pytest.fixture
def place(community_a, community_b):
    return make_place(community_a, community_b)


def html_of(response, *, shows: bool) -> str:
    """The page, which never holds the markup unescaped; with `shows`, it holds it escaped."""
    assert response.status_code in (200, 422), response.status_code
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    for raw in RAW:
        assert raw not in html, f"unescaped {raw!r} in {response.wsgi_request.path}"
    if shows:
        assert ESCAPED_SCRIPT in html or ESCAPED_IMG in html, f"the text is not shown in {response.wsgi_request.path}"
    return html


@pytest.fixture
def hostile(place):
    """Requests carrying the markup, one through each way in."""
    h = place.households
    anonymous = Client()
    worker = place.users["worker"]
    made = {}
    # The household's page: the text and the caller's name; then the resident's feedback on two of them.
    anonymous.post(f"/h/{h['h1'].door_key}/requests/", {"category": "food", "text": HOSTILE, "caller_name": SCRIPT})
    made["page"] = Appeal.objects.get(household=h["h1"], category="food")
    anonymous.post(f"/h/{h['h1'].door_key}/requests/", {"category": "medicine", "text": f"药{HOSTILE}"})
    made["reopened"] = Appeal.objects.get(household=h["h1"], category="medicine")
    for appeal in (made["page"], made["reopened"]):
        services.appeal_resolve(actor=worker, appeal=appeal, resolution=f"已处理{SCRIPT}")
    url = f"/h/{h['h1'].door_key}/requests/"
    anonymous.post(f"{url}{made['page'].public_id}/", {"solved": "1", "rating": "3", "feedback": HOSTILE})
    anonymous.post(f"{url}{made['reopened'].public_id}/", {"solved": "0", "feedback": HOSTILE})
    # The API: the text and the caller's name; then a duplicate merged into it.
    answer = anonymous.post(
        f"/api/appeals/households/{h['h2'].door_key}",
        {"category": "other", "text": HOSTILE, "caller_name": IMG},
        content_type="application/json",
    )
    assert answer.status_code == 201
    made["api"] = Appeal.objects.get(public_id=answer.json()["public_id"])
    services.appeal_submit(household=h["h2"], category="other", text=f"又一次{HOSTILE}")
    # Staff entry: and a text a spreadsheet would take for a formula.
    client = Client()
    client.force_login(worker)
    client.post(
        f"/appeals/new/?household={h['n1'].public_id}", {"category": "food", "text": HOSTILE, "caller_name": SCRIPT}
    )
    made["staff"] = Appeal.objects.get(household=h["n1"], channel="staff")
    client.post(f"/appeals/new/?household={h['n1'].public_id}", {"category": "other", "text": FORMULA})
    made["formula"] = Appeal.objects.get(household=h["n1"], category="other")
    # The 12345 import: one order at a door, one whose address (with markup) matches none.
    content = hotline_xlsx(
        [
            hotline_row("GD-XSS-1", hotline_address(h["f1"]), HOSTILE, caller=SCRIPT),
            hotline_row("GD-XSS-2", f"锦江区{IMG}小区", HOSTILE, caller=IMG),
        ]
    )
    report = services.hotline_import(
        actor=worker, area_code=h["h1"].community_code, file_name="工单.xlsx", content=content, dry_run=False
    )
    assert report.written and not report.errors
    made["hotline"] = Appeal.objects.get(hotline_ref="GD-XSS-1")
    made["unplaced"] = Appeal.objects.get(hotline_ref="GD-XSS-2")
    for appeal in made.values():
        appeal.refresh_from_db()
    assert (made["page"].status, made["reopened"].status) == ("closed", "in_progress")
    assert made["page"].feedback == HOSTILE and made["page"].caller_name == SCRIPT
    assert all(HOSTILE in made[key].text for key in ("page", "reopened", "api", "staff", "hotline", "unplaced"))
    return made


def test_the_households_pages_show_the_markup_as_text(place, hostile):
    client = Client()
    h1 = place.households["h1"]
    html_of(client.get(f"/h/{h1.door_key}/"), shows=False)  # the panel: category and status only
    html_of(client.get(f"/h/H:{h1.door_key}/requests/"), shows=False)
    for key in ("page", "reopened"):
        html_of(client.get(f"/h/{h1.door_key}/requests/{hostile[key].public_id}/"), shows=True)
    # A refused submission shows the form again with what was typed.
    refused = client.post(f"/h/{h1.door_key}/requests/", {"category": "rocket", "text": HOSTILE, "caller_name": IMG})
    assert refused.status_code == 422
    html_of(refused, shows=True)
    h2 = place.households["h2"]
    html_of(client.get(f"/h/{h2.door_key}/requests/{hostile['api'].public_id}/"), shows=True)


def test_the_staff_pages_show_the_markup_as_text(client, place, hostile):
    client.force_login(place.users["worker"])
    for query in ("", "?status=all", "?status=closed", "?mine=1"):
        html_of(client.get(f"/appeals/{query}"), shows=False)
    for key in ("page", "reopened", "api", "staff", "hotline"):
        html = html_of(client.get(f"/appeals/{hostile[key].public_id}/"), shows=True)
        assert 'id="appeal-text"' in html
    # the merged duplicate's text on the open one's page
    detail = html_of(client.get(f"/appeals/{hostile['api'].public_id}/"), shows=True)
    assert ESCAPED_SCRIPT in detail.split('id="duplicates"', 1)[1]
    # the resident's feedback
    assert (
        ESCAPED_IMG
        in html_of(client.get(f"/appeals/{hostile['page'].public_id}/"), shows=True).split('id="appeal-rating"', 1)[1]
    )
    html_of(client.get("/appeals/dashboard/"), shows=False)
    html_of(client.get("/"), shows=False)
    refused = client.post(
        f"/appeals/new/?household={place.households['h2'].public_id}", {"category": "rocket", "text": HOSTILE}
    )
    html_of(refused, shows=True)
    # The street sees the unplaced order, whose address carries markup, on its list and its page.
    client.force_login(place.users["street"])
    listed = html_of(client.get(f"/appeals/?area={STREET}&status=unplaced"), shows=True)
    assert hostile["unplaced"].public_id in listed
    html_of(client.get(f"/appeals/{hostile['unplaced'].public_id}/"), shows=True)
    html_of(client.get(f"/appeals/?area={STREET}&status=all"), shows=True)
    html_of(client.get("/appeals/dashboard/"), shows=False)
    html_of(client.get("/appeals/dashboard/?area=510104017001"), shows=False)
    html_of(client.get("/"), shows=False)
    client.force_login(place.users["leader"])
    html_of(client.get("/appeals/?status=all"), shows=False)
    html_of(client.get(f"/appeals/{hostile['page'].public_id}/"), shows=True)


def test_the_hotline_preview_shows_markup_in_the_file_as_text(client, place):
    client.force_login(place.users["worker"])
    h1 = place.households["h1"]
    rows = [
        [*hotline_row("GD-XSS-3", hotline_address(h1), HOSTILE, caller=SCRIPT), "x"],
        [*hotline_row("GD-XSS-4", hotline_address(h1), HOSTILE, received=SCRIPT), "x"],  # an unreadable time
    ]
    content = hotline_xlsx(rows, header=[*HOTLINE_HEADER, SCRIPT])  # a column not read, named with markup
    response = client.post(
        "/appeals/hotline/", {"area": h1.community_code, "file": SimpleUploadedFile(f"{IMG}.xlsx", content)}
    )
    assert response.status_code == 302
    preview = html_of(client.get(response["Location"]), shows=True)
    assert "已忽略的列" in preview and 'id="hotline-errors"' in preview
    assert ESCAPED_IMG in preview.split("<h1>", 1)[1]  # the file's name
    done = client.post(response["Location"], {"keep_good_rows": "1"}, follow=True)
    html_of(done, shows=True)


def test_the_export_holds_the_literal_text_and_no_formula(client, place, hostile):
    for user, query in (("worker", "status=all"), ("street", f"area={STREET}&status=all")):
        client.force_login(place.users[user])
        response = client.get(f"/appeals/?{query}&format=xlsx")
        assert response.status_code == 200
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
        assert [c.coordinate for c in cells if c.data_type == "f"] == []
        texts = {c.value for c in cells if isinstance(c.value, str)}
        assert HOSTILE in texts and FORMULA in texts
        formula_cell = next(c for c in cells if c.value == FORMULA)
        assert formula_cell.data_type == "s" and formula_cell.quotePrefix
        if user == "worker":  # sees callers in full over community_a
            assert SCRIPT in texts
    client.force_login(place.users["street"])
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/appeals/?area={STREET}&status=unplaced&format=xlsx").content)
    )
    texts = {c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row}
    assert f"锦江区{IMG}小区" in texts


def test_the_api_gives_the_text_back_as_typed_in_json(place, hostile):
    client = Client()
    client.force_login(place.users["worker"])
    response = client.get("/api/appeals?status=all")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    texts = {row["public_id"]: row["text"] for row in response.json()["items"]}
    for key in ("page", "api", "staff", "hotline"):
        assert texts[hostile[key].public_id] == hostile[key].text and SCRIPT in texts[hostile[key].public_id]
    assert texts[hostile["formula"].public_id] == FORMULA
    refused = Client().post(
        f"/api/appeals/households/{place.households['h2'].door_key}",
        {"category": SCRIPT, "text": HOSTILE},
        content_type="application/json",
    )
    assert refused.status_code == 422 and SCRIPT not in refused.content.decode()
