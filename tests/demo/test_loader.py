"""`gongzhi demo`: bulk loading real communities, re-runs, and the demo logins."""

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command

from gongzhi.core.models import RoleAssignment
from gongzhi.demo import communities as demo_communities
from gongzhi.demo import loader
from gongzhi.demo.population import community_plan
from gongzhi.demo.users import DEMO_PASSWORD
from gongzhi.people.models import Resident, ResidentTag
from gongzhi.places.models import Area, Building, Grid, Household
from gongzhi.testing.models import Recall, Round, Sample, Tube
from tests.factories import BuildingFactory, GridFactory, HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db

STREET = "510104017"  # 锦官驿街道
AS_OF = dt.date(2025, 1, 1)


def demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, "--as-of", AS_OF.isoformat(), stdout=out)
    return out.getvalue()


def snapshot() -> list[tuple]:
    """The natural content of the demo rows (keys and public ids differ between loads)."""
    return list(
        Resident.objects.order_by("id_number").values_list(
            "community_code",
            "name",
            "id_number",
            "gender",
            "birth_date",
            "phone",
            "relation",
            "household__address",
            "household__building__grid__number",
        )
    )


def tags_snapshot() -> list[tuple]:
    return list(ResidentTag.objects.order_by("resident__id_number", "tag").values_list("resident__id_number", "tag"))


def wipe_demo_rows() -> None:
    from gongzhi.appeals.models import Appeal
    from gongzhi.notices.models import Notice, NoticeReach, NoticeReceipt
    from gongzhi.supplies import models as supplies

    for model in (Recall, Sample, Tube, Round):  # the demo round's samples and recalls hold residents
        model.objects.all().delete()
    for model in (  # the demo's supplies hold households, in the order their keys allow
        supplies.AllocationLine, supplies.AllocationPlan, supplies.DeliveryStop, supplies.OrderLine,
        supplies.Order, supplies.DeliveryRun, supplies.StockMovement, supplies.StockBalance,
        supplies.SupplyPoint, supplies.PackageLine, supplies.Package, supplies.Item,
    ):  # fmt: skip
        model.objects.all().delete()
    for model in (NoticeReach, NoticeReceipt):
        model.objects.all().delete()
    Notice.objects.exclude(corrects=None).delete()  # corrections before the notices they correct
    Notice.objects.all().delete()
    Appeal.objects.exclude(merged_into=None).delete()  # duplicates before the requests they were merged into
    Appeal.objects.all().delete()
    from gongzhi.zones.models import Zone

    Zone.objects.all().delete()  # the demo round's positive pools proposed zones on its buildings
    ResidentTag.objects.all().delete()
    Resident.objects.all().delete()
    RoleAssignment.objects.exclude(grid=None, building=None).delete()
    Household.objects.all().delete()
    Building.objects.all().delete()
    Grid.objects.all().delete()


def test_loads_the_communities_of_a_street_with_consistent_codes(areas):
    output = demo("--street", STREET, "--communities", "2", "--residents-per-community", "150")

    assert Resident.objects.count() == 300
    codes = {f"{STREET}001", f"{STREET}002"}
    assert set(Grid.objects.values_list("community_code", flat=True)) == codes
    for grid in Grid.objects.select_related("community"):
        assert grid.community.code == grid.community_code
    for building in Building.objects.select_related("grid"):
        assert building.community_code == building.grid.community_code
    for household in Household.objects.select_related("building"):
        assert household.community_code == household.building.community_code
        assert household.address.endswith(f"{household.unit}单元{household.room}")
    for resident in Resident.objects.select_related("household"):
        assert resident.community_code == resident.household.community_code
        assert len(resident.public_id) == 26
    assert ResidentTag.objects.exists()
    for tag in ResidentTag.objects.select_related("resident"):
        assert tag.community_code == tag.resident.community_code
    public_ids = list(Resident.objects.values_list("public_id", flat=True))
    assert len(set(public_ids)) == len(public_ids)
    assert "2 communities loaded" in output
    assert "gongzhi-demo-2022" in output


def test_default_head_count_is_drawn_per_community(areas):
    demo("--street", STREET, "--communities", "1")
    count = Resident.objects.count()
    assert 2000 <= count <= 8000
    households = Household.objects.count()
    assert count / households == pytest.approx(2.6, abs=0.25)


def test_same_seed_gives_the_same_city_and_generation_in_a_worker_changes_nothing(areas):
    communities = demo_communities.demo_communities_select(street=STREET, count=3)
    loader.demo_city_load(communities=communities, seed=11, residents_per_community=120, as_of=AS_OF, workers=0)
    first, first_tags = snapshot(), tags_snapshot()
    wipe_demo_rows()

    loader.demo_city_load(communities=communities, seed=11, residents_per_community=120, as_of=AS_OF, workers=1)

    assert snapshot() == first
    assert tags_snapshot() == first_tags
    wipe_demo_rows()
    loader.demo_city_load(communities=communities, seed=12, residents_per_community=120, as_of=AS_OF, workers=0)
    assert snapshot() != first


