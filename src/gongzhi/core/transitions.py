"""Applying workflow steps: the one way a workflow's status changes.

`transition` moves one row: it locks the row, checks the step against the flow and the actor's right
to take it on this row's place, writes the status (and any fields the step sets) and appends a
WorkflowEvent with actor, reason and time, all in one transaction.

`start` records the first step of a row just created (its status set at creation).

On the hot paths (a scan batch, a results file) rows move in bulk: `move_many` updates only the rows
in a state from which the target may be reached (the rule checked set-wise, in the UPDATE's WHERE)
and writes one event naming them; `record_many` writes that one event for moves a hot path made in
its own SQL, after `Flow.check_all` has approved them. Either way one event per batch, not per row.
"""

import json
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.db import connection, models, transaction
from django.utils import timezone

from gongzhi.core import access
from gongzhi.core.db import Statement, bulk_insert, insert_one, insert_statements
from gongzhi.core.errors import ApplicationError
from gongzhi.core.messages import CORE
from gongzhi.core.models import WorkflowEvent
from gongzhi.core.scope import AreaPaths, common_area_code
from gongzhi.core.services import account_label
from gongzhi.core.workflow import OWNER, STAFF, START, SYSTEM, Flow, Step

M = TypeVar("M", bound=models.Model)

MAX_ROW_KEYS = 100_000  # keys kept on one bulk event; the count is kept whatever the size


def _label(flow: Flow, model: Any, state: str) -> str:
    """A state's words (its model's choice label), for messages."""
    if state == START:
        return "—"
    if model is None:
        return state
    model_class: type[models.Model] = model if isinstance(model, type) else type(model)
    if flow.field is None:
        return state
    choices = dict(getattr(model_class._meta.get_field(flow.field), "choices", None) or ())
    return str(choices.get(state, state))


def _authorise(flow: Flow, step: Step, row: models.Model, actor: Any, *, owner_id: int | None, system: bool) -> None:
    if step.by == SYSTEM:
        if not system:
            raise ApplicationError(CORE.text("step_not_allowed"), status=403)
        return
    if system:
        raise ApplicationError(CORE.text("step_not_allowed"), status=403)
    if step.by == OWNER:
        if owner_id is None or getattr(actor, "pk", None) != owner_id:
            raise ApplicationError(CORE.text("step_owner"), status=403)
        return
    capability = flow.capability_of(step)
    assert capability is not None  # Flow refuses staff steps without one
    held = access.levels(actor, capability, row)
    if not held:
        raise ApplicationError(CORE.text("step_not_allowed"), status=403)
    if step.levels is not None and not (held & step.levels):
        level = sorted(step.levels)[0]
        raise ApplicationError(CORE.text("step_level", level=CORE.text(f"level_{level}")), status=403)


def _area_code(row: models.Model) -> str:
    paths: AreaPaths = getattr(type(row), "area_paths", AreaPaths())
    return paths.area_code_of(row)[:12]


def _refused(flow: Flow, model: Any, source: str, target: str) -> ApplicationError:
    return ApplicationError(
        CORE.text("step_refused", source=_label(flow, model, source), target=_label(flow, model, target)),
        {"from": source, "to": target},
        status=409,
    )


def _event(
    flow: Flow,
    row: models.Model,
    source: str,
    target: str,
    actor: Any,
    reason: str,
    detail: dict[str, Any] | None = None,
) -> WorkflowEvent:
    """The (unsaved) event of one row's step."""
    return WorkflowEvent(
        flow=flow.name,
        row_key=_key(row),
        from_status=source,
        to_status=target,
        reason=reason[:200],
        area_code=_area_code(row),
        detail=detail or {},
        **_actor_fields(actor),
    )


def _first_step(flow: Flow, row: models.Model, actor: Any, *, owner_id: int | None, system: bool) -> str:
    """Check the step that created a row in its initial state; returns that state."""
    state: str = getattr(row, flow.stored_field())
    step = flow.step(START, state)
    if step is None:
        raise _refused(flow, row, START, state)
    _authorise(flow, step, row, actor, owner_id=owner_id, system=system)
    return state


def _key(row: models.Model) -> str:
    return str(getattr(row, "public_id", None) or row.pk)


def _actor_fields(actor: Any) -> dict[str, Any]:
    return {"actor": actor if getattr(actor, "pk", None) else None, "actor_name": account_label(actor)}


