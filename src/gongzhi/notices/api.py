"""The notices API: the notices a staff member sees (newest first, in pages), and one notice's reach
per child area (or per building, in a community)."""

from ninja import Query, Router, Schema

from gongzhi.core import roles
from gongzhi.core.api import PageParams, paginate
from gongzhi.notices import selectors
from gongzhi.notices.models import Notice

router = Router(tags=["notices"])


class NoticeOut(Schema):
    public_id: str
    title: str
    body: str
    area_code: str
    area_name: str
    building: str | None
    group: str
    audience: str
    category: str
    severity: str
    status: str
    corrects: str | None
    corrected_by: str | None
    correction_reason: str
    published_at: str
    published_by_name: str
    targeted: int | None  # None: a vulnerable group's count in one building the caller may not see
    reached_in_my_areas: int | None
    targeted_in_my_areas: int | None


class NoticePage(Schema):
    items: list[NoticeOut]
    page: int
    has_next: bool


def _notice_out(notice: Notice, total: dict[str, int] | None, area_name: str, counts: bool) -> dict:
    correction = getattr(notice, "correction", None)
    return {
        "public_id": notice.public_id,
        "title": notice.title,
        "body": notice.body,
        "area_code": notice.area_code,
        "area_name": area_name,
        "building": notice.building.public_id if notice.building is not None else None,
        "group": notice.group,
        "audience": notice.audience,
        "category": notice.category,
        "severity": notice.severity,
        "status": notice.status,
        "corrects": notice.corrects.public_id if notice.corrects is not None else None,
        "corrected_by": correction.public_id if correction is not None else None,
        "correction_reason": notice.correction_reason,
        "published_at": notice.published_at.isoformat(),
        "published_by_name": notice.published_by_name,
        "targeted": notice.targeted if counts else None,  # selectors.counts_shown
        "reached_in_my_areas": total["reached"] if total else None,
        "targeted_in_my_areas": total["targeted"] if total else None,
    }


@router.get("/notices", response=NoticePage)
def notice_list(request, params: Query[PageParams], area: str = ""):
    """Notices addressed to the caller's areas, inside them or above them (within `area` when given),
    newest first; the reach counted inside the caller's areas."""
    rows, has_next = paginate(
        selectors.notice_list(user=request.user, area_code=area[:12] if area.isdecimal() else ""),
        page=params.page,
        page_size=params.page_size,
    )
    totals = selectors.reach_totals(user=request.user, notices=rows)
    words = selectors.area_words_of(rows)
    items = [_notice_out(n, totals.get(n.pk), words[n.pk], selectors.counts_shown(request.user, n)) for n in rows]
    return {"items": items, "page": params.page, "has_next": has_next}


class ReachRowOut(Schema):
    code: str
    name: str
    building: bool
    targeted: int
    read: int
    told: int
    reached: int
    share: float | None


class ReachOut(Schema):
    notice: str
    area_code: str
    area_name: str
    total: ReachRowOut
    rows: list[ReachRowOut]


def _row_out(row: selectors.ReachRow) -> dict:
    return {
        "code": row.code,
        "name": row.name,
        "building": row.building,
        "targeted": row.targeted,
        "read": row.read,
        "told": row.told,
        "reached": row.reached,
        "share": None if row.share is None else round(row.share, 4),
    }


@router.get("/notices/{public_id}/reach", response=ReachOut)
def notice_reach(request, public_id: str, area: str = ""):
    """The notice's reach (read or told in person) in each child area of `area` (default: the narrowest
    of the notice's area and the caller's), or in each building when `area` is a community."""
    notice = selectors.notice_get_for_user(user=request.user, public_id=public_id, capability=roles.VIEW_NOTICES)
    code = selectors.reach_area(user=request.user, notice=notice, wanted=area[:12])
    rows = selectors.reach_by_area(user=request.user, notice=notice, area_code=code)
    return {
        "notice": notice.public_id,
        "area_code": code,
        "area_name": selectors.area_label(code),
        "total": _row_out(selectors.reach_total(rows)),
        "rows": [_row_out(r) for r in rows],
    }
