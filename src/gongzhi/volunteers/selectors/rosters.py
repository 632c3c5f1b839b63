"""Reads of posts, shifts and rosters: a community's posts and shifts, assignments, hand-picked candidates,
the day's roster, a volunteer's own shifts, and the places still open."""

import datetime as dt
from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from gongzhi.core import access, roles
from gongzhi.volunteers import flows
from gongzhi.volunteers.models import Assignment, Post, Shift, Volunteer


def post_list(*, user: Any, community_code: str, start: dt.datetime, end: dt.datetime) -> "QuerySet[Post]":
    """A community's posts with their shifts starting in [start, end) and who is on them."""
    day_shifts = Shift.objects.filter(starts_at__gte=start, starts_at__lt=end).prefetch_related(
        "assignments__volunteer"
    )
    return (
        Post.objects.visible_to(user, roles.MANAGE_VOLUNTEERS)
        .filter(community_code=community_code)
        .select_related("training")
        .prefetch_related(Prefetch("shifts", queryset=day_shifts))
    )


def post_get_for_user(*, user: Any, public_id: str, capability: str) -> Post:
    post = Post.objects.visible_to(user, capability).filter(public_id=public_id).first()
    if post is None:
        raise Http404
    return post


def my_shifts(volunteer: Volunteer) -> "QuerySet[Assignment]":
    since = timezone.now() - dt.timedelta(days=1)
    return (
        Assignment.objects.filter(volunteer=volunteer, shift__ends_at__gte=since)
        .select_related("shift__post")
        .order_by("shift__starts_at")
    )


def next_shift(volunteer: Volunteer) -> Assignment | None:
    """The volunteer's next shift not yet over."""
    return (
        Assignment.objects.filter(volunteer=volunteer, shift__ends_at__gte=timezone.now())
        .select_related("shift__post")
        .order_by("shift__starts_at")
        .first()
    )


def open_places(*, user: Any, days: int = 7) -> dict[str, Any]:
    """Roster places still open on the shifts starting in the next `days` days in the user's
    communities: their number, and the first shift with one (community and day), where the page
    to fill them opens."""
    now = timezone.now()
    shifts = (
        Shift.objects.visible_to(user, roles.MANAGE_VOLUNTEERS)
        .filter(starts_at__gte=now, starts_at__lt=now + dt.timedelta(days=days))
        .annotate(assigned=Count("assignments"))
        .values_list("community_code", "starts_at", "needed", "assigned")
        .order_by("starts_at", "community_code")
    )
    total, first = 0, None
    for code, starts_at, needed, assigned in shifts:
        missing = max(0, needed - assigned)
        if missing and first is None:
            first = (code, timezone.localdate(starts_at))
        total += missing
    return {"open": total, "first": first}


def shift_get_for_user(*, user: Any, public_id: str, capability: str) -> Shift:
    shift = Shift.objects.visible_to(user, capability).filter(public_id=public_id).select_related("post").first()
    if shift is None:
        raise Http404
    return shift


def assignment_get_for_user(*, user: Any, pk: int, capability: str) -> Assignment:
    """An assignment, decided against its shift's community (where the roster is made)."""
    assignment = Assignment.objects.filter(pk=pk).select_related("shift", "volunteer").first()
    if assignment is None or not access.may(user, capability, assignment.shift):
        raise Http404
    return assignment


def roster_candidates(*, user: Any, community_code: str, limit: int = 300) -> "QuerySet[Volunteer]":
    """Approved volunteers a worker may put on a shift by hand: the community's own first, then the
    rest of the street's, by name."""
    return (
        Volunteer.objects.visible_to(user, roles.VIEW_VOLUNTEERS)
        .filter(status=flows.APPROVED, community_code__startswith=community_code[:9])
        .order_by("name", "id")[:limit]
    )


def roster_of_day(*, user: Any, community_code: str, start: dt.datetime, end: dt.datetime) -> list[Assignment]:
    """A community's shifts of one day with who is on them, for the export and the printed roster."""
    return list(
        Assignment.objects.filter(
            shift__in=Shift.objects.visible_to(user, roles.MANAGE_VOLUNTEERS).filter(
                community_code=community_code, starts_at__gte=start, starts_at__lt=end
            )
        )
        .select_related("shift__post", "volunteer")
        .order_by("shift__starts_at", "shift__post__name", "volunteer__name")
    )
