"""A household's page (户): its members with their tags and masked numbers, its door code, and each
member's results by round for the viewers who follow testing there (audited); reached from the
building page and from a resident's page."""

import re

import pytest

from gongzhi.core import events
from gongzhi.core.models import AuditEvent
from gongzhi.people.models import ResidentTag
from gongzhi.testing import services
from gongzhi.testing.collection import Event
from tests.factories import BuildingFactory, GridFactory, HouseholdFactory, ResidentFactory, make_user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(community_a):
    grid = GridFactory(community=community_a, number=1)
    building = BuildingFactory(grid=grid, number=1)
    household = HouseholdFactory(building=building)
    head = ResidentFactory(household=household, name="户主甲", phone="13912345678", relation="户主")
    child = ResidentFactory(household=household, name="子女乙", phone="", relation="子女")
    ResidentTag.objects.create(resident=head, tag="bedridden", community_code=community_a.code)
    neighbour = ResidentFactory(household=HouseholdFactory(building=building, room="999"), name="邻居丙")
    return {
        "grid": grid,
        "building": building,
        "household": household,
        "head": head,
        "child": child,
        "neighbour": neighbour,
    }


@pytest.fixture
def tested(home, community_a, worker_a):
    """A round where the head's pool is positive and the child was not sampled."""
    round_ = services.round_create(actor=worker_a, name="第1轮全员核酸", area_code=community_a.code, pool_size=10)
    collector = make_user_with_role("c1", "collector", community_a.code)
    services.round_collector_assign(actor=worker_a, round_=round_, user=collector)
    services.scan_batch_ingest(
        round_=round_,
        collector=collector,
        events=[
            Event("1", "open", "TUBE0001"),
            Event("2", "scan", "TUBE0001", "R:" + home["head"].public_id),
            Event("3", "scan", "TUBE0001", "R:" + home["neighbour"].public_id),
            Event("4", "close", "TUBE0001"),
        ],
    )
    lab = make_user_with_role("lab1", "lab", community_a.code)
    services.tube_results_record(actor=lab, round_=round_, results=[("TUBE0001", "阳性")])
    events.deliver_pending()
    return round_


def page_text(response) -> str:
    html = response.content.decode()
    main = html[html.index("<main>") : html.index("</main>")]
    main = re.sub(r"<svg.*?</svg>", "", main, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def test_the_household_page_lists_its_members_masked_with_tags_and_its_door_code(client, home, worker_a):
    client.force_login(worker_a)
    response = client.get(f"/households/{home['household'].public_id}/")
    assert response.status_code == 200
    text = page_text(response)
    assert "户主甲" in text and "子女乙" in text and "邻居丙" not in text
    assert "139****5678" in text and "13912345678" not in response.content.decode()
    assert "卧床" in text  # the head's tag
    assert "<svg" in response.content.decode()  # the door code, H:<household id>
    assert f"/residents/{home['head'].public_id}/" in response.content.decode()


def test_each_members_result_by_round_is_shown_to_testing_staff_and_audited(client, home, tested, worker_a):
    client.force_login(worker_a)
    before = AuditEvent.objects.filter(entity="test_result").count()
    text = page_text(client.get(f"/households/{home['household'].public_id}/"))
    assert "各轮核酸结果" in text and tested.name in text
    head_row = text[text.index("户主甲", text.index("各轮核酸结果")) :]
    assert head_row.startswith("户主甲 混管阳性 · 复核：待通知 TUBE0001")
    assert "子女乙 未采样" in text
    audit = AuditEvent.objects.filter(entity="test_result").order_by("-id").first()
    assert AuditEvent.objects.filter(entity="test_result").count() == before + 1
    assert sorted(audit.row_ids) == sorted([home["head"].public_id, home["child"].public_id])
    # the resident's own page: their household, the other member, their own history
    text = page_text(client.get(f"/residents/{home['child'].public_id}/"))
    assert "同户成员" in text and "户主甲" in text and "核酸检测记录" in text and "子女乙 未采样" in text


def test_a_building_leader_sees_the_members_but_not_their_results(client, home, tested, community_a):
    leader = make_user_with_role("leader1", "building_leader", community_a.code, building=home["building"])
    client.force_login(leader)
    text = page_text(client.get(f"/households/{home['household'].public_id}/"))
    assert "户主甲" in text and "各轮核酸结果" not in text and "阳性" not in text
    assert not AuditEvent.objects.filter(entity="test_result", actor=leader).exists()


def test_a_household_elsewhere_is_not_found(client, home, worker_b):
    client.force_login(worker_b)
    assert client.get(f"/households/{home['household'].public_id}/").status_code == 404


def test_the_building_page_and_the_resident_page_lead_to_the_household(client, home, worker_a):
    client.force_login(worker_a)
    url = f"/households/{home['household'].public_id}/"
    assert url in client.get(f"/buildings/{home['building'].public_id}/").content.decode()
    assert url in client.get(f"/residents/{home['head'].public_id}/").content.decode()
