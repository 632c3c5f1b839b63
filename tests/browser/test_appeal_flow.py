"""A resident asks for help with dialysis from the household's page → it is at the top of the grid
worker's list → nobody takes it on in time (the clock moved) → the sweep moves it up to the
community → the community worker resolves it → the resident rates it on the household's page. In
chromium, each person in their own browser context."""

import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal
from tests.browser.conftest import login
from tests.factories import BuildingFactory, GridFactory, HouseholdFactory, ResidentFactory, make_user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_dialysis_request_escalates_is_resolved_and_rated(page, live_server, community_a):
    code = community_a.code
    grid = GridFactory(community=community_a, number=1)
    building = BuildingFactory(grid=grid, number=1)
    household = HouseholdFactory(building=building, room="502")
    patient = ResidentFactory(household=household, name="李大爷")
    patient.tags.create(community_code=code, tag="dialysis")
    neighbour = HouseholdFactory(building=building, room="503")
    make_user_with_role("grid_a", "grid_worker", code, grid=grid)
    make_user_with_role("worker_a", "community_worker", code)
    # Requests already waiting in the grid, less urgent: the dialysis request must come first.
    for text in ("楼道灯坏了", "想订一份蔬菜包"):
        services.appeal_submit(household=neighbour, category="other" if "灯" in text else "food", text=text)

    # The resident, on a phone, opens the household's page from the door code and asks for help.
    page.goto(f"{live_server.url}/h/H:{household.door_key}/")
    page.click("text=我要求助")
    page.select_option("select[name=category]", "chronic_care")
    page.fill("textarea[name=text]", "每周一三五要去医院透析，小区封控出不去，请帮忙安排车辆")
    page.click("#appeal-form button.primary")
    assert "已列为紧急" in page.locator("#submitted").inner_text()
    appeal = Appeal.objects.get(household=household)
    assert (appeal.urgency, appeal.level) == ("critical", "grid")

    # It is at the top of the grid worker's list.
    staff = page.context.browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    desk = staff.new_page()
    login(desk, live_server, "grid_a")
    desk.goto(f"{live_server.url}/appeals/")
    first_row = desk.locator("#appeals tbody tr").first
    assert "紧急" in first_row.inner_text() and household.address in first_row.inner_text()

    # Nobody takes it on within its 30 minutes: the sweep (every minute in production) moves it up.
    assert services.appeals_escalate_due(now=timezone.now() + dt.timedelta(minutes=31)) >= 1
    appeal.refresh_from_db()
    assert (appeal.level, appeal.escalations) == ("community", 1)

    # The community worker sees it at their level, opens it (the timeline shows the escalation) and resolves it.
    login(desk, live_server, "worker_a")
    desk.goto(f"{live_server.url}/appeals/?level=community")
    desk.click(f"#appeals a[href='/appeals/{appeal.public_id}/']")
    assert "社区" in desk.locator("#appeal-level").inner_text()
    assert "由网格升级到社区" in desk.locator("#timeline").inner_text()
    desk.click("button[value=take]")
    desk.fill("#resolve-form textarea[name=resolution]", "已安排街道保障车，每周一三五早7点接送透析")
    desk.click("#resolve-form button")
    assert desk.locator("#appeal-status").inner_text() == "已办结"

    # The resident sees the answer on the household's page and rates it.
    page.goto(f"{live_server.url}/h/H:{household.door_key}/requests/")
    page.click(f"#household-appeals a[href$='/{appeal.public_id}/']")
    assert "保障车" in page.locator("#appeal-resolution").inner_text()
    page.check("#answer-solved input[name=rating][value='4']")
    page.click("#answer-solved button.primary")
    assert page.locator("#appeal-status").inner_text() == "已评价"
    assert "4 ★" in page.locator("#appeal-rating").inner_text()
    appeal.refresh_from_db()
    assert (appeal.status, appeal.rating) == ("closed", 4)
    staff.close()


def test_a_notice_is_published_read_on_the_household_page_and_its_reach_updates(page, live_server, community_a):
    code = community_a.code
    grid = GridFactory(community=community_a, number=1)
    building = BuildingFactory(grid=grid, number=1)
    household = HouseholdFactory(building=building, room="301")
    HouseholdFactory(building=building, room="302")  # a neighbour who has not read it
    make_user_with_role("worker_a", "community_worker", code)

    # The community worker publishes a notice to the community (a desktop).
    staff = page.context.browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    desk = staff.new_page()
    login(desk, live_server, "worker_a")
    desk.goto(f"{live_server.url}/notices/new/?area_code={code}")
    desk.fill("#notice-form input[name=title]", "明日核酸检测安排")
    desk.fill("#notice-form textarea[name=body]", "明早8点起按楼栋下楼检测，请携带身份证，保持两米间距。")
    desk.click("#notice-form button.primary")
    assert desk.locator("#notice-title").inner_text().startswith("明日核酸检测安排")
    detail_url = desk.url
    assert "0 / 2" in desk.locator("#reach + p, #reach ~ p").first.inner_text()

    # The resident opens the household's page from the door code: the notice is there, unread; reads it.
    page.goto(f"{live_server.url}/h/H:{household.door_key}/")
    notices = page.locator("#household-notices")
    assert "未读" in notices.inner_text()
    notices.locator("a", has_text="明日核酸检测安排").click()
    assert "携带身份证" in page.locator("#notice-body").inner_text()
    page.goto(f"{live_server.url}/h/H:{household.door_key}/")
    assert "未读" not in page.locator("#household-notices").inner_text()

    # The notice's reach now counts the household that read it.
    desk.goto(detail_url)
    assert "1 / 2" in desk.locator("#reach + p, #reach ~ p").first.inner_text()
    staff.close()
