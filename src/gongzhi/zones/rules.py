"""Risk zones (封控区 lockdown, 管控区 control, 防范区 prevention) from positive cases. No Django here.

A rule set (versioned; the city may configure its own) says, for each positive case, which area
around it becomes which kind of zone: by default its building a lockdown zone, its grid (its
community where the building is in no grid) a control zone, its street a prevention zone. Staff
confirm, widen or narrow what is proposed; the rules only propose.

A zone is released when its kind's conditions hold: so many days without a new positive inside it
and so many negative testing rounds of its area since its last positive (or since it began). The
release is proposed when they hold and refused, with the reason, before: never silent.

Where zones overlap, the strictest applies to a place (a building locked down inside a controlled
grid is locked down). The kinds also decide what the other modules do for the people inside:
pooling (single tube in lockdown and control), door delivery and priority for supplies, and how many
levels a resident's request is raised.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from gongzhi.core.errors import Problem

LOCKDOWN, CONTROL, PREVENTION = "lockdown", "control", "prevention"
KINDS = (LOCKDOWN, CONTROL, PREVENTION)  # strictest first
BUILDING, GRID, COMMUNITY, STREET, DISTRICT = "building", "grid", "community", "street", "district"
LEVELS = (BUILDING, GRID, COMMUNITY, STREET, DISTRICT)  # narrowest first

# Problem codes (words in zones.messages).
RELEASE_TOO_SOON = "release_too_soon"  # {"kind", "days", "since", "hours_left"}
RELEASE_ROUNDS = "release_rounds"  # {"kind", "rounds", "negative_rounds"}
RULE_UNKNOWN_KIND = "rule_unknown_kind"  # {"kind"}
RULE_UNKNOWN_LEVEL = "rule_unknown_level"  # {"level"}
RULE_ORDER = "rule_order"  # {"kind", "level", "other_kind", "other_level"}: a stricter kind over a wider area
RULE_BAD_NUMBER = "rule_bad_number"  # {"kind", "name", "value"}
EDIT_OUTSIDE = "edit_outside"  # {"buildings"}: buildings chosen outside the zone's area
EDIT_EMPTY = "edit_empty"  # a zone of no building
CODES = (
    RELEASE_TOO_SOON,
    RELEASE_ROUNDS,
    RULE_UNKNOWN_KIND,
    RULE_UNKNOWN_LEVEL,
    RULE_ORDER,
    RULE_BAD_NUMBER,
    EDIT_OUTSIDE,
    EDIT_EMPTY,
)


@dataclass(frozen=True)
class Tier:
    """Around each positive case, the area at `level` becomes a zone of `kind`."""

    kind: str
    level: str


@dataclass(frozen=True)
class KindRule:
    """What a kind of zone means and when it ends."""

    release_days: int  # days without a new positive inside
    release_rounds: int  # negative testing rounds of the zone's area since its last positive
    pool_size: int  # the testing pool size for residents inside (1: single tube)
    round_every_hours: int  # a testing round of the zone's area suggested this often
    raise_by: int  # urgency levels a resident's request from inside is raised
    door_delivery: bool  # supplies delivered to the door, first in allocation and routing


@dataclass(frozen=True)
class RuleSet:
    version: str
    tiers: tuple[Tier, ...]
    kinds: Mapping[str, KindRule]


# The defaults a city starts from (a city's own rule set, checked by check_rules, replaces them): the
# three tiers of the 2022 practice, single tube in lockdown and control, 20-in-1 in prevention
# (DOMAIN.md). The days and rounds of a release are defaults to be set by the city, not cited facts.
DEFAULT_RULES = RuleSet(
    version="default-1",
    tiers=(Tier(LOCKDOWN, BUILDING), Tier(CONTROL, GRID), Tier(PREVENTION, STREET)),
    kinds={
        LOCKDOWN: KindRule(
            release_days=7, release_rounds=2, pool_size=1, round_every_hours=24, raise_by=1, door_delivery=True
        ),
        CONTROL: KindRule(
            release_days=7, release_rounds=1, pool_size=1, round_every_hours=24, raise_by=0, door_delivery=False
        ),
        PREVENTION: KindRule(
            release_days=3, release_rounds=1, pool_size=20, round_every_hours=48, raise_by=0, door_delivery=False
        ),
    },
)


@dataclass(frozen=True)
class Place:
    """Where a case (or a resident) lives: building key, grid key (None: in no grid), 12-digit
    community code. The street and district are the community code's first 9 and 6 digits."""

    building: str
    grid: str | None
    community: str

    def area(self, level: str) -> tuple[str, str]:
        """The (level, key) of the area at `level` holding this place; a grid falls back to the
        community when the building is in no grid."""
        if level == BUILDING:
            return BUILDING, self.building
        if level == GRID:
            return (GRID, self.grid) if self.grid is not None else (COMMUNITY, self.community)
        if level == COMMUNITY:
            return COMMUNITY, self.community
        if level == STREET:
            return STREET, self.community[:9]
        if level == DISTRICT:
            return DISTRICT, self.community[:6]
        raise ValueError(level)

    def areas(self) -> set[tuple[str, str]]:
        """Every area holding this place."""
        return {self.area(level) for level in LEVELS}


