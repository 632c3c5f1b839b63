"""A request's life: submitted through the household's code, entered by staff, taken on, assigned,
resolved, answered by the resident; placed when it came from the hotline with an address no
household matched. Every step through core.transitions, so the request's timeline shows it."""

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.appeals import flows, sla, triage
from gongzhi.appeals.models import Appeal, Category, Channel
from gongzhi.core import access, measures, roles, transitions
from gongzhi.core.cleaning import clean_text
from gongzhi.core.db import in_turn, insert_together, model_columns, write_transaction
from gongzhi.core.errors import ApplicationError
from gongzhi.core.services import account_label
from gongzhi.people.models import Resident, ResidentTag
from gongzhi.places.models import Household

MAX_TEXT = 1000
MIN_TEXT = 2
_PHONE = re.compile(r"^\+?\d{7,20}$")


def sla_minutes() -> dict[str, int]:
    return dict(getattr(settings, "APPEAL_SLA_MINUTES", sla.DEFAULT_SLA_MINUTES))


Statement = tuple[str, list[Any]]


def _tags_read(household: Household) -> Statement:
    return (
        f"SELECT t.tag FROM {ResidentTag._meta.db_table} t JOIN {Resident._meta.db_table} r"
        " ON r.id = t.resident_id WHERE r.household_id = %s",
        [household.pk],
    )


def _grid_worker_read(grid_id: int) -> Statement:
    from gongzhi.core.models import RoleAssignment

    users = get_user_model()
    return (
        f"SELECT {model_columns(users).select('u')} FROM {users._meta.db_table} u"
        f" JOIN {RoleAssignment._meta.db_table} a ON a.user_id = u.id"
        " WHERE a.role = %s AND a.grid_id = %s AND u.is_active ORDER BY a.id LIMIT 1",
        [roles.GRID_WORKER, grid_id],
    )


def _user(rows: list[Any]) -> Any:
    return model_columns(get_user_model()).instance(rows[0]) if rows else None


def household_tags(household: Household) -> set[str]:
    """The vulnerability tags of the household's residents (a dialysis patient's request is never
    normal). Raw SQL, as the other reads of every new request: the ORM's join cost more than running it."""
    return {tag for (tag,) in in_turn([_tags_read(household)])[0]}


def grid_worker_of(household: Household) -> Any:
    """The grid worker a new request of the household is routed to: the one holding its grid (the
    first appointed, when a grid has several); None without one (the community's list has it)."""
    grid_id = household.building.grid_id
    return None if grid_id is None else _user(in_turn([_grid_worker_read(grid_id)])[0])


def tags_and_grid_worker(household: Household) -> tuple[set[str], Any]:
    """`household_tags` and `grid_worker_of` together, in one round trip (core.db.in_turn): the
    reads a new request makes about its household before it is written."""
    grid_id = household.building.grid_id
    if grid_id is None:
        return household_tags(household), None
    tags, worker = in_turn([_tags_read(household), _grid_worker_read(grid_id)])
    return {tag for (tag,) in tags}, _user(worker)


def _for_update() -> str:
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


def open_duplicate(household: Household, category: str) -> Appeal | None:
    """The household's open request of the same category (the first, when there are several), held
    for update: a new one is merged into it. The household's row is locked first (PostgreSQL; SQLite's
    writers already take turns, core.db.write_transaction), so one household's requests take turns
    and the read cannot be raced; both go in one round trip (core.db.in_turn). Raw SQL, as the other
    reads of every new request."""
    states = ", ".join(f"'{state}'" for state in flows.OPEN_STATES)  # the flow's own words, as literals
    appeals = model_columns(Appeal)
    statements: list[tuple[str, list[Any]]] = []
    if connection.features.has_select_for_update:
        statements.append((f"SELECT id FROM {Household._meta.db_table} WHERE id = %s FOR UPDATE", [household.pk]))
    statements.append(
        (
            f"SELECT {appeals.select('a')} FROM {Appeal._meta.db_table} a WHERE a.household_id = %s"
            f" AND a.category = %s AND a.status IN ({states}) ORDER BY a.id LIMIT 1{_for_update()}",
            [household.pk, category],
        )
    )
    found = in_turn(statements)[-1]
    return appeals.instance(found[0]) if found else None


