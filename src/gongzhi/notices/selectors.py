"""Reads of notices. A staff member sees the notices addressed to their areas, to areas inside them and
to the areas above them (a district's notice concerns every community worker in it); a notice to one
building only those whose role covers that building. One `notice_get_for_user` decides a notice (the
same 404 for missing and forbidden); a household reaches its notices through its door code only."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gongzhi.core import access, roles
from gongzhi.core.errors import ApplicationError
from gongzhi.core.scope import entries_with, scope_q, within_one_community
from gongzhi.notices import flows
from gongzhi.notices.cap import CapAlert, CapArea, CapReference
from gongzhi.notices.models import GROUP_ALL, GROUP_CHOICES, Notice, NoticeReach, NoticeReceipt
from gongzhi.places.models import Building, Household
from gongzhi.places.selectors import area_names, door_order

RESIDENT_AUDIENCES = (Notice.Audience.RESIDENTS, Notice.Audience.BOTH)
STAFF_AUDIENCES = (Notice.Audience.STAFF, Notice.Audience.BOTH)
HOUSEHOLD_CANDIDATES = 200  # the newest notices addressed to a household's areas that its page looks through
CHILD_LENGTH = {4: 6, 6: 9, 9: 12}


def _path(code: str) -> list[str]:
    return [code[:n] for n in (4, 6, 9, 12) if n <= len(code)]


def _sees(user: Any, capability: str, notice: Notice) -> bool:
    """A notice to an official area: that area leads down to or lies inside the user's (may_around). A
    notice to one building: the user's role covers the building (its community, grid or itself)."""
    if notice.building_id is not None:
        return access.may(user, capability, notice)
    return access.may_around(user, capability, notice.area_code)


def notice_list(*, user: Any, capability: str = roles.VIEW_NOTICES, area_code: str = "") -> "QuerySet[Notice]":
    """The notices the user sees, newest first; with `area_code`, those addressed to that area, inside
    it or above it."""
    notices = Notice.objects.around(user, capability).filter(
        Q(building__isnull=True) | scope_q(user, capability=capability, paths=Notice.area_paths)
    )
    if area_code:
        notices = notices.filter(Q(area_code__startswith=area_code) | Q(area_code__in=_path(area_code)))
    return notices.select_related("building", "correction", "corrects").order_by("-published_at", "-id")


def notice_get_for_user(*, user: Any, public_id: str, capability: str) -> Notice:
    notice = (
        Notice.objects.filter(public_id=(public_id or "")[:26])
        .select_related("building", "correction", "corrects")
        .first()
    )
    if notice is None or not _sees(user, capability, notice):
        raise Http404
    return notice


def notice_public(*, public_id: str) -> Notice:
    """A notice anyone may read (its printed sheet, its CAP alert): one to all residents of its area,
    which is posted on notice boards anyway. A notice to a group (households with a dialysis patient)
    says something about those households, and one for staff is internal: neither is public."""
    notice = (
        Notice.objects.filter(public_id=(public_id or "")[:26], audience__in=RESIDENT_AUDIENCES, group=GROUP_ALL)
        .select_related("building", "correction", "corrects")
        .first()
    )
    if notice is None:
        raise Http404
    return notice


def counts_shown(user: Any, notice: Notice) -> bool:
    """Whether the user sees how many households the notice addressed and reached. A notice to a
    vulnerable group in one building counts that group's households there, which is its members'
    health status: only for those who see residents' health in that building (as its households,
    door by door). Counts over an official area are shown to all who see the notice."""
    if notice.group == GROUP_ALL or notice.building is None:
        return True
    return access.may(user, roles.VIEW_HEALTH, notice.building)


def reach_totals(*, user: Any, notices: list[Notice]) -> dict[int, dict[str, int]]:
    """Per notice: households addressed and reached inside the user's areas (from the rollup); none
    for a notice whose counts the user does not see (counts_shown)."""
    rows = (
        NoticeReach.objects.visible_to(user, roles.VIEW_NOTICES)
        .filter(notice__in=[n.pk for n in notices if counts_shown(user, n)])
        .values("notice_id")
        .annotate(targeted=Sum("targeted"), reached=Sum("reached"), read=Sum("read"), told=Sum("told"))
    )
    return {row.pop("notice_id"): row for row in rows}


