"""The pages of residents' requests: the household's own pages through its door code (the panel, the
form, its limit), the worklist of each role (order, filters, bulk assignment, .xlsx), one request
with its timeline and steps, staff entry, the dashboard, and unplaced hotline requests placed."""

import datetime as dt
import io
import re

import openpyxl
import pytest

from gongzhi.appeals import flows, services
from gongzhi.appeals.limits import HOUSEHOLD_REQUESTS_PER_HOUR
from gongzhi.appeals.models import Appeal
from gongzhi.core.models import AuditEvent, WorkflowEvent
from tests.appeals.factories import STREET, clear_limits, make_place, set_clock, submit, unplaced

pytestmark = pytest.mark.django_db
_DETAIL_LINK = re.compile(r'href="/appeals/([0-9A-Z]{26})/"')


@pytest.fixture(autouse=True)
def _fresh_limits():
    clear_limits()
    yield
    clear_limits()


@pytest.fixture
def place(community_a, community_b):
    return make_place(community_a, community_b)


def listed(response) -> list[str]:
    """The requests a worklist shows, in its order."""
    assert response.status_code == 200
    return _DETAIL_LINK.findall(response.content.decode())


@pytest.fixture
def worklist(place):
    """Five open requests: a critical one and an urgent one, three normal ones due at different times,
    one of them in community_b."""
    h = place.households
    normal_late = set_clock(submit(h["h1"], "food", "家里没有米了"), due_in=dt.timedelta(hours=20))
    critical = submit(h["n1"], "medical_emergency", "老人晕倒了", caller_phone="13812345678")
    urgent = submit(h["f1"], "medicine", "降压药吃完了")
    normal_early = set_clock(submit(h["h2"], "other", "楼道灯坏了"), due_in=dt.timedelta(hours=10))
    elsewhere = set_clock(submit(h["b1"], "food", "想买些蔬菜"), due_in=dt.timedelta(hours=15))
    assert (critical.urgency, urgent.urgency, normal_late.urgency) == ("critical", "urgent", "normal")
    return {
        "critical": critical, "urgent": urgent, "normal_early": normal_early, "normal_late": normal_late,
        "elsewhere": elsewhere,
    }  # fmt: skip


# The household's own pages


