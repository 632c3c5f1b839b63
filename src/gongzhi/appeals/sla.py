"""Who owns a request and until when. No Django here.

A request waits at one level at a time: the household's grid first (its community when the building
is in no grid). Each level has the same allowance for the request's urgency (DEFAULT_SLA_MINUTES,
settings APPEAL_SLA_MINUTES): when it lapses, the sweep moves the request up one level (grid →
community → street → district), where the clock starts again. At the district it stays, lapsed, until
someone acts: there is no level above to hand it to. A request is never closed by the clock.

Times are elapsed time: an aware deadline is computed in UTC, so a daylight-saving change (none in
China since 1991, but a server may run in another zone) neither shortens nor stretches it.
"""

import datetime as dt
import re
from collections.abc import Mapping

from gongzhi.core.errors import Problem

LEVELS = ("grid", "community", "street", "district")
DEFAULT_SLA_MINUTES = {"critical": 30, "urgent": 120, "normal": 1440}
MAX_SLA_MINUTES = 30 * 24 * 60  # a month: beyond it a deadline protects nobody

LAPSED, DUE_SOON, ON_TIME = "lapsed", "due_soon", "on_time"
SLA_STATES = (LAPSED, DUE_SOON, ON_TIME)

# The settings check's codes (words in appeals.messages).
SLA_MISSING = "sla_missing"  # {"urgency"}
SLA_UNKNOWN = "sla_unknown"  # {"urgency"}: a key that is no urgency (a typo)
SLA_BAD_MINUTES = "sla_bad_minutes"  # {"urgency", "value", "limit"}
SLA_ORDER = "sla_order"  # {"urgency", "minutes", "other_urgency", "other_minutes"}
CODES = (SLA_MISSING, SLA_UNKNOWN, SLA_BAD_MINUTES, SLA_ORDER)

_URGENCIES = tuple(DEFAULT_SLA_MINUTES)  # most urgent first, as triage.URGENCIES
_AREA_CODE = re.compile(r"[0-9]{12}")


def first_level(*, has_grid: bool) -> str:
    """Where a request starts: the grid of the household's building, else its community."""
    return "grid" if has_grid else "community"


def next_level(level: str) -> str | None:
    """The level a lapsed request moves up to; None at the district (it stays there)."""
    position = LEVELS.index(level)  # ValueError for an unknown level
    return LEVELS[position + 1] if position + 1 < len(LEVELS) else None


def _allowance(urgency: str, sla_minutes: Mapping[str, int]) -> dt.timedelta:
    return dt.timedelta(minutes=sla_minutes[urgency])


def _elapsed_add(moment: dt.datetime, delta: dt.timedelta) -> dt.datetime:
    if moment.tzinfo is None:
        return moment + delta
    return (moment.astimezone(dt.UTC) + delta).astimezone(moment.tzinfo)


def _elapsed_between(start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """end - start in elapsed time (Python subtracts two times of the same zone by the wall clock)."""
    if start.tzinfo is None or end.tzinfo is None:
        return end - start  # TypeError when one is aware and the other is not
    return end.astimezone(dt.UTC) - start.astimezone(dt.UTC)


def due_at(since: dt.datetime, urgency: str, sla_minutes: Mapping[str, int]) -> dt.datetime:
    """The deadline at a level reached at `since` (KeyError for an urgency the mapping lacks)."""
    return _elapsed_add(since, _allowance(urgency, sla_minutes))


def sla_state(due: dt.datetime, now: dt.datetime, *, urgency: str, sla_minutes: Mapping[str, int]) -> str:
    """lapsed from the deadline on; due_soon in the last quarter of the allowance (its start
    included); on_time before."""
    left = _elapsed_between(now, due)
    if left <= dt.timedelta(0):
        return LAPSED
    if left <= _allowance(urgency, sla_minutes) / 4:
        return DUE_SOON
    return ON_TIME


def area_code_at(level: str, community_code: str) -> str:
    """The area code a level answers for, from the household's 12-digit community code: the
    community's own at grid and community level, its street's (first 9 digits), its district's
    (first 6)."""
    if not _AREA_CODE.fullmatch(community_code):
        raise ValueError(f"not a 12-digit community code: {community_code!r}")
    lengths = {"grid": 12, "community": 12, "street": 9, "district": 6}
    if level not in lengths:
        raise ValueError(f"unknown level {level!r}")
    return community_code[: lengths[level]]


def check_sla(config: Mapping[str, object]) -> list[Problem]:
    """The problems of a settings value of minutes per urgency: every urgency present, no other
    key, each a whole number of minutes from 1 to MAX_SLA_MINUTES, and a more urgent request never
    allowed longer than a less urgent one (critical ≤ urgent ≤ normal)."""
    problems = [Problem(SLA_UNKNOWN, {"urgency": str(key)}) for key in config if key not in _URGENCIES]
    good: list[tuple[str, int]] = []
    for urgency in _URGENCIES:
        if urgency not in config:
            problems.append(Problem(SLA_MISSING, {"urgency": urgency}))
            continue
        value = config[urgency]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_SLA_MINUTES:
            problems.append(
                Problem(SLA_BAD_MINUTES, {"urgency": urgency, "value": str(value), "limit": MAX_SLA_MINUTES})
            )
            continue
        good.append((urgency, value))
    # Each against the next less urgent one that is good (critical ≤ urgent ≤ normal).
    for (more, more_minutes), (less, less_minutes) in zip(good, good[1:], strict=False):
        if more_minutes > less_minutes:
            problems.append(
                Problem(
                    SLA_ORDER,
                    {"urgency": more, "minutes": more_minutes, "other_urgency": less, "other_minutes": less_minutes},
                )
            )
    return problems
