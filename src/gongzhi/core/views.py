from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import render

from gongzhi.core import roles
from gongzhi.core.models import Role
from gongzhi.core.scope import user_can, user_scope
from gongzhi.core.selectors import audit_event_list
from gongzhi.places.models import Area


@login_required
def home(request):
    codes = {e.area_code for e in user_scope(request.user)}
    areas = {a.code: a for a in Area.objects.filter(code__in=codes)}
    assignments = [(Role(e.role).label, e, areas.get(e.area_code)) for e in user_scope(request.user)]
    return render(request, "core/home.html", {"assignments": assignments})


@login_required
def audit_list(request):
    if not user_can(request.user, roles.READ_AUDIT):
        raise Http404
    page = Paginator(audit_event_list(user=request.user).select_related("actor"), 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_list.html", {"page": page})


def healthz(request):
    return JsonResponse({"ok": True})
