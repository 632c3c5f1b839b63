"""The notice pages as each role opens them: publishing, the list, a notice with its reach and its
correction, the printable sheet and the CAP alert, a building's households (told in person), the
reach dashboard's drill, the household's own page through its door code, the workbench; notice text
escaped on every page and answer."""

import json
import re
import xml.etree.ElementTree as etree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.notices import services
from gongzhi.notices.models import Notice, NoticeReceipt
from tests.factories import HouseholdFactory
from tests.notices.conftest import STREET, publish, rollup_matches_receipts
from tests.notices.test_cap import NS, SCHEMA

pytestmark = pytest.mark.django_db
SCRIPT = "<script>alert(1)</script>"


def page(client, user, url, **kwargs):
    if user is not None:
        client.force_login(user)
    else:
        client.logout()
    return client.get(url, **kwargs)


def test_district_staff_publish_through_the_form_and_land_on_the_notice(client, world):
    client.force_login(world.district)
    form = client.get(f"/notices/new/?area_code={world.community_a.code}").content.decode()
    assert 'name="building"' in form and world.b1.public_id in form
    assert "有独居老人的住户" not in form  # the groups are health status: district staff may not address them
    response = client.post(
        "/notices/new/",
        {"area_code": world.community_a.code, "building": world.b1.public_id, "audience": "residents",
         "group": "all", "category": "health", "severity": "warning", "title": "1栋停水通知",
         "body": "今天14:00停水。"},
        follow=True,
    )  # fmt: skip
    notice = Notice.objects.get(title="1栋停水通知")
    assert notice.building == world.b1 and notice.targeted == 3 and notice.issuer_code == "510104"
    assert response.redirect_chain[-1][0] == f"/notices/{notice.public_id}/"
    html = response.content.decode()
    assert "已发布，送达3户" in html and "今天14:00停水。" in html and 'id="buildings"' in html


def test_a_refused_publish_keeps_the_form_says_why_and_writes_nothing(client, world):
    client.force_login(world.worker_a)
    fields = {"area_code": world.community_a.code, "audience": "residents", "group": "all", "category": "health",
              "severity": "info", "title": "", "body": "正文保留"}  # fmt: skip
    response = client.post("/notices/new/", fields)
    assert response.status_code == 422
    html = response.content.decode()
    assert "请填写标题" in html and "正文保留" in html
    response = client.post("/notices/new/", {**fields, "title": "越权", "area_code": world.community_b.code})
    assert response.status_code == 403 and "您不能向这一区域发布通知" in response.content.decode()
    response = client.post("/notices/new/", {**fields, "title": "楼栋", "building": world.b3.public_id})
    assert response.status_code == 422 and "请选择楼栋" in response.content.decode()
    assert not Notice.objects.exists()
    client.force_login(world.leader1)
    assert client.get("/notices/new/").status_code == 404  # building leaders read and tell, they do not publish


def test_the_list_shows_notices_of_the_users_areas_and_those_above_them(client, world):
    district = publish(world.district, area_code="510104", title="区级通知")
    mine = publish(world.worker_a, area_code=world.community_a.code, title="甲社区通知")
    theirs = publish(world.worker_b, area_code=world.community_b.code, title="乙社区通知")
    b2_only = publish(world.worker_a, building=world.b2, title="2栋通知")
    seen = {
        name: page(client, getattr(world, name), "/notices/").content.decode()
        for name in ("worker_a", "leader1", "leader2", "grid_worker", "street")
    }
    assert all(district.title in html for html in seen.values())
    assert mine.title in seen["worker_a"] and theirs.title not in seen["worker_a"]
    assert b2_only.title in seen["worker_a"] and b2_only.title in seen["leader2"]
    assert b2_only.title not in seen["leader1"] and b2_only.title not in seen["grid_worker"]  # b2 is in grid 2
    assert theirs.title in seen["street"] and mine.title in seen["street"]
    assert "通知公告" in seen["leader1"]  # the menu entry