def test_the_household_page_shows_the_requests_panel_with_its_own_requests_only(client, place):
    h1, h2 = place.households["h1"], place.households["h2"]
    mine = submit(h1, "medicine", "需要买降压药")
    theirs = submit(h2, "food", "家里没有米了")
    page = client.get(f"/h/H:{h1.door_key}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "求助与诉求" in html and f"/h/H:{h1.door_key}/requests/" in html
    assert f"/requests/{mine.public_id}/" in html and theirs.public_id not in html


def test_the_household_submits_a_request_and_sees_it_listed(client, place):
    h1 = place.households["h1"]
    url = f"/h/{h1.door_key}/requests/"
    page = client.post(url, {"category": "medicine", "text": "降压药只剩两天的了", "caller_phone": "138 1234 5678"})
    assert page.status_code == 200
    appeal = Appeal.objects.get()
    assert (appeal.household, appeal.channel, appeal.status, appeal.level) == (h1, "household", "pending", "grid")
    assert appeal.caller_phone == "13812345678" and appeal.created_by is None
    html = page.content.decode()
    assert 'id="submitted"' in html and "由网格受理" in html
    assert f"/h/{h1.door_key}/requests/{appeal.public_id}/" in html
    assert appeal.public_id in client.get(url).content.decode()


def test_a_bad_submission_is_answered_in_words_and_writes_nothing(client, place):
    url = f"/h/{place.households['h1'].door_key}/requests/"
    for form, words in (
        ({"category": "", "text": "需要买药"}, "请选择诉求类别"),
        ({"category": "rocket", "text": "需要买药"}, "请选择诉求类别"),
        ({"category": "food", "text": " "}, "请写明需要什么帮助"),
        ({"category": "food", "text": "米" * 1001}, "诉求内容过长"),
        ({"category": "food", "text": "没有米了", "caller_phone": "abc"}, "联系电话格式不对"),
    ):
        page = client.post(url, form)
        assert page.status_code == 422 and words in page.content.decode(), form
    assert not Appeal.objects.exists()


def test_a_door_code_of_another_household_cannot_see_or_answer_this_households_request(client, place):
    h1, h2 = place.households["h1"], place.households["h2"]
    appeal = submit(h1, "food", "家里没有米了")
    services.appeal_resolve(actor=place.users["worker"], appeal=appeal, resolution="已送米一袋")
    other = f"/h/{h2.door_key}/requests/{appeal.public_id}/"
    assert client.get(other).status_code == 404
    assert client.post(other, {"solved": "1", "rating": "1"}).status_code == 404
    assert client.get(f"/h/NOSUCHCODE/requests/{appeal.public_id}/").status_code == 404
    appeal.refresh_from_db()
    assert appeal.status == flows.RESOLVED and appeal.rating is None
    own = f"/h/{h1.door_key}/requests/{appeal.public_id}/"
    page = client.get(own)
    assert page.status_code == 200 and 'id="answer-solved"' in page.content.decode()
    assert "谢谢您的评价" in client.post(own, {"solved": "1", "rating": "4"}, follow=True).content.decode()
    appeal.refresh_from_db()
    assert (appeal.status, appeal.rating) == (flows.CLOSED, 4)


def test_the_household_says_not_solved_and_it_goes_back_in_progress(client, place):
    h1 = place.households["h1"]
    appeal = submit(h1, "food", "家里没有米了")
    services.appeal_resolve(actor=place.users["worker"], appeal=appeal, resolution="已送米一袋")
    url = f"/h/{h1.door_key}/requests/{appeal.public_id}/"
    refused = client.post(url, {"solved": "0", "feedback": ""})
    assert refused.status_code == 422 and "请说明还有什么没有解决" in refused.content.decode()
    assert client.post(url, {"solved": "0", "feedback": "只送了米没有油"}).status_code == 200
    appeal.refresh_from_db()
    assert appeal.status == flows.IN_PROGRESS and appeal.feedback == "只送了米没有油"


def test_submissions_through_a_door_code_are_limited_with_retry_after(client, place):
    h1, h2 = place.households["h1"], place.households["h2"]
    url = f"/h/{h1.door_key}/requests/"
    categories = ["food", "medicine", "other", "elderly_care", "psychological"]
    for n in range(HOUSEHOLD_REQUESTS_PER_HOUR):
        assert client.post(url, {"category": categories[n % 5], "text": f"第{n}次求助"}).status_code == 200
    assert Appeal.objects.count() == HOUSEHOLD_REQUESTS_PER_HOUR
    refused = client.post(url, {"category": "food", "text": "又一次求助"})
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert "提交次数过多" in refused.content.decode()
    assert Appeal.objects.count() == HOUSEHOLD_REQUESTS_PER_HOUR
    # The answer page counts too; another household's limit is its own.
    first = Appeal.objects.filter(household=h1).order_by("id").first()
    assert client.post(f"{url}{first.public_id}/", {"solved": "0", "feedback": "还没有"}).status_code == 429
    assert client.post(f"/h/{h2.door_key}/requests/", {"category": "food", "text": "没有米了"}).status_code == 200
    clear_limits()
    assert client.post(url, {"category": "food", "text": "又一次求助"}).status_code == 200


# The worklist


def test_each_role_sees_its_own_requests_most_urgent_then_soonest_due(client, place, worklist):
    w = {name: a.public_id for name, a in worklist.items()}
    expected = {
        "worker": [w["critical"], w["urgent"], w["normal_early"], w["normal_late"]],
        "grid": [w["critical"], w["normal_early"], w["normal_late"]],  # not the other grid's
        "other_grid": [w["urgent"]],
        "leader": [w["normal_early"], w["normal_late"]],  # their building only
        "street": [w["critical"], w["urgent"], w["normal_early"], w["elsewhere"], w["normal_late"]],
        "district": [w["critical"], w["urgent"], w["normal_early"], w["elsewhere"], w["normal_late"]],
        "outsider": [w["elsewhere"]],
    }
    for role, ids in expected.items():
        client.force_login(place.users[role])
        assert listed(client.get("/appeals/")) == ids, role


def test_the_worklist_filters_each_narrow_the_list(client, place, worklist):
    worker = place.users["worker"]
    w = worklist
    set_clock(w["normal_late"], due_in=-dt.timedelta(minutes=1))  # lapsed
    set_clock(w["normal_early"], due_in=dt.timedelta(minutes=30))  # in the last quarter of 24 h: due soon
    set_clock(w["urgent"], due_in=dt.timedelta(minutes=100), level="community")  # on time, at the community
    services.appeal_take(actor=worker, appeal=w["critical"])
    client.force_login(worker)

    def ids(query: str) -> set[str]:
        return set(listed(client.get(f"/appeals/?{query}")))

    everything = {w[k].public_id for k in ("critical", "urgent", "normal_early", "normal_late")}
    assert ids("") == everything
    assert ids("category=medicine") == {w["urgent"].public_id}
    assert ids("category=food") == {w["normal_late"].public_id}
    assert ids("urgency=critical") == {w["critical"].public_id}
    assert ids("urgency=normal") == {w["normal_early"].public_id, w["normal_late"].public_id}
    assert ids("sla=lapsed") == {w["normal_late"].public_id}
    assert ids("sla=due_soon") == {w["normal_early"].public_id}
    assert ids("sla=on_time") == {w["critical"].public_id, w["urgent"].public_id}
    assert ids("level=community") == {w["urgent"].public_id}
    assert ids("level=grid") == everything - {w["urgent"].public_id}
    assert ids("status=in_progress") == {w["critical"].public_id}
    assert ids("status=pending") == everything - {w["critical"].public_id}
    assert ids("mine=1") == {w["critical"].public_id}
    assert ids("urgency=normal&sla=lapsed") == {w["normal_late"].public_id}
    services.appeal_resolve(actor=worker, appeal=w["critical"], resolution="已送医")
    assert ids("status=resolved") == {w["critical"].public_id}
    assert w["critical"].public_id not in ids("")  # the default list is the open ones
    assert ids("status=all") == everything  # an unknown status is no filter
    client.force_login(place.users["grid"])  # new requests of a grid are routed to its worker
    routed = {a.public_id for a in Appeal.objects.filter(assignee=place.users["grid"], status__in=flows.OPEN_STATES)}
    assert ids("mine=1") == routed and w["critical"].public_id not in routed


def test_bulk_assignment_assigns_those_the_assignee_can_handle_and_names_the_one_refused(client, place, worklist):
    w = worklist
    client.force_login(place.users["street"])
    page = client.post(
        f"/appeals/?area={STREET}",
        {
            "appeal": [w["normal_late"].public_id, w["elsewhere"].public_id, w["urgent"].public_id],
            "assignee": "worker_a",
        },
        follow=True,
    )
    html = page.content.decode()
    assert "已分派2件" in html
    assert f"{w['elsewhere'].public_id}：承办人不负责这一诉求所在的区域" in html
    for key in ("normal_late", "urgent"):
        w[key].refresh_from_db()
        assert (w[key].status, w[key].assignee, w[key].assignee_name) == (
            "in_progress",
            place.users["worker"],
            "worker_a",
        )
    w["elsewhere"].refresh_from_db()
    assert (w["elsewhere"].status, w["elsewhere"].assignee) == ("pending", None)
    assert WorkflowEvent.objects.filter(row_key=w["elsewhere"].public_id).count() == 1  # its start only
    # Handlers offered on the page are those who may handle requests of the area.
    page = client.get(f"/appeals/?area={place.households['h1'].community_code}").content.decode()
    assert 'value="worker_a"' in page and 'value="worker_b"' not in page


def test_the_outsider_cannot_assign_this_communitys_requests(client, place, worklist):
    client.force_login(place.users["outsider"])
    page = client.post("/appeals/", {"appeal": [worklist["urgent"].public_id], "assignee": "worker_b"}, follow=True)
    assert f"{worklist['urgent'].public_id}：找不到这一诉求，或它不归您处理" in page.content.decode()
    worklist["urgent"].refresh_from_db()
    assert worklist["urgent"].status == "pending"


def test_one_request_not_the_users_in_a_bulk_assignment_is_that_requests_error_only(client, place, worklist):
    """A foreign, unknown or mistyped id is named on its own; the user's own requests are still
    assigned (an unknown id and a foreign one get the same words: an id never tells which)."""
    w = worklist
    client.force_login(place.users["worker"])
    asked = [w["normal_late"].public_id, w["elsewhere"].public_id, "NOSUCHREQUEST", w["urgent"].public_id]
    html = client.post("/appeals/", {"appeal": asked, "assignee": "worker_a"}, follow=True).content.decode()
    assert "已分派2件" in html
    for public_id in (w["elsewhere"].public_id, "NOSUCHREQUEST"):
        assert f"{public_id}：找不到这一诉求，或它不归您处理" in html
    for key, status in (("normal_late", "in_progress"), ("urgent", "in_progress"), ("elsewhere", "pending")):
        w[key].refresh_from_db()
        assert w[key].status == status, key


def _sheet(response) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return list(book.worksheets[0].iter_rows(values_only=True))


def test_the_export_masks_phones_unless_the_user_sees_them_in_full_and_is_audited(client, place):
    h1, h2 = place.households["h1"], place.households["h2"]
    a1 = submit(h1, "food", "家里没有米了", caller_name="张三", caller_phone="13812345678")
    a2 = submit(h2, "medicine", "需要降压药", caller_name="李四", caller_phone="13987654321")
    submit(place.households["f1"], "food", "没有菜了", caller_phone="13700000000")  # not the leader's building

    client.force_login(place.users["leader"])
    rows = _sheet(client.get("/appeals/?format=xlsx"))
    header, body = rows[0], rows[1:]
    phone, name = header.index("联系电话"), header.index("联系人")
    assert sorted(r[0] for r in body) == sorted([a1.public_id, a2.public_id])
    by_id = {r[0]: r for r in body}
    assert by_id[a1.public_id][phone] == "138****5678" and by_id[a1.public_id][name] == "张*"
    assert by_id[a2.public_id][phone] == "139****4321"
    assert by_id[a1.public_id][header.index("诉求内容")] == "家里没有米了"
    event = AuditEvent.objects.get(action="export", actor=place.users["leader"])
    assert event.entity == "appeal" and sorted(event.row_ids) == sorted([a1.public_id, a2.public_id])
    assert event.detail["full_phones"] == 0

    client.force_login(place.users["worker"])
    rows = _sheet(client.get("/appeals/?format=xlsx&category=food"))
    by_id = {r[0]: r for r in rows[1:]}
    assert set(by_id) == {a1.public_id, Appeal.objects.get(household=place.households["f1"]).public_id}
    assert by_id[a1.public_id][phone] == "13812345678" and by_id[a1.public_id][name] == "张三"
    event = AuditEvent.objects.get(action="export", actor=place.users["worker"])
    assert event.detail == {"rows": 2, "full_phones": 2}


# One request


def test_the_detail_page_shows_the_timeline_with_escalations_and_the_merged_duplicates(client, place):
    h1 = place.households["h1"]
    first = submit(h1, "food", "家里没有米了")
    duplicate = submit(h1, "food", "米和油都没有了", channel="staff", actor=place.users["worker"])
    assert duplicate.merged_into_id == first.pk
    assert services.appeals_escalate_due(now=first.due_at + dt.timedelta(seconds=1)) == 1
    client.force_login(place.users["worker"])
    html = client.get(f"/appeals/{first.public_id}/").content.decode()
    timeline = html.split('id="timeline"', 1)[1]
    assert "超时未办结，由网格升级到社区" in timeline
    assert f"重复诉求，已并入 {first.public_id}" in timeline
    assert 'id="duplicates"' in html and "米和油都没有了" in html.split('id="duplicates"', 1)[1]
    assert "已升级1次" in html
    # The duplicate's own page points at the open one.
    page = client.get(f"/appeals/{duplicate.public_id}/").content.decode()
    assert "已合并" in page and f"/appeals/{first.public_id}/" in page


def test_take_resolve_and_answer_through_the_detail_page(client, place):
    worker = place.users["worker"]
    appeal = submit(place.households["h1"], "food", "家里没有米了")
    url = f"/appeals/{appeal.public_id}/"
    client.force_login(worker)
    assert client.post(url, {"action": "take"}).status_code == 302
    appeal.refresh_from_db()
    assert (appeal.status, appeal.assignee) == ("in_progress", worker)
    refused = client.post(url, {"action": "resolve", "resolution": ""})
    assert refused.status_code == 200 and "请写明办理结果" in refused.content.decode()
    assert client.post(url, {"action": "resolve", "resolution": "已送米一袋"}).status_code == 302
    appeal.refresh_from_db()
    assert (appeal.status, appeal.resolution) == ("resolved", "已送米一袋")
    bad = client.post(url, {"action": "answer", "solved": "1", "rating": "9"})
    assert "请给出1到5星的评价" in bad.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == "resolved"
    assert client.post(url, {"action": "answer", "solved": "1", "rating": "5", "feedback": "很及时"}).status_code == 302
    appeal.refresh_from_db()
    assert (appeal.status, appeal.rating, appeal.feedback) == ("closed", 5, "很及时")
    assert "未知操作" in client.post(url, {"action": "delete"}).content.decode()
    steps = list(
        WorkflowEvent.objects.filter(row_key=appeal.public_id).order_by("id").values_list("to_status", flat=True)
    )
    assert steps == ["pending", "in_progress", "resolved", "closed"]


def test_an_outsider_gets_404_on_a_request_of_another_community(client, place):
    appeal = submit(place.households["h1"], "food", "家里没有米了")
    client.force_login(place.users["outsider"])
    assert client.get(f"/appeals/{appeal.public_id}/").status_code == 404
    assert client.post(f"/appeals/{appeal.public_id}/", {"action": "take"}).status_code == 404
    appeal.refresh_from_db()
    assert appeal.status == "pending"
    client.force_login(place.users["leader"])  # sees it (their building) but may not handle it
    page = client.get(f"/appeals/{appeal.public_id}/").content.decode()
    assert 'value="take"' not in page
    client.post(f"/appeals/{appeal.public_id}/", {"action": "take"})
    appeal.refresh_from_db()
    assert appeal.status == "pending"


def test_staff_enter_a_request_by_building_then_household(client, place):
    worker = place.users["worker"]
    h1 = place.households["h1"]
    client.force_login(worker)
    page = client.get("/appeals/new/").content.decode()
    assert place.building.public_id in page and place.far.public_id in page
    page = client.get(f"/appeals/new/?building={place.building.public_id}").content.decode()
    assert h1.address in page and place.households["h2"].address in page
    assert place.households["n1"].address not in page
    form = client.get(f"/appeals/new/?household={h1.public_id}").content.decode()
    assert 'id="appeal-form"' in form
    response = client.post(
        f"/appeals/new/?household={h1.public_id}",
        {
            "category": "chronic_care",
            "text": "明天要透析，出不了小区",
            "caller_name": "赵六",
            "caller_phone": "13811112222",
        },
    )
    appeal = Appeal.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/appeals/{appeal.public_id}/"
    assert (appeal.channel, appeal.created_by, appeal.urgency, appeal.household) == ("staff", worker, "critical", h1)
    # A building leader enters for their own building only.
    client.force_login(place.users["leader"])
    page = client.get("/appeals/new/").content.decode()
    assert place.building.public_id in page and place.far.public_id not in page
    assert client.get(f"/appeals/new/?household={place.households['n1'].public_id}").status_code == 404
    client.post(f"/appeals/new/?household={place.households['h2'].public_id}", {"category": "food", "text": "没有米了"})
    assert Appeal.objects.filter(household=place.households["h2"], channel="staff").exists()
    client.force_login(place.users["district"])  # district staff do not enter requests
    assert client.get("/appeals/new/").status_code == 404


def test_the_dashboard_shows_the_streets_figures_and_drills_to_a_community(client, place, worklist):
    set_clock(worklist["normal_late"], due_in=-dt.timedelta(minutes=5))
    client.force_login(place.users["street"])
    html = client.get("/appeals/dashboard/").content.decode()
    assert "锦官驿街道" in html
    assert re.search(r'id="appeal-open-total">5<', html)
    children = html.split('id="appeal-children"', 1)[1]
    row_a = re.search(
        r'<a href="\?area=510104017001">[^<]*</a></td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>', children
    )
    row_b = re.search(
        r'<a href="\?area=510104017002">[^<]*</a></td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>', children
    )
    assert row_a.groups() == ("4", "1", "1") and row_b.groups() == ("1", "0", "0")
    html = client.get("/appeals/dashboard/?area=510104017001").content.decode()
    assert "水井坊社区" in html and re.search(r'id="appeal-open-total">4<', html)
    client.force_login(place.users["outsider"])
    assert client.get("/appeals/dashboard/?area=510104017001").status_code == 404


def test_an_unplaced_hotline_request_is_listed_for_the_street_and_placed_from_its_page(client, place):
    waiting = unplaced(ref="GD-UNPLACED-1")
    h1 = place.households["h1"]
    client.force_login(place.users["worker"])
    assert waiting.public_id not in listed(client.get("/appeals/?status=unplaced"))
    assert client.get(f"/appeals/{waiting.public_id}/").status_code == 404
    client.force_login(place.users["street"])
    assert listed(client.get("/appeals/?status=unplaced")) == [waiting.public_id]
    page = client.get(f"/appeals/{waiting.public_id}/").content.decode()
    assert 'id="place-form"' in page and "待定位" in page
    for code in ("H:NOSUCHHOUSEHOLD", "01ARZ3NDEKTSV4RRFFQ69G5FAV", ""):  # no such door code, id, nothing
        wrong = client.post(f"/appeals/{waiting.public_id}/", {"action": "place", "household": code})
        assert wrong.status_code == 200 and 'id="place-form"' in wrong.content.decode()
        assert "找不到这一户，或它不在您负责的区域" in wrong.content.decode()
        assert f'name="household" maxlength="40" required value="{code}"' in wrong.content.decode()  # kept
    waiting.refresh_from_db()
    assert waiting.status == "unplaced"
    response = client.post(f"/appeals/{waiting.public_id}/", {"action": "place", "household": f"H:{h1.door_key}"})
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert (waiting.status, waiting.household, waiting.community_code, waiting.level) == (
        "pending", h1, h1.community_code, "grid",
    )  # fmt: skip
    assert waiting.public_id not in listed(client.get("/appeals/?status=unplaced"))
    client.force_login(place.users["worker"])  # now in community_a's list
    assert waiting.public_id in listed(client.get("/appeals/"))


_WORK_ITEM = re.compile(
    r'<a class="work-item[^"]*" href="([^"]+)">\s*<span class="work-label">([^<]+)</span>\s*'
    r'<strong class="work-count">(\d+)</strong>'
)


def test_each_count_on_the_landing_page_is_the_length_of_the_list_it_opens(client, place, worklist):
    """The workbench's items (core.workbench) link to the worklist: each count is what the list then
    shows, for every role, with lapsed requests pending, in progress and unplaced at the street."""
    set_clock(worklist["normal_late"], due_in=-dt.timedelta(minutes=1))
    taken = services.appeal_take(actor=place.users["worker"], appeal=worklist["urgent"])
    set_clock(taken, due_in=-dt.timedelta(minutes=1))
    set_clock(unplaced(ref="GD-LATE-1"), due_in=-dt.timedelta(hours=1))  # waited an hour to be placed
    unplaced(ref="GD-FRESH-1")
    for role in ("worker", "grid", "other_grid", "leader", "street", "district", "outsider"):
        client.force_login(place.users[role])
        home = client.get("/").content.decode()
        section = home.split('data-section="appeals"', 1)[1].split("</section>", 1)[0]
        items = _WORK_ITEM.findall(section)
        assert items, role
        for url, label, count in items:
            shown = listed(client.get(url.replace("&amp;", "&")))
            assert len(shown) == int(count), (role, label.strip(), url)


def test_the_urgency_names_a_households_health_only_to_those_who_see_it(client, place):
    """A request raised because the household has a dialysis patient: those who care for residents
    read why; district staff (who may not see residents' health) read only that a vulnerable resident
    lives there (found by a review)."""
    from tests.factories import ResidentFactory

    household = place.households["h1"]
    ResidentFactory(household=household).tags.create(community_code=household.community_code, tag="dialysis")
    appeal = submit(household, "food", "家里没有米了")
    for who, shows in (("worker", True), ("street", True), ("district", False)):
        client.force_login(place.users[who])
        html = client.get(f"/appeals/{appeal.public_id}/").content.decode()
        assert ("透析" in html) is shows, who
        assert "该户有重点人群" in html, who
