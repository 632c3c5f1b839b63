import pytest

from gongzhi.core.errors import ApplicationError
from gongzhi.places.models import Area, Household
from gongzhi.places.services import areas_load, building_create, grid_create, household_get_or_create

pytestmark = pytest.mark.django_db


def test_areas_load_builds_the_real_tree_and_is_idempotent():
    Area.objects.filter(level="community").delete()
    Area.objects.filter(code="510104").update(name="旧名")
    first = areas_load()
    assert first == {"created": 3047, "updated": 1, "unchanged": 281}
    assert Area.objects.get(code="510104").name == "锦江区"
    assert Area.objects.filter(level="district").count() == 20
    assert Area.objects.filter(level="street").count() == 261
    assert Area.objects.filter(level="community").count() == 3047
    community = Area.objects.select_related("parent__parent__parent").get(code="510104017001")
    assert community.name == "水井坊社区居委会"
    assert community.parent.code == "510104017"
    assert community.parent.parent.code == "510104"
    assert community.parent.parent.parent.code == "5101"
    assert sum(Area.objects.filter(level="district").values_list("population_2020", flat=True)) == 20_937_757
    second = areas_load()
    assert second == {"created": 0, "updated": 0, "unchanged": 3329}


def test_every_child_code_starts_with_its_parent_code(areas):
    for code, parent_code in Area.objects.filter(parent__isnull=False).values_list("code", "parent__code"):
        assert code.startswith(parent_code)


def test_grid_building_household_chain(community_a):
    grid = grid_create(community_code=community_a.code, number=1)
    assert grid.name == "第1网格"
    building = building_create(grid=grid, number=3, address="水井街12号", floors=6, units=2)
    household, created = household_get_or_create(building=building, unit=2, room=" 501 ")
    assert created
    assert household.address == "水井街12号3栋2单元501"
    assert household.community_code == community_a.code
    again, created_again = household_get_or_create(building=building, unit=2, room="501")
    assert not created_again and again.pk == household.pk
    assert Household.objects.count() == 1


def test_bad_places_are_refused_with_chinese_messages(community_a):
    with pytest.raises(ApplicationError, match="社区代码不存在"):
        grid_create(community_code="510104017999", number=1)
    with pytest.raises(ApplicationError, match="社区代码不存在"):
        grid_create(community_code="510104017", number=1)  # a street, not a community
    grid = grid_create(community_code=community_a.code, number=1)
    with pytest.raises(ApplicationError, match="同编号的网格"):
        grid_create(community_code=community_a.code, number=1)
    with pytest.raises(ApplicationError, match="必须大于0"):
        grid_create(community_code=community_a.code, number=0)
    building_create(grid=grid, number=1)
    with pytest.raises(ApplicationError, match="同编号的楼栋"):
        building_create(grid=grid, number=1)
    with pytest.raises(ApplicationError, match="房号不能为空"):
        household_get_or_create(building=grid.buildings.first(), unit=1, room="  ")


def test_a_household_of_a_building_with_the_longest_address_and_name_is_written(community_a):
    """A building's address (200) and name (60) together pass the household's 200-character address:
    PostgreSQL refused the write (SQLite does not check lengths, so the row there must fit as well)."""
    grid = grid_create(community_code=community_a.code, number=1)
    building = building_create(grid=grid, number=1, name="楼" * 60, address="街" * 200)
    household, created = household_get_or_create(building=building, unit=1, room="1001")
    assert created and len(household.address) == 200
    assert Household.objects.get(pk=household.pk).address == household.address