@dataclass(frozen=True)
class Case:
    """A positive case: its key (a resident's or sample's public id) and place."""

    key: str
    place: Place


@dataclass(frozen=True)
class Proposal:
    """A zone the rules propose: its kind, its area, the cases it is drawn from (sorted keys), the
    rules' version."""

    kind: str
    level: str
    area: str
    cases: tuple[str, ...]
    version: str
    community: str = field(default="")  # a community of the area (the first case's), for filing


def strictness(kind: str) -> int:
    """0 for the strictest kind."""
    return KINDS.index(kind)


def strictest(kinds: Iterable[str]) -> str | None:
    """The strictest of the kinds, None for none."""
    present = [k for k in kinds if k]
    return min(present, key=strictness) if present else None


def check_rules(rules: RuleSet) -> list[Problem]:
    """What is wrong with a rule set (empty: nothing). A stricter kind may not cover a wider area
    than a less strict one: a lockdown street inside a controlled grid would make no sense."""
    problems: list[Problem] = []
    for tier in rules.tiers:
        if tier.kind not in KINDS:
            problems.append(Problem(RULE_UNKNOWN_KIND, {"kind": tier.kind}))
        if tier.level not in LEVELS:
            problems.append(Problem(RULE_UNKNOWN_LEVEL, {"level": tier.level}))
    known = [t for t in rules.tiers if t.kind in KINDS and t.level in LEVELS]
    for a in known:
        for b in known:
            if strictness(a.kind) < strictness(b.kind) and LEVELS.index(a.level) > LEVELS.index(b.level):
                problems.append(
                    Problem(
                        RULE_ORDER, {"kind": a.kind, "level": a.level, "other_kind": b.kind, "other_level": b.level}
                    )
                )
    for kind in KINDS:
        rule = rules.kinds.get(kind)
        if rule is None:
            problems.append(Problem(RULE_UNKNOWN_KIND, {"kind": kind}))
            continue
        for name, value, low in (
            ("release_days", rule.release_days, 0),
            ("release_rounds", rule.release_rounds, 0),
            ("pool_size", rule.pool_size, 1),
            ("round_every_hours", rule.round_every_hours, 1),
            ("raise_by", rule.raise_by, 0),
        ):
            if not isinstance(value, int) or isinstance(value, bool) or value < low or value > 1000:
                problems.append(Problem(RULE_BAD_NUMBER, {"kind": kind, "name": name, "value": value}))
    for kind in rules.kinds:
        if kind not in KINDS:
            problems.append(Problem(RULE_UNKNOWN_KIND, {"kind": kind}))
    return problems


def propose(cases: Iterable[Case], rules: RuleSet = DEFAULT_RULES) -> list[Proposal]:
    """The zones the rules propose around the cases: one per area, listing every case that put it
    there; an area two tiers name gets the stricter kind. Strictest first, then by area."""
    found: dict[tuple[str, str], tuple[str, set[str], str]] = {}
    for case in cases:
        for tier in rules.tiers:
            level, key = case.place.area(tier.level)
            kind, keys, community = found.get((level, key), (tier.kind, set(), case.place.community))
            keys.add(case.key)
            found[(level, key)] = (strictest((kind, tier.kind)) or kind, keys, community)
    proposals = [
        Proposal(kind, level, key, tuple(sorted(keys)), rules.version, community)
        for (level, key), (kind, keys, community) in found.items()
    ]
    return sorted(proposals, key=lambda p: (strictness(p.kind), LEVELS.index(p.level), p.area))