@dataclass
class ReachRow:
    code: str  # an area code, or a building's public id at the last level
    name: str
    targeted: int
    read: int
    told: int
    reached: int
    building: bool = False
    link: str = ""

    @property
    def share(self) -> float | None:
        return self.reached / self.targeted if self.targeted else None

    @property
    def percent(self) -> str:
        return "—" if self.share is None else f"{self.share * 100:.1f}%"

    @property
    def unreached(self) -> int:
        return self.targeted - self.reached


def reach_area(*, user: Any, notice: Notice, wanted: str = "") -> str:
    """The area a reach view of the notice is about: `wanted` (inside the notice's area, and an area
    the user sees the reach of), else the narrowest of the notice's area and the user's. 404 else, and
    for a notice whose counts the user does not see (counts_shown)."""
    if not counts_shown(user, notice):
        raise Http404
    own = sorted(access.official_areas(user, roles.VIEW_NOTICES), key=len)
    local = [e.area_code for e in entries_with(user, roles.VIEW_NOTICES) if e.grid_id or e.building_id]
    if not wanted:
        for code in [*own, *local]:
            if code.startswith(notice.area_code):
                wanted = code
                break
            if notice.area_code.startswith(code):
                wanted = notice.area_code
                break
        else:
            wanted = notice.area_code if getattr(user, "is_superuser", False) else ""
    if (
        not wanted.isdecimal()
        or len(wanted) not in (4, 6, 9, 12)
        or not wanted.startswith(notice.area_code)
        or not (access.may_in_area(user, roles.VIEW_NOTICES, wanted) or wanted in local)
    ):
        raise Http404
    return wanted


def reach_by_area(*, user: Any, notice: Notice, area_code: str) -> list[ReachRow]:
    """The notice's reach in each child area of `area_code` the user sees (city → districts → streets →
    communities), from the rollup; in a community, per building, from its receipts."""
    if len(area_code) == 12:
        return reach_by_building(user=user, notice=notice, community_code=area_code)
    length = CHILD_LENGTH[len(area_code)]
    rows = list(
        NoticeReach.objects.visible_to(user, roles.VIEW_NOTICES)
        .filter(notice=notice)
        .in_area(area_code)
        .annotate(child=Substr("community_code", 1, length))
        .values("child")
        .annotate(targeted=Sum("targeted"), read=Sum("read"), told=Sum("told"), reached=Sum("reached"))
        .order_by("child")
    )
    names = area_names([r["child"] for r in rows])
    return [
        ReachRow(r["child"], names.get(r["child"], r["child"]), r["targeted"], r["read"], r["told"], r["reached"])
        for r in rows
    ]


def reach_by_building(*, user: Any, notice: Notice, community_code: str) -> list[ReachRow]:
    """The notice's reach in each building of a community that the user sees (a grid worker: their
    grid's; a building leader: theirs). A notice to a vulnerable group (dialysis, pregnancy...) names,
    building by building, where such households live: only where the user sees residents' health."""
    households = Household.objects.filter(community_code=community_code).visible_to(user, roles.VIEW_NOTICES)
    if notice.group != GROUP_ALL:
        households = households.visible_to(user, roles.VIEW_HEALTH)
    rows = (
        NoticeReceipt.objects.filter(notice=notice, household_id__in=households.values("id"))
        .values(
            "household__building__public_id",
            "household__building__name",
            "household__building__address",
            "household__building__number",
        )
        .annotate(
            targeted=Count("household"),
            read=Count("household", filter=Q(read_at__isnull=False)),
            told=Count("household", filter=Q(told_at__isnull=False)),
            reached=Count("household", filter=Q(read_at__isnull=False) | Q(told_at__isnull=False)),
        )
        .order_by("household__building__number")
    )
    return [
        ReachRow(
            r["household__building__public_id"],
            Building(name=r["household__building__name"], address=r["household__building__address"]).label,
            r["targeted"],
            r["read"],
            r["told"],
            r["reached"],
            building=True,
        )  # fmt: skip
        for r in rows
    ]


def reach_total(rows: list[ReachRow]) -> ReachRow:
    return ReachRow(
        "", "", *(sum(getattr(r, k) for r in rows) for k in ("targeted", "read", "told", "reached"))
    )  # fmt: skip


def shows_buildings(*, user: Any) -> bool:
    """Whether a notice's page lists buildings for this user: their list is one community or less."""
    return within_one_community(user, roles.VIEW_NOTICES)


