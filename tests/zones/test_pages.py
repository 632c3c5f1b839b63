"""The zone pages as each role opens them: the list of one's areas, one zone, its decisions."""

import pytest

from gongzhi.zones import rules, services
from gongzhi.zones.models import Zone
from tests.factories import BuildingFactory, make_user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposed(community_a):
    building = BuildingFactory()
    services.zones_propose(
        cases=[rules.Case("TUBE0001", rules.Place(str(building.pk), str(building.grid_id), building.community_code))]
    )
    return building


def test_street_staff_see_the_proposals_strictest_first_and_confirm_one(client, proposed):
    street = make_user_with_role("street_a", "street_staff", "510104017")
    client.force_login(street)
    page = client.get("/zones/").content.decode()
    table = page[page.index('<table id="zones"') :]
    assert table.index("封控区") < table.index("管控区") < table.index("防范区")
    lockdown = Zone.objects.get(kind="lockdown")

    answer = client.post(f"/zones/{lockdown.public_id}/", {"action": "confirm"})
    assert answer.status_code == 302
    page = client.get(f"/zones/{lockdown.public_id}/").content.decode()
    assert "生效中" in page and "尚不能解除" in page and "封控区须连续7天无新增阳性" in page

    refused = client.post(f"/zones/{lockdown.public_id}/", {"action": "release"})
    assert refused.status_code == 409 and "封控区解除前须有2轮核酸检测全部阴性" in refused.content.decode()
    assert Zone.objects.get(pk=lockdown.pk).status == "active"


def test_a_rejection_needs_its_reason(client, proposed):
    street = make_user_with_role("street_a", "street_staff", "510104017")
    client.force_login(street)
    zone = Zone.objects.get(kind="control")
    assert client.post(f"/zones/{zone.public_id}/", {"action": "reject", "reason": ""}).status_code == 422
    assert client.post(f"/zones/{zone.public_id}/", {"action": "reject", "reason": "网格内已排查"}).status_code == 302
    assert Zone.objects.get(pk=zone.pk).status == "rejected"
    assert "网格内已排查" in client.get(f"/zones/{zone.public_id}/").content.decode()


def test_street_staff_narrow_a_grid_proposal_to_chosen_buildings(client, proposed):
    street = make_user_with_role("street_a", "street_staff", "510104017")
    client.force_login(street)
    neighbour = BuildingFactory(grid=proposed.grid)
    zone = Zone.objects.get(kind="control")
    page = client.get(f"/zones/{zone.public_id}/").content.decode()
    assert 'id="zone-redraw"' in page and proposed.public_id in page and neighbour.public_id in page

    refused = client.post(f"/zones/{zone.public_id}/", {"action": "redraw", "building": [proposed.public_id]})
    assert refused.status_code == 422 and Zone.objects.get(pk=zone.pk).status == "proposed"
    answer = client.post(
        f"/zones/{zone.public_id}/", {"action": "redraw", "building": [neighbour.public_id], "reason": "只封相邻楼"}
    )
    new = Zone.objects.get(redrawn_from=zone)
    assert answer.status_code == 302 and answer["Location"] == f"/zones/{new.public_id}/"
    assert (new.kind, new.level, new.building_id) == ("control", "building", neighbour.pk)
    page = client.get(f"/zones/{new.public_id}/").content.decode()
    assert "改划自" in page and "改划后建议" in page
    original = client.get(f"/zones/{zone.public_id}/").content.decode()
    assert 'id="redrawn-to"' in original and new.public_id in original and "只封相邻楼" in original
    assert 'id="zone-redraw"' not in original


def test_a_redraw_to_buildings_all_in_other_zones_says_no_proposal_was_made(client, proposed):
    street = make_user_with_role("street_a", "street_staff", "510104017")
    client.force_login(street)
    zone = Zone.objects.get(kind="control")
    answer = client.post(
        f"/zones/{zone.public_id}/",
        {"action": "redraw", "building": [proposed.public_id], "reason": "只有这栋楼有病例"},
        follow=True,
    )
    page = answer.content.decode()
    assert Zone.objects.get(pk=zone.pk).status == "rejected" and not Zone.objects.filter(redrawn_from=zone).exists()
    assert "所选楼栋都已在其他风险区内，没有新建议" in page and "1栋楼已在其他风险区内" in page
    assert "已改划为0栋楼" not in page


