"""Rules of sample collection, applied to a batch of scan events. No Django here.

The service reads the state the batch touches (its tubes, the residents its codes name, their
samples in this round) in a few set-based queries, hands it here, and writes what comes back.
Applying events again to the state they left never adds a sample (natural keys); answers may
depend on event order, so the service stores each batch's answers and replays them.
"""

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

OPEN, SCAN, CLOSE = "open", "scan", "close"
# A round's barcode format is a regular expression the whole barcode must match (Round.barcode_pattern).
DEFAULT_BARCODE_PATTERN = "[A-Za-z0-9]{6,32}"
MAX_FIELD = 64  # event ids, barcodes and codes longer than this are that event's error
MAX_BARCODE = 32  # what a tube's barcode holds (Tube.barcode), whatever a round's format accepts
# Event times are believed from a day before the round started until a little after the server's
# clock (devices' clocks drift). Outside that (a phone reset to 1970, a typo'd year) or unreadable,
# the scan is still recorded, since the swab is in the tube, at the time the server received it, and
# the answer says so (a warning, kept with the batch's answers).
EARLIEST_BEFORE_ROUND = timedelta(days=1)
LATEST_AHEAD = timedelta(minutes=15)

OK, WARNING, ERROR = "ok", "warning", "error"
# Outcome codes; their words are in testing.messages.
CODES = (
    "ok",
    "already_sampled",
    "pool_full",
    "pool_short",
    "tube_not_open",
    "tube_closed",
    "tube_taken",
    "bad_barcode",
    "bad_code",
    "time_replaced",
    "bad_event",
    "unknown_resident",
    "bad_kind",
    "single_tube",
)


def barcode_rule(pattern: str) -> re.Pattern[str]:
    """The compiled form of a round's barcode format; raises ValueError for a pattern that is not a
    regular expression or that accepts an empty or all-punctuation barcode."""
    try:
        rule = re.compile(pattern)
    except re.error as exc:
        raise ValueError(str(exc)) from exc
    for wrong in ("", "------", " "):
        if rule.fullmatch(wrong):
            raise ValueError(f"accepts {wrong!r}")
    return rule


BARCODE = re.compile(DEFAULT_BARCODE_PATTERN)


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
    refused: str = ""  # an outcome code when the event could not be read (read_event)
    time_note: str = ""  # the device's time when it was not believed ("?" when unreadable)


def read_event(raw: Any, index: int, *, default_at: datetime, tz: tzinfo) -> Event:
    """One event as a device sent it (a JSON object), read field by field: whatever is wrong with it
    is this event's error (`refused`), never the batch's. Naive times are in `tz`."""
    if type(raw) is dict:  # the usual event, read in a few steps (500 a batch, on the hot path)
        event_id, kind, barcode, code = (
            raw.get("event_id"),
            raw.get("kind", ""),
            raw.get("barcode", ""),
            raw.get("code", ""),
        )
        if (
            type(event_id) is str
            and 0 < len(event_id) <= MAX_FIELD
            and type(kind) is str
            and type(barcode) is str
            and type(code) is str
        ):
            at = raw.get("at")
            when, note = default_at, ""
            if at is not None and at != "":
                parsed = _parse_time(at, tz)
                if parsed is None:
                    note = "?"
                else:
                    when = parsed
            return Event(
                event_id,
                kind.strip(),
                barcode.strip()[: MAX_FIELD + 1],
                code.strip()[: MAX_FIELD + 1],
                when,
                time_note=note,
            )
    return _read_odd_event(raw, index)


def _read_odd_event(raw: Any, index: int) -> Event:
    """An event that is not an object with text fields and a short id: refused, named as well as it
    can be (its own id if it has a usable one, else its place in the batch)."""
    event_id = raw.get("event_id") if isinstance(raw, dict) else None
    if not isinstance(event_id, str) or not event_id or len(event_id) > MAX_FIELD:
        event_id = f"#{index}"
    return Event(event_id, "", "", refused="bad_event")


