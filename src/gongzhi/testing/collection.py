"""Rules of sample collection, applied to a batch of scan events. No Django here.

The service reads the state the batch touches (its tubes, the residents its codes name, their
samples in this round) in a few set-based queries, hands it here, and writes what comes back.
Applying events again to the state they left never adds a sample (natural keys); answers may
depend on event order, so the service stores each batch's answers and replays them.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

OPEN, SCAN, CLOSE = "open", "scan", "close"
# A round's barcode format is a regular expression the whole barcode must match (Round.barcode_pattern).
DEFAULT_BARCODE_PATTERN = "[A-Za-z0-9]{6,32}"
BARCODE = re.compile(DEFAULT_BARCODE_PATTERN)

OK, WARNING, ERROR = "ok", "warning", "error"
# Outcome codes; their words are in testing.messages.
CODES = (
    "ok",
    "already_sampled",
    "pool_full",
    "tube_not_open",
    "tube_closed",
    "tube_taken",
    "bad_barcode",
    "unknown_resident",
    "bad_kind",
    "single_tube",
)


@dataclass
class TubeState:
    barcode: str
    collector_id: int | None
    pool_size: int
    count: int = 0
    closed: bool = False
    is_new: bool = False
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    closed_now: bool = False
    single: bool = False  # holds a resident who must be alone in a tube


@dataclass
class Event:
    event_id: str
    kind: str
    barcode: str
    code: str = ""
    at: datetime | None = None


@dataclass
class Outcome:
    """The answer to one event: ok, warning or error, a code, the values its message names, and how
    many residents the event put in the tube."""

    event_id: str
    status: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    added: int = 0
    message: str = ""  # the words, filled in where the answer is given (testing.messages)


@dataclass
class BatchResult:
    outcomes: list[Outcome] = field(default_factory=list)
    new_samples: list[tuple[int, str, datetime | None]] = field(default_factory=list)  # resident, barcode, at
    tubes: dict[str, TubeState] = field(default_factory=dict)


def _outcome(event: Event, code: str, status: str, added: int = 0, **params: Any) -> Outcome:
    return Outcome(event.event_id, status, code, params, added)


def apply_events(
    events: list[Event],
    *,
    collector_id: int,
    pool_size: int,
    tubes: dict[str, TubeState],
    sampled: dict[int, str],
    residents_by_code: dict[str, list[int]],
    single_tube_residents: frozenset[int] = frozenset(),
) -> BatchResult:
    """Apply events in order. `tubes` are this round's tubes named by the batch; `sampled` maps
    resident -> barcode of their sample in this round; `residents_by_code` maps each scanned code
    to the residents it names (a household code names all members). Both dicts are updated."""
    result = BatchResult(tubes=tubes)
    for event in events:
        if event.kind not in (OPEN, SCAN, CLOSE):
            result.outcomes.append(_outcome(event, "bad_kind", ERROR))
            continue
        if not BARCODE.match(event.barcode):
            result.outcomes.append(_outcome(event, "bad_barcode", ERROR))
            continue
        tube = tubes.get(event.barcode)
        if event.kind == OPEN:
            if tube is None:
                tubes[event.barcode] = TubeState(
                    event.barcode, collector_id, pool_size, is_new=True, opened_at=event.at
                )
                result.outcomes.append(_outcome(event, "ok", OK))
            elif tube.collector_id != collector_id:
                result.outcomes.append(_outcome(event, "tube_taken", ERROR))
            else:
                result.outcomes.append(_outcome(event, "ok", OK))
            continue
        if event.kind == CLOSE:
            if tube is None:
                result.outcomes.append(_outcome(event, "tube_not_open", ERROR))
            elif tube.collector_id != collector_id:
                result.outcomes.append(_outcome(event, "tube_taken", ERROR))
            else:
                if not tube.closed:
                    tube.closed, tube.closed_now, tube.closed_at = True, True, event.at
                result.outcomes.append(_outcome(event, "ok", OK))
            continue
        result.outcomes.append(
            _scan(event, tube, collector_id, sampled, residents_by_code, single_tube_residents, result)
        )
    return result


def _scan(
    event: Event,
    tube: TubeState | None,
    collector_id: int,
    sampled: dict[int, str],
    residents_by_code: dict[str, list[int]],
    single_tube_residents: frozenset[int],
    result: BatchResult,
) -> Outcome:
    resident_ids = residents_by_code.get(event.code, [])
    if not resident_ids:
        return _outcome(event, "unknown_resident", ERROR)
    if tube is None:
        return _outcome(event, "tube_not_open", ERROR)
    if tube.collector_id != collector_id:
        return _outcome(event, "tube_taken", ERROR)
    todo, elsewhere = [], []
    for r in resident_ids:
        where = sampled.get(r)
        if where is None:
            todo.append(r)
        elif where != tube.barcode:
            elsewhere.append(r)
    if not todo and not elsewhere:  # a repeated scan into the same tube
        return _outcome(event, "ok", OK, added=len(resident_ids))
    if todo:
        if tube.closed:
            return _outcome(event, "tube_closed", ERROR)
        needs_single = any(r in single_tube_residents for r in todo)
        if (needs_single and (tube.count > 0 or len(todo) > 1)) or tube.single:
            return _outcome(event, "single_tube", ERROR)
        tube.single = needs_single
        if tube.count + len(todo) > tube.pool_size:
            return _outcome(event, "pool_full", ERROR, pool_size=tube.pool_size)
        for r in todo:
            sampled[r] = tube.barcode
            result.new_samples.append((r, tube.barcode, event.at))
        tube.count += len(todo)
    if elsewhere:
        return _outcome(
            event, "already_sampled", WARNING, added=len(resident_ids) - len(elsewhere), barcode=sampled[elsewhere[0]]
        )
    return _outcome(event, "ok", OK, added=len(resident_ids))