def test_a_notice_outside_the_users_areas_is_not_found_on_any_of_its_pages(client, world):
    notice = publish(world.worker_a, area_code=world.community_a.code, audience="staff", title="甲社区内部")
    b1_notice = publish(world.worker_a, building=world.b1, title="1栋")
    for user, url in (
        (world.worker_b, f"/notices/{notice.public_id}/"),
        (world.worker_b, f"/notices/{notice.public_id}/print/"),
        (world.worker_b, f"/notices/{notice.public_id}/cap.xml"),
        (world.worker_b, f"/notices/reach/?notice={notice.public_id}"),
        (world.leader2, f"/notices/{b1_notice.public_id}/"),
        (world.leader2, f"/notices/{b1_notice.public_id}/building/{world.b1.public_id}/"),
        (world.leader1, f"/notices/{b1_notice.public_id}/building/{world.b2.public_id}/"),
        (world.worker_a, f"/notices/{b1_notice.public_id}/building/{world.b3.public_id}/"),
        (world.worker_a, "/notices/NOSUCHNOTICE/"),
        (None, f"/notices/{notice.public_id}/cap.xml"),
        (None, f"/notices/{notice.public_id}/print/"),
    ):
        assert page(client, user, url).status_code == 404, (user, url)


def test_a_notice_page_shows_its_reach_and_is_corrected_from_it(client, world):
    notice = publish(world.street, area_code=STREET, title="错误的时间")
    services.receipt_read(household=world.a1[0], notice=notice)
    html = page(client, world.street, f"/notices/{notice.public_id}/").content.decode()
    assert 'id="reach-table"' in html and "水井坊社区" in html and "崇德里社区" in html
    assert "已读或已当面告知 1 / 8 户（12.5%）" in html and 'id="correct-form"' in html
    assert 'id="correct-form"' not in page(client, world.worker_a, f"/notices/{notice.public_id}/").content.decode()
    refused = client.post(f"/notices/{notice.public_id}/", {"title": "x", "body": "x", "reason": ""})
    assert refused.status_code == 403  # the worker of one community may not correct the street's notice
    client.force_login(world.street)
    response = client.post(
        f"/notices/{notice.public_id}/", {"title": "正确的时间", "body": "改为9:00", "reason": "时间写错"}, follow=True
    )
    new = Notice.objects.get(title="正确的时间")
    assert response.redirect_chain[-1][0] == f"/notices/{new.public_id}/"
    assert "本通知更正了" in response.content.decode() and "时间写错" in response.content.decode()
    old = page(client, world.street, f"/notices/{notice.public_id}/").content.decode()
    assert 'id="notice-replaced"' in old and 'id="correct-form"' not in old


def test_the_printed_sheet_and_the_cap_alert_are_public_for_a_notice_to_all_residents_only(client, world):
    open_notice = publish(world.street, area_code=STREET, title="全体居民")
    group = publish(world.street, area_code=STREET, group="elderly_alone", title="独居老人")
    staff = publish(world.street, area_code=STREET, audience="staff", title="内部")
    printed = page(client, None, f"/notices/{open_notice.public_id}/print/")
    assert (
        printed.status_code == 200
        and "全体居民" in printed.content.decode()
        and "锦官驿街道" in printed.content.decode()
    )
    assert 'class="topbar' not in printed.content.decode()  # no menu on the sheet
    for notice in (group, staff):
        assert page(client, None, f"/notices/{notice.public_id}/cap.xml").status_code == 404
        assert page(client, world.worker_a, f"/notices/{notice.public_id}/cap.xml").status_code == 200
    response = page(client, None, f"/notices/{open_notice.public_id}/cap.xml")
    assert response["Content-Type"].startswith("application/cap+xml")
    root = etree.fromstring(response.content)
    SCHEMA.validate(root)  # raises with the schema's reason when not valid
    assert root.findtext("cap:identifier", namespaces=NS) == f"gongzhi-{open_notice.public_id}"
    assert root.findtext("cap:sender", namespaces=NS) == "gongzhi@testserver"
    info = root.find("cap:info", NS)
    assert info.findtext("cap:senderName", namespaces=NS) == "锦官驿街道"
    assert info.findtext("cap:web", namespaces=NS) == f"http://testserver/notices/{open_notice.public_id}/print/"
    assert info.findtext("cap:area/cap:geocode/cap:value", namespaces=NS) == "510104"


def test_a_corrections_cap_alert_is_an_update_naming_the_first(client, world):
    first = publish(world.worker_a, area_code=world.community_a.code, title="初版")
    second = services.notice_correct(actor=world.worker_a, notice=first, title="更正版", body="更正", reason="写错")
    root = etree.fromstring(page(client, None, f"/notices/{second.public_id}/cap.xml").content)
    SCHEMA.validate(root)  # raises with the schema's reason when not valid
    assert (
        root.findtext("cap:msgType", namespaces=NS) == "Update" and root.findtext("cap:note", namespaces=NS) == "写错"
    )
    sender, identifier, sent = root.findtext("cap:references", namespaces=NS).split(",")
    assert (sender, identifier) == ("gongzhi@testserver", f"gongzhi-{first.public_id}")
    first_root = etree.fromstring(page(client, None, f"/notices/{first.public_id}/cap.xml").content)
    assert first_root.findtext("cap:sent", namespaces=NS) == sent


