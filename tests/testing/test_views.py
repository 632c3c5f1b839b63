import datetime as dt
import io
import re
from urllib.parse import unquote

import openpyxl
import pytest
from django.utils import timezone

from gongzhi.core import events
from gongzhi.core.models import AuditEvent
from gongzhi.testing import collection, services
from gongzhi.testing.models import Exemption, Round
from tests.factories import HouseholdFactory, ResidentFactory, make_user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def sampled_round(community_a, worker_a):
    household = HouseholdFactory()
    residents = [ResidentFactory(household=household, name=f"居民{i}") for i in range(4)]
    collector = make_user_with_role("c1", "collector", community_a.code)
    round_ = services.round_create(actor=worker_a, name="第一轮", area_code=community_a.code, pool_size=10)
    services.scan_batch_ingest(
        round_=round_,
        collector=collector,
        events=[
            collection.Event("1", "open", "TUBE000001"),
            collection.Event("2", "scan", "TUBE000001", "R:" + residents[0].public_id),
            collection.Event("3", "scan", "TUBE000001", "R:" + residents[1].public_id),
            collection.Event("4", "close", "TUBE000001"),
        ],
    )
    Exemption.objects.create(round=round_, resident=residents[2], community_code=community_a.code, reason="hospital")
    return round_, residents


def test_round_form_suggests_the_pool_size_and_refuses_bad_input(client, worker_a, community_a):
    client.force_login(worker_a)
    page = client.get("/rounds/new/", {"prevalence": "0.01"}).content.decode()
    assert "最优混采人数为 11" in page and "建议 10 合1" in page
    bad = client.post("/rounds/new/", {"name": "x", "area_code": community_a.code, "pool_size": "50"})
    assert bad.status_code == 422 and "混采人数必须在1到20之间" in bad.content.decode()
    outside = client.post("/rounds/new/", {"name": "x", "area_code": "510104017002", "pool_size": "10"})
    assert outside.status_code == 422
    ok = client.post("/rounds/new/", {"name": "第二轮", "area_code": community_a.code, "pool_size": "10"})
    assert ok.status_code == 302 and Round.objects.filter(name="第二轮").exists()


def test_dashboard_and_progress_come_from_the_rollup(client, worker_a, sampled_round, django_assert_max_num_queries):
    round_, _ = sampled_round
    client.force_login(worker_a)
    assert "第一轮" in client.get(f"/rounds/{round_.public_id}/").content.decode()
    with django_assert_max_num_queries(8):
        data = client.get(f"/rounds/{round_.public_id}/progress.json", {"level": "community"}).json()
    assert data["totals"] == {"sampled": 2, "tubes": 1, "tubes_resulted": 0, "positive_tubes": 0}
    assert data["rows"][0]["sampled"] == 2 and data["rows"][0]["expected"] == 4
    assert data["rows"][0]["name"] == "水井坊社区居委会"


