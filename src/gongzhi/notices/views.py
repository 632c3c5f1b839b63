"""Notice pages: the staff list, publishing, a notice (its text, reach, correction), the printable
sheet, the CAP alert, a building's households who have not read it (told in person), the reach
dashboard, and a notice on a household's own page (its door code is the key; opening it records the
read). A notice is decided by selectors.notice_get_for_user (404 outside the user's areas); the printed
sheet and the CAP alert of a notice to all residents are public (selectors.notice_public)."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from gongzhi.core import access, roles
from gongzhi.core.access import capability_required
from gongzhi.core.api import paginate
from gongzhi.core.errors import ApplicationError
from gongzhi.notices import cap, selectors, services
from gongzhi.notices.models import Notice
from gongzhi.places.selectors import area_breadcrumb_of, area_exists, household_by_door_code, picker_levels

PAGE_SIZE = 50
# The area picker of the publish form: its redraw (places' /areas/pick/) accepts the capabilities it
# knows; every role that may publish notices holds places.view over the same areas.
PICKER_CAPABILITY = roles.PUBLISH_NOTICES


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        return 1


@require_safe
@login_required
@capability_required(roles.VIEW_NOTICES)
def notice_list(request: HttpRequest) -> HttpResponse:
    page = _page_number(request)
    notices, has_next = paginate(selectors.notice_list(user=request.user), page=page, page_size=PAGE_SIZE)
    totals = selectors.reach_totals(user=request.user, notices=notices)
    words = selectors.area_words_of(notices)
    rows = []
    for notice in notices:
        total = totals.get(notice.pk)
        share = total["reached"] / total["targeted"] if total and total["targeted"] else None
        rows.append((notice, words[notice.pk], share))
    return render(
        request, "notices/list.html", {"rows": rows, "page": page, "has_next": has_next, "has_previous": page > 1}
    )


def _publish_context(request: HttpRequest, code: str) -> dict:
    buildings = []
    if len(code) == 12 and access.may_in_area(request.user, roles.PUBLISH_NOTICES, code):
        buildings = selectors.buildings_for_publishing(user=request.user, community_code=code)
    return {
        "picker": picker_levels(user=request.user, capability=PICKER_CAPABILITY, code=code),
        "picker_capability": PICKER_CAPABILITY,
        "code": code,
        "area_words": selectors.area_label(code) if code else "",
        "buildings": buildings,
        "groups": selectors.group_choices(user=request.user),
        "audiences": Notice.Audience.choices,
        "severities": Notice.Severity.choices,
        "categories": Notice.Category.choices,
        "form": request.POST,
    }


@login_required
@capability_required(roles.PUBLISH_NOTICES)
def notice_new(request: HttpRequest) -> HttpResponse:
    """Publish: the area first (the picker, then 确定范围 reloads the form for that area, with its
    buildings when it is a community), then the notice."""
    code = (request.POST.get("area_code") or request.GET.get("area_code") or "").strip()[:12]
    if code and not area_exists(code):
        code = ""
    if not code and request.method != "POST":  # the user's first area, as the picker shows it
        code = picker_levels(user=request.user, capability=PICKER_CAPABILITY)["code"]
    status = 200
    if request.method == "POST":
        try:
            building = None
            if request.POST.get("building"):
                building = selectors.building_for_publishing(user=request.user, public_id=request.POST["building"])
            notice = services.notice_publish(
                actor=request.user, area_code=code, building=building, group=request.POST.get("group", ""),
                audience=request.POST.get("audience", ""), title=request.POST.get("title", ""),
                body=request.POST.get("body", ""), severity=request.POST.get("severity", ""),
                category=request.POST.get("category", ""),
            )  # fmt: skip
            messages.success(request, _("已发布，送达%(n)s户") % {"n": notice.targeted})
            return redirect("notices:detail", public_id=notice.public_id)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            status = exc.status
    return render(request, "notices/new.html", _publish_context(request, code), status=status)


def _cap_sender(request: HttpRequest) -> str:
    return str(getattr(settings, "GONGZHI_CAP_SENDER", "") or f"gongzhi@{request.get_host()}")


@login_required
@capability_required(roles.VIEW_NOTICES)
def notice_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    notice = selectors.notice_get_for_user(user=request.user, public_id=public_id, capability=roles.VIEW_NOTICES)
    may_correct = notice.status == Notice.Status.PUBLISHED and services.may_correct(request.user, notice)
    status = 200
    if request.method == "POST":
        try:
            if not may_correct:
                raise ApplicationError(_("您不能更正这条通知"), status=403)
            new = services.notice_correct(
                actor=request.user, notice=notice, title=request.POST.get("title", ""),
                body=request.POST.get("body", ""), reason=request.POST.get("reason", ""),
                severity=request.POST.get("severity", ""),
            )  # fmt: skip
            messages.success(request, _("已发布更正，送达%(n)s户") % {"n": new.targeted})
            return redirect("notices:detail", public_id=new.public_id)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            status = exc.status
    reach_code, reach_rows = "", []
    if notice.for_residents:
        try:
            reach_code = selectors.reach_area(user=request.user, notice=notice)
            reach_rows = selectors.reach_by_area(user=request.user, notice=notice, area_code=reach_code)
        except Http404:
            reach_code = ""
    return render(
        request,
        "notices/detail.html",
        {
            "notice": notice,
            "area_words": selectors.notice_area_words(notice),
            "group": selectors.group_label(notice),
            "issuer": selectors.area_label(notice.issuer_code),
            "reach_code": reach_code,
            "reach_name": selectors.area_label(reach_code) if reach_code else "",
            "reach_rows": reach_rows,
            "reach_total": selectors.reach_total(reach_rows),
            "counts": selectors.counts_shown(request.user, notice),
            "may_correct": may_correct,
            "severities": Notice.Severity.choices,
            "form": request.POST if status != 200 else {},
        },
        status=status,
    )


def _public_or_staff(request: HttpRequest, public_id: str) -> Notice:
    """A notice to all residents is public (it is posted on notice boards anyway); any other only to
    staff who see it."""
    try:
        return selectors.notice_public(public_id=public_id)
    except Http404:
        if not request.user.is_authenticated:
            raise
        return selectors.notice_get_for_user(user=request.user, public_id=public_id, capability=roles.VIEW_NOTICES)


@require_safe
def notice_print(request: HttpRequest, public_id: str) -> HttpResponse:
    """The printable sheet for notice boards and lift lobbies (A4, large type, no menu)."""
    notice = _public_or_staff(request, public_id)
    return render(
        request,
        "notices/print.html",
        {
            "notice": notice,
            "area_words": selectors.notice_area_words(notice),
            "issuer": selectors.area_label(notice.issuer_code),
            "group": selectors.group_label(notice),
        },
    )


@require_safe
def notice_cap(request: HttpRequest, public_id: str) -> HttpResponse:
    """The notice as a CAP 1.2 alert (public for a notice to all residents, like its printed sheet)."""
    notice = _public_or_staff(request, public_id)
    print_url = request.build_absolute_uri(reverse("notices:print", args=[notice.public_id]))
    alert = selectors.cap_alert(notice, sender=_cap_sender(request), print_url=print_url)
    response = HttpResponse(cap.cap_xml(alert), content_type="application/cap+xml; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="notice-{notice.public_id}.xml"'
    return response


@login_required
@capability_required(roles.VIEW_NOTICES)
def notice_building(request: HttpRequest, public_id: str, building_id: str) -> HttpResponse:
    """A building's households for a notice: not reached yet (with "told in person" to tick), read,
    told in person. The list shows only what the user's role covers (a building leader: their own)."""
    notice = selectors.notice_get_for_user(user=request.user, public_id=public_id, capability=roles.VIEW_NOTICES)
    building = selectors.building_for_notice(user=request.user, notice=notice, building_id=building_id)
    may_tell = notice.status == Notice.Status.PUBLISHED and access.may(request.user, roles.TELL_NOTICES, building)
    if request.method == "POST":
        try:
            households = selectors.households_in_building(
                building=building, public_ids=request.POST.getlist("household")
            )
            if not households:
                raise ApplicationError(_("请先勾选已当面告知的住户"), status=422)
            outcome = services.receipts_tell(actor=request.user, notice=notice, households=households)
            if outcome.told:
                messages.success(request, _("已登记当面告知%(n)s户") % {"n": len(outcome.told)})
            for household, why in outcome.already + outcome.refused:
                messages.error(request, f"{household.address}：{why}")
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect(request.path)
    receipts = selectors.building_receipts(notice=notice, building=building)
    return render(
        request,
        "notices/building.html",
        {
            "notice": notice,
            "building": building,
            "unreached": [r for r in receipts if r.read_at is None and r.told_at is None],
            "read": [r for r in receipts if r.read_at is not None],
            "told": [r for r in receipts if r.read_at is None and r.told_at is not None],
            "may_tell": may_tell,
        },
    )


