"""Reads of residents' requests: the worklists, one request with its timeline and its merged
duplicates, a household's own requests, the dashboard's figures."""

import datetime as dt
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.appeals import flows, sla, triage
from gongzhi.appeals.messages import problem_text
from gongzhi.appeals.models import Appeal, HotlineImport, Level, Urgency
from gongzhi.core import access, roles
from gongzhi.core.errors import Problem
from gongzhi.core.models import WorkflowEvent
from gongzhi.places.models import Area, Building, Household
from gongzhi.places.selectors import PlaceFilter

PAGE = 50
MAX_PAGES = 200  # a worklist is worked from the top; 10,000 rows deep is as far as anyone pages


def appeal_get_for_user(*, user: Any, public_id: str, capability: str) -> Appeal:
    """One request, if it lies in the user's areas for the capability; 404 otherwise."""
    appeal = (
        Appeal.objects.select_related("household__building", "merged_into").filter(public_id=public_id[:26]).first()
    )
    if appeal is None or not access.may(user, capability, appeal):
        raise Http404
    return appeal


def appeals_get_for_user(*, user: Any, public_ids: list[str], capability: str) -> tuple[list[Appeal], list[str]]:
    """The requests of a bulk action, each decided against its own place: those that lie in the
    user's areas for the capability, in the order asked, and the ids that do not (unknown or not the
    user's: one answer for both, so an id never tells which)."""
    asked = list(dict.fromkeys(p[:26] for p in public_ids if p))
    rows = Appeal.objects.select_related("household__building", "merged_into").filter(public_id__in=asked)
    by_id = {a.public_id: a for a in rows}
    found = [by_id[p] for p in asked if p in by_id and access.may(user, capability, by_id[p])]
    kept = {a.public_id for a in found}
    return found, [p for p in asked if p not in kept]


def _sla_q(state: str, now: dt.datetime, minutes: dict[str, int]) -> Q:
    if state == "lapsed":
        return Q(due_at__lte=now)
    soon = Q(pk__in=[])
    for urgency, allowed in minutes.items():
        # The last quarter of the level's allowance (appeals.sla.sla_state).
        soon |= Q(urgency=urgency, due_at__gt=now, due_at__lte=now + dt.timedelta(minutes=allowed / 4))
    return soon if state == "due_soon" else Q(due_at__gt=now) & ~soon


def worklist(
    *,
    user: Any,
    area_code: str = "",
    status: str = "open",
    category: str = "",
    urgency: str = "",
    sla_state: str = "",
    level: str = "",
    mine: bool = False,
    minutes: dict[str, int] | None = None,
    place: PlaceFilter | None = None,
) -> "QuerySet[Appeal]":
    """The requests in the user's areas, most urgent and soonest due first, with the filters of the
    worklist page (an unknown filter value is ignored); `place`: those of one grid's or building's
    households."""
    qs = Appeal.objects.visible_to(user, roles.VIEW_APPEALS)
    if area_code:
        qs = qs.in_area(area_code)
    if place is not None:
        qs = qs.filter(place.rows("household__building"))
    if status == "open":
        qs = qs.filter(status__in_fixed=flows.OPEN_STATES)
    elif status in Appeal.Status.values:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if urgency in triage.RANK:
        qs = qs.filter(urgency_rank=triage.RANK[urgency])  # the indexes' column, not the word
    if level in sla.LEVELS:
        qs = qs.filter(level=level)
    if sla_state in sla.SLA_STATES:
        # Only requests whose clock runs (an unplaced one has none yet).
        qs = qs.filter(status__in_fixed=flows.LAPSING_STATES).filter(_sla_q(sla_state, timezone.now(), minutes or {}))
    if mine:
        qs = qs.filter(assignee=user)
    return qs.select_related("household__building").order_by("urgency_rank", "due_at", "id")


def worklist_page(qs: "QuerySet[Appeal]", page: int) -> tuple[list[Appeal], bool]:
    """One page of a worklist and whether there is a next one (no COUNT over the list)."""
    page = min(max(page, 1), MAX_PAGES)
    rows = list(qs[(page - 1) * PAGE : page * PAGE + 1])
    return rows[:PAGE], len(rows) > PAGE


COUNT_CAP = 10_000  # beyond it a tab says "10,000+": counting a city's million rows took 0.4 s a page
FILTERED_COUNT_CAP = 1_000  # with a filter the index cannot answer alone, each counted row is read


def worklist_counts(qs: "QuerySet[Appeal]", *, urgency: str = "", cap: int = COUNT_CAP) -> dict[str, int]:
    """Requests of a worklist by urgency (the tabs' numbers): exact up to `cap`, cap + 1 for more
    (count_words shows "10,000+"). Each is counted by the rank, a leading column of the worklist
    indexes, and stops past the cap; with the list filtered to one urgency, the others are 0."""
    return {
        word: (qs.filter(urgency_rank=rank).order_by().values("id")[: cap + 1].count() if urgency in ("", word) else 0)
        for rank, word in enumerate(triage.URGENCIES)
    }


