"""12345 work orders imported (services.hotline_import, `gongzhi import-hotline`, the upload page): a
dry run writes nothing; matching rows are placed on their household, the others wait unplaced at the
street, none dropped; the same file twice changes nothing; bad rows stop the file unless the good
rows are kept; columns not read are named; only those who import for the area may."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from gongzhi.appeals import flows, services
from gongzhi.appeals.models import Appeal, HotlineImport
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEvent, WorkflowEvent
from tests.appeals.factories import (
    HOTLINE_HEADER,
    STREET_QUEUE,
    hotline_address,
    hotline_csv,
    hotline_row,
    hotline_xlsx,
    make_place,
    street_name,
    unplaced,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def place(community_a, community_b):
    return make_place(community_a, community_b)


@pytest.fixture
def orders(place):
    """Three work orders: two at doors of community_a (one of them about dialysis), one nowhere."""
    h = place.households
    return [
        hotline_row("GD20220905001", hotline_address(h["h1"]), "家里没有米了，需要买菜", phone="138-1234-5678"),
        hotline_row("GD20220905002", hotline_address(h["f1"]), "母亲要透析出不去", category="疫情防控-就医需求"),
        hotline_row("GD20220905003", "成都市锦江区书院街街道不存在的小区9栋9单元909室", "老人断药了", caller="王五"),
    ]


def run_import(place, content: bytes, *, file_name="工单.xlsx", user="worker", area=None, **kwargs):
    return services.hotline_import(
        actor=place.users[user] if user else None, area_code=area or place.households["h1"].community_code,
        file_name=file_name, content=content, **{"dry_run": False, **kwargs},
    )  # fmt: skip


def test_a_dry_run_reports_and_writes_nothing(place, orders):
    report = run_import(place, hotline_xlsx(orders), dry_run=True)
    assert (report.rows, report.to_create, report.placed, report.unplaced, report.errors) == (3, 3, 2, 1, [])
    assert not report.written
    assert not Appeal.objects.exists() and not HotlineImport.objects.exists()
    assert not WorkflowEvent.objects.exists() and not AuditEvent.objects.filter(action="import").exists()


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_matching_rows_are_placed_on_their_household_the_others_wait_at_the_street(place, orders, kind):
    h = place.households
    content = hotline_xlsx(orders) if kind == "xlsx" else hotline_csv(orders)
    report = run_import(place, content, file_name=f"工单.{kind}")
    assert report.written and (report.to_create, report.placed, report.unplaced, report.errors) == (3, 2, 1, [])
    rows = {a.hotline_ref: a for a in Appeal.objects.all()}
    assert set(rows) == {"GD20220905001", "GD20220905002", "GD20220905003"}  # none dropped
    first, second, nowhere = rows["GD20220905001"], rows["GD20220905002"], rows["GD20220905003"]
    assert (first.household, first.channel, first.status, first.level) == (h["h1"], "hotline", "pending", "grid")
    assert (first.caller_name, first.caller_phone, first.category) == ("张三", "13812345678", "food")
    assert first.received_at == dt.datetime(2022, 9, 5, 2, 32, tzinfo=dt.UTC)  # 10:32 China time
    assert first.address_text == hotline_address(h["h1"]) and first.created_by == place.users["worker"]
    assert (second.household, second.category, second.urgency) == (h["f1"], "medical_emergency", "critical")
    assert (nowhere.household, nowhere.status, nowhere.community_code, nowhere.level) == (
        None, flows.UNPLACED, STREET_QUEUE, "street",
    )  # fmt: skip
    assert nowhere.caller_name == "王五" and nowhere.channel == "hotline"
    assert WorkflowEvent.objects.filter(flow="appeal").count() == 3
    record = HotlineImport.objects.get()
    assert (record.created_count, record.existing_count, record.unplaced_count, record.content) == (3, 0, 1, None)
    audit = AuditEvent.objects.get(action="import", entity="appeal")
    assert sorted(audit.row_ids) == sorted(a.public_id for a in rows.values())


def test_re_importing_the_same_file_changes_nothing_and_counts_what_exists(place, orders):
    content = hotline_xlsx(orders)
    run_import(place, content)
    before = list(Appeal.objects.order_by("id").values_list("id", "status", "updated_at"))
    events = WorkflowEvent.objects.count()
    again = run_import(place, content)
    assert (again.existing, again.to_create, again.placed, again.unplaced, again.errors) == (3, 0, 0, 0, [])
    assert list(Appeal.objects.order_by("id").values_list("id", "status", "updated_at")) == before
    assert WorkflowEvent.objects.count() == events
    # As a CSV, by another worker of the street: still the same three.
    run_import(place, hotline_csv(orders), file_name="工单.csv", user="street", area="510104017")
    assert Appeal.objects.count() == 3


@pytest.fixture
def with_bad_rows(place, orders):
    bad = [
        hotline_row("GD20220905004", hotline_address(place.households["h2"]), ""),  # no text
        hotline_row("GD20220905005", hotline_address(place.households["n1"]), "没有菜", received="昨天上午"),
        hotline_row("GD20220905001", hotline_address(place.households["n1"]), "重复的编号"),
    ]
    return hotline_xlsx([orders[0], bad[0], orders[1], bad[1], bad[2]])


def test_a_file_with_bad_rows_writes_nothing_unless_the_good_rows_are_kept(place, with_bad_rows):
    report = run_import(place, with_bad_rows)
    assert not report.written and not Appeal.objects.exists() and not HotlineImport.objects.exists()
    assert [row for row, _message in report.errors] == [3, 5, 6]
    assert "诉求内容为空" in report.errors[0][1] and "来电时间" in report.errors[1][1]
    assert "与第2行重复" in report.errors[2][1]
    kept = run_import(place, with_bad_rows, keep_good_rows=True)
    assert kept.written and len(kept.errors) == 3
    assert set(Appeal.objects.values_list("hotline_ref", flat=True)) == {"GD20220905001", "GD20220905002"}
    assert HotlineImport.objects.get().errors == [[r, m] for r, m in kept.errors]


def test_a_row_the_request_itself_refuses_stops_the_file_like_any_bad_row(place, orders):
    """A one-character text passes the file's check but not the request's (at least 2 characters):
    without keep_good_rows nothing may be written, and the preview must name the row."""
    short = hotline_row("GD20220905009", hotline_address(place.households["h2"]), "药")
    content = hotline_xlsx([orders[0], short])
    preview = run_import(place, content, dry_run=True)
    assert [row for row, _m in preview.errors] == [3], "the dry run does not name the row the import refuses"
    report = run_import(place, content)
    assert not report.written and not Appeal.objects.exists(), "rows written although one was bad"


def test_an_extra_column_is_reported_as_ignored(place, orders):
    header = [*HOTLINE_HEADER, "承办单位"]
    content = hotline_xlsx([[*row, "锦江区卫健局"] for row in orders], header=header)
    report = run_import(place, content, dry_run=True)
    assert report.ignored == ["承办单位"] and report.errors == []


@pytest.mark.parametrize("user", ["outsider", "grid", "leader"])
def test_an_import_by_someone_without_the_right_over_the_area_is_refused(place, orders, user):
    with pytest.raises(ApplicationError) as refused:
        run_import(place, hotline_xlsx(orders), user=user)
    assert refused.value.status == 403
    with pytest.raises(ApplicationError):
        run_import(place, hotline_xlsx(orders), user=user, dry_run=True)
    assert not Appeal.objects.exists() and not HotlineImport.objects.exists()


def test_a_district_import_queues_an_unmatched_order_at_the_street_its_address_names(place, orders):
    street = street_name()  # 锦官驿街道
    lost = hotline_row("GD20220905010", f"成都市锦江区{street}某某小区3栋2单元501", "家里没有米了")
    run_import(place, hotline_xlsx([orders[0], lost]), user="district", area="510104")
    queued = Appeal.objects.get(hotline_ref="GD20220905010")
    assert (queued.status, queued.community_code, queued.level) == (flows.UNPLACED, STREET_QUEUE, "street")
    assert Appeal.objects.get(hotline_ref="GD20220905001").household == place.households["h1"]


def test_placing_an_unplaced_order_needs_the_right_over_where_it_waits(place):
    """A community worker (or the outsider) cannot see the street's queue: they may not place its
    requests either, even on a household of their own community (appeal_place: "over both")."""
    for user, household in (("worker", "h1"), ("outsider", "b1")):
        waiting = unplaced(ref=f"GD-PLACE-{user}")
        with pytest.raises(ApplicationError) as refused:
            services.appeal_place(actor=place.users[user], appeal=waiting, household=place.households[household])
        assert refused.value.status == 403, user
        waiting.refresh_from_db()
        assert waiting.status == flows.UNPLACED and waiting.household is None


def test_placing_by_street_staff_and_refusals(place):
    waiting = unplaced(ref="GD-PLACE-1")
    with pytest.raises(ApplicationError) as refused:
        services.appeal_place(actor=place.users["grid"], appeal=waiting, household=place.households["h1"])
    assert refused.value.status == 403
    placed = services.appeal_place(actor=place.users["street"], appeal=waiting, household=place.households["b1"])
    assert (placed.status, placed.household, placed.community_code) == (
        "pending",
        place.households["b1"],
        "510104017002",
    )
    with pytest.raises(ApplicationError) as twice:  # placed already: no step from pending for staff
        services.appeal_place(actor=place.users["street"], appeal=placed, household=place.households["h1"])
    assert twice.value.status in (403, 409)
    placed.refresh_from_db()
    assert placed.household == place.households["b1"]


# The command line


def command(*args) -> str:
    out = io.StringIO()
    call_command("import_hotline", *args, stdout=out)
    return out.getvalue()


def failing(*args) -> tuple[int, str, str]:
    out = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import_hotline", *args, stdout=out)
    return info.value.returncode, str(info.value), out.getvalue()


def test_the_command_imports_with_exit_0_and_a_dry_run_writes_nothing(place, orders, tmp_path):
    path = tmp_path / "工单.xlsx"
    path.write_bytes(hotline_xlsx(orders))
    code = place.households["h1"].community_code
    output = command(str(path), "--area", code, "--dry-run")
    assert "新建3件（定位到户2件，待定位1件）" in output and "未写入数据" in output
    assert not Appeal.objects.exists()
    output = command(str(path), "--area", code, "--user", "worker_a")
    assert "导入完成" in output and Appeal.objects.count() == 3
    assert Appeal.objects.filter(created_by=place.users["worker"]).count() == 3
    output = command(str(path), "--area", code)
    assert "已导入过3件" in output and Appeal.objects.count() == 3


def test_the_command_exits_1_for_row_errors_and_keeps_good_rows_only_when_told(place, with_bad_rows, tmp_path):
    path = tmp_path / "工单.xlsx"
    path.write_bytes(with_bad_rows)
    code = place.households["h1"].community_code
    returncode, message, output = failing(str(path), "--area", code)
    assert returncode == 1 and "未导入任何数据" in message and "第3行 诉求内容为空" in output
    assert not Appeal.objects.exists()
    returncode, message, output = failing(str(path), "--area", code, "--keep-good-rows")
    assert returncode == 1 and "已导入正确的行" in message and "导入完成" in output
    assert Appeal.objects.count() == 2


def test_the_command_exits_2_for_an_unreadable_file_an_unknown_area_or_user(place, orders, tmp_path):
    good = tmp_path / "工单.xlsx"
    good.write_bytes(hotline_xlsx(orders))
    garbage = tmp_path / "坏文件.xlsx"
    garbage.write_bytes(b"this is no spreadsheet")
    no_columns = tmp_path / "无列.csv"
    no_columns.write_bytes("姓名,电话\n张三,13800000000\n".encode("gbk"))
    code = place.households["h1"].community_code
    for args in (
        (str(tmp_path / "missing.xlsx"), "--area", code),
        (str(garbage), "--area", code),
        (str(no_columns), "--area", code),
        (str(good), "--area", "999999999999"),
        (str(good), "--area", "51"),
        (str(good), "--area", code, "--user", "nobody"),
        (str(good), "--area", code, "--user", "worker_b"),  # no right over community_a
    ):
        returncode, _message, _output = failing(*args)
        assert returncode == 2, args
    assert not Appeal.objects.exists()


# The upload page


def test_the_upload_page_checks_shows_the_errors_and_imports_on_confirmation(client, place, with_bad_rows):
    client.force_login(place.users["worker"])
    page = client.get("/appeals/hotline/")
    assert page.status_code == 200 and 'id="hotline-form"' in page.content.decode()
    code = place.households["h1"].community_code
    response = client.post("/appeals/hotline/", {"area": code, "file": SimpleUploadedFile("工单.xlsx", with_bad_rows)})
    assert response.status_code == 302
    pending = HotlineImport.objects.get()
    assert response["Location"] == f"/appeals/hotline/{pending.public_id}/"
    assert pending.confirmed_at is None and not Appeal.objects.exists()
    preview = client.get(response["Location"]).content.decode()
    assert 'id="hotline-report"' in preview and 'id="hotline-errors"' in preview
    assert "第3行：诉求内容为空" in preview and 'name="keep_good_rows"' in preview
    # Confirmed without keeping the good rows only: refused, nothing written.
    refused = client.post(response["Location"], {}).content.decode()
    assert "文件有错误行" in refused and not Appeal.objects.exists()
    done = client.post(response["Location"], {"keep_good_rows": "1"})
    assert done.status_code == 302
    assert set(Appeal.objects.values_list("hotline_ref", flat=True)) == {"GD20220905001", "GD20220905002"}
    page = client.get(response["Location"]).content.decode()
    assert 'id="hotline-done"' in page and "新建2件" in page
    again = client.post(response["Location"], {"keep_good_rows": "1"}).content.decode()
    assert "这个文件已经导入过了" in again and Appeal.objects.count() == 2
    # Another community's worker cannot open it; nor a grid worker the upload page.
    client.force_login(place.users["outsider"])
    assert client.get(response["Location"]).status_code == 404
    client.force_login(place.users["grid"])
    assert client.get("/appeals/hotline/").status_code == 404


def test_the_upload_page_refuses_an_area_not_ones_own_and_an_unreadable_file(client, place, orders):
    client.force_login(place.users["worker"])
    other = client.post("/appeals/hotline/", {"area": "510104017002", "file": SimpleUploadedFile("a.xlsx", b"x")})
    assert other.status_code == 404
    bad = client.post(
        "/appeals/hotline/",
        {"area": place.households["h1"].community_code, "file": SimpleUploadedFile("a.xlsx", b"no spreadsheet")},
    )
    assert bad.status_code == 200 and 'id="hotline-form"' in bad.content.decode()
    assert not HotlineImport.objects.exists()


# Rows kept with a warning; the pending page shows the kept check


def test_a_masked_or_odd_phone_and_a_long_text_are_imported_with_a_warning(place, tmp_path):
    h = place.households
    rows = [
        hotline_row("GD20220905101", hotline_address(h["h1"]), "要买药", phone="138****5678"),
        hotline_row("GD20220905102", hotline_address(h["h2"]), "要买药", phone="(028)85551234-801", caller="李四"),
        hotline_row("GD20220905103", "某地", "老人需要降压药，" * 150, phone="无"),
    ]
    report = run_import(place, hotline_xlsx(rows))
    assert report.written and report.errors == [] and report.to_create == 3
    assert [row for row, _words in report.warnings] == [2, 3, 4]
    assert "打了星号" in report.warnings[0][1] and "分机801" in report.warnings[1][1]
    assert "已截断" in report.warnings[2][1]
    by_ref = {a.hotline_ref: a for a in Appeal.objects.all()}
    assert by_ref["GD20220905101"].caller_phone == "" and by_ref["GD20220905101"].household == h["h1"]
    assert (by_ref["GD20220905102"].caller_phone, by_ref["GD20220905102"].caller_name) == (
        "02885551234",
        "李四(分机801)",
    )
    text = by_ref["GD20220905103"].text
    assert len(text) == 1000 and text.endswith("…(原文过长,已截断,全文见12345工单)")
    path = tmp_path / "工单.xlsx"
    path.write_bytes(hotline_xlsx([hotline_row("GD20220905104", "某地", "要买药", phone="138****5678")]))
    output = command(str(path), "--area", h["h1"].community_code)
    assert "第2行 提醒：联系电话“138****5678”是打了星号的号码" in output and "导入完成" in output


def test_the_pending_page_shows_the_kept_check_without_reading_the_file_again(client, place, orders, monkeypatch):
    from gongzhi.appeals import hotline_file

    client.force_login(place.users["worker"])
    code = place.households["h1"].community_code
    content = hotline_xlsx([*orders, hotline_row("GD20220905009", "某地", "要买药", phone="138****5678")])
    response = client.post("/appeals/hotline/", {"area": code, "file": SimpleUploadedFile("工单.xlsx", content)})
    reads = []
    real = hotline_file.read_hotline_file
    monkeypatch.setattr(hotline_file, "read_hotline_file", lambda *a, **k: reads.append(1) or real(*a, **k))
    for _ in range(2):
        page = client.get(response["Location"]).content.decode()
        assert "将新建4件（定位到户2件，待定位2件）" in page and 'id="hotline-warnings"' in page
    assert reads == [], "the pending page checked the file again"
    # A dry run (the command's) always reads the file.
    other = services.hotline_import(
        actor=None, area_code="510104017", file_name="工单.xlsx", content=content, dry_run=True
    )
    assert reads == [1] and other.to_create == 4
    # The confirm checks it again, against what exists then.
    assert client.post(response["Location"], {}).status_code == 302
    assert len(reads) == 2 and Appeal.objects.count() == 4
    assert HotlineImport.objects.get().errors == []
    page = client.get(response["Location"]).content.decode()
    assert 'id="hotline-done"' in page and len(reads) == 2
