"""The round dashboard finds the lagging building: each part of an area with coverage as a share,
the parts nobody was sampled in first, a click down to the next level (district, street,
community, grid, building), expected counts at every level, and totals that agree with the
coverage page, also after residents are registered during the round."""

import re

import pytest

from gongzhi.core import events
from gongzhi.people import services as people_services
from gongzhi.people.models import Resident
from gongzhi.testing import collection, services
from gongzhi.testing.models import Exemption
from gongzhi.testing.selectors import coverage_summary
from tests.factories import (
    BuildingFactory,
    GridFactory,
    HouseholdFactory,
    ResidentFactory,
    make_user_with_role,
    valid_id_number,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def street_round(community_a, community_b):
    """Community a: grid 1 (two buildings, 4 residents, 3 sampled), grid 2 (2 residents, none);
    community b: 3 residents, none sampled; one exemption in a."""
    street = make_user_with_role("street1", "street_staff", community_a.code[:9])
    g1, g2 = GridFactory(community=community_a, number=1), GridFactory(community=community_a, number=2)
    b11, b12 = BuildingFactory(grid=g1, number=1), BuildingFactory(grid=g1, number=2)
    b21 = BuildingFactory(grid=g2, number=3)
    in_b11 = [ResidentFactory(household=HouseholdFactory(building=b11)) for _ in range(3)]
    in_b12 = [ResidentFactory(household=HouseholdFactory(building=b12))]
    for _ in range(2):
        ResidentFactory(household=HouseholdFactory(building=b21))
    gb = BuildingFactory(grid=GridFactory(community=community_b, number=1), number=1)
    for _ in range(3):
        ResidentFactory(household=HouseholdFactory(building=gb))
    round_ = services.round_create(actor=street, name="街道轮", area_code=community_a.code[:9], pool_size=10)
    collector = make_user_with_role("c1", "collector", community_a.code)
    services.round_collector_assign(actor=street, round_=round_, user=collector)
    scans = [collection.Event("o", "open", "TUBE0001")]
    scans += [
        collection.Event(f"s{i}", "scan", "TUBE0001", "R:" + r.public_id)
        for i, r in enumerate([*in_b11[:2], in_b12[0]])
    ]
    services.scan_batch_ingest(round_=round_, collector=collector, events=scans)
    Exemption.objects.create(round=round_, resident=in_b11[2], community_code=community_a.code, reason="away")
    return {"round": round_, "street": street, "grids": (g1, g2), "buildings": (b11, b12, b21)}


def drill(client, round_, **query):
    response = client.get(f"/rounds/{round_.public_id}/progress.json", query)
    assert response.status_code == 200
    return response.json()


def page_count(client, round_, code) -> int:
    page = client.get(f"/rounds/{round_.public_id}/coverage/", {"area_code": code}).content.decode()
    return int(re.search(r'id="untested-count">(\d+)<', page).group(1))


def test_a_street_drills_down_to_the_lagging_building(client, street_round, community_a, community_b):
    round_, street = street_round["round"], street_round["street"]
    client.force_login(street)
    top = drill(client, round_)
    assert top["level"] == "community"
    assert [r["key"] for r in top["rows"]][0] == community_b.code  # nobody sampled there: first
    by_key = {r["key"]: r for r in top["rows"]}
    assert (by_key[community_a.code]["expected"], by_key[community_a.code]["sampled"]) == (6, 3)
    assert by_key[community_a.code]["exempted"] == 1 and by_key[community_a.code]["untested"] == 2
    assert by_key[community_b.code]["share"] == 0 and by_key[community_a.code]["share"] == round(4 / 6, 4)
    grids = drill(client, round_, **by_key[community_a.code]["drill"])
    assert grids["level"] == "grid"
    g1, g2 = street_round["grids"]
    assert [r["key"] for r in grids["rows"]] == [g2.public_id, g1.public_id]  # grid 2: nobody sampled
    buildings = drill(client, round_, **grids["rows"][1]["drill"])
    assert buildings["level"] == "building"
    b11, b12, _b21 = street_round["buildings"]
    figures = {r["key"]: (r["expected"], r["sampled"], r["exempted"], r["untested"]) for r in buildings["rows"]}
    assert figures == {b11.public_id: (3, 2, 1, 0), b12.public_id: (1, 1, 0, 0)}
    assert buildings["trail"][-1] == {"name": g1.name, "grid": g1.public_id}
    assert buildings["rows"][0]["drill"] is None and buildings["rows"][0]["list"].startswith("/buildings/")


def test_totals_agree_with_the_coverage_page_at_every_level(client, street_round, community_a, community_b):
    round_, street = street_round["round"], street_round["street"]
    client.force_login(street)
    assert drill(client, round_)["totals"]["untested"] == page_count(client, round_, community_a.code[:9]) == 5
    for code in (community_a.code, community_b.code):
        assert drill(client, round_, area=code)["totals"]["untested"] == page_count(client, round_, code)
    summary = coverage_summary(user=street, round_=round_, area_code=community_a.code)
    assert drill(client, round_, area=community_a.code)["totals"]["expected"] == summary["expected"] == 6


def test_a_resident_registered_during_the_round_is_expected_on_the_dashboard_too(
    client, street_round, community_b, worker_b
):
    round_, street = street_round["round"], street_round["street"]
    household = HouseholdFactory(building=BuildingFactory(grid=GridFactory(community=community_b, number=7), number=9))
    people_services.resident_create(
        actor=worker_b,
        household=household,
        data=people_services.ResidentData(name="新来居民", id_number=valid_id_number(), phone="13900001111"),
    )
    events.deliver_pending()  # what the Huey consumer does after the commit
    client.force_login(street)
    top = {r["key"]: r for r in drill(client, round_)["rows"]}
    assert top[community_b.code]["expected"] == 4 == page_count(client, round_, community_b.code)


def test_places_outside_the_round_or_the_users_areas_are_not_found(client, street_round, community_a, worker_b):
    round_ = street_round["round"]
    client.force_login(worker_b)  # community b's worker
    g1, _g2 = street_round["grids"]
    assert client.get(f"/rounds/{round_.public_id}/progress.json", {"grid": g1.public_id}).status_code == 404
    client.force_login(street_round["street"])
    assert client.get(f"/rounds/{round_.public_id}/progress.json", {"area": "510104018"}).status_code == 404
    assert client.get(f"/rounds/{round_.public_id}/progress.json", {"area": "水井坊"}).status_code == 404


def test_the_earlier_form_by_grid_keeps_two_communities_grids_of_one_name_apart(client, street_round, community_b):
    """`?level=grid`: grouped by each grid, not by its name (both communities have a 第1网格)."""
    round_, street = street_round["round"], street_round["street"]
    other = street_round["grids"][0]
    gb = Resident.objects.filter(community_code=community_b.code).select_related("household").first()
    collector = make_user_with_role("c2", "collector", community_b.code)
    services.round_collector_assign(actor=street, round_=round_, user=collector)
    scans = [collection.Event("o", "open", "TUBE0002"), collection.Event("s", "scan", "TUBE0002", "R:" + gb.public_id)]
    services.scan_batch_ingest(round_=round_, collector=collector, events=scans)
    client.force_login(street)
    rows = client.get(f"/rounds/{round_.public_id}/progress.json", {"level": "grid"}).json()["rows"]
    first_grids = [r for r in rows if r["name"].endswith("第1网格")]
    assert len(first_grids) == 2 and {r["sampled"] for r in first_grids} == {3, 1}
    assert other.public_id in {r["area"] for r in rows}
    assert all(r["name"].split(" ")[0] != "第1网格" for r in first_grids)  # each named with its community
