"""The testing a zone in force calls for: a round over its area at its kind's interval, suggested on
the zone's page with the round form prefilled."""

import datetime as dt

import pytest

from gongzhi.testing import services as testing
from gongzhi.zones import rules, selectors, services
from gongzhi.zones.models import Zone
from tests.factories import BuildingFactory, make_user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def zones(community_a):
    building = BuildingFactory()
    services.zones_propose(
        cases=[rules.Case("TUBE0001", rules.Place(str(building.pk), str(building.grid_id), building.community_code))]
    )
    street = make_user_with_role("street_r", "street_staff", community_a.code[:9])
    for zone in Zone.objects.all():
        services.zone_confirm(actor=street, zone=zone)
    return {z.kind: z for z in Zone.objects.all()}


def test_a_proposal_calls_for_no_round(community_a):
    building = BuildingFactory()
    services.zones_propose(
        cases=[rules.Case("TUBE0002", rules.Place(str(building.pk), str(building.grid_id), building.community_code))]
    )
    assert all(selectors.round_suggestion(z) is None for z in Zone.objects.all())


def test_each_kind_calls_for_its_own_interval_and_pool_over_its_official_area(zones, community_a):
    lockdown = selectors.round_suggestion(zones["lockdown"])
    assert (lockdown.area_code, lockdown.pool_size, lockdown.every_hours) == (community_a.code, 1, 24)
    assert lockdown.due and lockdown.last is None and lockdown.next_at is None  # no round yet
    prevention = selectors.round_suggestion(zones["prevention"])
    assert (prevention.area_code, prevention.pool_size, prevention.every_hours) == (community_a.code[:9], 20, 48)


def test_a_round_over_the_area_makes_the_next_one_due_after_the_interval(zones, community_a):
    worker = make_user_with_role("worker_r", "community_worker", community_a.code)
    round_ = testing.round_create(actor=worker, name="封控区第1轮", area_code=community_a.code, pool_size=1)
    started = round_.starts_at
    lockdown = selectors.round_suggestion(zones["lockdown"], now=started + dt.timedelta(hours=23))
    assert (lockdown.due, lockdown.last, lockdown.next_at) == (False, round_, started + dt.timedelta(hours=24))
    assert selectors.round_suggestion(zones["lockdown"], now=started + dt.timedelta(hours=24)).due
    # a round over one community does not cover the street: the street's zone still calls for one
    prevention = selectors.round_suggestion(zones["prevention"], now=started + dt.timedelta(hours=1))
    assert prevention.due and prevention.last is None


def test_the_zone_page_suggests_the_round_and_prefills_the_form(client, zones, community_a):
    street = make_user_with_role("street_r2", "street_staff", community_a.code[:9])
    client.force_login(street)
    page = client.get(f"/zones/{zones['lockdown'].public_id}/").content.decode()
    assert "按规则每 24 小时检测一轮，每管 1 人。" in page and "已到应检时间" in page
    assert f"/rounds/new/?area_code={community_a.code}&amp;pool_size=1&amp;name=" in page
    form = client.get("/rounds/new/", {"area_code": community_a.code, "pool_size": "1", "name": "封控区检测"})
    body = form.content.decode()
    assert 'value="封控区检测"' in body and 'value="1"' in body
    # a grid worker sees the suggestion but may not start a round
    grid_worker = make_user_with_role("grid_r", "grid_worker", community_a.code, grid=zones["lockdown"].grid)
    client.force_login(grid_worker)
    page = client.get(f"/zones/{zones['lockdown'].public_id}/").content.decode()
    assert "按规则每 24 小时检测一轮" in page and 'id="start-round"' not in page
