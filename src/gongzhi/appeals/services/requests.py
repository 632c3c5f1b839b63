"""A request's life after it is submitted (appeals.services.submit): taken on, assigned,
resolved, answered by the resident; placed when it came from the hotline with an address no
household matched. Every step through core.transitions, so the request's timeline shows it."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.appeals import flows, sla, triage
from gongzhi.appeals.models import Appeal, Channel
from gongzhi.appeals.services.submit import (
    arrive_at_level,
    checked_category,
    checked_phone,
    checked_text,
    grid_worker_of,
    sla_minutes,
)
from gongzhi.core import access, roles, transitions
from gongzhi.core.cleaning import clean_text
from gongzhi.core.errors import ApplicationError
from gongzhi.core.services import account_label
from gongzhi.places.models import Household


def sla_state_of(appeal: Appeal, now: dt.datetime) -> str:
    """On time, due soon or lapsed, for an open request ("" for one that no longer runs a clock)."""
    if appeal.status not in flows.LAPSING_STATES:
        return ""
    return sla.sla_state(appeal.due_at, now, urgency=appeal.urgency, sla_minutes=sla_minutes())


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
    category = checked_category(category)
    text = checked_text(text)
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
        caller_phone=checked_phone(caller_phone),
        address_text=clean_text(address_text)[:200],
        received_at=received_at,
        hotline_ref=hotline_ref,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_by_name=account_label(actor),
    )
    arrive_at_level(appeal, queue_level(area_code), now)
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