def building_for_notice(*, user: Any, notice: Notice, building_id: str) -> Building:
    """A building the notice was addressed to, that the user sees notices in; 404 else."""
    building = Building.objects.filter(public_id=(building_id or "")[:26]).select_related("grid").first()
    if building is None or not access.may(user, roles.VIEW_NOTICES, building):
        raise Http404
    if notice.group != GROUP_ALL and not access.may(user, roles.VIEW_HEALTH, building):
        raise Http404  # a group's households, door by door, are its members' health status
    if notice.building_id is not None and notice.building_id != building.pk:
        raise Http404
    if not building.community_code.startswith(notice.area_code):
        raise Http404
    return building


def building_receipts(*, notice: Notice, building: Building) -> list[NoticeReceipt]:
    """The building's receipts of the notice, households in door order."""
    rows = list(
        NoticeReceipt.objects.filter(
            notice=notice, household_id__in=_households(building_id=building.pk)
        ).select_related("household")
    )
    return sorted(rows, key=lambda r: door_order(r.household))


def households_in_building(*, building: Building, public_ids: list[str]) -> list[Household]:
    """The households of the building named in a form (others ignored)."""
    return list(
        Household.objects.filter(building=building, public_id__in=[p[:26] for p in public_ids[:1000]]).select_related(
            "building"
        )
    )


def household_notices(household: Household, *, limit: int = 10) -> list[NoticeReceipt]:
    """A household's notices, newest first, each with its receipt (read or not): found through the
    notices addressed to its city, district, street, community or building (a few hundred at most),
    then its receipts by (notice, household)."""
    candidates = list(
        Notice.objects.filter(
            Q(area_code__in=_path(household.community_code), building__isnull=True)
            | Q(building_id=household.building_id),
            audience__in=RESIDENT_AUDIENCES,
        )
        .order_by("-published_at", "-id")
        .values_list("id", flat=True)[:HOUSEHOLD_CANDIDATES]
    )
    receipts = (
        NoticeReceipt.objects.filter(notice_id__in=candidates, household=household)
        .select_related("notice", "notice__correction")
        .order_by("-notice__published_at", "-notice_id")
    )
    return list(receipts[:limit])


def household_notice_get(*, household: Household, notice_id: str) -> NoticeReceipt:
    """One notice addressed to this household (for residents), with its receipt; 404 for any other."""
    receipt = (
        NoticeReceipt.objects.filter(
            household=household, notice__public_id=(notice_id or "")[:26], notice__audience__in=RESIDENT_AUDIENCES
        )
        .select_related("notice", "notice__correction", "notice__corrects", "notice__building")
        .first()
    )
    if receipt is None:
        raise Http404
    return receipt


def recent_notices(
    *, user: Any, audiences: tuple[str, ...], days: int = 7, limit: int = 3, capability: str = roles.VIEW_NOTICES
) -> list[Notice]:
    """The user's newest published notices of these audiences from the last `days`."""
    since = timezone.now() - dt.timedelta(days=days)
    notices = notice_list(user=user, capability=capability).filter(
        audience__in=audiences, status=flows.PUBLISHED, published_at__gte=since
    )
    return list(notices[:limit])


def unreached_in(*, notice: Notice, community_code: str, grid_id: int | None, building_id: int | None) -> int:
    """Households of one community (from its rollup row), grid or building (through its households) that
    have neither read the notice nor been told in person."""
    if building_id is None and grid_id is None:
        row = NoticeReach.objects.filter(notice=notice, community_code=community_code).values("targeted", "reached")
        found = row.first()
        return found["targeted"] - found["reached"] if found else 0
    households = _households(building_id=building_id) if building_id is not None else _households(grid_id=grid_id)
    return NoticeReceipt.objects.filter(
        notice=notice, household_id__in=households, read_at__isnull=True, told_at__isnull=True
    ).count()


def _households(*, building_id: int | None = None, grid_id: int | None = None) -> "QuerySet[Household, dict[str, Any]]":
    """The ids of a building's or a grid's households, as a subquery: receipts are then looked up by
    their key (notice, household), household by household. A join instead let SQLite's planner read
    all of the notice's receipts (a district's million) to find a building's hundred."""
    if building_id is not None:
        return Household.objects.filter(building_id=building_id).values("id")
    return Household.objects.filter(building__grid_id=grid_id or 0).values("id")