def transition(
    *,
    flow: Flow,
    row: M,
    to: str,
    actor: Any,
    reason: str = "",
    also: dict[str, Any] | None = None,
    owner_id: int | None = None,
    system: bool = False,
    detail: dict[str, Any] | None = None,
) -> M:
    """Take the step from the row's current state to `to` and return the row as written.

    `also` sets more fields of the row in the same write (who reviewed it, when). `owner_id` is the
    user the row belongs to, for OWNER steps; `system` marks a step the platform takes. Raises
    ApplicationError: 409 when the flow does not allow the step from the current state, 403 when the
    actor may not take it on this row. The row's place is read from `row` (its relations loaded by
    the caller); the lock is taken on the bare row (PostgreSQL refuses FOR UPDATE across outer joins).
    """
    model = type(row)
    with transaction.atomic():
        locked = model._default_manager.select_for_update().get(pk=row.pk)
        field = flow.stored_field()
        source = getattr(locked, field)
        step = flow.step(source, to)
        if step is None:
            raise _refused(flow, locked, source, to)
        _authorise(flow, step, row, actor, owner_id=owner_id, system=system)
        fields = [field, *(also or {})]
        setattr(locked, field, to)
        for name, value in (also or {}).items():
            setattr(locked, name, value)
        if any(f.name == "updated_at" for f in model._meta.concrete_fields):
            fields.append("updated_at")
        locked.save(update_fields=fields)
        insert_one(_event(flow, row, source, to, actor, reason, detail))
    return locked


def start(
    *,
    flow: Flow,
    row: models.Model,
    actor: Any,
    reason: str = "",
    owner_id: int | None = None,
    system: bool = False,
    detail: dict[str, Any] | None = None,
) -> WorkflowEvent:
    """Record the first step of a row created in its initial state (inside the creating transaction)."""
    event = start_event(flow=flow, row=row, actor=actor, reason=reason, owner_id=owner_id, system=system, detail=detail)
    insert_one(event)
    return event


def start_event(
    *,
    flow: Flow,
    row: models.Model,
    actor: Any,
    reason: str = "",
    owner_id: int | None = None,
    system: bool = False,
    detail: dict[str, Any] | None = None,
) -> WorkflowEvent:
    """The event of `start`, checked as `start` checks it but not written: for a hot path that writes
    it together with its row (core.db.insert_together) inside the creating transaction."""
    state = _first_step(flow, row, actor, owner_id=owner_id, system=system)
    return _event(flow, row, START, state, actor, reason, detail)


def start_many(*, flow: Flow, rows: Sequence[models.Model], actor: Any, reason: str = "", system: bool = False) -> int:
    """Record the first step of many rows created together, one event each (a positive pool's recalls:
    each recall's timeline starts with it). The flow must allow every initial state; the actor's
    right is checked on each row."""
    events = [
        _event(flow, row, START, _first_step(flow, row, actor, owner_id=None, system=system), actor, reason)
        for row in rows
    ]
    WorkflowEvent.objects.bulk_create(events, batch_size=500)
    return len(events)


def record_many(
    *,
    flow: Flow,
    source: str,
    target: str,
    keys: Sequence[str],
    area_codes: Iterable[str],
    actor: Any,
    reason: str = "",
    count: int | None = None,
    detail: dict[str, Any] | None = None,
) -> WorkflowEvent | None:
    """One event for a bulk move that a hot path wrote in its own SQL (the moves must have passed
    `flow.check_all`): the rows' keys, their count, the narrowest area holding them, the actor."""
    event = bulk_event(
        flow=flow,
        source=source,
        target=target,
        keys=keys,
        area_codes=area_codes,
        actor=actor,
        reason=reason,
        count=count,
        detail=detail,
    )
    if event is not None:
        event.save()
    return event


_BULK_FIELDS = (
    "flow",
    "row_key",
    "row_keys",
    "row_count",
    "from_status",
    "to_status",
    "actor",
    "actor_name",
    "reason",
    "area_code",
    "at",
    "detail",
)


def record_all(events: Iterable[WorkflowEvent | None]) -> int:
    """Write bulk events in one COPY: the ORM's bulk_create cost more per row than the rest of a
    scan batch's bookkeeping (profiled)."""
    values = _bulk_values(events)
    if values:
        with connection.cursor() as cursor:
            bulk_insert(cursor, WorkflowEvent, _BULK_FIELDS, values)
    return len(values)


def record_all_statements(events: Iterable[WorkflowEvent | None]) -> list[Statement]:
    """A few bulk events as INSERTs, to send with a caller's other writes in one message
    (`core.db.in_turn`): the scan ingest's kinds of move, three at most a batch."""
    return insert_statements(WorkflowEvent, _BULK_FIELDS, _bulk_values(events))


