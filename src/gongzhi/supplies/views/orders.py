"""Orders: the community's list with its bulk steps, ordering on a household's behalf, the packing
list (printable, .xlsx), and the household's own page reached through its door code."""

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import roles, throttle, workbook
from gongzhi.core.access import capability_required
from gongzhi.core.errors import ApplicationError
from gongzhi.places.selectors import place_filter_asked
from gongzhi.supplies import selectors, services
from gongzhi.supplies.models import Order
from gongzhi.supplies.views.common import area_in_scope

HOUSEHOLD_ORDERS_PER_HOUR = 10


def lines_asked(request: HttpRequest) -> list[services.LineIn]:
    """The lines of an order form: a quantity field per package and item, empty or 0 meaning none."""
    lines = []
    for name, value in request.POST.items():
        kind, _sep, public_id = name.partition(":")
        value = str(value)
        if kind in ("package", "item") and value.strip() not in ("", "0"):
            lines.append(services.LineIn(kind=kind, public_id=public_id[:26], quantity=value))
    return lines


def window_asked(request: HttpRequest) -> tuple[dt.datetime | None, dt.datetime | None]:
    day, start, end = (request.POST.get(k, "").strip() for k in ("window_day", "window_start", "window_end"))
    if not (day or start or end):
        return None, None
    try:
        date = dt.date.fromisoformat(day)
        return (
            timezone.make_aware(dt.datetime.combine(date, dt.time.fromisoformat(start))),
            timezone.make_aware(dt.datetime.combine(date, dt.time.fromisoformat(end))),
        )
    except ValueError:
        raise ApplicationError(_("希望送达时间须填日期和起止时刻，如 2022-09-05 14:00 至 16:00"), status=422) from None


def _place(request: HttpRequest, household, actor) -> Order:
    start, end = window_asked(request)
    return services.order_place(
        household=household, lines=lines_asked(request), payment=request.POST.get("payment", ""), actor=actor,
        window_start=start, window_end=end, note=request.POST.get("note", ""),
    )  # fmt: skip


def _form_context(request: HttpRequest, *, keep: bool = True) -> dict:
    """The order form's choices, each with what was typed in it when a refused form comes back."""
    items, packages = selectors.catalogue()
    typed = request.POST if keep else {}
    return {
        "items": [(i, str(typed.get(f"item:{i.public_id}", ""))[:5]) for i in items],
        "packages": [(p, str(typed.get(f"package:{p.public_id}", ""))[:5]) for p in packages],
        "payments": Order.Payment.choices,
        "form": typed,
    }