def test_a_building_leader_lists_their_buildings_households_and_tells_them(client, world):
    notice = publish(world.worker_a, area_code=world.community_a.code)
    services.receipt_read(household=world.a1[0], notice=notice)
    url = f"/notices/{notice.public_id}/building/{world.b1.public_id}/"
    html = page(client, world.leader1, url).content.decode()
    unreached = html[html.index('id="unreached"') : html.index('id="read"')]
    assert world.a1[1].address in unreached and world.a1[2].address in unreached
    assert world.a1[0].address not in unreached and world.a2[0].address not in html
    response = client.post(url, {"household": [world.a1[1].public_id, world.a2[0].public_id]}, follow=True)
    assert "已登记当面告知1户" in response.content.decode()  # a2's household is not in this building: ignored
    told = NoticeReceipt.objects.get(notice=notice, household=world.a1[1])
    assert (
        told.told_by == world.leader1
        and NoticeReceipt.objects.get(notice=notice, household=world.a2[0]).told_at is None
    )
    assert rollup_matches_receipts(notice)
    empty = client.post(url, {}, follow=True).content.decode()
    assert "请先勾选已当面告知的住户" in empty
    street_view = page(client, world.street, url).content.decode()
    assert world.a1[2].address in street_view and 'id="tell-form"' not in street_view  # street staff read only


def test_the_reach_dashboard_drills_from_the_district_to_a_communitys_buildings(client, world):
    notice = publish(world.district, area_code="510104", title="全区通知")
    services.receipt_read(household=world.b[0], notice=notice)
    client.force_login(world.district)
    district = client.get(f"/notices/reach/?notice={notice.public_id}").content.decode()
    assert 'id="reach-chart"' in district and "锦官驿街道" in district and "reach-chart-data" in district
    street = client.get(f"/notices/reach/?notice={notice.public_id}&area={STREET}").content.decode()
    assert "崇德里社区" in street and "1 / 8 户" in street
    chart = json.loads(re.search(r'id="reach-chart-data"[^>]*>(.*?)</script>', street, re.S).group(1))
    assert sum(chart["read"]) == 1 and sum(chart["unreached"]) == 7
    community = client.get(f"/notices/reach/?notice={notice.public_id}&area={world.community_a.code}").content.decode()
    assert f"/notices/{notice.public_id}/building/{world.b1.public_id}/" in community
    assert client.get(f"/notices/reach/?notice={notice.public_id}&area=5101").status_code == 404  # above the notice
    client.force_login(world.worker_b)
    assert client.get(f"/notices/reach/?notice={notice.public_id}&area={world.community_a.code}").status_code == 404
    assert client.get(f"/notices/reach/?notice={notice.public_id}&area={STREET}").status_code == 404
    own = client.get(f"/notices/reach/?notice={notice.public_id}").content.decode()
    assert "1 / 2 户" in own
    client.force_login(world.grid_worker)
    grid = client.get(f"/notices/reach/?notice={notice.public_id}").content.decode()
    assert world.b1.public_id in grid and world.b2.public_id not in grid  # b2 is in another grid


def test_the_household_page_shows_its_own_notices_and_opening_one_records_the_read(client, world):
    mine = publish(world.worker_a, building=world.b1, title="1栋通知")
    other = publish(world.worker_a, building=world.b2, title="2栋通知")
    staff = publish(world.worker_a, area_code=world.community_a.code, audience="staff", title="内部通知")
    code = f"H:{world.a1[1].door_key}"
    door = page(client, None, f"/h/{code}/")
    html = door.content.decode()
    assert door.status_code == 200 and "1栋通知" in html and "未读" in html
    assert "2栋通知" not in html and "内部通知" not in html
    opened = page(client, None, f"/h/{code}/notices/{mine.public_id}/")
    assert opened.status_code == 200 and "1栋通知" in opened.content.decode()
    assert opened["Referrer-Policy"] == "same-origin"  # the code never leaves the site
    assert NoticeReceipt.objects.get(notice=mine, household=world.a1[1]).read_at is not None
    assert page(client, None, f"/h/{code}/notices/{mine.public_id}/").status_code == 200  # again: no second count
    assert rollup_matches_receipts(mine)
    for notice in (other, staff):
        assert page(client, None, f"/h/{code}/notices/{notice.public_id}/").status_code == 404
    assert page(client, None, f"/h/H:NOSUCHHOUSEHOLD/notices/{mine.public_id}/").status_code == 404
    correction = services.notice_correct(
        actor=world.worker_a, notice=mine, title="1栋通知（更正）", body="x", reason="改时间"
    )
    replaced = page(client, None, f"/h/{code}/notices/{mine.public_id}/").content.decode()
    assert 'id="notice-replaced"' in replaced and f"/h/{code}/notices/{correction.public_id}/" in replaced