@require_safe
@login_required
@capability_required(roles.VIEW_NOTICES)
def reach(request: HttpRequest) -> HttpResponse:
    """The reach of one notice (read or told in person) per child area, from the user's area down to a
    community's buildings; a bar opens the next level."""
    notices = selectors.resident_notices(user=request.user)
    wanted = request.GET.get("notice", "")[:26]
    notice = None
    if wanted:
        notice = selectors.notice_get_for_user(user=request.user, public_id=wanted, capability=roles.VIEW_NOTICES)
    elif notices:
        notice = notices[0]
    counts = notice is not None and selectors.counts_shown(request.user, notice)
    context: dict = {"notices": notices, "notice": notice, "rows": [], "counts": counts}
    if notice is not None and notice.for_residents and counts:
        code = selectors.reach_area(user=request.user, notice=notice, wanted=request.GET.get("area", "")[:12])
        rows = selectors.reach_by_area(user=request.user, notice=notice, area_code=code)
        query = {"notice": notice.public_id}
        for row in rows:
            row.link = (
                reverse("notices:building", args=[notice.public_id, row.code])
                if row.building
                else "?" + urlencode({**query, "area": row.code})
            )
        context.update(
            {
                "code": code,
                "name": selectors.area_label(code),
                "trail": [a for a in area_breadcrumb_of(code) if len(a.code) >= len(notice.area_code)],
                "rows": rows,
                "total": selectors.reach_total(rows),
                "chart": {
                    "names": [r.name for r in rows],
                    "read": [r.read for r in rows],
                    "told": [r.reached - r.read for r in rows],
                    "unreached": [r.unreached for r in rows],
                },
            }
        )
    return render(request, "notices/reach.html", context)


@require_safe
def household_notice(request: HttpRequest, code: str, notice_id: str) -> HttpResponse:
    """A notice on the household's own page (no account: its door code is the key). Only a notice
    addressed to this household opens; opening it records the read."""
    household = household_by_door_code(code)
    receipt = selectors.household_notice_get(household=household, notice_id=notice_id)
    if services.receipt_read(household=household, notice=receipt.notice):
        receipt.read_at = timezone.now()
    response = render(
        request,
        "notices/household_notice.html",
        {"receipt": receipt, "notice": receipt.notice, "household": household, "code": f"H:{household.door_key}"},
    )
    response["Referrer-Policy"] = "same-origin"  # the code is in the URL: never sent to another site
    return response
