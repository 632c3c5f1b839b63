import datetime as dt

import pytest

from gongzhi.core.errors import ApplicationError
from gongzhi.testing import services, slots
from gongzhi.testing.models import SlotAssignment
from tests.factories import BuildingFactory, GridFactory, HouseholdFactory, ResidentFactory

START = dt.datetime(2022, 9, 1, 8, 0, tzinfo=dt.UTC)


def test_guideline_ratios():
    assert slots.sites_needed(5000) == 2 and slots.sites_needed(5001) == 3 and slots.sites_needed(0) == 0
    assert slots.collectors_needed(3600) == 10 and slots.collectors_needed(3601) == 11


def test_plan_respects_window_capacity_and_staggers_buildings():
    buildings = [slots.BuildingLoad(f"b{i}", 100) for i in range(10)]
    sites = [slots.SiteCapacity("s1", 360), slots.SiteCapacity("s2", 360)]  # 180 people a 30-minute window
    plan, unplaced = slots.plan_slots(buildings, sites, start=START)
    assert unplaced == []
    assert [p.building for p in plan] == [b.key for b in buildings]
    per_window = {}
    for p in plan:
        per_window[(p.site, p.starts_at)] = per_window.get((p.site, p.starts_at), 0) + p.people
    assert max(per_window.values()) <= 180
    assert plan[-1].ends_at <= START + dt.timedelta(hours=12)


def test_plan_reports_what_does_not_fit():
    plan, unplaced = slots.plan_slots(
        [slots.BuildingLoad("b", 100)] * 30, [slots.SiteCapacity("s", 100)], start=START, hours=2
    )
    assert len(plan) == 4 and len(unplaced) == 26  # four 30-minute windows of 50 people: one building each


@pytest.mark.django_db
def test_site_and_slot_plan_service(worker_a, community_a):
    grid = GridFactory(community=community_a, number=1)
    for n in range(1, 4):
        building = BuildingFactory(grid=grid, number=n)
        for _ in range(5):
            ResidentFactory(household=HouseholdFactory(building=building))
    round_ = services.round_create(actor=worker_a, name="r", area_code=community_a.code, pool_size=10)
    with pytest.raises(ApplicationError, match="请先为该社区设置采样点"):
        services.slot_plan_create(round_=round_, community_code=community_a.code)
    with pytest.raises(ApplicationError):
        services.site_create(round_=round_, community_code="510104017002", name="外社区")
    services.site_create(round_=round_, community_code=community_a.code, name="1号采样点", hourly_capacity=20)
    figures = services.slot_plan_create(round_=round_, community_code=community_a.code)
    assert figures["population"] == 15 and figures["slots"] == 3 and figures["unplaced"] == 0
    assert figures["sites_needed"] == 1 and figures["collectors_needed"] == 1
    assert SlotAssignment.objects.count() == 3
    services.slot_plan_create(round_=round_, community_code=community_a.code)  # replanning replaces
    assert SlotAssignment.objects.count() == 3


@pytest.mark.django_db
def test_site_page_and_printable_notice(client, worker_a, community_a):
    grid = GridFactory(community=community_a, number=1)
    building = BuildingFactory(grid=grid, number=7)
    ResidentFactory(household=HouseholdFactory(building=building))
    round_ = services.round_create(actor=worker_a, name="第一轮", area_code=community_a.code, pool_size=10)
    client.force_login(worker_a)
    url = f"/rounds/{round_.public_id}/sites/"
    bad = client.post(url, {"community_code": community_a.code, "name": "", "hourly_capacity": "360"})
    assert bad.status_code == 422
    client.post(
        url, {"community_code": community_a.code, "name": "水井坊广场", "hourly_capacity": "360", "collectors": "2"}
    )
    page = client.post(url, {"community_code": community_a.code, "action": "plan"}).content.decode()
    assert "水井坊广场" in page and "7栋" in page
    notice = client.get(f"/rounds/{round_.public_id}/slots/{building.public_id}/notice/").content.decode()
    assert "7栋" in notice and "水井坊广场" in notice
    assert client.get(url, {"community_code": "510104017002"}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("start", ["9999-12-31T23:50", "0001-01-01T00:00", "2022-13-01T07:00"])
def test_a_slot_plan_starting_at_no_believable_time_is_refused_in_words(client, worker_a, community_a, start):
    building = BuildingFactory(grid=GridFactory(community=community_a, number=1), number=7)
    ResidentFactory(household=HouseholdFactory(building=building))
    round_ = services.round_create(actor=worker_a, name="第一轮", area_code=community_a.code, pool_size=10)
    client.force_login(worker_a)
    url = f"/rounds/{round_.public_id}/sites/"
    client.post(url, {"community_code": community_a.code, "name": "广场", "hourly_capacity": "360", "collectors": "2"})
    page = client.post(
        url, {"community_code": community_a.code, "action": "plan", "window_minutes": "30", "start": start}
    )
    assert page.status_code == 422 and "开始时间格式不对" in page.content.decode()
    assert not SlotAssignment.objects.exists()
