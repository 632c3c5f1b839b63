"""Supply points and their stock: balances, the ledger, receipts, issues, transfers and counts."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.core import access, roles
from gongzhi.core.access import capability_required
from gongzhi.core.errors import ApplicationError
from gongzhi.supplies import selectors, services
from gongzhi.supplies.models import SupplyPoint
from gongzhi.supplies.views.common import area_in_scope


@login_required
@capability_required(roles.MANAGE_STOCK)
def points(request: HttpRequest) -> HttpResponse:
    code = area_in_scope(request, roles.MANAGE_STOCK)
    if request.method == "POST":
        try:
            point = services.supply_point_create(
                actor=request.user, area_code=request.POST.get("point_area", code)[:12],
                kind=request.POST.get("kind", ""), name=request.POST.get("name", ""),
                address=request.POST.get("address", ""),
            )  # fmt: skip
            messages.success(request, _("已添加物资点“%(name)s”") % {"name": point.name})
            return redirect(reverse("supplies:point", args=[point.public_id]))
        except ApplicationError as exc:
            messages.error(request, exc.message)
    return render(
        request,
        "supplies/points.html",
        {
            "area": code,
            "points": selectors.point_list(user=request.user, capability=roles.MANAGE_STOCK, area_code=code),
            "kinds": SupplyPoint.Kind.choices,
        },
    )


@login_required
@capability_required(roles.MANAGE_STOCK)
def point(request: HttpRequest, public_id: str) -> HttpResponse:
    here = selectors.point_get_for_user(user=request.user, public_id=public_id, capability=roles.MANAGE_STOCK)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            item = selectors.item_chosen(request.POST.get("item", ""))
            quantity = request.POST.get("quantity", "")
            reason = request.POST.get("reason", "")
            if action == "receive":
                services.stock_receive(actor=request.user, point=here, item=item, quantity=quantity, reason=reason)
            elif action == "issue":
                services.stock_issue(actor=request.user, point=here, item=item, quantity=quantity, reason=reason)
            elif action == "transfer":
                target = selectors.point_get_for_user(
                    user=request.user, public_id=request.POST.get("target", ""), capability=roles.VIEW_SUPPLIES
                )
                services.stock_transfer(
                    actor=request.user, source=here, target=target, item=item, quantity=quantity, reason=reason
                )
            elif action == "count":
                services.stock_count(actor=request.user, point=here, item=item, counted=quantity, reason=reason)
            else:
                raise ApplicationError(_("请选择操作"), status=422)
            messages.success(request, _("已记入库存流水"))
            return redirect(request.path)
        except ApplicationError as exc:
            messages.error(request, exc.message)
    items, _packages = selectors.catalogue()
    return render(
        request,
        "supplies/point.html",
        {
            "point": here,
            "balances": selectors.balances(here),
            "ledger": selectors.ledger(here),
            "items": items,
            "targets": selectors.point_list(
                user=request.user, capability=roles.VIEW_SUPPLIES, area_code=here.community_code[:9]
            ).exclude(pk=here.pk),
            "may_pack": access.may(request.user, roles.MANAGE_SUPPLIES, here),
        },
    )