def count_cap(filters: dict[str, Any]) -> int:
    """The cap for a worklist's counts: the open list, by area and urgency only, is counted from the
    index alone; any other filter reads each row it counts."""
    plain = filters.get("status", "open") == "open" and not any(
        filters.get(key) for key in ("category", "sla_state", "level", "mine")
    )
    return COUNT_CAP if plain else FILTERED_COUNT_CAP


def count_words(counts: dict[str, int], cap: int = COUNT_CAP) -> dict[str, str]:
    """The tabs' numbers as shown: 1,234, or 10,000+ past the cap."""
    return {key: f"{cap:,}+" if n > cap else f"{n:,}" for key, n in counts.items()}


def _step_label(event: WorkflowEvent) -> str:
    status = dict(Appeal.Status.choices)
    level = dict(Level.choices)
    detail = event.detail or {}
    if event.reason == "sla_lapsed":
        return _("超时未办结，由%(from)s升级到%(to)s") % {
            "from": level.get(detail.get("from_level", ""), ""),
            "to": level.get(detail.get("to_level", ""), ""),
        }
    if detail.get("merged_into"):
        return _("重复诉求，已并入 %(id)s") % {"id": detail["merged_into"]}
    if detail.get("assignee"):
        return _("分派给%(name)s") % {"name": detail["assignee"]}
    return str(status.get(event.to_status, event.to_status))


def appeal_timeline(appeal: Appeal) -> list[tuple[WorkflowEvent, str]]:
    """Every step of the request and of the duplicates merged into it, oldest first, with its words."""
    keys = [appeal.public_id, *appeal.duplicates.values_list("public_id", flat=True)]
    events = WorkflowEvent.objects.filter(flow=flows.APPEAL_FLOW.name, row_key__in=keys).order_by("at", "id")
    return [(e, _step_label(e)) for e in events]


def appeal_duplicates(appeal: Appeal) -> list[Appeal]:
    return list(appeal.duplicates.order_by("id"))


def household_appeals(household: Household, *, limit: int = 10) -> list[Appeal]:
    """A household's own requests, newest first (its page, opened with its door code)."""
    return list(Appeal.objects.filter(household=household).exclude(status=flows.MERGED).order_by("-id")[:limit])


def household_appeal(household: Household, public_id: str) -> Appeal:
    """One of the household's own requests; 404 for any other."""
    appeal = Appeal.objects.filter(household=household, public_id=public_id[:26]).first()
    if appeal is None:
        raise Http404
    return appeal


def handlers_for(*, user: Any, appeal_area: str) -> list[Any]:
    """Who a request in `appeal_area` can be given to: users holding appeals.handle inside it or
    above it (the worklist's assign menu)."""
    from gongzhi.core.models import RoleAssignment

    codes = [appeal_area[:n] for n in (4, 6, 9, 12)]
    held = [r for r, caps in roles.CAPABILITIES.items() if roles.HANDLE_APPEALS in caps]
    assignments = (
        RoleAssignment.objects.filter(role__in=held)
        .filter(Q(area_code__in=codes) | Q(area_code=appeal_area[:12]))
        .select_related("user")
        .order_by("role", "user__username")
    )
    seen, users = set(), []
    for a in assignments:
        if a.user_id not in seen and a.user.is_active:
            seen.add(a.user_id)
            users.append(a.user)
    return users


def hotline_import_get_for_user(*, user: Any, public_id: str) -> HotlineImport:
    found = HotlineImport.objects.filter(public_id=public_id[:26]).first()
    if found is None or not access.may_in_area(user, roles.IMPORT_HOTLINE, found.community_code):
        raise Http404
    return found


AGE_BUCKETS = (("<2h", dt.timedelta(hours=2)), ("2-24h", dt.timedelta(hours=24)), ("1-3d", dt.timedelta(days=3)))


