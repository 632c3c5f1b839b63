"""The catalogue: items and packages, kept by district and city staff; everyone with supplies sees it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gongzhi.core import roles
from gongzhi.core.access import capability_required
from gongzhi.core.errors import ApplicationError
from gongzhi.supplies import selectors, services
from gongzhi.supplies.models import Category


@login_required
@capability_required(roles.MANAGE_STOCK)
def catalogue(request: HttpRequest) -> HttpResponse:
    items, packages = selectors.catalogue()
    if request.method == "POST":
        try:
            if request.POST.get("action") == "package":
                chosen = [
                    (selectors.item_chosen(public_id), request.POST.get(f"quantity:{public_id}", ""))
                    for public_id in request.POST.getlist("item")[:30]
                ]
                package = services.package_create(
                    actor=request.user, name=request.POST.get("name", ""), lines=chosen,
                    description=request.POST.get("description", ""),
                )  # fmt: skip
                messages.success(request, _("已添加物资包“%(name)s”") % {"name": package.name})
            else:
                item = services.item_create(
                    actor=request.user, name=request.POST.get("name", ""), category=request.POST.get("category", ""),
                    unit=request.POST.get("unit", ""), kg_per_unit=request.POST.get("kg_per_unit", ""),
                    price=request.POST.get("price", "").strip() or None,
                    urgent_medical=request.POST.get("urgent_medical") == "on",
                )  # fmt: skip
                messages.success(request, _("已添加品项“%(name)s”") % {"name": item.name})
            return redirect(request.path)
        except ApplicationError as exc:
            messages.error(request, exc.message)
    return render(
        request,
        "supplies/catalogue.html",
        {"items": items, "packages": packages, "categories": Category.choices, "form": request.POST},
    )
