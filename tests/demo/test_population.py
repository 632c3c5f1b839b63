"""The demo population rules, without a database."""

import collections
import datetime as dt
import re

import pytest

from gongzhi.demo import names
from gongzhi.demo.households import CHILDREN_WITHOUT_PHONE_BELOW, DAUGHTER, HOUSEHOLDER, SON, SPOUSE
from gongzhi.demo.population import CommunitySpec, IdNumberSlots, community_plan
from gongzhi.people import id_rules
from gongzhi.people.models import VulnerabilityTag

AS_OF = dt.date(2025, 1, 1)
PHONE = re.compile(r"^1[3-9][0-9]{9}$")


def spec(n: int, *, village: bool = False, slots: int = 40) -> CommunitySpec:
    return CommunitySpec(
        code=f"510104017{n:03d}", name="水井坊社区居委会", village=village, district_slot=n - 1, district_slots=slots
    )


def age_on(born_iso: str, day: dt.date = AS_OF) -> int:
    born = dt.date.fromisoformat(born_iso)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@pytest.fixture(scope="module")
def sample():
    """Ten communities of realistic size (about 50,000 residents), every third a village."""
    return [community_plan(spec(n, village=n % 3 == 0), seed=2022, as_of=AS_OF) for n in range(1, 11)]


def test_id_numbers_are_valid_and_match_birth_date_sex_and_district(sample):
    for plan in sample:
        for _, _, id_number, gender, born, _, _ in plan.residents:
            assert id_rules.id_number_error(id_number) is None
            assert id_rules.birth_date_of(id_number).isoformat() == born
            assert id_rules.gender_of(id_number) == gender
            assert id_number[:6] == plan.code[:6]
            assert 0 <= age_on(born) <= 101


def test_id_numbers_are_unique_across_communities_of_a_district(sample):
    numbers = [r[2] for plan in sample for r in plan.residents]
    assert len(numbers) == len(set(numbers))


def test_id_numbers_stay_unique_when_a_district_has_few_communities():
    # Two communities share the 500 sequence numbers of each day: 250 each.
    plans = [community_plan(spec(n, slots=2), seed=1, as_of=AS_OF, residents=8000) for n in (1, 2)]
    numbers = [r[2] for plan in plans for r in plan.residents]
    assert len(numbers) == len(set(numbers)) == 16_000