def _parse_time(value: Any, tz: tzinfo) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=tz)


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
    barcode: re.Pattern[str] = BARCODE,
    window: tuple[datetime, datetime] | None = None,
    received_at: datetime | None = None,
    names: dict[int, str] | None = None,
) -> BatchResult:
    """Apply events in order. `tubes` are this round's tubes named by the batch; `sampled` maps
    resident -> barcode of their sample in this round; `residents_by_code` maps each scanned code
    to the residents it names (a household code names all members). Both dicts are updated.
    `barcode` is the round's barcode format; `window` the believable event times: an event outside
    it (or with an unreadable time) is applied at `received_at` and answered with a warning;
    `names` the residents' names as the collector may see them (masked), named in the answers."""
    result = BatchResult(tubes=tubes)
    barcodes_checked: dict[str, bool] = {}  # a batch names each tube many times
    for event in events:
        problem = _unreadable(event, barcode, barcodes_checked)
        if problem:
            result.outcomes.append(problem)
            continue
        note = event.time_note
        if not note and window is not None and event.at is not None and not window[0] <= event.at <= window[1]:
            note = event.at.isoformat(timespec="minutes")[:16]
        if note and received_at is not None:
            event = dataclasses.replace(event, at=received_at)
        outcome = _apply(event, tubes.get(event.barcode), collector_id, pool_size, tubes, result)
        if outcome is None:
            outcome = _scan(
                event, tubes.get(event.barcode), collector_id, sampled, residents_by_code, single_tube_residents, result
            )
            if names is not None and event.code in residents_by_code:
                outcome.params["names"] = [names.get(r, "") for r in residents_by_code[event.code]]
        if note and outcome.status == OK:
            outcome = Outcome(event.event_id, WARNING, "time_replaced", {**outcome.params, "at": note}, outcome.added)
        result.outcomes.append(outcome)
    return result


def _apply(
    event: Event,
    tube: TubeState | None,
    collector_id: int,
    pool_size: int,
    tubes: dict[str, TubeState],
    result: BatchResult,
) -> Outcome | None:
    """The outcome of an open or a close (None for a scan)."""
    if event.kind == OPEN:
        if tube is None:
            tubes[event.barcode] = TubeState(event.barcode, collector_id, pool_size, is_new=True, opened_at=event.at)
            return _outcome(event, "ok", OK)
        if tube.collector_id != collector_id:
            return _outcome(event, "tube_taken", ERROR)
        # Reopened (another phone, a cleared page): the screen counts from what the tube holds.
        return _outcome(event, "ok", OK, in_tube=tube.count)
    if event.kind == CLOSE:
        if tube is None:
            return _outcome(event, "tube_not_open", ERROR)
        if tube.collector_id != collector_id:
            return _outcome(event, "tube_taken", ERROR)
        if not tube.closed:
            tube.closed, tube.closed_now, tube.closed_at = True, True, event.at
        return _outcome(event, "ok", OK)
    return None


def _unreadable(event: Event, barcode: re.Pattern[str], barcodes_checked: dict[str, bool]) -> Outcome | None:
    """The error of an event that cannot be applied whatever the state: unreadable, an unknown kind,
    a barcode not in the round's format (or longer than a tube's barcode can be), a code too long to
    be one."""
    if event.refused:
        return _outcome(event, event.refused, ERROR)
    if event.kind not in (OPEN, SCAN, CLOSE):
        return _outcome(event, "bad_kind", ERROR)
    valid = barcodes_checked.get(event.barcode)
    if valid is None:
        valid = barcodes_checked[event.barcode] = (
            len(event.barcode) <= MAX_BARCODE and barcode.fullmatch(event.barcode) is not None
        )
    if not valid:
        return _outcome(event, "bad_barcode", ERROR)
    if event.kind == SCAN and len(event.code) > MAX_FIELD:
        return _outcome(event, "bad_code", ERROR)
    return None


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
    if not todo and not elsewhere:  # a repeated scan into the same tube: nobody new in it
        return _outcome(event, "ok", OK, repeat=True, in_tube=tube.count)
    if todo:
        if tube.closed:
            return _outcome(event, "tube_closed", ERROR)
        needs_single = not single_tube_residents.isdisjoint(todo)
        if (needs_single and (tube.count > 0 or len(todo) > 1)) or tube.single:
            return _outcome(event, "single_tube", ERROR)
        tube.single = needs_single
        if tube.count + len(todo) > tube.pool_size:
            # A household that does not fit goes in whole or not at all: none of it is recorded.
            room = tube.pool_size - tube.count
            code = "pool_full" if room <= 0 else "pool_short"
            return _outcome(event, code, ERROR, pool_size=tube.pool_size, people=len(todo), room=room)
        for r in todo:
            sampled[r] = tube.barcode
            result.new_samples.append((r, tube.barcode, event.at))
        tube.count += len(todo)
    if elsewhere:
        return _outcome(event, "already_sampled", WARNING, added=len(todo), barcode=sampled[elsewhere[0]])
    return _outcome(event, "ok", OK, added=len(todo))
