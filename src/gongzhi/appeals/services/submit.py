"""A new request (诉求): its fields checked, triaged, routed to the household's grid worker and
written with the first step of its timeline, or merged into the household's open request of the
same category. Requests that threads of one process submit at the same moment are written together
(core.group_commit): one transaction and a few round trips for the group, each request still
decided on its own and in the order they came."""

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import OperationalError, connection
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg.errors import LockNotAvailable

from gongzhi.appeals import flows, sla, triage
from gongzhi.appeals.models import Appeal, Category, Channel
from gongzhi.core import access, measures, overload, roles, transitions
from gongzhi.core.cleaning import clean_text
from gongzhi.core.db import in_turn, insert_together, model_columns, write_transaction
from gongzhi.core.errors import ApplicationError
from gongzhi.core.group_commit import GroupCommit
from gongzhi.core.services import account_label
from gongzhi.people.models import Resident, ResidentTag
from gongzhi.places.models import Household

MAX_TEXT = 1000
MIN_TEXT = 2
_PHONE = re.compile(r"^\+?\d{7,20}$")


def sla_minutes() -> dict[str, int]:
    return dict(getattr(settings, "APPEAL_SLA_MINUTES", sla.DEFAULT_SLA_MINUTES))


Statement = tuple[str, list[Any]]


