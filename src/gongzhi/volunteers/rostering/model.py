"""The optimiser's interface: what goes in (candidates, shifts, needs, rules) and what comes out
(assignments, proof, the needs left uncovered with their reasons as problem codes). No Django here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from gongzhi.core.errors import Problem

POINT = 256  # fairness cost of a first 4-hour shift (16 quarter-hours, squared) for someone with no hours
COMMUNITY_POINTS = 8  # a placement outside one's own community costs this many points x same_community_weight
PATTERN_LIMIT = 128  # above this many shift sets per volunteer, the compact (shift boolean) formulation is used

# Reasons a need was not covered (words in volunteers.messages). Input errors name what is wrong.
NO_CANDIDATES = "no_candidates"
NO_SKILL = "no_skill"  # {skills}
NO_SKILL_JOINT = "no_skill_joint"  # {skills}
FEW_SKILL = "few_skill"  # {skills}, {n}
NO_TRAINING = "no_training"  # {training}
NO_TRAINING_AT_ALL = "no_training_at_all"  # {training}
FEW_TRAINING = "few_training"  # {training}, {n}
NOT_AVAILABLE = "not_available"
FEW_AVAILABLE = "few_available"  # {n}
SHIFT_TOO_LONG = "shift_too_long"  # {hours}, {limit}
FULL = "full"  # {busy}, {blocked}, {unplaced}: why the eligible volunteers could not take it
INPUT = "input"  # {errors}: a list of Problems below
DUPLICATE_ID = "duplicate_id"  # {kind} (candidate, shift, need), {id}
SHIFT_ENDS_FIRST = "shift_ends_first"  # {shift}
SHIFT_MIXED_TZ = "shift_mixed_tz"  # {shift}
SHIFTS_MIXED_TZ = "shifts_mixed_tz"
NEED_UNKNOWN_SHIFT = "need_unknown_shift"  # {need}, {post}, {shift}
NEED_NEGATIVE = "need_negative"  # {need}, {post}
NEED_NEEDED = "need_needed"  # {need}, {post}, {value}, {limit}: not a whole number from 0 to MAX_NEEDED
NEED_SKILLS = "need_skills"  # {need}, {post}: skills not a set of texts, or a training that is not a text
CANDIDATE_HOURS = "candidate_hours"  # {candidate}, {value}: not a number from 0 to MAX_HOURS_SO_FAR
CANDIDATE_AVAILABLE = "candidate_available"  # {candidate}: available_shifts not a set of integer shift ids
CANDIDATE_SKILLS = "candidate_skills"  # {candidate}: skills or trainings not a set of texts
SHIFT_TIME = "shift_time"  # {shift}: a start or end that is not a datetime
BAD_ID = "bad_id"  # {kind} (candidate, shift, need, post), {id}: an id that is not an integer
RULE_MAX_HOURS = "rule_max_hours"  # {value}: not a finite number >= 0
RULE_REST = "rule_rest"  # {value}: not a finite number >= 0
RULE_COMMUNITY_WEIGHT = "rule_community_weight"  # {value}, {limit}: not a whole number from 0 to MAX_WEIGHT
RULE_FAIRNESS_WEIGHT = "rule_fairness_weight"  # {value}, {limit}: not a whole number from 0 to MAX_WEIGHT
TOO_LARGE = "too_large"  # the objective would leave the range the solvers compute exactly (EXACT_LIMIT)
CODES = (
    NO_CANDIDATES, NO_SKILL, NO_SKILL_JOINT, FEW_SKILL, NO_TRAINING, NO_TRAINING_AT_ALL, FEW_TRAINING, NOT_AVAILABLE,
    FEW_AVAILABLE, SHIFT_TOO_LONG, FULL, INPUT, DUPLICATE_ID, SHIFT_ENDS_FIRST, SHIFT_MIXED_TZ, SHIFTS_MIXED_TZ,
    NEED_UNKNOWN_SHIFT, NEED_NEGATIVE, NEED_NEEDED, NEED_SKILLS, CANDIDATE_HOURS, CANDIDATE_AVAILABLE,
    CANDIDATE_SKILLS, SHIFT_TIME, BAD_ID, RULE_MAX_HOURS, RULE_REST, RULE_COMMUNITY_WEIGHT, RULE_FAIRNESS_WEIGHT,
    TOO_LARGE,
)  # fmt: skip

# The input's numbers. Whole numbers (needed, weights) may come as int, an integral float or Decimal; other numbers
# (hours, limits) as int, float, Decimal or Fraction, taken exactly. NaN, infinities, None, text and bools are bad
# input, named with their item, never dropped, truncated or rounded. The upper limits keep the objective exact.
MAX_NEEDED = 10_000  # volunteers one need (a post in a shift) may ask for
MAX_HOURS_SO_FAR = 100_000  # hours a volunteer has served in the period
MAX_WEIGHT = 1_000  # same_community_weight and fairness_weight
EXACT_LIMIT = 2**53  # the objective's scale (lexicographic weight x its terms) stays below: exact in doubles (GLOP)
#                      and far inside CP-SAT's and the min-cost flow's 64-bit integers
MICROSECONDS_PER_HOUR = 3_600_000_000  # durations are compared exactly, in whole microseconds (as datetime keeps)


def instant(moment: datetime) -> datetime:
    """The moment as a naive UTC datetime if it is aware (so that differences are elapsed time, also across a clock
    change), else as it is. Aware datetimes of one zone compare and subtract by wall clock in Python."""
    offset = moment.utcoffset()
    return moment if offset is None else (moment - offset).replace(tzinfo=None)


def elapsed(start: datetime, end: datetime) -> timedelta:
    """The exact time from start to end (both aware or both naive)."""
    return instant(end) - instant(start)


@dataclass(frozen=True)
class Shift:
    id: int
    starts_at: datetime
    ends_at: datetime

    @property
    def hours(self) -> float:
        return elapsed(self.starts_at, self.ends_at) / timedelta(hours=1)


@dataclass(frozen=True)
class Need:
    """`needed` volunteers for one post in one shift; every listed skill and the training (if any) are required."""

    id: int
    post_id: int
    post_name: str
    shift_id: int
    community_code: str
    needed: int
    skills: frozenset[str] = frozenset()
    training: str | None = None


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str
    community_code: str
    skills: frozenset[str]
    trainings: frozenset[str]  # course codes held and still valid
    available_shifts: frozenset[int]
    hours_so_far: float = 0.0  # hours already served in the period, for fairness


@dataclass(frozen=True)
class Rules:
    max_hours_per_day: float = 8.0
    min_rest_hours: float = 8.0
    same_community_weight: int = 1
    fairness_weight: int = 1


@dataclass
class Uncovered:
    need_id: int
    post_name: str
    shift_id: int
    missing: int
    reasons: tuple[Problem, ...]  # the first says most; a scarcity can come with a FULL


@dataclass
class RosterResult:
    assignments: list[tuple[int, int]]  # (candidate id, need id)
    status: str  # "optimal" | "feasible" | "infeasible_input"
    objective: float  # the minimised cost above (lower is better)
    bound: float  # proven lower bound on the cost
    gap: float  # (objective - bound) / objective; 0.0 when proven optimal
    covered: int
    demanded: int
    uncovered: list[Uncovered]
    seconds: float
    method: str  # what produced the solution and the bound: "cp-sat", "min-cost-flow", "greedy", ...
    need_shifts: dict[int, int] = field(default_factory=dict)  # need id -> shift id, for `fairness`
    details: dict[str, Any] = field(default_factory=dict)  # model size, bounds split by term, input errors
    errors: list[Problem] = field(default_factory=list)  # the input errors, when status is "infeasible_input"