def sla_state_of(appeal: Appeal, now: dt.datetime) -> str:
    """On time, due soon or lapsed, for an open request ("" for one that no longer runs a clock)."""
    if appeal.status not in flows.LAPSING_STATES:
        return ""
    return sla.sla_state(appeal.due_at, now, urgency=appeal.urgency, sla_minutes=sla_minutes())


def check_request_fields(*, category: object, text: object, caller_phone: object = "") -> None:
    """The checks a request's fields pass (ApplicationError 422), for an import's check of each row."""
    _category(category)
    _text(text)
    _phone(caller_phone)


def _text(value: object) -> str:
    text = clean_text(value)
    if len(text) < MIN_TEXT:
        raise ApplicationError(_("请写明需要什么帮助"), status=422)
    if len(text) > MAX_TEXT:
        raise ApplicationError(_("诉求内容过长（最多%(n)s字）") % {"n": MAX_TEXT}, status=422)
    return text


def _phone(value: object) -> str:
    phone = re.sub(r"[\s\-()（）]", "", clean_text(value))
    if phone and not _PHONE.match(phone):
        raise ApplicationError(_("联系电话格式不对"), status=422)
    return phone


def _category(value: object) -> str:
    if value not in Category.values:
        raise ApplicationError(_("请选择诉求类别"), status=422)
    return str(value)


def _arrive(appeal: Appeal, level: str, now: dt.datetime) -> None:
    appeal.level = level
    appeal.level_since = now
    appeal.due_at = sla.due_at(now, appeal.urgency, sla_minutes())


def appeal_submit(
    *,
    household: Household,
    category: str,
    text: str,
    channel: str = Channel.HOUSEHOLD,
    actor: Any = None,
    caller_name: str = "",
    caller_phone: str = "",
    received_at: dt.datetime | None = None,
    hotline_ref: str | None = None,
    address_text: str = "",
    raise_by: int = 0,
) -> Appeal:
    """A household's request. `actor` None: through the household's own code (the caller has read
    the code); else staff taking a call or a visit, who must hold appeals.enter over the household's
    own place (a building leader: their building). Triage sets the urgency; the request waits at the
    household's grid (its community when the building has no grid) until its level's deadline.
    A request for the same household and category as one still open is merged into that one."""
    if actor is not None and channel == Channel.STAFF and not access.may(actor, roles.ENTER_APPEALS, household):
        raise ApplicationError(_("您不能为这一户登记诉求"), status=403)
    category = _category(category)
    text = _text(text)
    phone = _phone(caller_phone)
    name = clean_text(caller_name)[:40]
    building = household.building
    # inside a lockdown zone a request is raised (decided by zones, through core.measures)
    raise_by = raise_by or measures.at_place(
        measures.URGENCY_RAISE, building.pk, building.grid_id, household.community_code
    )
    tags, grid_worker = tags_and_grid_worker(household)
    found = triage.triage(category, text, tags, raise_by=raise_by)
    now = timezone.now()
    # Built before the write transaction: on SQLite every writer waits for the one inside it.
    appeal = Appeal(
        household=household,
        community_code=household.community_code,
        channel=channel,
        category=category,
        urgency=found.urgency,
        urgency_rank=triage.RANK[found.urgency],
        urgency_reasons=[{"code": p.code, "params": p.params} for p in found.reasons],
        text=text,
        caller_name=name,
        caller_phone=phone,
        address_text=clean_text(address_text)[:200] or household.address,
        received_at=received_at or now,
        hotline_ref=hotline_ref,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_by_name=account_label(actor) if actor is not None else "",
    )
    _arrive(appeal, sla.first_level(has_grid=household.building.grid_id is not None), now)
    appeal.assignee = grid_worker
    appeal.assignee_name = account_label(appeal.assignee) if appeal.assignee else ""
    with write_transaction():
        open_one = open_duplicate(household, category)  # the household's row held: its requests take turns
        if open_one is not None:
            appeal.status = flows.MERGED
            appeal.merged_into = open_one
            appeal.level, appeal.level_since, appeal.due_at = open_one.level, open_one.level_since, open_one.due_at
            raised = appeal.urgency_rank < open_one.urgency_rank
            if raised:
                # The more urgent of the two applies to the open one, and its deadline comes no later.
                open_one.urgency, open_one.urgency_rank = appeal.urgency, appeal.urgency_rank
                open_one.urgency_reasons = appeal.urgency_reasons
                open_one.due_at = min(open_one.due_at, sla.due_at(open_one.level_since, appeal.urgency, sla_minutes()))
                open_one.save(update_fields=["urgency", "urgency_rank", "urgency_reasons", "due_at", "updated_at"])
            detail = {"channel": channel, "merged_into": open_one.public_id, "urgency_raised": raised}
        else:
            appeal.status = flows.PENDING
            detail = {"channel": channel, "urgency": appeal.urgency, "level": appeal.level}
        # the request and the first step of its timeline, in one round trip
        started = transitions.start_event(flow=flows.APPEAL_FLOW, row=appeal, actor=actor, system=True, detail=detail)
        insert_together(appeal, started)
    return appeal