def area_label(code: str) -> str:
    return area_names([code]).get(code, code)


def notice_area_words(notice: Notice) -> str:
    """Where a notice is addressed, in words: 锦江区锦官驿街道, or its community and a building's label."""
    return area_words_of([notice])[notice.pk]


def area_words_of(notices: list[Notice]) -> dict[int, str]:
    """notice_area_words for a list of notices, the area names read in one query."""
    names = area_names(sorted({c for n in notices for c in _path(n.area_code)}))
    words = {}
    for notice in notices:
        codes = _path(notice.area_code)
        text = "".join(names.get(c, c) for c in codes[1:]) or names.get(codes[0], codes[0])
        if notice.building is not None:
            text = f"{names.get(notice.area_code, notice.area_code)} {notice.building.label}"
        words[notice.pk] = text
    return words


def group_words(group: str) -> str:
    """Whom among the households a notice is for, in words: 全体住户, 有独居老人的住户."""
    if group == GROUP_ALL:
        return str(dict(GROUP_CHOICES)[GROUP_ALL])
    return _("有%(tag)s的住户") % {"tag": dict(GROUP_CHOICES).get(group, group)}


def group_choices(*, user: Any) -> list[tuple[str, str]]:
    """The groups a publisher may address: the vulnerable groups only for those who see residents'
    health somewhere (notices.services checks the target itself)."""
    health = bool(getattr(user, "is_superuser", False) or entries_with(user, roles.VIEW_HEALTH))
    return [(value, group_words(value)) for value, _label in GROUP_CHOICES if health or value == GROUP_ALL]


def group_label(notice: Notice) -> str:
    return group_words(notice.group)


def notice_names(public_ids: list[str]) -> dict[str, str]:
    """For the audit log: public id -> title."""
    return dict(Notice.objects.filter(public_id__in=public_ids).values_list("public_id", "title"))


def cap_alert(notice: Notice, *, sender: str, print_url: str) -> CapAlert:
    """The notice as a CAP alert (notices.cap), in Chinese whatever the request's language: its
    correction's Update names the alert it corrects."""
    with translation.override("zh-hans"):
        return _cap_alert(notice, sender=sender, print_url=print_url)


def _cap_alert(notice: Notice, *, sender: str, print_url: str) -> CapAlert:
    geocodes = [("GB/T 2260", notice.area_code[:6].ljust(6, "0"))]
    if len(notice.area_code) > 6:
        geocodes.append(("统计用区划代码", notice.area_code))
    references = None
    if notice.corrects is not None:
        references = CapReference(sender, f"gongzhi-{notice.corrects.public_id}", notice.corrects.published_at)
    audience = str(notice.get_audience_display())
    if notice.group != GROUP_ALL:
        audience += f"（{group_label(notice)}）"
    return CapAlert(
        identifier=f"gongzhi-{notice.public_id}",
        sender=sender,
        sent=notice.published_at,
        category=notice.category,
        level=notice.severity,
        event=str(notice.get_category_display()),
        sender_name=area_label(notice.issuer_code),
        headline=notice.title,
        description=notice.body,
        web=print_url,
        area=CapArea(notice_area_words(notice), tuple(geocodes)),
        audience=audience,
        references=references,
        note=notice.correction_reason,
    )


def building_public_ids(ids: list[int]) -> dict[int, str]:
    return dict(Building.objects.filter(pk__in=ids).values_list("pk", "public_id"))


def buildings_for_publishing(*, user: Any, community_code: str) -> list[Building]:
    """A community's buildings, for a notice to one of them."""
    return list(
        Building.objects.visible_to(user, roles.PUBLISH_NOTICES).filter(community_code=community_code)
        .order_by("number")[:2000]
    )  # fmt: skip


def building_for_publishing(*, user: Any, public_id: str) -> Building:
    building = Building.objects.filter(public_id=(public_id or "")[:26]).select_related("grid").first()
    if building is None or not access.may(user, roles.PUBLISH_NOTICES, building):
        raise ApplicationError(_("请选择楼栋"), {"field": "building"}, status=422)
    return building


def resident_notices(*, user: Any, limit: int = 30) -> list[Notice]:
    """The newest notices to residents the user sees (the reach dashboard's choice)."""
    return list(notice_list(user=user).filter(audience__in=RESIDENT_AUDIENCES)[:limit])
