"""Who lives in a demo community, and where: the population rules. No Django here.

`community_plan` turns (seed, community) into grids, buildings, households, residents and tags as
plain tuples (who lives behind each door: demo.households); the loader gives them primary keys and
writes them. Every draw comes from one `random.Random` seeded by (seed, community code), so a
community looks the same whichever other communities are generated with it, and in whatever order.
"""

import bisect
import datetime as dt
import itertools
import random
from dataclasses import dataclass, field

from gongzhi.demo import names
from gongzhi.demo.households import (
    CHILDREN_WITHOUT_PHONE_BELOW,
    DAUGHTER,
    MAX_AGE,
    MOTHER,
    SON,
    SPOUSE,
    draw_household_size,
    household_members,
    member_tags,
)
from gongzhi.people.id_rules import make_id_number

# ID number sequences per (district, birth date, sex): 000-999 with the sex in the last digit.
SEQUENCES_PER_DATE = 500
MAX_RESIDENTS_PER_COMMUNITY = 20_000
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