@pytest.mark.parametrize("slots", [1, 3, 499, 500, 501, 1200])
def test_id_slots_of_a_district_never_collide(slots):
    taken = set()
    positions = sorted({0, 1, slots // 2, slots - 1} & set(range(slots)))
    for slot in positions:
        allocator = IdNumberSlots(
            CommunitySpec(code="510104017001", name="x", village=False, district_slot=slot, district_slots=slots)
        )
        for i in range(400):
            born = 720_000 + i % 20  # many people born on a few days
            day, seq = allocator.take(born, male=i % 2 == 0)
            assert day <= born and 0 <= seq < 500
            key = (day, seq, i % 2 == 0)
            assert key not in taken
            taken.add(key)


def test_same_seed_same_community_whatever_else_is_generated():
    alone = community_plan(spec(3), seed=2022, as_of=AS_OF, residents=500)
    community_plan(spec(1), seed=2022, as_of=AS_OF, residents=500)
    after_others = community_plan(spec(3), seed=2022, as_of=AS_OF, residents=500)
    assert alone == after_others
    other_seed = community_plan(spec(3), seed=2023, as_of=AS_OF, residents=500)
    assert [r[1] for r in other_seed.residents] != [r[1] for r in alone.residents]


def test_fixed_head_count_is_exact():
    for count in (0, 1, 7, 1234):
        assert len(community_plan(spec(1), seed=5, as_of=AS_OF, residents=count).residents) == count


def test_default_head_count_is_realistic(sample):
    for plan in sample:
        assert 2000 <= len(plan.residents) <= 8000


def test_age_pyramid_is_close_to_the_2020_census(sample):
    ages = [age_on(r[4]) for plan in sample for r in plan.residents]
    share = collections.Counter()
    for age in ages:
        share["0-14"] += age <= 14
        share["60+"] += age >= 60
        share["65+"] += age >= 65
    n = len(ages)
    assert share["0-14"] / n == pytest.approx(0.18, abs=0.025)
    assert share["60+"] / n == pytest.approx(0.187, abs=0.025)
    assert share["65+"] / n == pytest.approx(0.135, abs=0.02)


def test_household_sizes_follow_the_census(sample):
    sizes = collections.Counter()
    for plan in sample:
        sizes.update(collections.Counter(r[0] for r in plan.residents).values())
    households = sum(sizes.values())
    mean = sum(size * count for size, count in sizes.items()) / households
    assert mean == pytest.approx(2.6, abs=0.1)
    assert set(sizes) <= {1, 2, 3, 4, 5, 6}
    assert sizes[1] / households == pytest.approx(0.254, abs=0.03)
    assert sizes[2] / households == pytest.approx(0.297, abs=0.03)
    assert sizes[6] / households == pytest.approx(0.045, abs=0.015)


def test_tag_shares_are_plausible(sample):
    residents = sum(len(plan.residents) for plan in sample)
    tags = collections.Counter(tag for plan in sample for _, tag in plan.tags)
    assert set(tags) <= set(VulnerabilityTag.values)
    assert tags["party_member"] / residents == pytest.approx(0.065, abs=0.012)
    assert tags["insulin"] / residents == pytest.approx(0.01, abs=0.004)
    assert 3 <= tags["dialysis"] <= 60  # about 0.04 %: ~20 in 50,000
    assert 0.08 <= tags["chronic"] / residents <= 0.2
    assert 0.02 <= tags["disabled"] / residents <= 0.07
    assert 0.003 <= tags["pregnant"] / residents <= 0.012
    assert 0.002 <= tags["bedridden"] / residents <= 0.015
    assert 0.03 <= tags["migrant_worker"] / residents <= 0.12
    assert 0.01 <= tags["elderly_alone"] / residents <= 0.04


def test_tags_fit_the_person(sample):
    for plan in sample:
        sizes = collections.Counter(r[0] for r in plan.residents)
        by_resident = collections.defaultdict(set)
        for resident, tag in plan.tags:
            assert tag not in by_resident[resident]
            by_resident[resident].add(tag)
        for index, resident_tags in by_resident.items():
            household, _, _, gender, born, _, _ = plan.residents[index]
            age = age_on(born)
            if "elderly_alone" in resident_tags:
                assert age >= 60 and sizes[household] == 1
            if "pregnant" in resident_tags:
                assert gender == "F" and 20 <= age < 45
            if resident_tags & {"dialysis", "insulin"}:
                assert "chronic" in resident_tags
            if "party_member" in resident_tags:
                assert age >= 18


def test_phones_are_mobiles_and_children_have_none(sample):
    for plan in sample:
        for _, _, _, _, born, phone, _ in plan.residents:
            if age_on(born) < CHILDREN_WITHOUT_PHONE_BELOW:
                assert phone == ""
            elif phone:
                assert PHONE.match(phone) and id_rules.phone_error(phone) is None
    with_phone = sum(1 for plan in sample for r in plan.residents if r[5])
    assert with_phone / sum(len(plan.residents) for plan in sample) > 0.7


def test_households_have_one_householder_and_children_younger_than_parents(sample):
    for plan in sample:
        members = collections.defaultdict(list)
        for household, name, _, _, born, _, relation in plan.residents:
            members[household].append((relation, age_on(born), name))
        for people in members.values():
            assert [p[0] for p in people].count(HOUSEHOLDER) == 1
            parents = [age for relation, age, _ in people if relation in (HOUSEHOLDER, SPOUSE)]
            for relation, age, _ in people:
                if relation in (SON, DAUGHTER):
                    # Allow a day's shift of the birth date to free an ID sequence number.
                    assert age <= max(parents) - 19


def test_names_are_chinese_names(sample):
    for plan in sample:
        for _, name, *_ in plan.residents:
            assert 2 <= len(name) <= 3
            assert name[0] in names.SURNAMES


def test_places_are_consistent(sample):
    for plan in sample:
        assert [g[0] for g in plan.grids] == list(range(1, len(plan.grids) + 1))
        assert [b[1] for b in plan.buildings] == list(range(1, len(plan.buildings) + 1))
        per_grid = collections.Counter(plan.buildings[h[0]][0] for h in plan.households)
        assert set(per_grid) == set(range(len(plan.grids)))
        for count in per_grid.values():
            assert 150 <= count <= 900
        doors = set()
        for building, unit, room, address in plan.households:
            _, _, name, street_address, floors, units = plan.buildings[building]
            assert address == f"{street_address}{name}{unit}单元{room}"
            assert 1 <= unit <= units and 1 <= int(room[:-2]) <= floors
            assert (building, unit, room) not in doors
            doors.add((building, unit, room))
        assert {r[0] for r in plan.residents} == set(range(len(plan.households)))


def test_village_addresses_use_the_village_name():
    plan = community_plan(
        CommunitySpec(code="510121102201", name="三圣村村民委员会", village=True, district_slot=0, district_slots=200),
        seed=2022,
        as_of=AS_OF,
        residents=300,
    )
    assert all(h[3].startswith("三圣村") and "组" in h[3] for h in plan.households)
    assert all(b[4] <= 3 for b in plan.buildings)


def test_place_name_drops_the_committee_suffix():
    assert names.place_name("三圣村村民委员会") == "三圣村"
    assert names.place_name("水井坊社区居委会") == "水井坊社区"
    assert names.place_name("天瑞社区工作站社区") == "天瑞社区工作站社区"
