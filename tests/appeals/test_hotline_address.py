"""A 12345 address placed on its household (appeals.services.hotline.households_at): the forms people
and the hotline write a door in (幢, 号楼, 1-1-101, 一栋, a remark in brackets, 小区, no road
number) reach the household; two candidates place on none; the whole file is matched in a few
queries, not one per row."""

import pytest

from gongzhi.appeals.services.hotline import household_at, households_at, normalise_address
from tests.factories import BuildingFactory, GridFactory, HouseholdFactory

pytestmark = pytest.mark.django_db

STREET = "510104017"


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("书院横街39号明珠华庭1栋1单元101", "书院横街39号明珠华庭1栋1单元101"),
        ("书院横街39号明珠华庭1幢1单元101室", "书院横街39号明珠华庭1栋1单元101"),
        ("明珠华庭1号楼1单元101号", "明珠华庭1栋1单元101"),
        ("明珠华庭1号栋1单元101", "明珠华庭1栋1单元101"),
        ("明珠华庭1-1-101", "明珠华庭1栋1单元101"),
        ("明珠华庭1栋1-101", "明珠华庭1栋1单元101"),
        ("明珠华庭一栋一单元101", "明珠华庭1栋1单元101"),
        ("明珠华庭十二栋二单元101", "明珠华庭12栋2单元101"),
        ("明珠华庭二十一栋1单元101", "明珠华庭21栋1单元101"),
        ("明珠华庭小区1栋1单元101", "明珠华庭1栋1单元101"),
        ("明珠华庭 1栋 1单元 101（老人独居）", "明珠华庭1栋1单元101"),
        ("明珠华庭1栋1单元101(独居)(急)", "明珠华庭1栋1单元101"),
        ("明珠华庭１栋１单元１０１", "明珠华庭1栋1单元101"),
    ],
)
def test_normalise_address(written, normalised):
    assert normalise_address(written) == normalised


@pytest.fixture
def doors(community_a, community_b):
    """明珠华庭 (书院横街39号) in community_a, 1栋1单元101-103; 锦华苑 in both communities (the same
    door twice: ambiguous without its road number); a bare building 7栋 in community_a."""
    grid_a = GridFactory(community=community_a)
    grid_b = GridFactory(community=community_b, community_code=community_b.code)
    pearl = BuildingFactory(grid=grid_a, address="书院横街39号明珠华庭", name="1栋")
    brocade_a = BuildingFactory(grid=grid_a, address="水井街1号锦华苑", name="2幢")
    brocade_b = BuildingFactory(grid=grid_b, address="崇德里8号锦华苑", name="2幢")
    bare = BuildingFactory(grid=grid_a, address="", name="7栋")
    return {
        "p101": HouseholdFactory(building=pearl, room="101"),
        "p102": HouseholdFactory(building=pearl, room="102"),
        "p103": HouseholdFactory(building=pearl, room="103"),
        "ba": HouseholdFactory(building=brocade_a, room="501"),  # 水井街1号锦华苑2幢1单元501
        "bb": HouseholdFactory(building=brocade_b, room="501"),  # 崇德里8号锦华苑2幢1单元501
        "bare": HouseholdFactory(building=bare, room="601"),  # 7栋1单元601
    }


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("书院横街39号明珠华庭1栋1单元101", "p101"),
        ("成都市锦江区书院横街39号明珠华庭1栋1单元101室", "p101"),
        ("四川省成都市锦江区书院街街道书院横街39号明珠华庭1栋1单元102室", "p102"),
        ("锦江区书院横街39号明珠华庭1幢1单元101", "p101"),
        ("书院横街39号明珠华庭1号楼1单元102", "p102"),
        ("书院横街39号明珠华庭1-1-103", "p103"),
        ("书院横街39号明珠华庭1栋1-103", "p103"),
        ("书院横街39号 明珠华庭 1栋 1单元 101", "p101"),
        ("书院横街39号明珠华庭一栋一单元101", "p101"),
        ("书院横街39号明珠华庭1栋一单元102", "p102"),
        ("书院横街39号明珠华庭1栋1单元101号", "p101"),
        ("书院横街39号明珠华庭小区1栋1单元101", "p101"),
        ("书院横街39号明珠华庭1栋1单元101（老人独居）", "p101"),
        ("明珠华庭1栋1单元103", "p103"),  # no road number: the compound's door is unique in the street
        ("锦江区明珠华庭小区一栋一单元103室", "p103"),
        ("书院横街39号附1号明珠华庭1栋1单元101", "p101"),
        ("水井街1号锦华苑2栋1单元501", "ba"),  # the road number tells the two 锦华苑 apart
        ("崇德里8号锦华苑2号楼1单元501室", "bb"),
        ("锦华苑2栋1单元501", None),  # without it: two candidates, none chosen
        ("锦江区7栋1单元601", "bare"),
        ("书院横街39号明珠华庭1栋1单元104", None),  # no such door
        ("书院横街39号明珠华庭1栋101", None),  # the unit left out: not guessed
        ("书院横街39号明珠华庭2栋1单元101", None),
        ("某地", None),
    ],
)
def test_an_address_in_another_form_is_placed_on_its_household_never_on_one_of_two(doors, address, expected):
    household, count = household_at(address, STREET)
    assert (household.pk if household else None) == (doors[expected].pk if expected else None)
    if address == "锦华苑2栋1单元501":
        assert count == 2


def test_inside_one_community_the_door_without_its_road_number_is_unique(doors):
    household, _count = household_at("锦华苑2栋1单元501", doors["ba"].community_code)
    assert household == doors["ba"]


def test_a_whole_file_of_addresses_is_matched_in_a_few_queries(doors, django_assert_max_num_queries):
    addresses = [f"书院横街39号明珠华庭1栋1单元{100 + i % 10}室" for i in range(500)]
    with django_assert_max_num_queries(2):
        found = households_at(addresses, STREET)
    assert found["书院横街39号明珠华庭1栋1单元101室"] == (doors["p101"].pk, 1)
    assert found["书院横街39号明珠华庭1栋1单元109室"] == (None, 0)
