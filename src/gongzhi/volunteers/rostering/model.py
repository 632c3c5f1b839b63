"""The optimiser's interface: what goes in (candidates, shifts, needs, rules) and what comes out
(assignments, proof, the needs left uncovered with their reasons as problem codes). No Django here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
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
CANDIDATE_HOURS = "candidate_hours"  # {candidate}
RULE_MAX_HOURS = "rule_max_hours"
RULE_REST = "rule_rest"
RULE_WEIGHTS = "rule_weights"
CODES = (
    NO_CANDIDATES, NO_SKILL, NO_SKILL_JOINT, FEW_SKILL, NO_TRAINING, NO_TRAINING_AT_ALL, FEW_TRAINING, NOT_AVAILABLE,
    FEW_AVAILABLE, SHIFT_TOO_LONG, FULL, INPUT, DUPLICATE_ID, SHIFT_ENDS_FIRST, SHIFT_MIXED_TZ, SHIFTS_MIXED_TZ,
    NEED_UNKNOWN_SHIFT, NEED_NEGATIVE, CANDIDATE_HOURS, RULE_MAX_HOURS, RULE_REST, RULE_WEIGHTS,
)  # fmt: skip


@dataclass(frozen=True)
class Shift:
    id: int
    starts_at: datetime
    ends_at: datetime

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


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