def test_the_workbench_shows_staff_notices_and_households_not_reached(client, world):
    staff = publish(world.street, area_code=STREET, audience="staff", title="街道工作会议", severity="urgent")
    residents = publish(world.street, area_code=STREET, title="居民通知")
    services.receipt_read(household=world.a1[0], notice=residents)
    leader = page(client, world.leader1, "/").content.decode()
    assert staff.title in leader
    item = re.search(
        r'href="([^"]+)">\s*<span class="work-label">未读“居民通知”的住户</span>\s*<strong class="work-count">(\d+)',
        leader,
    )
    assert (
        item
        and item.group(2) == "2"
        and item.group(1) == f"/notices/{residents.public_id}/building/{world.b1.public_id}/"
    )
    worker = page(client, world.worker_a, "/").content.decode()
    assert re.search(r'未读“居民通知”的住户</span>\s*<strong class="work-count">5<', worker)
    grid = page(client, world.grid_worker, "/").content.decode()
    assert re.search(r'未读“居民通知”的住户</span>\s*<strong class="work-count">2<', grid)


def test_notice_text_is_escaped_on_every_page_and_answer(client, world):
    notice = publish(
        world.worker_a, area_code=world.community_a.code, title=f"{SCRIPT}&\"'", body=f"{SCRIPT}\n<b>粗</b>"
    )
    services.receipts_tell(actor=world.leader1, notice=notice, households=[world.a1[0]])
    code = f"H:{world.a1[1].door_key}"
    urls = [
        (world.worker_a, "/notices/"),
        (world.worker_a, f"/notices/{notice.public_id}/"),
        (world.worker_a, f"/notices/{notice.public_id}/print/"),
        (world.worker_a, f"/notices/{notice.public_id}/cap.xml"),
        (world.worker_a, f"/notices/{notice.public_id}/building/{world.b1.public_id}/"),
        (world.worker_a, f"/notices/reach/?notice={notice.public_id}"),
        (world.worker_a, "/"),
        (world.leader1, "/"),
        (None, f"/h/{code}/"),
        (None, f"/h/{code}/notices/{notice.public_id}/"),
    ]
    for user, url in urls:
        response = page(client, user, url)
        body = response.content.decode()
        assert response.status_code == 200, url
        assert SCRIPT not in body and "<b>粗</b>" not in body, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, url
    for url in ("/api/notices", f"/api/notices/{notice.public_id}/reach"):
        response = page(client, world.worker_a, url)
        assert (
            response["Content-Type"] == "application/json; charset=utf-8"
            and response["X-Content-Type-Options"] == "nosniff"
        )
    listed = page(client, world.worker_a, "/api/notices").json()["items"][0]
    assert listed["title"] == f"{SCRIPT}&\"'"  # the API hands the text back as typed, as JSON


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured.captured_queries)


def test_the_pages_query_count_does_not_grow_with_the_notices_or_households(client, world):
    first = publish(world.street, area_code=STREET, title="第1条")
    code = f"H:{world.a1[0].door_key}"
    client.force_login(world.street)
    urls = [
        "/notices/",
        "/api/notices",
        f"/notices/{first.public_id}/",
        f"/notices/reach/?notice={first.public_id}&area={world.community_a.code}",
        f"/notices/{first.public_id}/building/{world.b1.public_id}/",
        f"/h/{code}/",
    ]
    before = {url: _queries(client, url) for url in urls}
    for n in range(2, 8):
        publish(world.street, area_code=STREET, title=f"第{n}条", group="elderly_alone" if n % 2 else "all")
        publish(world.worker_a, building=world.b1 if n % 2 else world.b2, title=f"楼栋{n}")
    for room in ("301", "302", "303"):
        services.receipt_read(household=world.a1[0], notice=first)
        HouseholdFactory(building=world.b1, room=room)
    after = {url: _queries(client, url) for url in urls}
    assert after == before