def household_order_limit(request: HttpRequest, household) -> None:
    """Every attempt through a door code counts, per client address and per household (429 past it)."""
    wait = throttle.attempt(
        "supply_order_address", throttle.client_address(request), limit=HOUSEHOLD_ORDERS_PER_HOUR * 3, window=3600
    ) or throttle.attempt("supply_order_household", household.public_id, limit=HOUSEHOLD_ORDERS_PER_HOUR, window=3600)
    if wait:
        raise ApplicationError(
            _("下单次数过多，请%(minutes)s分钟后再试") % {"minutes": max(1, -(-wait // 60))},
            {"retry_after": wait},
            status=429,
        )


def household_order(request: HttpRequest, code: str) -> HttpResponse:
    """The household's own page (no account: its door code is the key): order for this household only,
    and see its orders' state. Orders are limited per client address and per household."""
    household = selectors.household_by_code(code)
    context = {**_form_context(request), "household": household, "orders": [], "placed": None}
    status, retry_after = 200, None
    if request.method == "POST":
        try:
            household_order_limit(request, household)
            context["placed"] = _place(request, household, None)
            context.update(_form_context(request, keep=False))
        except ApplicationError as exc:
            messages.error(request, exc.message)
            status = exc.status
            retry_after = exc.extra.get("retry_after")
    context["orders"] = selectors.household_orders(household)
    response = render(request, "supplies/household_order.html", context, status=status)
    if status == 429:
        response["Retry-After"] = str(retry_after or 60)
    response["Referrer-Policy"] = "same-origin"  # the code is in the URL: never sent to another site
    return response


@login_required
@capability_required(roles.ORDER_SUPPLIES)
def order_new(request: HttpRequest) -> HttpResponse:
    """Order on a household's behalf: pick the building, the household, then what it needs."""
    household = None
    if request.GET.get("household"):
        household = selectors.household_for_ordering(user=request.user, public_id=request.GET["household"])
    if household is not None and request.method == "POST":
        try:
            order = _place(request, household, request.user)
            messages.success(request, _("已为%(address)s下单") % {"address": household.address})
            return redirect(reverse("supplies:order", args=[order.public_id]))
        except ApplicationError as exc:
            messages.error(request, exc.message)
    building = request.GET.get("building", "")[:26]
    return render(
        request,
        "supplies/order_new.html",
        {
            **_form_context(request),
            "household": household,
            "buildings": selectors.buildings_for_ordering(user=request.user),
            "households": selectors.households_for_ordering(user=request.user, building=building) if building else [],
            "building": building,
        },
    )


@login_required
@capability_required(roles.VIEW_SUPPLIES, roles.ORDER_SUPPLIES)
def order(request: HttpRequest, public_id: str) -> HttpResponse:
    found = selectors.order_get_for_user(user=request.user, public_id=public_id, capability=roles.VIEW_SUPPLIES)
    return render(
        request,
        "supplies/order.html",
        {"order": found, "lines": selectors.order_lines(found), "timeline": selectors.order_timeline(found)},
    )


@login_required
@capability_required(roles.VIEW_SUPPLIES)
def orders(request: HttpRequest) -> HttpResponse:
    code = area_in_scope(request, roles.VIEW_SUPPLIES)
    place = place_filter_asked(user=request.user, asked=request.GET, capability=roles.VIEW_SUPPLIES)
    if place is not None:
        code = place.community_code
    status = request.GET.get("status", "")
    if status not in Order.Status.values and status != "open":
        status = ""
    if request.method == "POST":
        chosen = selectors.orders_by_ids(
            user=request.user, public_ids=request.POST.getlist("order"), capability=roles.MANAGE_SUPPLIES
        )
        action = request.POST.get("action", "")
        try:
            if not chosen:
                raise ApplicationError(_("请先勾选订单"), status=422)
            if action == "accept":
                done, refused = _each(chosen, lambda o: services.order_accept(actor=request.user, order=o))
            elif action == "pack":
                outcome = services.orders_pack(actor=request.user, orders=chosen)
                done, refused = len(outcome.packed), outcome.refused
            elif action == "cancel":
                reason = request.POST.get("reason", "")
                done, refused = _each(
                    chosen, lambda o: services.order_cancel(actor=request.user, order=o, reason=reason)
                )
            else:
                raise ApplicationError(_("请选择操作"), status=422)
            if done:
                messages.success(request, _("已处理%(n)s个订单") % {"n": done})
            for o, why in refused:
                messages.error(request, f"{o.household.address}：{why}")
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect(request.get_full_path())
    urgent = request.GET.get("urgent") == "1"
    late = request.GET.get("late") == "1"
    rows = selectors.order_list(
        user=request.user, area_code=code, status=status, urgent=urgent, late=late, place=place
    )[:500]
    kept = {"area": code, "status": status, "urgent": "1" if urgent else "", "late": "1" if late else ""}
    return render(
        request,
        "supplies/orders.html",
        {
            "area": code,
            "orders": rows,
            "status": status,
            "statuses": Order.Status.choices,
            "shown": 500,
            "urgent": urgent,
            "late": late,
            "place": place,
            "place_clear": "?" + urlencode({k: v for k, v in kept.items() if v}),
        },
    )


def _each(chosen, step):
    done, refused = 0, []
    for o in chosen:
        try:
            step(o)
            done += 1
        except ApplicationError as exc:
            refused.append((o, exc.message))
    return done, refused


@login_required
@capability_required(roles.MANAGE_SUPPLIES)
def packing(request: HttpRequest, public_id: str) -> HttpResponse:
    """A distribution point's packing list by building (print), or the same as .xlsx."""
    point = selectors.point_get_for_user(user=request.user, public_id=public_id, capability=roles.MANAGE_SUPPLIES)
    groups = selectors.packing_list(point=point)
    if request.GET.get("format") == "xlsx":
        book = workbook.new_workbook()
        sheet = book.active
        sheet.title = _("分拣单")
        sheet.append([_("楼栋"), _("门牌"), _("订单"), _("急需医疗"), _("状态"), _("物资"), _("数量"), _("单位")])
        for group in groups:
            for o, wanted in group.orders:
                for item, n in wanted.items():
                    sheet.append([group.label, o.household.address, o.public_id, _("是") if o.urgent else "",
                                  o.get_status_display(), item.name, n, item.unit])  # fmt: skip
        totals = book.create_sheet(_("合计"))
        totals.append([_("楼栋"), _("物资"), _("数量"), _("单位")])
        for group in groups:
            for item, n in group.totals.items():
                totals.append([group.label, item.name, n, item.unit])
        response = HttpResponse(
            workbook.workbook_bytes(book),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="packing-{point.public_id}.xlsx"'
        return response
    return render(request, "supplies/packing.html", {"point": point, "groups": groups, "now": timezone.now()})