def test_coverage_lists_the_untested_and_exports_them_audited(client, worker_a, sampled_round):
    round_, residents = sampled_round
    client.force_login(worker_a)
    page = client.get(f"/rounds/{round_.public_id}/coverage/").content.decode()
    assert 'id="untested-count">1<' in page
    assert residents[3].name in page and residents[0].name not in page and residents[2].name not in page
    response = client.get(f"/rounds/{round_.public_id}/untested.xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [r[4] for r in rows[1:]] == [residents[3].name]
    assert residents[3].id_number not in str(rows)
    assert AuditEvent.objects.filter(action="export", entity="untested", row_ids=[residents[3].public_id]).exists()


def test_recall_list_shows_full_phones_to_workers_and_audits(client, worker_a, sampled_round, community_a):
    round_, residents = sampled_round
    lab = make_user_with_role("lab", "lab", "5101")
    services.tube_results_record(actor=lab, round_=round_, results=[("TUBE000001", "阳性")])
    events.deliver_pending()
    client.force_login(worker_a)
    page = client.get(f"/rounds/{round_.public_id}/recalls/").content.decode()
    assert residents[0].phone in page and residents[1].name in page
    assert AuditEvent.objects.filter(action="view_full", entity="recall").count() == 1
    leader = make_user_with_role(
        "leader", "building_leader", community_a.code, building=residents[0].household.building
    )
    client.force_login(leader)
    assert client.get(f"/rounds/{round_.public_id}/recalls/").status_code == 404


def test_collect_page_for_collectors_only(client, sampled_round, community_a, worker_b):
    round_, _ = sampled_round
    collector = make_user_with_role("c2", "collector", community_a.code)
    client.force_login(collector)
    # a collector of the round's area who is not assigned to the round does not collect in it
    assert client.get(f"/rounds/{round_.public_id}/collect/").status_code == 404
    services.round_collector_assign(actor=round_.created_by, round_=round_, user=collector)
    page = client.get(f"/rounds/{round_.public_id}/collect/").content.decode()
    assert 'id="barcode"' in page and "collect.js" in page
    client.force_login(worker_b)
    assert client.get(f"/rounds/{round_.public_id}/collect/").status_code == 404
    assert client.get("/collect-sw.js")["Content-Type"] == "application/javascript"


def test_lab_results_file_records_valid_rows_and_reports_bad_ones(client, sampled_round):
    from django.core.files.uploadedfile import SimpleUploadedFile

    round_, residents = sampled_round
    lab = make_user_with_role("lab", "lab", "5101")
    client.force_login(lab)
    content = "检测结果报告\n管号,结果\nTUBE000001,阴性\nTUBE999999,阴性\nTUBE000002,不确定\n".encode("gbk")
    response = client.post(
        f"/api/rounds/{round_.public_id}/results/file",
        {"file": SimpleUploadedFile("results.csv", content, content_type="text/csv")},
    )
    body = response.json()
    assert response.status_code == 200, body
    assert body["rows"] == 3 and body["recorded"] == 1
    assert [(e["row"], e["code"]) for e in body["errors"]] == [(4, "no_such_tube"), (5, "result_unknown")]
    assert body["errors"][0]["message"] == "本轮没有这个管号" and "“不确定”" in body["errors"][1]["message"]
    assert round_.tubes.get().status == "negative"
    broken = client.post(
        f"/api/rounds/{round_.public_id}/results/file",
        {"file": SimpleUploadedFile("results.xlsx", b"PK\x03\x04garbage")},
    )
    assert broken.status_code == 422 and broken.json()["message"]


def test_exemption_via_api(client, worker_a, sampled_round):
    round_, residents = sampled_round
    client.force_login(worker_a)
    ok = client.post(
        f"/api/rounds/{round_.public_id}/exemptions",
        {"resident_id": residents[3].public_id, "reason": "away"},
        content_type="application/json",
    )
    assert ok.status_code == 200
    bad = client.post(
        f"/api/rounds/{round_.public_id}/exemptions",
        {"resident_id": residents[3].public_id, "reason": "bored"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert client.get(f"/api/rounds/{round_.public_id}/coverage").json()["untested"] == 0


def test_bedridden_untested_become_door_to_door_tasks_for_their_grid_worker(client, sampled_round, community_a):
    round_, residents = sampled_round
    bedridden = residents[3]
    bedridden.tags.create(community_code=bedridden.community_code, tag="bedridden")
    grid = bedridden.household.building.grid
    grid_worker = make_user_with_role("gw", "grid_worker", community_a.code, grid=grid)
    client.force_login(grid_worker)
    page = client.get(f"/rounds/{round_.public_id}/coverage/").content.decode()
    tasks = page.split('class="door-to-door stack"')[1].split("</table>")[0]
    assert bedridden.name in tasks and residents[0].name not in tasks
    other_grid_worker = make_user_with_role(
        "gw2", "grid_worker", community_a.code, grid=HouseholdFactory().building.grid
    )
    client.force_login(other_grid_worker)
    page = client.get(f"/rounds/{round_.public_id}/coverage/").content.decode()
    assert bedridden.name not in page.split('class="door-to-door stack"')[1].split("</table>")[0]


def test_the_untested_list_shows_health_tags_only_where_the_viewer_holds_residents_health(
    client, sampled_round, community_a
):
    """卧床 on the untested list (page and door-knocking workbook) for the grid worker who visits; the
    district's staff see the same rows without it (core.roles.VIEW_HEALTH)."""
    import io

    import openpyxl

    round_, residents = sampled_round
    bedridden = residents[3]
    bedridden.tags.create(community_code=bedridden.community_code, tag="bedridden")
    grid = bedridden.household.building.grid
    for user, shown in (
        (make_user_with_role("gw", "grid_worker", community_a.code, grid=grid), True),
        (make_user_with_role("district", "district_staff", "510104"), False),
    ):
        client.force_login(user)
        page = client.get(f"/rounds/{round_.public_id}/coverage/", {"area_code": community_a.code}).content.decode()
        untested = page.split('id="untested"')[1]
        assert bedridden.name in untested
        # being a door-to-door task says bedridden: the list is the health capability's too
        assert ('id="door-to-door"' in page) == shown
        assert (bedridden.name in page.split('id="untested"')[0]) == shown
        assert ("卧床" in untested) == shown and ("不显示" in untested) == (not shown)
        export = client.get(f"/rounds/{round_.public_id}/untested.xlsx", {"area_code": community_a.code})
        rows = list(openpyxl.load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
        row = next(r for r in rows if r[4] == bedridden.name)
        assert (row[7] == "卧床") == shown and (row[7] in ("", None)) == (not shown)


def test_recall_steps_from_the_page(client, worker_a, sampled_round):
    from gongzhi.core.models import WorkflowEvent
    from gongzhi.testing.models import Recall

    round_, residents = sampled_round
    services.tube_results_record(actor=worker_a, round_=round_, results=[("TUBE000001", "positive")])
    events.deliver_pending()
    recall = Recall.objects.get(resident=residents[0])
    client.force_login(worker_a)
    page = client.get(f"/rounds/{round_.public_id}/recalls/").content.decode()
    assert 'value="notified"' in page
    client.post(f"/recalls/{recall.public_id}/transition/", {"to_status": "notified"})
    client.post(f"/recalls/{recall.public_id}/transition/", {"to_status": "resampled"})
    wrong = client.post(f"/recalls/{recall.public_id}/transition/", {"to_status": "open"}, follow=True)
    assert "状态不能从“已单采”变为“待通知”" in wrong.content.decode()
    recall.refresh_from_db()
    assert recall.status == "resampled"
    steps = WorkflowEvent.objects.filter(flow="recall", row_key=recall.public_id).order_by("id")
    opened, notified, resampled = steps.values_list("to_status", "actor")
    assert opened == ("open", worker_a.pk)  # opened by the platform for the account that recorded the result
    assert (notified, resampled) == (("notified", worker_a.pk), ("resampled", worker_a.pk))


def test_progress_shows_areas_not_yet_sampled(client, worker_a, community_a):
    ResidentFactory()
    round_ = services.round_create(actor=worker_a, name="空轮", area_code=community_a.code, pool_size=10)
    client.force_login(worker_a)
    rows = client.get(f"/rounds/{round_.public_id}/progress.json", {"level": "street"}).json()["rows"]
    assert rows == [
        {
            "area": "510104017",
            "name": "锦官驿街道",
            "sampled": 0,
            "tubes": 0,
            "tubes_resulted": 0,
            "positive_tubes": 0,
            "expected": 1,
        }
    ]


def test_coverage_counts_the_same_for_a_community_worker_and_a_grid_worker(worker_a, sampled_round, community_a):
    """The community path counts on the (round, community) index, the grid path by resident key;
    a sample from another grid of the same community counts only for the community."""
    from gongzhi.testing import selectors

    round_, residents = sampled_round
    other = ResidentFactory(household=HouseholdFactory(), name="别的网格")
    services.scan_batch_ingest(
        round_=round_,
        collector=make_user_with_role("c2", "collector", community_a.code),
        events=[
            collection.Event("1", "open", "TUBE000002"),
            collection.Event("2", "scan", "TUBE000002", "R:" + other.public_id),
        ],
    )
    whole = selectors.coverage_summary(user=worker_a, round_=round_, area_code=community_a.code)
    assert whole == {
        "area_code": community_a.code,
        "expected": 5,
        "sampled": 3,
        "exempted": 1,
        "untested": 1,
        "archived": False,
    }
    grid_worker = make_user_with_role("gw", "grid_worker", community_a.code, grid=residents[0].household.building.grid)
    by_grid = selectors.coverage_summary(user=grid_worker, round_=round_, area_code=community_a.code)
    assert by_grid == {
        "area_code": community_a.code,
        "expected": 4,
        "sampled": 2,
        "exempted": 1,
        "untested": 1,
        "archived": False,
    }


def test_lab_uploads_results_and_sees_the_rows_not_recorded(client, sampled_round, community_a):
    """Good rows are recorded, each bad row is listed with its Excel row number and reason, a
    broken file is refused whole; a lab outside the round's area gets 404; a re-upload changes nothing."""
    from gongzhi.testing.models import Recall, Tube

    round_, residents = sampled_round
    lab = make_user_with_role("lab", "lab", "5101")
    client.force_login(lab)
    assert f"/rounds/{round_.public_id}/results/" in client.get("/rounds/").content.decode()
    url = f"/rounds/{round_.public_id}/results/"
    csv = "管号,结果\nTUBE000001,阳性\nNOSUCHTUBE,阴性\nTUBE000001x,maybe\n".encode()
    page = client.post(url, {"file": _upload("结果.csv", csv)})
    text = page.content.decode()
    assert page.status_code == 200
    assert 'id="recorded-count">1<' in text and 'id="error-count">2<' in text
    assert "本轮没有这个管号" in text and "结果只能是阴性或阳性" in text
    errors = text.split('class="result-errors"')[1]
    assert "<td>3</td>" in errors and "<td>4</td>" in errors  # row numbers as Excel shows them
    assert Tube.objects.get(round=round_, barcode="TUBE000001").status == "positive"
    events.deliver_pending()  # what the Huey consumer does after the upload's commit
    assert Recall.objects.filter(round=round_).count() == 2
    again = client.post(url, {"file": _upload("结果.csv", csv)})
    events.deliver_pending()
    again_text = again.content.decode()
    assert 'id="recorded-count">0<' in again_text and 'id="unchanged-count">1<' in again_text
    assert Recall.objects.filter(round=round_).count() == 2
    broken = client.post(url, {"file": _upload("结果.xlsx", b"not a workbook")})
    assert broken.status_code == 422 and 'role="alert"' in broken.content.decode()
    assert client.post(url, {}).status_code == 422
    client.force_login(make_user_with_role("lab2", "lab", "5102"))
    assert client.get(url).status_code == 404


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_the_untested_list_pages_through_every_row_and_says_how_many(client, worker_a, community_a):
    from gongzhi.places.models import Building

    round_ = services.round_create(actor=worker_a, name="第二轮", area_code=community_a.code, pool_size=10)
    building = HouseholdFactory().building
    made = [
        ResidentFactory(household=HouseholdFactory(building=building, unit=7 + i % 2, room=f"9{i:03d}"))
        for i in range(230)
    ]
    assert Building.objects.filter(community_code=community_a.code).count() == 1
    client.force_login(worker_a)
    url = f"/rounds/{round_.public_id}/coverage/"
    page = client.get(url).content.decode()
    assert "共 230 人" in page
    seen, pages = [], 0
    while True:
        pages += 1
        seen += re.findall(r'<td data-untested="([0-9A-Z]+)">', page)
        found = re.search(r'href="\?area_code=&amp;after=([^"#]+)#untested" id="untested-next"', page)
        if not found:
            break
        page = client.get(url, {"area_code": "", "after": found.group(1)}).content.decode()
    assert pages == 3
    assert sorted(seen) == sorted(r.public_id for r in made) and len(seen) == len(set(seen))
    assert client.get(url, {"after": "not-a-cursor"}).status_code == 404


def test_exports_are_named_by_what_they_hold(client, worker_a, sampled_round):
    round_, residents = sampled_round
    client.force_login(worker_a)
    response = client.get(f"/rounds/{round_.public_id}/untested.xlsx")
    today = timezone.localdate().isoformat()
    assert f"水井坊社区居委会-第一轮-未检测名单-{today}.xlsx" in unquote(response["Content-Disposition"])
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    building = residents[3].household.building
    assert rows[1][1] == building.label and building.address in building.label  # its estate or street with it


def test_the_recall_list_calls_by_tap_and_exports_to_xlsx_audited(client, worker_a, sampled_round, community_a):
    round_, residents = sampled_round
    lab = make_user_with_role("lab", "lab", "5101")
    services.tube_results_record(actor=lab, round_=round_, results=[("TUBE000001", "阳性")])
    events.deliver_pending()
    client.force_login(worker_a)
    page = client.get(f"/rounds/{round_.public_id}/recalls/").content.decode()
    assert f'href="tel:{residents[0].phone}"' in page
    response = client.get(f"/rounds/{round_.public_id}/recalls.xlsx")
    assert response.status_code == 200
    assert "第一轮-阳性复核名单-" in unquote(response["Content-Disposition"])
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("管号", "网格", "住址", "姓名", "联系电话", "状态")
    assert sorted(r[3] for r in rows[1:]) == sorted([residents[0].name, residents[1].name])
    assert {r[4] for r in rows[1:]} == {residents[0].phone, residents[1].phone}  # in full: this worker calls them
    assert AuditEvent.objects.filter(action="export_full", entity="recall").count() == 1
    # a street official sees the list masked: no number to tap, none in full in the file
    street = make_user_with_role("street1", "district_staff", community_a.code[:6])
    client.force_login(street)
    page = client.get(f"/rounds/{round_.public_id}/recalls/").content.decode()
    assert "tel:" not in page and residents[0].phone not in page
    rows = list(
        openpyxl.load_workbook(
            io.BytesIO(client.get(f"/rounds/{round_.public_id}/recalls.xlsx").content)
        ).active.iter_rows(values_only=True)
    )
    assert residents[0].phone not in str(rows) and len(rows) == 3
    assert not AuditEvent.objects.filter(action="export_full", entity="recall", actor=street).exists()


def test_door_to_door_tasks_are_marked_visited_sampled_or_exempt(client, community_a, worker_a):
    from gongzhi.people.models import ResidentTag
    from gongzhi.testing.models import DoorVisit
    from gongzhi.testing.selectors import door_visits_due

    round_ = services.round_create(actor=worker_a, name="第三轮", area_code=community_a.code, pool_size=10)
    household = HouseholdFactory()
    bedridden = [ResidentFactory(household=household, name=f"卧床{i}") for i in range(3)]
    for r in bedridden:
        ResidentTag.objects.create(resident=r, tag="bedridden", community_code=r.community_code)
    grid_worker = make_user_with_role("g1", "grid_worker", community_a.code, grid=household.building.grid)
    client.force_login(grid_worker)
    url = f"/rounds/{round_.public_id}/door-to-door/"
    coverage = f"/rounds/{round_.public_id}/coverage/"
    assert door_visits_due(user=grid_worker, round_=round_) == 3
    # nobody home: the reason is required, and the task stays due
    client.post(f"{url}{bedridden[0].public_id}/", {"action": "visited", "note": ""})
    assert not DoorVisit.objects.exists()
    response = client.post(f"{url}{bedridden[0].public_id}/", {"action": "visited", "note": "无人在家"})
    assert response.status_code == 302 and response["Location"].endswith("#door-to-door")
    # sampled at the door: no longer due, still untested until the scan arrives
    client.post(f"{url}{bedridden[1].public_id}/", {"action": "sampled"})
    # exempt with a reason: off the untested list
    client.post(f"{url}{bedridden[2].public_id}/", {"action": "exempt", "reason": "hospital", "note": "住院"})
    assert Exemption.objects.get(round=round_, resident=bedridden[2]).reason == "hospital"
    assert door_visits_due(user=grid_worker, round_=round_) == 1
    page = client.get(coverage).content.decode()
    assert "已上门，未采到：无人在家" in page and "已上门采样，待扫码上传" in page
    assert f'data-task="{bedridden[2].public_id}"' not in page
    assert list(DoorVisit.objects.values_list("outcome", flat=True).order_by("id")) == ["visited", "sampled"]
    # an exemption needs a reason; a worker elsewhere cannot mark this grid's residents
    client.post(f"{url}{bedridden[0].public_id}/", {"action": "exempt", "reason": ""})
    assert not Exemption.objects.filter(resident=bedridden[0]).exists()
    client.force_login(make_user_with_role("w2", "community_worker", "510104017002"))
    assert client.post(f"{url}{bedridden[0].public_id}/", {"action": "sampled"}).status_code == 404
    assert DoorVisit.objects.count() == 2


def test_the_slot_plan_takes_a_start_time_and_all_notices_print_in_one_document(client, community_a, worker_a):
    from gongzhi.testing.models import SlotAssignment

    round_ = services.round_create(actor=worker_a, name="第四轮", area_code=community_a.code, pool_size=10)
    buildings = []
    for _n in range(3):
        household = HouseholdFactory()
        buildings.append(household.building)
        for _i in range(5):
            ResidentFactory(household=household)
    client.force_login(worker_a)
    url = f"/rounds/{round_.public_id}/sites/?community_code={community_a.code}"
    site = {
        "community_code": community_a.code,
        "name": "一号点",
        "address": "院坝",
        "hourly_capacity": "20",
        "collectors": "1",
    }
    assert client.post(url, site).status_code == 200
    plan = {"community_code": community_a.code, "action": "plan", "start": "2022-09-05T07:00", "window_minutes": "20"}
    response = client.post(url, plan)
    assert response.status_code == 200, re.findall(r'class="error"[^>]*>([^<]+)', response.content.decode())
    slots = list(SlotAssignment.objects.order_by("starts_at"))
    assert len(slots) == 3
    first = timezone.localtime(slots[0].starts_at)
    assert (first.date().isoformat(), first.strftime("%H:%M")) == ("2022-09-05", "07:00")
    assert slots[0].ends_at - slots[0].starts_at == dt.timedelta(minutes=20)
    # a window that is not offered, a start that is not a time: refused, the plan unchanged
    assert client.post(url, {**plan, "window_minutes": "7"}).status_code == 422
    assert client.post(url, {**plan, "start": "明天早上"}).status_code == 422
    assert SlotAssignment.objects.count() == 3
    page = client.get(f"/rounds/{round_.public_id}/notices/", {"community_code": community_a.code}).content.decode()
    assert page.count('class="notice-page"') == 3
    for building in buildings:
        assert f'data-building="{building.public_id}"' in page
        assert building.label in page  # the estate or street address with the building's name
    assert client.get(f"/rounds/{round_.public_id}/notices/", {"community_code": "510104017002"}).status_code == 404
