"""Helpers of the reservoir's pages."""

import datetime as dt

from django.http import Http404, HttpRequest

from gongzhi.volunteers import selectors


def date_of(value: str | None, default: dt.date) -> dt.date:
    """A date from a form, or the default when it is missing, malformed or outside 2000-2100."""
    try:
        day = dt.date.fromisoformat(value or "")
    except ValueError:
        return default
    return day if dt.date(2000, 1, 1) <= day <= dt.date(2100, 12, 31) else default


def community_in_scope(request: HttpRequest, capability: str) -> str:
    """The community a page is about (asked for, or the user's own): 404 unless the user holds the
    capability there."""
    wanted = (request.POST.get("community_code") or request.GET.get("community_code") or "")[:12]
    code = selectors.community_of_user(user=request.user, capability=capability, wanted=wanted)
    if not code:
        raise Http404
    return code
