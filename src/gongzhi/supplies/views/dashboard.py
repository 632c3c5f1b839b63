"""The supplies panel: days of supply and alerts per community, orders open, late and urgent, deliveries
done; from a street (or the city) down to a community's buildings."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gongzhi.core import roles
from gongzhi.core.access import capability_required
from gongzhi.places.selectors import area_breadcrumb_of, area_names
from gongzhi.supplies import selectors
from gongzhi.supplies.messages import alert_text
from gongzhi.supplies.views.common import area_in_scope

ALERTS_SHOWN = 2  # the lowest categories; the table's columns give every category's days


@login_required
@capability_required(roles.VIEW_SUPPLIES)
def home(request: HttpRequest) -> HttpResponse:
    code = area_in_scope(request, roles.VIEW_SUPPLIES)
    rows = selectors.community_supply(user=request.user, area_code=code)
    labels = selectors.category_labels()
    chart = {
        "names": [r.name for r in rows],
        "lowest": [round(r.lowest, 1) if r.lowest is not None else None for r in rows],
        "open": [r.open_orders for r in rows],
        "urgent": [r.urgent_open for r in rows],
        "delivered": [r.delivered for r in rows],
    }
    return render(
        request,
        "supplies/home.html",
        {
            "area": code,
            "trail": area_breadcrumb_of(code),
            "rows": [
                (r, [alert_text(a, labels) for a in r.alerts[:ALERTS_SHOWN]], len(r.alerts) - ALERTS_SHOWN)
                for r in rows
            ],
            "categories": [(c, labels[c]) for c in rows[0].days] if rows else [],
            "chart": chart,
            "buildings": selectors.building_orders(user=request.user, community_code=code) if len(code) == 12 else [],
            "runs": selectors.run_list(user=request.user, area_code=code)[:20] if len(code) == 12 else [],
            "name": area_names([code]).get(code, code),
        },
    )