def appeal_unplaced(
    *,
    actor: Any,
    area_code: str,
    category: str,
    text: str,
    caller_name: str,
    caller_phone: str,
    address_text: str,
    received_at: dt.datetime,
    hotline_ref: str,
) -> Appeal:
    """A hotline work order whose address matched no household: it waits at its street (or the
    narrowest area known) until someone places it. Never dropped."""
    category = _category(category)
    text = _text(text)
    found = triage.triage(category, text, ())
    now = timezone.now()
    appeal = Appeal(
        community_code=area_code,
        status=flows.UNPLACED,
        channel=Channel.HOTLINE,
        category=category,
        urgency=found.urgency,
        urgency_rank=triage.RANK[found.urgency],
        urgency_reasons=[{"code": p.code, "params": p.params} for p in found.reasons],
        text=text,
        caller_name=clean_text(caller_name)[:40],
        caller_phone=_phone(caller_phone),
        address_text=clean_text(address_text)[:200],
        received_at=received_at,
        hotline_ref=hotline_ref,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_by_name=account_label(actor),
    )
    _arrive(appeal, queue_level(area_code), now)
    with transaction.atomic():
        appeal.save()
        transitions.start(
            flow=flows.APPEAL_FLOW, row=appeal, actor=actor, system=True, detail={"channel": Channel.HOTLINE}
        )
    return appeal


def queue_level(code: str) -> str:
    """The level of an unplaced request's queue from its 12-digit code (510104017000: a street)."""
    return "street" if code.endswith("000") and not code.endswith("000000") else "district"


def appeal_place(*, actor: Any, appeal: Appeal, household: Household) -> Appeal:
    """Put an unplaced hotline request on the household it is about: it then waits at that
    household's grid like any other. The actor must hold the import right over both."""
    if not access.may(actor, roles.IMPORT_HOTLINE, appeal):  # where it waits: the street's queue
        raise ApplicationError(_("您不能处理这一诉求"), status=403)
    if not access.may(actor, roles.IMPORT_HOTLINE, household):
        raise ApplicationError(_("这一户不在您负责的区域内"), status=403)
    now = timezone.now()
    handler = grid_worker_of(household)
    with transaction.atomic():
        appeal.household = household
        appeal.community_code = household.community_code
        level = sla.first_level(has_grid=household.building.grid_id is not None)
        placed = transitions.transition(
            flow=flows.APPEAL_FLOW,
            row=appeal,
            to=flows.PENDING,
            actor=actor,
            also={
                "assignee": handler,
                "assignee_name": account_label(handler) if handler else "",
                "household": household,
                "community_code": household.community_code,
                "level": level,
                "level_since": now,
                "due_at": sla.due_at(now, appeal.urgency, sla_minutes()),
            },
            detail={"household": household.public_id},
        )
    return placed


def appeal_take(*, actor: Any, appeal: Appeal) -> Appeal:
    """Take a pending request on: it is the actor's now (its level's deadline keeps running)."""
    return transitions.transition(
        flow=flows.APPEAL_FLOW,
        row=appeal,
        to=flows.IN_PROGRESS,
        actor=actor,
        also={"assignee": actor, "assignee_name": account_label(actor)},
    )


