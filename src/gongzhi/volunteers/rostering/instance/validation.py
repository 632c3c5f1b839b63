"""The input's numbers taken exactly or refused, and every input error by the item it names (`_validate`,
`rules_errors`). No Django here."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from gongzhi.core.errors import Problem
from gongzhi.volunteers.rostering.model import (
    BAD_ID,
    CANDIDATE_AVAILABLE,
    CANDIDATE_HOURS,
    CANDIDATE_SKILLS,
    DUPLICATE_ID,
    MAX_HOURS_SO_FAR,
    MAX_NEEDED,
    MAX_WEIGHT,
    NEED_NEEDED,
    NEED_NEGATIVE,
    NEED_SKILLS,
    NEED_UNKNOWN_SHIFT,
    RULE_COMMUNITY_WEIGHT,
    RULE_FAIRNESS_WEIGHT,
    RULE_MAX_HOURS,
    RULE_REST,
    SHIFT_ENDS_FIRST,
    SHIFT_MIXED_TZ,
    SHIFT_TIME,
    SHIFTS_MIXED_TZ,
    Candidate,
    Need,
    Rules,
    Shift,
    elapsed,
)

# ---- the input's numbers, taken exactly or refused


def exact(value: object) -> Fraction | None:
    """The exact value of a finite real number (int, float, Decimal, Fraction and the like); None for anything else:
    NaN, infinities, None, text, bools."""
    number = _finite(value)
    return None if number is None else number if isinstance(number, Fraction) else Fraction(number)


def _finite(value: object) -> int | float | Fraction | Decimal | None:
    """A finite real number as it is (cheap: ints and floats are not converted), or None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, Fraction):
        return value
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, numbers.Real):
        try:
            number = float(value)
        except (OverflowError, ValueError):
            return None
        return number if math.isfinite(number) else None
    return None


def whole(value: object) -> int | None:
    """The value as an int if it is a whole number (2, 2.0, Decimal("2")); None otherwise."""
    number = _finite(value)
    if number is None or isinstance(number, int):
        return number
    if isinstance(number, float):
        return int(number) if number.is_integer() else None
    return int(number) if number == int(number) else None


def _is_id(value: object) -> bool:
    return type(value) is int or (isinstance(value, numbers.Integral) and not isinstance(value, bool))


def _set_of(value: object, kind: type) -> bool:
    return isinstance(value, set | frozenset) and all(
        type(x) is kind or (isinstance(x, kind) and not isinstance(x, bool)) for x in value
    )


def _shown(value: object) -> str:
    """A bad value as the message shows it (a text, so that the problem's parameters stay plain JSON values)."""
    return (repr(value) if isinstance(value, str) else str(value))[:40]


def named(value: object) -> object:
    """An item's id as a problem names it: the int itself, or the bad value as text."""
    return value if _is_id(value) else _shown(value)


def rules_errors(rules: Rules) -> list[Problem]:
    """The errors of the rules alone (the day limit and the rest: finite numbers >= 0; the weights: whole numbers
    from 0 to MAX_WEIGHT), for a caller that uses them before the optimiser does."""
    errors: list[Problem] = []
    for code, value in ((RULE_MAX_HOURS, rules.max_hours_per_day), (RULE_REST, rules.min_rest_hours)):
        number = _finite(value)
        if number is None or number < 0:
            errors.append(Problem(code, {"value": _shown(value)}))
    for code, value in (
        (RULE_COMMUNITY_WEIGHT, rules.same_community_weight),
        (RULE_FAIRNESS_WEIGHT, rules.fairness_weight),
    ):
        weight = whole(value)
        if weight is None or not 0 <= weight <= MAX_WEIGHT:
            errors.append(Problem(code, {"value": _shown(value), "limit": MAX_WEIGHT}))
    return errors


def _validate(
    candidates: Sequence[Candidate], shifts: Sequence[Shift], needs: Sequence[Need], rules: Rules
) -> list[Problem]:
    """Every input error, each naming its item. The instance is built only from input that passes."""
    errors: list[Problem] = []
    for kind, items in (("candidate", candidates), ("shift", shifts), ("need", needs)):
        seen: set[int] = set()
        for item in items:
            if not _is_id(item.id):
                errors.append(Problem(BAD_ID, {"kind": kind, "id": _shown(item.id)}))
            elif item.id in seen:
                errors.append(Problem(DUPLICATE_ID, {"kind": kind, "id": item.id}))
            else:
                seen.add(item.id)
    timed = []
    for s in shifts:
        if not (isinstance(s.starts_at, datetime) and isinstance(s.ends_at, datetime)):
            errors.append(Problem(SHIFT_TIME, {"shift": named(s.id)}))
        elif (s.starts_at.utcoffset() is None) != (s.ends_at.utcoffset() is None):
            errors.append(Problem(SHIFT_MIXED_TZ, {"shift": named(s.id)}))
        else:
            timed.append(s)
            if elapsed(s.starts_at, s.ends_at) <= timedelta(0):
                errors.append(Problem(SHIFT_ENDS_FIRST, {"shift": named(s.id)}))
    if len({s.starts_at.utcoffset() is None for s in timed}) > 1:
        errors.append(Problem(SHIFTS_MIXED_TZ))
    shift_ids = {s.id for s in shifts if _is_id(s.id)}
    for n in needs:
        name = {"need": named(n.id), "post": n.post_name}
        if not _is_id(n.post_id):
            errors.append(Problem(BAD_ID, {"kind": "post", "id": _shown(n.post_id)}))
        if not _is_id(n.shift_id):
            errors.append(Problem(NEED_UNKNOWN_SHIFT, {**name, "shift": _shown(n.shift_id)}))
        elif n.shift_id not in shift_ids:
            errors.append(Problem(NEED_UNKNOWN_SHIFT, {**name, "shift": n.shift_id}))
        needed = whole(n.needed)
        if needed is not None and needed < 0:
            errors.append(Problem(NEED_NEGATIVE, name))
        elif needed is None or needed > MAX_NEEDED:
            errors.append(Problem(NEED_NEEDED, {**name, "value": _shown(n.needed), "limit": MAX_NEEDED}))
        if not (_set_of(n.skills, str) and (n.training is None or isinstance(n.training, str))):
            errors.append(Problem(NEED_SKILLS, name))
    for c in candidates:
        hours = _finite(c.hours_so_far)
        if hours is None or not 0 <= hours <= MAX_HOURS_SO_FAR:
            errors.append(Problem(CANDIDATE_HOURS, {"candidate": named(c.id), "value": _shown(c.hours_so_far)}))
        if not (isinstance(c.available_shifts, set | frozenset) and all(_is_id(x) for x in c.available_shifts)):
            errors.append(Problem(CANDIDATE_AVAILABLE, {"candidate": named(c.id)}))
        if not (_set_of(c.skills, str) and _set_of(c.trainings, str)):
            errors.append(Problem(CANDIDATE_SKILLS, {"candidate": named(c.id)}))
    errors.extend(rules_errors(rules))
    return errors
