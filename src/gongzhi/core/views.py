from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from gongzhi.core import audit_words, roles
from gongzhi.core.access import capability_required
from gongzhi.core.selectors import audit_event_list


@login_required
@capability_required(roles.READ_AUDIT)
def audit_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(audit_event_list(user=request.user).select_related("actor"), 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_list.html", {"page": page, "rows": audit_words.described(page)})


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})
