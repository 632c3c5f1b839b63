"""Every .xlsx the product hands out, with text typed by residents, volunteers and workers that a
spreadsheet would read as a formula: no cell is a formula, and the text is there to read as typed.

A name such as =HYPERLINK("http://x","click") comes from the public sign-up page or a register file;
written as it is, Excel shows a live link in the residents export, the untested list and the unit
report. The exports go through core.workbook, which stores such text as text with Excel's quote
prefix (the apostrophe Excel itself records when someone types '=...).
"""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from gongzhi.core import events
from gongzhi.testing import collection
from gongzhi.testing import services as testing_services
from gongzhi.volunteers import services as volunteer_services
from tests.factories import (
    BuildingFactory,
    GridFactory,
    HouseholdFactory,
    ResidentFactory,
    make_user_with_role,
    valid_id_number,
)

pytestmark = pytest.mark.django_db

LINK = '=HYPERLINK("http://x","click")'
TYPED = [LINK, "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1", "=1+1"]


def _cells(content: bytes) -> list:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def _assert_text_not_formula(content: bytes, expected: list[str]) -> None:
    cells = _cells(content)
    formulas = [(c.coordinate, c.value) for c in cells if c.data_type == "f"]
    assert formulas == []
    texts = {c.value for c in cells if isinstance(c.value, str)}
    for text in expected:
        # Readable as typed: not dropped, not mangled (XML reads a carriage return back as a line feed).
        assert text.replace("\r", "\n") in texts, text
    quoted = [c for c in cells if isinstance(c.value, str) and c.value[:1] in ("=", "+", "-", "@", "\t", "\n")]
    assert quoted and all(c.data_type == "s" and c.quotePrefix for c in quoted)


@pytest.fixture
def typed_in(community_a):
    """A grid, a building and a household named by someone's typing, with residents named so."""
    grid = GridFactory(community=community_a, number=1, name=LINK)
    # no address: the building's label (estate or street, then name) is the typed name alone
    building = BuildingFactory(grid=grid, number=1, name="=1+1", address="")
    household = HouseholdFactory(building=building, unit=1, room="-1")
    residents = [
        ResidentFactory(household=household, name=name, relation="@户主" if n == 0 else "")
        for n, name in enumerate(TYPED)
    ]
    return grid, building, household, residents


def test_the_residents_export_writes_typed_formulas_as_text(client, worker_a, typed_in):
    client.force_login(worker_a)
    for full in ("", "1"):
        response = client.get("/residents/export.xlsx", {"full": full} if full else {})
        assert response.status_code == 200
        content = b"".join(response.streaming_content)
        _assert_text_not_formula(content, [*TYPED, "@户主", "-1"])


def test_the_untested_export_writes_typed_formulas_as_text(client, worker_a, community_a, typed_in):
    *_, residents = typed_in
    round_ = testing_services.round_create(actor=worker_a, name="第一轮", area_code=community_a.code, pool_size=10)
    collector = make_user_with_role("c1", "collector", community_a.code)
    testing_services.scan_batch_ingest(
        round_=round_,
        collector=collector,
        events=[
            collection.Event("1", "open", "TUBE000001"),
            collection.Event("2", "scan", "TUBE000001", "R:" + residents[-1].public_id),
        ],
    )
    events.deliver_pending()
    client.force_login(worker_a)
    response = client.get(f"/rounds/{round_.public_id}/untested.xlsx")
    assert response.status_code == 200
    _assert_text_not_formula(response.content, [*TYPED[:-1], LINK, "=1+1", "-1"])


def test_the_unit_report_writes_typed_formulas_as_text(client, worker_a, community_a):
    unit = volunteer_services.organisation_create(
        actor=worker_a, kind="unit", name='=HYPERLINK("http://x","单位")', community_code=community_a.code
    )
    for n, name in enumerate(TYPED):
        volunteer, _ = volunteer_services.volunteer_sign_up(
            name=name, id_number=valid_id_number(), phone=f"1380000{n:04d}", community_code=community_a.code,
            group="transport", password="serve-the-people-2022", unit=unit, consent=True,
        )  # fmt: skip
        volunteer_services.volunteer_review(actor=worker_a, volunteer=volunteer, to_status="approved")
    volunteer_services.hours_correct(
        actor=worker_a, volunteer=volunteer, hours=Decimal("1.5"), reason="补录", served_on=timezone.localdate()
    )
    client.force_login(worker_a)
    response = client.get(f"/volunteers/units/{unit.public_id}/report.xlsx")
    assert response.status_code == 200
    # Names are cleaned on sign-up (tabs and line breaks go), so compare with what was stored.
    stored = [v.name for v in unit.unit_volunteers.all()]
    _assert_text_not_formula(response.content, [n for n in stored if n])
    cells = _cells(response.content)
    assert any(c.value == 1.5 and c.data_type == "n" for c in cells)  # numbers stay numbers
    assert any(isinstance(c.value, str) and c.value.startswith('=HYPERLINK("http://x","单位")') for c in cells)


def test_the_register_template_has_no_formula(client, worker_a):
    client.force_login(worker_a)
    content = b"".join(client.get("/register/template.xlsx").streaming_content)
    assert [c.coordinate for c in _cells(content) if c.data_type == "f"] == []