def _marks(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def _tags_read(household_ids: Sequence[int]) -> Statement:
    return (
        f"SELECT r.household_id, t.tag FROM {ResidentTag._meta.db_table} t JOIN {Resident._meta.db_table} r"
        f" ON r.id = t.resident_id WHERE r.household_id IN ({_marks(household_ids)})",
        list(household_ids),
    )


def _grid_workers_read(grid_ids: Sequence[int]) -> Statement:
    from gongzhi.core.models import RoleAssignment

    users = get_user_model()
    return (
        f"SELECT a.grid_id, {model_columns(users).select('u')} FROM {users._meta.db_table} u"
        f" JOIN {RoleAssignment._meta.db_table} a ON a.user_id = u.id"
        f" WHERE a.role = %s AND a.grid_id IN ({_marks(grid_ids)}) AND u.is_active ORDER BY a.grid_id, a.id",
        [roles.GRID_WORKER, *grid_ids],
    )


def _firsts(rows: list[Any], model: Any) -> dict[Any, Any]:
    """The first row of each key (a row's first value), built into an instance of the model from the rest."""
    columns = model_columns(model)
    out: dict[Any, Any] = {}
    for key, *values in rows:
        if key not in out:
            out[key] = columns.instance(values)
    return out


def household_tags(household: Household) -> set[str]:
    """The vulnerability tags of the household's residents (a dialysis patient's request is never
    normal). Raw SQL, as the other reads of every new request: the ORM's join cost more than running it."""
    return {tag for _, tag in in_turn([_tags_read([household.pk])])[0]}


def grid_worker_of(household: Household) -> Any:
    """The grid worker a new request of the household is routed to: the one holding its grid (the
    first appointed, when a grid has several); None without one (the community's list has it)."""
    grid_id = household.building.grid_id
    if grid_id is None:
        return None
    return _firsts(in_turn([_grid_workers_read([grid_id])])[0], get_user_model()).get(grid_id)


def tags_and_grid_workers(households: Sequence[Household]) -> tuple[dict[int, set[str]], dict[int, Any]]:
    """`household_tags` of each household (by id) and `grid_worker_of` each of their grids (by grid
    id; None for a grid without one), in one round trip for the group (core.db.in_turn): the reads
    new requests make about their households before they are written."""
    homes = sorted({h.pk for h in households})
    grids = sorted({h.building.grid_id for h in households if h.building.grid_id is not None})
    statements = [_tags_read(homes)] + ([_grid_workers_read(grids)] if grids else [])
    found = in_turn(statements)
    tags: dict[int, set[str]] = {pk: set() for pk in homes}
    for household_id, tag in found[0]:
        tags[household_id].add(tag)
    workers = _firsts(found[1], get_user_model()) if grids else {}
    return tags, {g: workers.get(g) for g in grids}


# How long a group waits for a household's row (or its open request) that another transaction holds:
# past it the group is written again one by one, and only the request whose household is held is
# answered 503 (a register import holding a household's row would otherwise hold up every new request
# of the process).
LOCK_WAIT_MS = 5000


def _for_update() -> str:
    """FOR NO KEY UPDATE: requests of one household take turns, and rows that only refer to the
    household (a resident imported meanwhile) do not wait for them, nor they for those."""
    if connection.features.has_select_for_no_key_update:
        return " FOR NO KEY UPDATE"
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


def _busy_if_held(exc: Exception) -> Exception:
    """A request whose household stayed held past LOCK_WAIT_MS: the server is busy, try again (503)."""
    if isinstance(exc, OperationalError) and isinstance(exc.__cause__, LockNotAvailable):
        return overload.Overloaded(overload.HOUSEHOLD_REQUEST)
    return exc


def open_duplicates(household_ids: Sequence[int], keys: Sequence[tuple[int, str]]) -> list[Appeal | None]:
    """For each (household id, category): the household's open request of that category (the first,
    when there are several), held for update: a new one is merged into it. The households' rows are
    locked first, in id order (PostgreSQL; SQLite's writers already take turns,
    core.db.write_transaction), so one household's requests take turns and the read cannot be raced;
    both in one round trip (core.db.in_turn). Raw SQL, as the other reads of every new request."""
    states = ", ".join(f"'{state}'" for state in flows.OPEN_STATES)  # the flow's own words, as literals
    categories = sorted({category for _, category in keys})
    statements: list[Statement] = []
    if connection.vendor == "postgresql":
        statements.append((f"SET LOCAL lock_timeout = {int(LOCK_WAIT_MS)}", []))
    if connection.features.has_select_for_update:
        statements.append(
            (
                f"SELECT id FROM {Household._meta.db_table}"
                f" WHERE id IN ({_marks(household_ids)}) ORDER BY id{_for_update()}",
                list(household_ids),
            )
        )
    statements.append(
        (
            f"SELECT a.household_id, a.category, {model_columns(Appeal).select('a')} FROM {Appeal._meta.db_table} a"
            f" WHERE a.household_id IN ({_marks(household_ids)}) AND a.category IN ({_marks(categories)})"
            f" AND a.status IN ({states}) ORDER BY a.id{_for_update()}",
            [*household_ids, *categories],
        )
    )
    rows = [((household_id, category), *values) for household_id, category, *values in in_turn(statements)[-1]]
    found = _firsts(rows, Appeal)
    return [found.get(key) for key in keys]


def check_request_fields(*, category: object, text: object, caller_phone: object = "") -> None:
    """The checks a request's fields pass (ApplicationError 422), for an import's check of each row."""
    checked_category(category)
    checked_text(text)
    checked_phone(caller_phone)


def checked_text(value: object) -> str:
    text = clean_text(value)
    if len(text) < MIN_TEXT:
        raise ApplicationError(_("请写明需要什么帮助"), status=422)
    if len(text) > MAX_TEXT:
        raise ApplicationError(_("诉求内容过长（最多%(n)s字）") % {"n": MAX_TEXT}, status=422)
    return text


def checked_phone(value: object) -> str:
    phone = re.sub(r"[\s\-()（）]", "", clean_text(value))
    if phone and not _PHONE.match(phone):
        raise ApplicationError(_("联系电话格式不对"), status=422)
    return phone


def checked_category(value: object) -> str:
    if value not in Category.values:
        raise ApplicationError(_("请选择诉求类别"), status=422)
    return str(value)


def arrive_at_level(appeal: Appeal, level: str, now: dt.datetime) -> None:
    appeal.level = level
    appeal.level_since = now
    appeal.due_at = sla.due_at(now, appeal.urgency, sla_minutes())


@dataclass
class Submission:
    """One request to submit (the arguments of `appeal_submit`)."""

    household: Household
    category: str
    text: str
    channel: str = Channel.HOUSEHOLD
    actor: Any = None
    caller_name: str = ""
    caller_phone: str = ""
    received_at: dt.datetime | None = None
    hotline_ref: str | None = None
    address_text: str = ""
    raise_by: int = 0
    checked: dict[str, Any] | None = None  # its fields as stored, once `_checked` has passed them


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
    A request for the same household and category as one still open is merged into that one.
    Written together with the requests other threads of this process submit at the same moment;
    its fields are checked first, here, so that a refusal is in the caller's own language."""
    item = Submission(
        household=household,
        category=category,
        text=text,
        channel=channel,
        actor=actor,
        caller_name=caller_name,
        caller_phone=caller_phone,
        received_at=received_at,
        hotline_ref=hotline_ref,
        address_text=address_text,
        raise_by=raise_by,
    )
    item.checked = _checked(item)
    return _TOGETHER(item)


def appeals_submit_many(submissions: Sequence[Submission]) -> list[Appeal | Exception]:
    """`appeal_submit` for each submission, in order, in one transaction: the new request or the
    error of that one alone (a refused field, a refused actor). Should the group's write fail, each
    is written again on its own, so one request's failure stays its own."""
    outcomes: list[Appeal | Exception | None] = [None] * len(submissions)
    checked: list[tuple[int, Submission, dict[str, Any]]] = []
    for index, item in enumerate(submissions):
        try:
            checked.append((index, item, _checked(item)))
        except Exception as exc:  # noqa: BLE001  (a refusal, or the access check's read failing: that one's own)
            outcomes[index] = exc
    if checked:
        try:
            built = _built(checked)
            with write_transaction():
                _write(built)
        except Exception as exc:
            if len(submissions) == 1:
                raise _busy_if_held(exc) from exc
            for index, item, _fields in checked:  # each on its own: the failure is the one that fails alone
                try:
                    outcomes[index] = appeals_submit_many([item])[0]
                except Exception as alone:  # noqa: BLE001  (raised in that request's own thread)
                    outcomes[index] = alone if isinstance(alone, ApplicationError) else _busy_if_held(alone)
        else:
            for index, appeal, _item in built:
                outcomes[index] = appeal
    return [o for o in outcomes if o is not None]


_TOGETHER: GroupCommit[Submission, Appeal] = GroupCommit(appeals_submit_many)


def _checked(item: Submission) -> dict[str, Any]:
    """The submission's fields as stored, or ApplicationError (checked once: `appeal_submit` checks
    them in its caller's thread before the group)."""
    if item.checked is not None:
        return item.checked
    household, actor = item.household, item.actor
    if actor is not None and item.channel == Channel.STAFF and not access.may(actor, roles.ENTER_APPEALS, household):
        raise ApplicationError(_("您不能为这一户登记诉求"), status=403)
    return {
        "category": checked_category(item.category),
        "text": checked_text(item.text),
        "caller_phone": checked_phone(item.caller_phone),
        "caller_name": clean_text(item.caller_name)[:40],
    }


Built = tuple[int, Appeal, Submission]


def _built(checked: list[tuple[int, Submission, dict[str, Any]]]) -> list[Built]:
    """The new requests, triaged and routed, not yet written: the reads about their households go
    before the write transaction (on SQLite every writer waits for the one inside it), the zones in
    force in one read and the tags and grid workers in one round trip for the whole group."""
    # inside a lockdown zone a request is raised (zones decide, through core.measures)
    asked = [(i, c[1].household) for i, c in enumerate(checked) if not c[1].raise_by]
    raised = measures.at_places(
        measures.URGENCY_RAISE, [(h.building.pk, h.building.grid_id, h.community_code) for _i, h in asked]
    )
    raise_by = {i: by for (i, _h), by in zip(asked, raised, strict=True)}
    tags, workers = tags_and_grid_workers([c[1].household for c in checked])
    now = timezone.now()
    built = []
    for i, (index, item, fields) in enumerate(checked):
        household, actor = item.household, item.actor
        found = triage.triage(
            fields["category"], fields["text"], tags[household.pk], raise_by=item.raise_by or raise_by[i]
        )
        appeal = Appeal(
            household=household,
            community_code=household.community_code,
            channel=item.channel,
            urgency=found.urgency,
            urgency_rank=triage.RANK[found.urgency],
            urgency_reasons=[{"code": p.code, "params": p.params} for p in found.reasons],
            address_text=clean_text(item.address_text)[:200] or household.address,
            received_at=item.received_at or now,
            hotline_ref=item.hotline_ref,
            created_by=actor if getattr(actor, "pk", None) else None,
            created_by_name=account_label(actor) if actor is not None else "",
            **fields,
        )
        arrive_at_level(appeal, sla.first_level(has_grid=household.building.grid_id is not None), now)
        appeal.assignee = workers.get(household.building.grid_id)
        appeal.assignee_name = account_label(appeal.assignee) if appeal.assignee else ""
        built.append((index, appeal, item))
    return built


def _write(built: list[Built]) -> None:
    """Inside the write transaction: each request merged into its household's open one of the same
    category (read and held for update, the households' rows locked first, all in one round trip), or
    pending; a later request of the group merges into an earlier one as into one already stored. Then
    the new requests with the first steps of their timelines, the pending ones before those merged
    into them."""
    households = sorted({item.household.pk for _index, _appeal, item in built})
    keys = list(dict.fromkeys((item.household.pk, appeal.category) for _index, appeal, item in built))
    found = open_duplicates(households, keys)
    open_by_key: dict[tuple[int, str], Appeal | None] = dict(zip(keys, found, strict=True))
    pending: list[Any] = []
    merged: list[Any] = []
    raised_stored: dict[int, Appeal] = {}
    for _index, appeal, item in built:
        key = (item.household.pk, appeal.category)
        open_one = open_by_key[key]
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
                if open_one.pk is not None:
                    raised_stored[open_one.pk] = open_one
            detail = {"channel": item.channel, "merged_into": open_one.public_id, "urgency_raised": raised}
            rows = merged
        else:
            appeal.status = flows.PENDING
            open_by_key[key] = appeal
            detail = {"channel": item.channel, "urgency": appeal.urgency, "level": appeal.level}
            rows = pending
        started = transitions.start_event(
            flow=flows.APPEAL_FLOW, row=appeal, actor=item.actor, system=True, detail=detail
        )
        rows += [appeal, started]
    # each request and the first step of its timeline, the new open ones first (a merged one names its)
    for rows in (pending, merged):
        if rows:
            insert_together(*rows)
    for open_one in raised_stored.values():
        open_one.save(update_fields=["urgency", "urgency_rank", "urgency_reasons", "due_at", "updated_at"])