def dashboard(*, area_code: str, now: dt.datetime | None = None) -> dict[str, Any]:
    """The figures of the requests panel for one area (the caller has decided the user may see it):
    open by urgency and age, breaches and escalations per level, median time to resolve. Counted
    in the database (grouped, conditional counts), never row by row."""
    now = now or timezone.now()
    qs = Appeal.objects.in_area(area_code)
    open_qs = qs.filter(status__in_fixed=flows.OPEN_STATES).order_by()
    buckets = [name for name, _limit in AGE_BUCKETS] + [">3d"]
    bounds: list[Q] = []
    newer = now
    for _name, limit in AGE_BUCKETS:
        bounds.append(Q(received_at__gt=now - limit, received_at__lte=newer))
        newer = now - limit
    bounds.append(Q(received_at__lte=newer))
    counted = open_qs.values("urgency").annotate(
        **{f"b{i}": Count("id", filter=bound) for i, bound in enumerate(bounds)}
    )
    by_urgency = {u: dict.fromkeys(buckets, 0) for u in ("critical", "urgent", "normal")}
    for row in counted:
        by_urgency[row["urgency"]] = {name: row[f"b{i}"] for i, name in enumerate(buckets)}
    lapsed = {
        row["level"]: row["n"]
        for row in open_qs.filter(status__in_fixed=flows.LAPSING_STATES, due_at__lte=now)
        .values("level")
        .annotate(n=Count("id"))
    }
    events = WorkflowEvent.objects.filter(
        flow=flows.APPEAL_FLOW.name, reason="sla_lapsed", area_code__startswith=area_code
    )
    escalations = events.aggregate(**{level: Count("id", filter=Q(detail__from_level=level)) for level in sla.LEVELS})
    resolved = qs.filter(resolved_at__isnull=False)
    count = resolved.count()
    median = None
    if count:
        middle = (
            resolved.annotate(took=F("resolved_at") - F("received_at")).order_by("took").values_list("took", flat=True)
        )[count // 2]
        median = round(middle.total_seconds() / 60)
    return {
        "open_by_urgency": by_urgency,
        "age_buckets": buckets,
        "open_total": sum(sum(v.values()) for v in by_urgency.values()),
        "lapsed_by_level": {level: lapsed.get(level, 0) for level in sla.LEVELS},
        "escalations_by_level": {level: escalations[level] for level in sla.LEVELS},
        "median_resolve_minutes": median,
        "resolved": count,
    }


def dashboard_children(
    *, area_code: str, child_codes: list[str], now: dt.datetime | None = None
) -> dict[str, dict[str, int]]:
    """Open, critical open and lapsed requests per child area (the drill-down's table), grouped by
    community in the database and summed up to each child."""
    now = now or timezone.now()
    out = {code: {"open": 0, "critical": 0, "lapsed": 0} for code in child_codes}
    rows = (
        Appeal.objects.in_area(area_code)
        .filter(status__in_fixed=flows.OPEN_STATES)
        .order_by()
        .values("community_code")
        .annotate(
            open=Count("id"),
            critical=Count("id", filter=Q(urgency="critical")),
            lapsed=Count("id", filter=Q(status__in_fixed=flows.LAPSING_STATES, due_at__lte=now)),
        )
    )
    for row in rows:
        code = row["community_code"]
        # The child holding this community; an unplaced request waiting at the street itself
        # (510104017000) lies in no community of it and counts only in the street's totals.
        child = next((c for c in child_codes if (code == c if len(c) == 12 else code.startswith(c))), None)
        if child is None:
            continue
        for key in ("open", "critical", "lapsed"):
            out[child][key] += row[key]
    return out


def assignee_get(*, user: Any, username: str) -> Any:
    """The user named in the assign menu (an active account), or None."""
    from django.contrib.auth import get_user_model

    if not username:
        return None
    return get_user_model().objects.filter(username=username[:150], is_active=True).first()


def household_for_placing(*, user: Any, code: str) -> Household:
    """The household an unplaced request is about, by its id (as its page shows it) or its door code
    (scanned at the door), in the user's areas."""
    from gongzhi.places.selectors import household_by_door_code

    text = (code or "").strip()
    household = next(iter(Household.objects.filter(public_id=text[:26].upper()).order_by()[:1]), None)
    if household is None:
        household = household_by_door_code(text)
    if not access.may(user, roles.IMPORT_HOTLINE, household):
        raise Http404
    return household


def buildings_for_entry(*, user: Any) -> "QuerySet[Building]":
    return Building.objects.visible_to(user, roles.ENTER_APPEALS).order_by("community_code", "number")[:500]


def households_for_entry(*, user: Any, building: str) -> "QuerySet[Household]":
    return (
        Household.objects.visible_to(user, roles.ENTER_APPEALS)
        .filter(building__public_id=building)
        .select_related("building")
        .order_by("unit", "room")
    )


def household_for_entry(*, user: Any, public_id: str) -> Household:
    household = Household.objects.select_related("building").filter(public_id=public_id[:26]).first()
    if household is None or not access.may(user, roles.ENTER_APPEALS, household):
        raise Http404
    return household


def child_areas(code: str) -> list[tuple[str, str]]:
    """The areas one level down (code, name), for the dashboard's drill-down; none below a community."""
    if len(code) >= 12:
        return []
    return list(Area.objects.filter(parent__code=code).order_by("code").values_list("code", "name"))


def area_name(code: str) -> str:
    return Area.objects.filter(code=code).values_list("name", flat=True).first() or code


def urgency_reasons(appeal: Appeal, *, show_health: bool) -> list[str]:
    """Why the request is as urgent as it is, in words (the triage rules that fired). A household's
    vulnerability tag (dialysis, insulin...) is health status: named only where the viewer may see it
    (`show_health`: roles.VIEW_HEALTH over the request), else said as "a vulnerable resident"."""
    words: list[str] = []
    for reason in appeal.urgency_reasons:
        if not isinstance(reason, dict):
            continue
        code, params = str(reason.get("code", "")), dict(reason.get("params") or {})
        if code == triage.BY_TAG and not show_health:
            urgency = str(params.get("urgency", ""))
            level = dict(Urgency.choices).get(urgency, urgency)
            text = _("该户有重点人群：%(urgency)s") % {"urgency": level}
        else:
            text = problem_text(Problem(code, params))
        if text not in words:
            words.append(text)
    return words
