"""The allocation service: a street's plan from its reserve to its communities' distribution points,
vulnerable people first, confirmed into the ledger all or none, refused when the stock moved since."""

import pytest

from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import WorkflowEvent
from gongzhi.supplies import services
from gongzhi.supplies.models import AllocationPlan, StockMovement, SupplyPoint
from tests.factories import HouseholdFactory, ResidentFactory, make_user_with_role
from tests.supplies.factories import balance, located_building, make_item, make_point, receive

pytestmark = pytest.mark.django_db
STREET = "510104017"


@pytest.fixture
def street_world(community_a, community_b):
    street = make_user_with_role("street_s", "street_staff", STREET)
    rice = make_item("大米", category="grain", kg="5")
    reserve = make_point(STREET, kind=SupplyPoint.Kind.RESERVE, name="街道储备库")
    receive(street, reserve, rice, 40)  # 200 kg: short of a week for anyone
    targets = {}
    for community, people, vulnerable in ((community_a, 30, 10), (community_b, 30, 0)):
        targets[community.code] = make_point(community.code, name=f"{community.name}分发点")
        building = located_building(community)
        for n in range(people):
            household = HouseholdFactory(building=building, room=f"{n + 1}")
            resident = ResidentFactory(household=household)
            if n < vulnerable:
                resident.tags.create(community_code=community.code, tag="elderly_alone")
    return street, rice, reserve, targets


def test_a_plan_covers_the_vulnerable_first_and_becomes_transfers_when_confirmed(
    street_world, community_a, community_b
):
    street, rice, reserve, targets = street_world
    plan = services.allocation_propose(actor=street, area_code=STREET, horizon_days=7)
    assert plan.status == "proposed" and plan.result["status"] == "optimal"
    rows = {row["code"]: row for row in plan.result["communities"]}
    a, b = rows[community_a.code]["categories"]["grain"], rows[community_b.code]["categories"]["grain"]
    # 10 vulnerable people need 10 x 0.325 x 7 = 22.75 kg: covered before anyone else is evened out.
    assert a["received_kg"] >= 23 and a["after"] >= b["after"]
    assert any(code == "allocation_vulnerable_covered" for code, _params in rows[community_a.code]["why"])
    sent = sum(line.quantity for line in plan.lines.all())
    assert 0 < sent <= 40 and {line.target_id for line in plan.lines.all()} <= {p.pk for p in targets.values()}

    services.allocation_confirm(actor=street, plan=plan)
    plan.refresh_from_db()
    assert plan.status == "confirmed"
    assert balance(reserve, rice) == 40 - sent
    assert sum(balance(p, rice) for p in targets.values()) == sent
    moved = StockMovement.objects.filter(reference=plan.public_id)
    assert sum(moved.values_list("quantity", flat=True)) == 0  # out and in match
    assert WorkflowEvent.objects.filter(flow="allocation", row_key=plan.public_id, to_status="confirmed").exists()


def test_a_plan_is_refused_when_the_stock_moved_since_and_nothing_is_written(street_world):
    street, rice, reserve, _targets = street_world
    plan = services.allocation_propose(actor=street, area_code=STREET)
    services.stock_issue(actor=street, point=reserve, item=rice, quantity=1, reason="损耗")
    before = StockMovement.objects.count()
    with pytest.raises(ApplicationError) as refused:
        services.allocation_confirm(actor=street, plan=plan)
    assert refused.value.status == 409 and "重新生成" in refused.value.message
    plan.refresh_from_db()
    assert plan.status == "proposed" and StockMovement.objects.count() == before


def test_only_street_staff_and_above_make_plans(street_world, community_a):
    street, *_ = street_world
    worker = make_user_with_role("worker_s", "community_worker", community_a.code)
    with pytest.raises(ApplicationError) as refused:
        services.allocation_propose(actor=worker, area_code=community_a.code)
    assert refused.value.status == 403
    plan = services.allocation_propose(actor=street, area_code=STREET)
    with pytest.raises(ApplicationError):
        services.allocation_confirm(actor=worker, plan=plan)
    assert AllocationPlan.objects.get().status == "proposed"


def test_a_plan_can_be_discarded_once(street_world):
    street, *_ = street_world
    plan = services.allocation_propose(actor=street, area_code=STREET)
    services.allocation_discard(actor=street, plan=plan)
    with pytest.raises(ApplicationError) as refused:
        services.allocation_confirm(actor=street, plan=plan)
    assert refused.value.status == 409


def test_a_bad_horizon_is_refused_in_words(street_world):
    street, *_ = street_world
    with pytest.raises(ApplicationError) as refused:
        services.allocation_propose(actor=street, area_code=STREET, horizon_days=-1)
    assert refused.value.status == 422 and "保障天数" in refused.value.message
    assert not AllocationPlan.objects.exists()


@pytest.mark.parametrize("horizon", ["²", "7天", "-3", "1e3", ""])
def test_a_bad_horizon_on_the_page_is_refused_in_words(client, street_world, horizon):
    street, *_ = street_world
    client.force_login(street)
    page = client.post(f"/supplies/allocation/?area={STREET}", {"action": "propose", "horizon": horizon}, follow=True)
    assert page.status_code == 200 and "保障天数" in page.content.decode()
    assert not AllocationPlan.objects.exists()


def test_the_page_proposes_shows_why_and_confirms(client, street_world, community_a):
    street, *_ = street_world
    client.force_login(street)
    response = client.post("/supplies/allocation/", {"area": STREET, "action": "propose", "horizon": "7"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "已证明最优" in page and "重点人群" in page and community_a.name in page
    plan = AllocationPlan.objects.get()
    client.post("/supplies/allocation/", {"area": STREET, "action": "confirm", "plan": plan.public_id})
    plan.refresh_from_db()
    assert plan.status == "confirmed"