def _bulk_values(events: Iterable[WorkflowEvent | None]) -> list[tuple[Any, ...]]:
    to_db = connection.ops.adapt_datetimefield_value
    return [
        (
            e.flow,
            e.row_key,
            json.dumps(e.row_keys, ensure_ascii=False),
            e.row_count,
            e.from_status,
            e.to_status,
            e.actor_id,
            e.actor_name,
            e.reason,
            e.area_code,
            to_db(e.at) if connection.vendor == "sqlite" else e.at,
            json.dumps(e.detail, ensure_ascii=False),
        )
        for e in events
        if e is not None
    ]


def bulk_event(
    *,
    flow: Flow,
    source: str,
    target: str,
    keys: Sequence[str],
    area_codes: Iterable[str],
    actor: Any,
    reason: str = "",
    count: int | None = None,
    detail: dict[str, Any] | None = None,
) -> WorkflowEvent | None:
    """The (unsaved) event of a bulk move, or None when it moved nothing; refuses a move the flow
    does not allow."""
    if flow.step(source, target) is None:
        raise _refused(flow, None, source, target)
    total = len(keys) if count is None else count
    if not total:
        return None
    return WorkflowEvent(
        flow=flow.name,
        row_key="",
        row_keys=list(keys[:MAX_ROW_KEYS]),
        row_count=total,
        from_status=source,
        to_status=target,
        reason=reason[:200],
        area_code=common_area_code(area_codes),
        detail=detail or {},
        **_actor_fields(actor),
    )


def record_each(
    *,
    flow: Flow,
    source: str,
    target: str,
    rows: Sequence[models.Model],
    actor: Any,
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> int:
    """One event per row for a set-wise move the caller wrote itself (checked by the caller against
    the flow and the actor's right), in one INSERT: each row's timeline shows the step, as after
    `transition`."""
    if flow.step(source, target) is None:
        raise _refused(flow, None, source, target)
    events = []
    for row in rows:
        event = _event(flow, row, source, target, actor, reason, detail)
        event.row_count = 1
        events.append(event)
    return record_all(events)


def record_keyed(
    *,
    flow: Flow,
    source: str,
    target: str,
    keyed: Sequence[tuple[str, str]],
    actor: Any,
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> int:
    """record_each for rows the caller read as (public id, community code) pairs rather than as
    model objects (a sweep over tens of thousands of rows): the same events, in one INSERT."""
    if flow.step(source, target) is None:
        raise _refused(flow, None, source, target)
    if not keyed:
        return 0
    to_db = connection.ops.adapt_datetimefield_value
    at = timezone.now()
    at_value = to_db(at) if connection.vendor == "sqlite" else at
    who = _actor_fields(actor)
    actor_id = who["actor"].pk if who["actor"] is not None else None
    detail_json = json.dumps(detail or {}, ensure_ascii=False)
    values = [
        (
            flow.name,
            key,
            "[]",
            1,
            source,
            target,
            actor_id,
            who["actor_name"],
            reason[:200],
            area[:12],
            at_value,
            detail_json,
        )
        for key, area in keyed
    ]
    with connection.cursor() as cursor:
        bulk_insert(cursor, WorkflowEvent, _BULK_FIELDS, values)
    return len(values)


def move_many(
    *,
    flow: Flow,
    queryset: "models.QuerySet[Any]",
    source: str,
    target: str,
    actor: Any,
    keys: Sequence[str],
    area_codes: Iterable[str],
    reason: str = "",
    also: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
) -> int:
    """Move the rows of `queryset` that are in `source` to `target` (a row in any other state stays:
    the rule is checked set-wise by the UPDATE's WHERE) and write one event naming the batch's `keys`.
    Returns the number of rows moved. The caller has checked the actor's right for the batch and runs
    this inside its transaction."""
    if flow.step(source, target) is None:
        raise _refused(flow, queryset.model, source, target)
    field = flow.stored_field()
    changes: dict[str, Any] = {field: target, **(also or {})}
    if any(f.name == "updated_at" for f in queryset.model._meta.concrete_fields):
        changes["updated_at"] = timezone.now()
    moved = queryset.filter(**{field: source}).update(**changes)
    if moved:
        record_many(
            flow=flow,
            source=source,
            target=target,
            keys=keys,
            area_codes=area_codes,
            actor=actor,
            reason=reason,
            count=moved,
            detail=detail,
        )
    return moved


def timeline(*, flow: Flow, row: models.Model) -> "models.QuerySet[WorkflowEvent]":
    """Every step of one row, oldest first."""
    return WorkflowEvent.objects.filter(flow=flow.name, row_key=_key(row)).order_by("at", "id")


__all__ = [
    "STAFF",
    "bulk_event",
    "move_many",
    "record_all",
    "record_all_statements",
    "record_each",
    "record_many",
    "start",
    "start_many",
    "timeline",
    "transition",
]