def test_adding_communities_does_not_change_earlier_ones(areas):
    demo("--street", STREET, "--communities", "1", "--residents-per-community", "100")
    alone = snapshot()
    wipe_demo_rows()
    demo("--street", STREET, "--communities", "3", "--residents-per-community", "100")
    assert [r for r in snapshot() if r[0] == f"{STREET}001"] == alone


def test_rerun_skips_communities_that_have_grids(areas):
    demo("--street", STREET, "--communities", "1", "--residents-per-community", "100")
    before = snapshot()

    output = demo("--street", STREET, "--communities", "2", "--residents-per-community", "100")

    assert "already has grids" in output
    assert [r for r in snapshot() if r[0] == f"{STREET}001"] == before
    assert Resident.objects.filter(community_code=f"{STREET}002").count() == 100


def test_if_empty_does_nothing_when_residents_exist(areas):
    demo("--street", STREET, "--communities", "1", "--residents-per-community", "50")
    counts = (Resident.objects.count(), Grid.objects.count(), get_user_model().objects.count())

    output = demo("--street", STREET, "--if-empty")

    assert "already exist" in output
    assert (Resident.objects.count(), Grid.objects.count(), get_user_model().objects.count()) == counts


def test_demo_users_have_their_roles(areas):
    demo("--street", STREET, "--communities", "2", "--residents-per-community", "80")

    users = {u.username: u for u in get_user_model().objects.all()}
    assert users["admin"].is_superuser
    first_grid = Grid.objects.filter(community_code=f"{STREET}001").order_by("number").first()
    expected = {
        "city": ("city_staff", "5101", None, None),
        "district": ("district_staff", "510104", None, None),
        "street": ("street_staff", STREET, None, None),
        "worker": ("community_worker", f"{STREET}001", None, None),
        "worker2": ("community_worker", f"{STREET}002", None, None),
        "grid": ("grid_worker", f"{STREET}001", first_grid.pk, None),
        "collector": ("collector", f"{STREET}001", None, None),
    }
    for username, (role, area_code, grid_id, building_id) in expected.items():
        assignments = list(users[username].role_assignments.values_list("role", "area_code", "grid_id", "building_id"))
        assert assignments == [(role, area_code, grid_id, building_id)], username
    leader = users["leader"].role_assignments.get()
    assert leader.role == "building_leader" and leader.area_code == f"{STREET}001"
    assert leader.building.community_code == f"{STREET}001"
    for user in users.values():
        assert user.check_password(DEMO_PASSWORD)
        validate_password(DEMO_PASSWORD, user)


def test_a_single_community_still_gets_a_second_worker_next_door(areas):
    demo("--street", STREET, "--communities", "1", "--residents-per-community", "30")
    worker2 = get_user_model().objects.get(username="worker2").role_assignments.get()
    assert worker2.area_code == f"{STREET}002"


def test_a_registered_id_number_is_left_out_not_duplicated(areas):
    area = Area.objects.get(code=f"{STREET}001")
    spec = next(iter(demo_communities.community_specs([area])))
    taken = community_plan(spec, seed=2022, as_of=AS_OF, residents=60).residents[0][2]
    elsewhere = HouseholdFactory(
        building=BuildingFactory(
            grid=GridFactory(community=Area.objects.get(code="510105002002"), community_code="510105002002"),
            community_code="510105002002",
        ),
        community_code="510105002002",
    )
    ResidentFactory(household=elsewhere, id_number=taken)

    result = loader.demo_city_load(communities=[area], seed=2022, residents_per_community=60, as_of=AS_OF, workers=0)

    assert result.id_conflicts == 1
    assert Resident.objects.filter(community_code=area.code).count() == 59
    assert Resident.objects.filter(id_number=taken).count() == 1


def test_unknown_street_is_refused(areas):
    with pytest.raises(CommandError):
        demo("--street", "510104999")


def test_loads_areas_when_missing(areas):
    Area.objects.filter(level=Area.Level.COMMUNITY).delete()

    output = demo("--communities", "1", "--residents-per-community", "10")
    assert "areas loaded" in output
    assert Resident.objects.count() == 10


def test_public_ids_have_the_layout_of_new_public_id():
    ids = loader.public_ids(1000, now_ms=1_700_000_000_000)
    assert ids == sorted(ids) and len(set(ids)) == 1000
    assert all(len(i) == 26 and set(i) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for i in ids)
    assert {i[:10] for i in ids} == {loader.new_public_id(1_700_000_000_000)[:10]}


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_write_the_same_city(areas):
    # Several writer threads on PostgreSQL (each its own connection, so the data is committed);
    # SQLite always writes from one.
    communities = demo_communities.demo_communities_select(street=STREET, count=4)
    loader.demo_city_load(
        communities=communities, seed=3, residents_per_community=90, as_of=AS_OF, workers=0, writers=1
    )
    one_writer, one_writer_tags = snapshot(), tags_snapshot()
    wipe_demo_rows()

    result = loader.demo_city_load(
        communities=communities, seed=3, residents_per_community=90, as_of=AS_OF, workers=0, writers=3
    )

    assert result.residents == 360 and len(result.communities) == 4
    assert snapshot() == one_writer
    assert tags_snapshot() == one_writer_tags
