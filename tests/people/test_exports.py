"""Export of a filtered resident list to .xlsx: masked by default, full on request, audited."""

import io
from urllib.parse import unquote

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.core.models import AuditEvent
from gongzhi.people import exports
from gongzhi.people.models import Resident, ResidentTag
from gongzhi.people.register_import import register_file_import
from tests.factories import (
    BuildingFactory,
    GridFactory,
    HouseholdFactory,
    ResidentFactory,
    make_user_with_role,
)

EXPORT_URL = reverse("people:resident_export")


@pytest.fixture
def residents(community_a, community_b):
    grid = GridFactory(community=community_a, number=2)
    household = HouseholdFactory(building=BuildingFactory(grid=grid, number=5, address=""), unit=3, room="0402")
    first = ResidentFactory(household=household, name="王芳", relation="户主")
    second = ResidentFactory(household=household, name="李强", phone="")
    ResidentTag.objects.create(resident=first, community_code=community_a.code, tag="chronic")
    ResidentTag.objects.create(resident=first, community_code=community_a.code, tag="dialysis")
    grid_b = GridFactory(community=community_b, community_code=community_b.code)
    ResidentFactory(household=HouseholdFactory(building=BuildingFactory(grid=grid_b)), name="外人")
    return first, second


def rows_of(response):
    content = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    return content, [[c.value for c in row] for row in sheet.iter_rows()], sheet


def test_masked_export_by_default_and_audited(client, worker_a, residents):
    first, second = residents
    client.force_login(worker_a)

    response = client.get(EXPORT_URL)

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    named = unquote(response["Content-Disposition"])
    assert f"居民名单-{timezone.localdate().isoformat()}.xlsx" in named  # named by what it holds
    _, rows, sheet = rows_of(response)
    assert rows[0] == list(exports.MASKED_EXPORT_HEADERS)
    assert rows[0][4] == "年龄段"  # the birth date would give the masked ID number away
    assert [r[0] for r in rows[1:]] == ["王芳", "李强"]
    assert rows[1][1:4] == [
        first.id_number[:6] + "********" + first.id_number[-4:],
        first.phone[:3] + "****" + first.phone[-4:],
        "男",
    ]
    assert rows[1][4] in ("60岁以下", "60岁及以上")
    assert rows[1][5:] == ["5栋3单元0402", 2, 5, 3, "0402", "户主", "慢性病、透析"]
    assert rows[2][2] is None  # an empty phone
    assert sheet["B2"].number_format == "@"
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.row_count) == (AuditEvent.Action.EXPORT, worker_a, 2)
    assert event.row_ids == [first.public_id, second.public_id]
    assert event.area_code == first.community_code


def test_full_export_for_a_user_who_may_see_full_pii(client, worker_a, residents):
    first, _ = residents
    client.force_login(worker_a)

    _, rows, _ = rows_of(client.get(EXPORT_URL, {"full": "1"}))

    assert rows[1][1:3] == [first.id_number, first.phone]
    assert AuditEvent.objects.get().action == AuditEvent.Action.EXPORT_FULL


def test_filters_are_the_lists(client, worker_a, residents):
    client.force_login(worker_a)

    _, rows, _ = rows_of(client.get(EXPORT_URL, {"tag": "dialysis"}))
    assert [r[0] for r in rows[1:]] == ["王芳"]
    _, rows, _ = rows_of(client.get(EXPORT_URL, {"q": "李"}))
    assert [r[0] for r in rows[1:]] == ["李强"]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == 2
    assert AuditEvent.objects.first().detail["filters"] == {"q": "李"}


def test_full_export_refused_without_full_pii(client, community_a, residents):
    district = make_user_with_role("district", "district_staff", community_a.code[:6])
    client.force_login(district)

    assert client.get(EXPORT_URL, {"full": "1"}).status_code == 404
    _, rows, _ = rows_of(client.get(EXPORT_URL))
    assert len(rows) == 4  # header + both communities of the district
    assert "*" in rows[1][1]
    assert [e.action for e in AuditEvent.objects.all()] == [AuditEvent.Action.EXPORT]


def test_export_refused_without_the_capability(client, community_a, residents):
    leader = make_user_with_role("leader", "building_leader", community_a.code)
    client.force_login(leader)

    assert client.get(EXPORT_URL).status_code == 404
    assert not AuditEvent.objects.exists()


def test_other_communities_rows_are_never_exported(client, worker_b, residents):
    client.force_login(worker_b)

    _, rows, _ = rows_of(client.get(EXPORT_URL, {"full": "1"}))

    assert [r[0] for r in rows[1:]] == ["外人"]


def test_too_many_rows_sends_back_to_the_list_with_a_message(client, worker_a, community_a, residents, monkeypatch):
    monkeypatch.setattr(exports, "EXPORT_MAX_ROWS", 1)
    client.force_login(worker_a)

    response = client.get(EXPORT_URL, {"area_code": community_a.code, "tag": ""})

    assert response.status_code == 302
    assert response.url == f"{reverse('people:resident_list')}?area_code={community_a.code}"
    page = client.get(response.url).content.decode()
    assert "导出结果超过1行，请按街道、社区、网格或楼栋缩小范围后再导出" in page
    assert not AuditEvent.objects.exists()


def test_full_export_round_trips_into_the_importer(client, worker_a, community_a, residents):
    client.force_login(worker_a)
    content, _, _ = rows_of(client.get(EXPORT_URL, {"full": "1"}))
    before = list(Resident.objects.order_by("id").values())

    report = register_file_import(
        actor=worker_a,
        community=community_a,
        file_name="export.xlsx",
        content=content,
        dry_run=False,
    )

    assert report.errors == []
    assert (report.rows_read, report.unchanged, report.to_create) == (2, 2, 0)
    assert list(Resident.objects.order_by("id").values()) == before


def test_masked_export_is_refused_by_the_importer(client, worker_a, community_a, residents):
    client.force_login(worker_a)
    content, _, _ = rows_of(client.get(EXPORT_URL))

    report = register_file_import(
        actor=worker_a,
        community=community_a,
        file_name="export.xlsx",
        content=content,
        dry_run=True,
    )

    assert [e.column for e in report.errors] == ["身份证号", "联系电话", "身份证号"]


def test_export_reads_a_fixed_number_of_queries(worker_a, residents, django_assert_num_queries):
    with django_assert_num_queries(5):
        output, count = exports.resident_export(actor=worker_a, filters={}, full=False)
    assert count == 2
    output.close()
