"""Roster pages: template download, upload -> preview -> confirm, and who may do it."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gongzhi.core import roles
from gongzhi.core.errors import ApplicationError
from gongzhi.people.models import RegisterImport, Resident
from gongzhi.people.register_import import register_file_import
from tests.factories import make_user_with_role, valid_id_number
from tests.people.test_register_import import person, xlsx_bytes

IMPORT_URL = reverse("people:register_import")


def upload(client, community_code, content, name="花名册.xlsx"):
    data = {"community": community_code}
    if content is not None:
        data["file"] = SimpleUploadedFile(name, content)
    return client.post(IMPORT_URL, data)


def test_form_lists_only_the_users_communities(client, worker_a, community_a, community_b):
    client.force_login(worker_a)

    response = client.get(IMPORT_URL, {"community": community_a.code})

    assert response.status_code == 200
    body = response.content.decode()
    assert f'value="{community_a.code}" selected' in body
    assert community_b.code not in body
    assert reverse("people:register_template") in body


def test_upload_preview_confirm(client, worker_a, community_a):
    client.force_login(worker_a)
    ids = [valid_id_number(), valid_id_number()]

    response = upload(client, community_a.code, xlsx_bytes([person(id_number=i) for i in ids]))

    record = RegisterImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("people:register_import_detail", args=[record.public_id])
    page = client.get(response.url)
    assert page.status_code == 200
    assert "确认导入" in page.content.decode()
    assert not Resident.objects.exists()

    response = client.post(response.url)

    assert response.status_code == 302
    assert Resident.objects.count() == 2
    page = client.get(response.url).content.decode()
    assert "已导入" in page
    assert f"{reverse('people:resident_list')}?area_code={community_a.code}" in page
    assert "确认导入" not in page


def test_preview_with_errors_lists_them_and_imports_the_good_rows_only_when_ticked(client, worker_a, community_a):
    """One bad row is that row's error: the worker may correct the file, or import the other rows."""
    client.force_login(worker_a)
    good = valid_id_number()

    response = upload(client, community_a.code, xlsx_bytes([person(id_number=good), person(phone="12345")]))

    page = client.get(response.url).content.decode()
    assert '<td class="col">4</td><td class="col">手机号</td>' in page
    assert "电话应为11位手机号（以1开头），或座机号" in page
    assert "只导入没有错误的1行" in page and 'name="keep_good_rows"' in page
    refused = client.post(response.url, follow=True).content.decode()  # not ticked
    assert "请勾选“只导入正确的行”后再确认" in refused and not Resident.objects.exists()

    client.post(response.url, {"keep_good_rows": "1"})

    assert list(Resident.objects.values_list("id_number", flat=True)) == [good]
    record = RegisterImport.objects.get()
    assert record.status == RegisterImport.Status.IMPORTED and bytes(record.content) == b""
    assert record.report["good_rows"] == 1 and record.report["errors"][0][:2] == [4, "手机号"]
    assert "已导入没有错误的1行" in client.get(response.url).content.decode()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (None, "", "请选择要上传的文件"),
        (b"%PDF-1.4", "scan.pdf", "只支持Excel（.xlsx）或CSV（.csv）文件"),
        (b"\xd0\xcf\x11\xe0old", "old.xls", "不支持旧版Excel（.xls）文件"),
        (b"PK\x03\x04junk", "broken.xlsx", "文件已损坏或不是有效的Excel（.xlsx）文件"),
        (b"", "empty.csv", "文件是空的"),
    ],
)
def test_bad_upload_shows_the_form_again_with_422(client, worker_a, community_a, content, name, message):
    client.force_login(worker_a)

    response = upload(client, community_a.code, content, name)

    assert response.status_code == 422
    assert message in response.content.decode()
    assert not RegisterImport.objects.exists()


