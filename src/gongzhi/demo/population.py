"""Who lives in a demo community, and where: the population rules. No Django here.

`community_plan` turns (seed, community) into grids, buildings, households, residents and tags as
plain tuples; the loader gives them primary keys and writes them. Every draw comes from one
`random.Random` seeded by (seed, community code), so a community looks the same whichever other
communities are generated with it, and in whatever order.
"""

import bisect
import datetime as dt
import itertools
import random
from dataclasses import dataclass, field

from gongzhi.demo import names
from gongzhi.people.id_rules import make_id_number

# China 2020 census (七普), share of the population in percent per 5-year age group, 0-4 .. 100+.
# 0-14: 17.95 %, 60+: 18.70 %, 65+: 13.50 %.
AGE_GROUP_SHARES = (
    5.52,
    6.40,
    6.04,
    5.15,
    5.31,
    6.51,
    8.80,
    7.02,
    6.59,
    8.10,
    8.59,
    7.19,
    5.20,
    5.25,
    3.52,
    2.21,
    1.45,
    0.76,
    0.27,
    0.06,
    0.01,
)
MAX_AGE = 100
_AGE_WEIGHTS = [AGE_GROUP_SHARES[min(age // 5, 20)] / (1 if age == MAX_AGE else 5) for age in range(MAX_AGE + 1)]
_AGE_CUM = list(itertools.accumulate(_AGE_WEIGHTS))

# Household sizes 1..6 (6 = six or more), China 2020 census family households, percent;
# the mean is about 2.6 persons.
HOUSEHOLD_SIZE_SHARES = (25.4, 29.7, 21.0, 13.2, 6.2, 4.5)
_SIZE_CUM = list(itertools.accumulate(HOUSEHOLD_SIZE_SHARES))

# ID number sequences per (district, birth date, sex): 000-999 with the sex in the last digit.
SEQUENCES_PER_DATE = 500
MAX_RESIDENTS_PER_COMMUNITY = 20_000
# Children under this age have no mobile of their own; the household's adults are called.
CHILDREN_WITHOUT_PHONE_BELOW = 15

# The values of people.models.VulnerabilityTag (this module stays free of Django).
ELDERLY_ALONE = "elderly_alone"
CHRONIC = "chronic"
DIALYSIS = "dialysis"
INSULIN = "insulin"
BEDRIDDEN = "bedridden"
PREGNANT = "pregnant"
DISABLED = "disabled"
MIGRANT_WORKER = "migrant_worker"
PARTY_MEMBER = "party_member"

HOUSEHOLDER = "户主"
SPOUSE = "配偶"
SON, DAUGHTER = "子", "女"
FATHER, MOTHER = "父亲", "母亲"

# (floors range, units range, doors per floor per unit, buildings per compound range, weight)
_URBAN_BUILDINGS = (
    ((5, 7), (1, 4), 2, (4, 14), 45),  # 老旧院落: brick walk-ups of the 1980s-90s
    ((8, 11), (2, 3), 3, (3, 10), 20),  # 小高层
    ((18, 33), (1, 2), 4, (2, 8), 35),  # 高层 towers
)
_VILLAGE_BUILDINGS = (((2, 3), (1, 1), 2, (12, 40), 100),)  # 村民小组 of self-built houses
_URBAN_VACANCY = 0.12
_VILLAGE_VACANCY = 0.2
GRID_HOUSEHOLDS = (300, 500)


@dataclass
class CommunitySpec:
    """What the rules need to know about a real community."""

    code: str
    name: str
    village: bool
    # The community's position among the communities of its district, and their number: it
    # decides which ID sequence numbers the community may use, so districts never collide.
    district_slot: int
    district_slots: int


@dataclass
class CommunityPlan:
    """A community's places and people as tuples; indexes refer to the lists of this plan."""

    code: str
    # (number, name)
    grids: list[tuple[int, str]] = field(default_factory=list)
    # (grid index, number, name, address, floors, units)
    buildings: list[tuple[int, int, str, str, int, int]] = field(default_factory=list)
    # (building index, unit, room, address)
    households: list[tuple[int, int, str, str]] = field(default_factory=list)
    # (household index, name, id number, gender M/F, birth date ISO, phone, relation)
    residents: list[tuple[int, str, str, str, str, str, str]] = field(default_factory=list)
    # (resident index, tag)
    tags: list[tuple[int, str]] = field(default_factory=list)


def community_rng(seed: int, code: str) -> random.Random:
    """The community's own random stream; a str seed is hashed with SHA-512, stable everywhere."""
    return random.Random(f"gongzhi-demo:{seed}:{code}")


def draw_community_size(rng: random.Random, village: bool) -> int:
    """Residents of a community: urban 2,500-8,000 (mode 5,500), villages 2,000-6,000 (mode
    3,500)."""
    if village:
        return round(rng.triangular(2000, 6000, 3500))
    return round(rng.triangular(2500, 8000, 5500))


def draw_age(rng: random.Random, lo: int = 0, hi: int = MAX_AGE) -> int:
    """An age in [lo, hi] drawn from the census pyramid restricted to that range."""
    lo, hi = max(lo, 0), min(hi, MAX_AGE)
    base = _AGE_CUM[lo - 1] if lo > 0 else 0.0
    age = bisect.bisect_left(_AGE_CUM, base + rng.random() * (_AGE_CUM[hi] - base))
    return min(max(age, lo), hi)


def draw_household_size(rng: random.Random) -> int:
    """1..6 persons by the census shares."""
    return bisect.bisect_right(_SIZE_CUM, rng.random() * _SIZE_CUM[-1]) + 1


def _child_age(rng: random.Random, parent_age: int) -> int:
    return draw_age(rng, max(0, parent_age - 40), max(0, parent_age - 20))


def _parent_age(rng: random.Random, child_age: int) -> int:
    return draw_age(rng, max(child_age + 22, 50), min(child_age + 40, MAX_AGE))


def _couple(rng: random.Random, lo: int, hi: int) -> list[tuple[str, int, bool]]:
    age = draw_age(rng, lo, hi)
    male = rng.random() < 0.6
    gap = round(rng.gauss(2.5, 3))  # husbands are on average a little older
    spouse = min(max(age - gap if male else age + gap, 20), MAX_AGE)
    return [(HOUSEHOLDER, age, male), (SPOUSE, spouse, not male)]


def _children(rng: random.Random, members: list[tuple[str, int, bool]], count: int) -> None:
    # The mother's age bounds her children's; a single parent is the householder.
    householder_male = members[0][2]
    mother_age = members[1][1] if householder_male and len(members) > 1 else members[0][1]
    for _ in range(count):
        male = rng.random() < 0.52
        members.append((SON if male else DAUGHTER, _child_age(rng, mother_age), male))


def _grandparents(rng: random.Random, members: list[tuple[str, int, bool]], count: int) -> None:
    age = _parent_age(rng, members[0][1])
    members.append((MOTHER, age, False))
    if count == 2:
        members.append((FATHER, min(age + round(rng.gauss(2.5, 2)), MAX_AGE), True))


def household_members(rng: random.Random, size: int) -> list[tuple[str, int, bool]]:
    """The (relation to the householder, age, male) of each member of a household of `size`.

    Templates follow the census family types: one-person households (many of them elderly),
    couples, nuclear families, and three generations in the larger households.
    """
    if size == 1:
        age = draw_age(rng, 18)
        return [(HOUSEHOLDER, age, rng.random() < (0.55 if age < 60 else 0.4))]
    kind = rng.random()
    if size == 2:
        if kind < 0.47:
            return _couple(rng, 22, MAX_AGE)
        if kind < 0.62:  # 空巢: elderly couples whose children have left
            return _couple(rng, 55, MAX_AGE)
        if kind < 0.82:
            age = draw_age(rng, 30, 60)
            members = [(HOUSEHOLDER, age, rng.random() < 0.3)]
            _children(rng, members, 1)
            return members
        age = draw_age(rng, 25, 58)
        members = [(HOUSEHOLDER, age, rng.random() < 0.5)]
        _grandparents(rng, members, 1)
        return members
    if size == 3:
        if kind < 0.85:
            members = _couple(rng, 22, 50)
            _children(rng, members, 1)
        else:
            members = _couple(rng, 28, 58)
            _grandparents(rng, members, 1)
        return members
    if size == 4:
        members = _couple(rng, 24, 50)
        if kind < 0.45:
            _children(rng, members, 2)
        else:
            _children(rng, members, 1)
            _grandparents(rng, members, 1)
        return members
    if size == 5:
        members = _couple(rng, 24, 52)
        if kind < 0.75:
            _children(rng, members, 1)
            _grandparents(rng, members, 2)
        else:
            _children(rng, members, 3)
        return members
    members = _couple(rng, 24, 52)
    _children(rng, members, size - 4)
    _grandparents(rng, members, 2)
    return members


def member_tags(
    rng: random.Random,
    age: int,
    male: bool,
    *,
    alone: bool,
    migrant_household: bool,
) -> list[str]:
    """The vulnerability tags of one person.

    Rates per age band are rough national figures: chronic disease under management about 13 %
    of everyone (most of the elderly); dialysis about 0.04 %; insulin about 1 %; bedridden a few
    percent of the old; pregnant and post-partum women about 0.6 %; certified disability about
    3-5 %; party members about 6.5 % (98 million of 1.41 billion).
    """
    tags = []
    r = rng.random
    if alone and age >= 60:
        tags.append(ELDERLY_ALONE)
    if age < 15:
        chronic, dialysis, insulin, bedridden, disabled = 0.005, 0.0, 0.0002, 0.0003, 0.008
    elif age < 45:
        chronic, dialysis, insulin, bedridden, disabled = 0.04, 0.0002, 0.003, 0.0003, 0.03
    elif age < 60:
        chronic, dialysis, insulin, bedridden, disabled = 0.15, 0.0006, 0.015, 0.001, 0.04
    elif age < 70:
        chronic, dialysis, insulin, bedridden, disabled = 0.35, 0.001, 0.025, 0.008, 0.07
    elif age < 80:
        chronic, dialysis, insulin, bedridden, disabled = 0.5, 0.001, 0.025, 0.03, 0.09
    else:
        chronic, dialysis, insulin, bedridden, disabled = 0.6, 0.0008, 0.02, 0.1, 0.18
    on_dialysis = r() < dialysis
    on_insulin = r() < insulin
    if on_dialysis or on_insulin or r() < chronic:
        tags.append(CHRONIC)
    if on_dialysis:
        tags.append(DIALYSIS)
    if on_insulin:
        tags.append(INSULIN)
    if r() < bedridden:
        tags.append(BEDRIDDEN)
    if not male and 20 <= age < 45:
        pregnant = (0.03, 0.06, 0.045, 0.02, 0.004)[(age - 20) // 5]
        if r() < pregnant:
            tags.append(PREGNANT)
    if r() < disabled:
        tags.append(DISABLED)
    if 16 <= age < 60 and (migrant_household or (alone and age < 45 and r() < 0.3)):
        tags.append(MIGRANT_WORKER)
    if age >= 18 and r() < (0.05 if age < 35 else 0.08 if age < 60 else 0.12):
        tags.append(PARTY_MEMBER)
    return tags


class IdNumberSlots:
    """Hands out (birth date, sequence) pairs no other community of the district can use.

    A district has 500 sequence numbers per birth date and sex. With K communities, the one at
    position k owns the numbers s with s % K == k; when K > 500 it owns one number, and only on
    every ceil(K / 500)-th day. A birth date already taken in the community moves a day earlier.
    """

    def __init__(self, spec: CommunitySpec):
        slots, slot = spec.district_slots, spec.district_slot
        if not 0 <= slot < slots:
            raise ValueError("district_slot must be in [0, district_slots)")
        if slots <= SEQUENCES_PER_DATE:
            self.sequences = tuple(range(slot, SEQUENCES_PER_DATE, slots))
            self.day_stride, self.day_phase = 1, 0
        else:
            self.sequences = (slot % SEQUENCES_PER_DATE,)
            self.day_stride = -(-slots // SEQUENCES_PER_DATE)
            self.day_phase = slot // SEQUENCES_PER_DATE
        self.used: set[tuple[int, int, bool]] = set()

    def take(self, born: int, male: bool) -> tuple[int, int]:
        """A free (birth date ordinal, sequence) at or before `born`."""
        day = born - (born - self.day_phase) % self.day_stride
        used = self.used
        while True:
            for seq in self.sequences:
                key = (day, seq, male)
                if key not in used:
                    used.add(key)
                    return day, seq
            day -= self.day_stride


def _birth_ranges(as_of: dt.date) -> list[tuple[int, int]]:
    """Per age, the ordinals (first, last) of birth dates giving exactly that age on as_of."""

    def years_before(years: int) -> dt.date:
        try:
            return as_of.replace(year=as_of.year - years)
        except ValueError:  # 29 February
            return as_of.replace(year=as_of.year - years, day=28)

    return [(years_before(age + 1).toordinal() + 1, years_before(age).toordinal()) for age in range(MAX_AGE + 1)]


def _place_households(rng: random.Random, spec: CommunitySpec, plan: CommunityPlan, count: int) -> None:
    """Compounds of buildings, flats filled in door order with some left empty, and grids of
    300-500 households cut at building boundaries."""
    kinds = _VILLAGE_BUILDINGS if spec.village else _URBAN_BUILDINGS
    kind_cum = list(itertools.accumulate(k[4] for k in kinds))
    vacancy = _VILLAGE_VACANCY if spec.village else _URBAN_VACANCY
    place = names.place_name(spec.name)
    roads = [names.draw_road(rng) for _ in range(rng.randint(3, 6))]
    grid_target = rng.randint(*GRID_HOUSEHOLDS)
    grid_households = 0
    plan.grids.append((1, "第1网格"))
    placed = 0
    compound = 0
    while placed < count:
        compound += 1
        kind = kinds[bisect.bisect_right(kind_cum, rng.random() * kind_cum[-1])]
        (floors_lo, floors_hi), (units_lo, units_hi), doors, (size_lo, size_hi), _ = kind
        if spec.village:
            address = f"{place}{compound}组"
        else:
            address = f"{rng.choice(roads)}{rng.randint(1, 300)}号{names.draw_compound_name(rng)}"
        floors, units = rng.randint(floors_lo, floors_hi), rng.randint(units_lo, units_hi)
        for number_in_compound in range(1, rng.randint(size_lo, size_hi) + 1):
            if placed >= count:
                break
            # A building goes to the next grid when less than half of it would fit.
            flats = floors * units * doors * (1 - vacancy)
            if grid_households and grid_households + flats / 2 > grid_target:
                plan.grids.append((len(plan.grids) + 1, f"第{len(plan.grids) + 1}网格"))
                grid_target, grid_households = rng.randint(*GRID_HOUSEHOLDS), 0
            building = len(plan.buildings)
            name = f"{number_in_compound}栋"
            plan.buildings.append((len(plan.grids) - 1, building + 1, name, address, floors, units))
            prefix = f"{address}{name}"
            for unit in range(1, units + 1):
                for floor in range(1, floors + 1):
                    for door in range(1, doors + 1):
                        if placed >= count or rng.random() < vacancy:
                            continue
                        room = f"{floor}{door:02d}"
                        plan.households.append((building, unit, room, f"{prefix}{unit}单元{room}"))
                        placed += 1
                        grid_households += 1
    # A small last grid joins the one before it.
    if len(plan.grids) > 1 and grid_households < GRID_HOUSEHOLDS[0] // 2:
        plan.grids.pop()
        last = len(plan.grids) - 1
        plan.buildings[:] = [
            (min(g, last), n, name, address, floors, units) for g, n, name, address, floors, units in plan.buildings
        ]


def community_plan(spec: CommunitySpec, *, seed: int, as_of: dt.date, residents: int | None = None) -> CommunityPlan:
    """The demo population of one community, the same for the same (seed, community, as_of).

    `residents` fixes the head count (benchmarks); by default it is drawn from the seed.
    Ages are on `as_of`, which must not be in the future for the ID numbers to be valid.
    """
    rng = community_rng(seed, spec.code)
    size_drawn = draw_community_size(rng, spec.village)
    target = size_drawn if residents is None else residents
    if not 0 <= target <= MAX_RESIDENTS_PER_COMMUNITY:
        raise ValueError(f"residents per community must be in 0..{MAX_RESIDENTS_PER_COMMUNITY}")
    plan = CommunityPlan(code=spec.code)
    households: list[list[tuple[str, int, bool]]] = []
    total = 0
    while total < target:
        households.append(household_members(rng, min(draw_household_size(rng), target - total)))
        total += len(households[-1])
    _place_households(rng, spec, plan, len(households))

    area6 = spec.code[:6]
    slots = IdNumberSlots(spec)
    birth_ranges = _birth_ranges(as_of)
    dates: dict[int, tuple[dt.date, str]] = {}
    migrant_share = 0.04 if spec.village else 0.1
    residents_out, tags_out = plan.residents, plan.tags
    r = rng.random
    for index, members in enumerate(households):
        alone = len(members) == 1
        migrant = r() < migrant_share
        surname = names.draw_surname(rng)
        spouse_surname = names.draw_surname(rng)
        # Children carry their father's surname: the spouse's when the householder is a woman.
        children_of_spouse = not members[0][2] and len(members) > 1 and members[1][0] == SPOUSE
        for relation, age, male in members:
            first, last = birth_ranges[age]
            day, seq = slots.take(first + int(r() * (last - first + 1)), male)
            born = dates.get(day)
            if born is None:
                date = dt.date.fromordinal(day)
                born = dates[day] = (date, date.isoformat())
            if day < first:  # moved back past a birthday to free a sequence number
                age = as_of.year - born[0].year - ((as_of.month, as_of.day) < (born[0].month, born[0].day))
            if relation == SPOUSE or (relation in (SON, DAUGHTER) and children_of_spouse):
                family = spouse_surname
            elif relation == MOTHER:
                family = names.draw_surname(rng)
            else:
                family = surname
            name = family + names.draw_given_name(rng, born[0].year, male)
            if age < CHILDREN_WITHOUT_PHONE_BELOW:
                phone = ""
            elif age < 18 or age >= 80:
                phone = names.draw_mobile(rng) if r() < 0.6 else ""
            else:
                phone = names.draw_mobile(rng) if r() < 0.97 else ""
            resident = len(residents_out)
            residents_out.append(
                (index, name, make_id_number(area6, born[0], seq, male), "M" if male else "F", born[1], phone, relation)
            )
            for tag in member_tags(rng, age, male, alone=alone, migrant_household=migrant):
                tags_out.append((resident, tag))
    return plan
