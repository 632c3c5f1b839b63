"""Who lives behind a door in a demo community: ages from the census pyramid, household sizes and
composition, and the vulnerability tags people carry. No Django here."""

import bisect
import itertools
import random

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