@dataclass
class AssignOutcome:
    assigned: list[Appeal] = field(default_factory=list)
    refused: list[tuple[Appeal, str]] = field(default_factory=list)


def appeals_assign(*, actor: Any, appeals: Iterable[Appeal], assignee: Any) -> AssignOutcome:
    """Give pending or in-progress requests to one handler. Each request is decided on its own: the
    actor must handle it, and the assignee must be able to (hold appeals.handle over its place);
    one refused is that request's error, the others are assigned."""
    outcome = AssignOutcome()
    label = account_label(assignee)
    for appeal in appeals:
        try:
            if not access.may(assignee, roles.HANDLE_APPEALS, appeal):
                raise ApplicationError(_("承办人不负责这一诉求所在的区域"), status=403)
            with transaction.atomic():
                current = Appeal.objects.select_for_update().values_list("status", flat=True).get(pk=appeal.pk)
                if current == flows.IN_PROGRESS:
                    if not access.may(actor, roles.HANDLE_APPEALS, appeal):
                        raise ApplicationError(_("您不能处理这一诉求"), status=403)
                    Appeal.objects.filter(pk=appeal.pk).update(
                        assignee=assignee, assignee_name=label, updated_at=timezone.now()
                    )
                    row = Appeal.objects.get(pk=appeal.pk)
                else:
                    row = transitions.transition(
                        flow=flows.APPEAL_FLOW,
                        row=appeal,
                        to=flows.IN_PROGRESS,
                        actor=actor,
                        also={"assignee": assignee, "assignee_name": label},
                        detail={"assignee": label},
                    )
            outcome.assigned.append(row)
        except ApplicationError as exc:
            outcome.refused.append((appeal, exc.message))
    return outcome


def appeal_resolve(*, actor: Any, appeal: Appeal, resolution: str) -> Appeal:
    """Record what was done; the resident is asked to confirm it."""
    resolution = clean_text(resolution)
    if len(resolution) < 2:
        raise ApplicationError(_("请写明办理结果"), status=422)
    if len(resolution) > 500:
        raise ApplicationError(_("办理结果过长（最多500字）"), status=422)
    return transitions.transition(
        flow=flows.APPEAL_FLOW,
        row=appeal,
        to=flows.RESOLVED,
        actor=actor,
        reason=resolution[:200],
        also={"resolution": resolution, "resolved_at": timezone.now()},
    )


def appeal_answer(*, appeal: Appeal, solved: bool, rating: Any = None, feedback: str = "", actor: Any = None) -> Appeal:
    """The resident's answer to a resolved request: solved, with a rating of 1 to 5, closes it;
    not solved puts it back in progress at its level with a new deadline. `actor` None: through the
    household's code; else staff recording what the resident said on the phone."""
    if actor is not None and not access.may(actor, roles.HANDLE_APPEALS, appeal):
        raise ApplicationError(_("您不能处理这一诉求"), status=403)
    feedback = clean_text(feedback)
    if len(feedback) > 500:
        raise ApplicationError(_("意见过长（最多500字）"), status=422)
    if solved:
        try:
            stars = int(rating)
        except (TypeError, ValueError):
            stars = 0
        if not 1 <= stars <= 5:
            raise ApplicationError(_("请给出1到5星的评价"), status=422)
        return transitions.transition(
            flow=flows.APPEAL_FLOW,
            row=appeal,
            to=flows.CLOSED,
            actor=actor,
            system=True,
            reason=feedback[:200],
            also={"rating": stars, "feedback": feedback},
            detail={"rating": stars},
        )
    if len(feedback) < 2:
        raise ApplicationError(_("请说明还有什么没有解决"), status=422)
    now = timezone.now()
    return transitions.transition(
        flow=flows.APPEAL_FLOW,
        row=appeal,
        to=flows.IN_PROGRESS,
        actor=actor,
        system=True,
        reason=feedback[:200],
        also={
            "feedback": feedback,
            "resolved_at": None,
            "level_since": now,
            "due_at": sla.due_at(now, appeal.urgency, sla_minutes()),
        },
    )