def test_too_big_upload(client, worker_a, community_a, settings):
    client.force_login(worker_a)
    settings.REGISTER_MAX_BYTES = 1024 * 1024

    response = upload(client, community_a.code, b"a" * (1024 * 1024 + 1), "big.csv")

    assert response.status_code == 422
    assert "文件太大：最多1MB" in response.content.decode()


def test_no_community_chosen(client, worker_a):
    client.force_login(worker_a)

    assert upload(client, "", xlsx_bytes([person()])).status_code == 422


def test_other_community_is_404(client, worker_b, community_a):
    client.force_login(worker_b)

    assert upload(client, community_a.code, xlsx_bytes([person()])).status_code == 404
    assert upload(client, "999999999999", xlsx_bytes([person()])).status_code == 404
    assert not RegisterImport.objects.exists()


def test_detail_and_confirm_are_404_for_someone_else(client, worker_a, worker_b, community_a):
    client.force_login(worker_a)
    url = upload(client, community_a.code, xlsx_bytes([person()])).url
    client.force_login(worker_b)

    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert not Resident.objects.exists()
    assert RegisterImport.objects.get().status == RegisterImport.Status.PREVIEWED


def test_users_without_the_capability_get_404(client, community_a):
    leader = make_user_with_role("leader", "building_leader", community_a.code)
    client.force_login(leader)
    assert not roles.role_can("building_leader", roles.IMPORT_RESIDENTS)

    assert client.get(IMPORT_URL).status_code == 404
    assert client.get(reverse("people:register_template")).status_code == 404


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(IMPORT_URL)

    assert response.status_code == 302 and response.url.startswith("/login/")


def test_template_download_round_trips_through_the_importer(client, worker_a, community_a):
    client.force_login(worker_a)

    response = client.get(reverse("people:register_template"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    content = b"".join(response.streaming_content)
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[2]] == [
        "姓名",
        "身份证号",
        "联系电话",
        "网格",
        "楼栋",
        "单元",
        "房号",
        "与户主关系",
        "重点人群",
        "出生日期(选填)",
        "备注",
    ]
    assert sheet.column_dimensions["B"].number_format == "@"
    assert sheet.column_dimensions["C"].number_format == "@"
    assert sheet["B3"].number_format == "@"
    notes = "\n".join(str(c.value) for row in workbook["填写说明"].iter_rows() for c in row)
    assert "独居老人、慢性病、透析" in notes
    # The blank template has only the example row: said to hold nothing, not "imported: 0".
    with pytest.raises(ApplicationError, match="表头（第2行）下面没有数据行"):
        register_file_import(actor=worker_a, community=community_a, file_name="t.xlsx", content=content, dry_run=True)
    sheet.append(["王五", valid_id_number(), "13800138000", 1, "3栋", 1, "101", "户主", "党员", None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = register_file_import(
        actor=worker_a,
        community=community_a,
        file_name="t.xlsx",
        content=buffer.getvalue(),
        dry_run=False,
    )
    assert (report.rows_read, report.to_create, report.errors) == (1, 1, [])


def test_preview_lists_the_ignored_columns_and_the_words_that_name_no_tag(client, worker_a, community_a):
    from tests.people.test_register_import import STREET_HEADER, csv_bytes, street_row

    client.force_login(worker_a)
    rows = [street_row(1, "张三", valid_id_number(), groups="独居老人、低保")]
    header = [*STREET_HEADER, None]
    rows[0].append("表头右边没有列名的内容")

    response = upload(client, community_a.code, csv_bytes(rows, header=header), "街道名单.csv")

    page = client.get(response.url).content.decode()
    assert "已忽略的列" in page
    for letter, header_text in [("A", "序号"), ("D", "民族"), ("L", "政治面貌")]:
        assert f'<td class="col">{letter}</td><td>{header_text}</td>' in page
    assert '<td class="col">M</td><td class="muted">（无列名）</td>' in page
    assert "“低保”没有对应的重点人群标签，未作为标签导入（共1行：第2行）" in page
    assert "确认导入" in page  # warnings and ignored columns do not stop the import
