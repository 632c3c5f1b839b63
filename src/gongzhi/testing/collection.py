"""Rules of sample collection, applied to a batch of scan events. No Django here.

The service reads the state the batch touches (its tubes, the residents its codes name, their
samples in this round) in a few set-based queries, hands it here, and writes what comes back.
Applying events again to the state they left never adds a sample (natural keys); answers may
depend on event order, so the service stores each batch's answers and replays them.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

OPEN, SCAN, CLOSE = "open", "scan", "close"
BARCODE = re.compile(r"^[A-Za-z0-9-]{6,32}$")

OK, WARNING, ERROR = "ok", "warning", "error"
MESSAGES = {
    "ok": "",
    "already_sampled": "该居民本轮已在{barcode}号管采样，未重复登记",
    "pool_full": "该管已满{pool_size}人，请封管后换新管",
    "tube_not_open": "请先扫码开管",
    "tube_closed": "该管已封管，请换新管",
    "tube_taken": "该管号本轮已被其他采样员使用，请换新管",
    "bad_barcode": "管号格式不正确（6-32位字母、数字或-）",
    "unknown_resident": "未找到该居民，请核对二维码或身份证号",
    "bad_kind": "未知的操作类型",
    "single_tube": "封控区居民须单人单管，请换新管",
}


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
    event_id: str
    status: str
    code: str
    message: str
    added: int = 0


@dataclass
class BatchResult:
    outcomes: list[Outcome] = field(default_factory=list)
    new_samples: list[tuple[int, str, datetime | None]] = field(default_factory=list)  # resident, barcode, at
    tubes: dict[str, TubeState] = field(default_factory=dict)


def _outcome(event: Event, code: str, status: str, added: int = 0, **fmt) -> Outcome:
    if code == "ok":
        return Outcome(event.event_id, status, code, "", added)
    return Outcome(event.event_id, status, code, MESSAGES[code].format(**fmt), added)


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


def _scan(event, tube, collector_id, sampled, residents_by_code, single_tube_residents, result) -> Outcome:
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