def test_a_grid_worker_sees_the_zones_of_the_grid_but_cannot_decide(client, proposed, community_a):
    worker = make_user_with_role("grid_a", "grid_worker", community_a.code, grid=proposed.grid)
    client.force_login(worker)
    page = client.get("/zones/").content.decode()
    table = page[page.index('<table id="zones"') :]
    assert "封控区" in table and "管控区" in table and "防范区" not in table  # the street's zone is the street's
    lockdown = Zone.objects.get(kind="lockdown")
    assert "确认生效" not in client.get(f"/zones/{lockdown.public_id}/").content.decode()
    assert client.post(f"/zones/{lockdown.public_id}/", {"action": "confirm"}).status_code == 403
    assert Zone.objects.get(pk=lockdown.pk).status == "proposed"


def test_the_streets_zone_in_force_is_seen_on_the_communitys_and_grids_lists_but_decided_by_the_street(
    client, proposed, community_a
):
    """A zone over one's areas applies there (VIEW_ZONES: in or over one's areas): once in force it is
    on the community worker's and the grid worker's lists and opens for them; its proposal does not,
    nor may they decide on it. Another street's never."""
    prevention = Zone.objects.get(kind="prevention")  # the street's, over every community of it
    assert prevention.level == "street"
    people = {
        "worker": make_user_with_role("worker_a", "community_worker", community_a.code),
        "grid": make_user_with_role("grid_a", "grid_worker", community_a.code, grid=proposed.grid),
    }
    for user in people.values():
        client.force_login(user)
        assert client.get(f"/zones/{prevention.public_id}/").status_code == 404  # a proposal: the street's
    street = make_user_with_role("street_a", "street_staff", "510104017")
    services.zone_confirm(actor=street, zone=prevention)
    for role, user in people.items():
        client.force_login(user)
        page = client.get("/zones/").content.decode()
        assert f'href="/zones/{prevention.public_id}/"' in page, role
        detail = client.get(f"/zones/{prevention.public_id}/")
        assert detail.status_code == 200 and "生效中" in detail.content.decode(), role
        assert client.post(f"/zones/{prevention.public_id}/", {"action": "release"}).status_code in (403, 404), role
        assert Zone.objects.get(pk=prevention.pk).status == "active"
    client.force_login(make_user_with_role("worker_x", "community_worker", "510104018001"))  # another street
    assert client.get(f"/zones/{prevention.public_id}/").status_code == 404
    assert f"/zones/{prevention.public_id}/" not in client.get("/zones/").content.decode()


def test_another_street_gets_404_and_an_empty_list(client, proposed):
    other = make_user_with_role("street_b", "street_staff", "510104018")
    client.force_login(other)
    lockdown = Zone.objects.get(kind="lockdown")
    assert client.get(f"/zones/{lockdown.public_id}/").status_code == 404
    assert client.post(f"/zones/{lockdown.public_id}/", {"action": "confirm"}).status_code == 404
    assert "没有风险区" in client.get("/zones/").content.decode()


def test_the_household_pages_show_the_strictest_zone_in_force(client, proposed, community_a):
    from tests.factories import HouseholdFactory

    inside = HouseholdFactory(building=proposed)
    outside = HouseholdFactory(building=BuildingFactory(grid=proposed.grid))
    assert "本户位于" not in client.get(f"/h/H:{inside.door_key}/").content.decode()  # only proposed

    street = make_user_with_role("street_a", "street_staff", "510104017")
    services.zone_confirm(actor=street, zone=Zone.objects.get(kind="control"))
    services.zone_confirm(actor=street, zone=Zone.objects.get(kind="lockdown"))
    door = client.get(f"/h/H:{inside.door_key}/").content.decode()
    assert "本户位于封控区" in door and "管控区" not in door.split("本户位于")[1][:20]
    assert "本户位于管控区" in client.get(f"/h/H:{outside.door_key}/").content.decode()  # the grid's

    worker = make_user_with_role("worker_z", "community_worker", community_a.code)
    client.force_login(worker)
    page = client.get(f"/households/{inside.public_id}/").content.decode()
    assert "本户位于封控区" in page and "查看风险区" in page