@dataclass(frozen=True)
class ZoneArea:
    """An active zone as the rules see it: its kind and area."""

    kind: str
    level: str
    area: str


def filing_codes(communities: Iterable[str]) -> set[str]:
    """The codes a zone that can hold a place of these communities is filed under: the community's
    own and its street's and district's (510104017000, 510104000000)."""
    return {c for code in communities for c in (code, code[:9] + "000", code[:6] + "000000")}


def kind_at(place: Place, zones: Iterable[ZoneArea]) -> str | None:
    """The kind that applies at a place: the strictest of the zones holding it (None: no zone)."""
    holding = place.areas()
    return strictest(z.kind for z in zones if (z.level, z.area) in holding)


def measures(kind: str | None, rules: RuleSet = DEFAULT_RULES) -> KindRule | None:
    """What applies to the people at a place of this kind (None outside every zone)."""
    return rules.kinds.get(kind) if kind else None


def check_buildings(*, chosen: Iterable[str], inside: Iterable[str]) -> list[Problem]:
    """A zone narrowed or widened to a set of buildings: every one must lie inside the zone's area
    (`inside`: the buildings of that area), and there must be at least one."""
    chosen_set, inside_set = set(chosen), set(inside)
    if not chosen_set:
        return [Problem(EDIT_EMPTY)]
    outside = sorted(chosen_set - inside_set)
    return [Problem(EDIT_OUTSIDE, {"buildings": outside})] if outside else []


@dataclass(frozen=True)
class ZoneHistory:
    """What a release is decided on: the zone's kind, since when it holds, its last positive case
    (None: none since it began) and how many of its area's testing rounds since then found no
    positive inside it."""

    kind: str
    since: dt.datetime
    last_positive_at: dt.datetime | None
    negative_rounds: int


def _elapsed(start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    if start.tzinfo is not None and end.tzinfo is not None:
        return end.astimezone(dt.UTC) - start.astimezone(dt.UTC)
    return end - start


def release_problems(history: ZoneHistory, now: dt.datetime, rules: RuleSet = DEFAULT_RULES) -> list[Problem]:
    """Why the zone may not be released yet (empty: it may, and the release is proposed)."""
    rule = rules.kinds[history.kind]
    quiet_since = max(history.since, history.last_positive_at) if history.last_positive_at else history.since
    problems = []
    needed = dt.timedelta(days=rule.release_days)
    quiet = _elapsed(quiet_since, now)
    if quiet < needed:
        left = needed - quiet
        problems.append(
            Problem(
                RELEASE_TOO_SOON,
                {
                    "kind": history.kind,
                    "days": rule.release_days,
                    "since": quiet_since.isoformat(),
                    "hours_left": int(-(-left.total_seconds() // 3600)),
                },
            )
        )
    if history.negative_rounds < rule.release_rounds:
        problems.append(
            Problem(
                RELEASE_ROUNDS,
                {"kind": history.kind, "rounds": rule.release_rounds, "negative_rounds": history.negative_rounds},
            )
        )
    return problems


def release_due_at(history: ZoneHistory, rules: RuleSet = DEFAULT_RULES) -> dt.datetime:
    """The first moment the days condition holds (the rounds may still be missing then)."""
    rule = rules.kinds[history.kind]
    quiet_since = max(history.since, history.last_positive_at) if history.last_positive_at else history.since
    return quiet_since + dt.timedelta(days=rule.release_days)


def round_due(kind: str, last_round_at: dt.datetime | None, now: dt.datetime, rules: RuleSet = DEFAULT_RULES) -> bool:
    """A testing round of the zone's area is due (none yet, or the last one began its kind's
    interval ago or longer)."""
    if last_round_at is None:
        return True
    return _elapsed(last_round_at, now) >= dt.timedelta(hours=rules.kinds[kind].round_every_hours)
