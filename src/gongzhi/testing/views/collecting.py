"""The collector's scanning page and the service worker that keeps it working offline."""

from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from gongzhi.testing import selectors
from gongzhi.testing.round_nav import round_links


@login_required
def collect(request, public_id: str):
    round_, site = selectors.round_get_for_collector(user=request.user, public_id=public_id)
    return render(
        request,
        "testing/collect.html",
        {"round": round_, "site": site, "round_nav": round_links(request.user, round_, "collect")},
    )


def collect_service_worker(request):
    """The service worker is served from the root so its scope covers the collection pages."""
    # this file is gongzhi/testing/views/collecting.py: parents[2] is gongzhi/
    path = Path(__file__).resolve().parents[2] / "core" / "static" / "gongzhi" / "collect-sw.js"
    response = HttpResponse(path.read_text(encoding="utf-8"), content_type="application/javascript")
    response["Cache-Control"] = "no-cache"
    return response