def test_the_resident_building_and_grid_pages_show_the_zones_in_force(client, proposed, community_a):
    from tests.factories import HouseholdFactory, ResidentFactory

    inside = ResidentFactory(household=HouseholdFactory(building=proposed))
    neighbour = BuildingFactory(grid=proposed.grid)
    elsewhere = BuildingFactory()  # another grid of the community
    worker = make_user_with_role("worker_p", "community_worker", community_a.code)
    client.force_login(worker)
    assert "本楼栋位于" not in client.get(f"/buildings/{proposed.public_id}/").content.decode()  # only proposed
    assert 'id="grid-zones"' not in client.get(f"/grids/{proposed.grid.public_id}/").content.decode()

    street = make_user_with_role("street_p", "street_staff", "510104017")
    services.zone_confirm(actor=street, zone=Zone.objects.get(kind="lockdown"))
    lockdown = Zone.objects.get(kind="lockdown")
    assert "该居民家位于封控区" in client.get(f"/residents/{inside.public_id}/").content.decode()
    building = client.get(f"/buildings/{proposed.public_id}/").content.decode()
    assert "本楼栋位于封控区" in building and f"/zones/{lockdown.public_id}/" in building
    assert "本楼栋位于" not in client.get(f"/buildings/{neighbour.public_id}/").content.decode()
    grid = client.get(f"/grids/{proposed.grid.public_id}/").content.decode()
    assert 'id="grid-zones"' in grid and f"/zones/{lockdown.public_id}/" in grid
    assert elsewhere.grid_id != proposed.grid_id
    assert 'id="grid-zones"' not in client.get(f"/grids/{elsewhere.grid.public_id}/").content.decode()

    # The street's prevention zone applies over every grid of the street once in force; the street's
    # staff see it on the grid's page (a community worker does not see a street's zone at all).
    services.zone_confirm(actor=street, zone=Zone.objects.get(kind="prevention"))
    client.force_login(street)
    other_grid = client.get(f"/grids/{elsewhere.grid.public_id}/").content.decode()
    assert 'id="grid-zones"' in other_grid and "防范区" in other_grid


def test_a_list_of_one_kind_keeps_its_kind_on_the_next_page(client, proposed, monkeypatch):
    from gongzhi.zones import selectors

    monkeypatch.setattr(selectors, "PAGE", 1)
    other = BuildingFactory(grid=proposed.grid)
    services.zones_propose(
        cases=[rules.Case("TUBE0002", rules.Place(str(other.pk), str(other.grid_id), other.community_code))]
    )
    client.force_login(make_user_with_role("street_a", "street_staff", "510104017"))
    page = client.get("/zones/?kind=lockdown").content.decode()
    table = page[page.index('<table id="zones"') :]
    assert "封控区" in table and "管控区" not in table
    assert 'value="lockdown" selected' in page  # the filter shows the kind asked for
    assert "kind=lockdown&amp;page=2" in page
    second = client.get("/zones/?status=open&kind=lockdown&page=2").content.decode()
    second_table = second[second.index('<table id="zones"') :]
    assert "封控区" in second_table and "管控区" not in second_table and "防范区" not in second_table


def test_a_raised_proposal_says_so_and_a_grid_worker_sees_no_link_to_the_community_zone(client, community_a):
    from tests.zones.test_redraw import _proposal

    building = BuildingFactory()
    street = make_user_with_role("street_a", "street_staff", "510104017")
    whole = _proposal("control", "community", community_a.code)
    [narrowed] = services.zone_redraw(actor=street, zone=whole, buildings=[building.public_id], reason="只这一栋")
    place = rules.Place(str(building.pk), str(building.grid_id), building.community_code)
    services.zones_propose(cases=[rules.Case("TUBE0009", place)])  # lockdown called for: the proposal raised
    narrowed.refresh_from_db()
    assert (narrowed.kind, narrowed.status) == ("lockdown", "proposed")

    client.force_login(street)
    page = client.get(f"/zones/{narrowed.public_id}/").content.decode()
    assert "（由管控区改为封控区）" in page
    assert f'href="/zones/{whole.public_id}/"' in page  # the street sees the community's zone

    client.force_login(make_user_with_role("grid_w", "grid_worker", community_a.code, grid=building.grid))
    page = client.get(f"/zones/{narrowed.public_id}/").content.decode()
    assert whole.area_name in page and f'href="/zones/{whole.public_id}/"' not in page
    assert client.get(f"/zones/{whole.public_id}/").status_code == 404
