"""A roster people can work with: re-running it fills only the open places (unless the worker asks
to re-plan), a worker puts a volunteer on a shift or takes one off by hand (a swap), and the day's
roster is exported and printed."""

import datetime as dt
import io
from urllib.parse import unquote

import openpyxl
import pytest
from django.utils import timezone

from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEvent
from gongzhi.volunteers import services
from gongzhi.volunteers.models import Assignment, CheckIn
from tests.volunteers.test_services import approved, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def day_shift(community_a, worker_a):
    day = timezone.localdate() + dt.timedelta(days=1)
    volunteers = [approved(community_a, worker_a, n) for n in range(1, 5)]
    post = services.post_create(
        actor=worker_a, community_code=community_a.code, name="3号采样点扫码", group="screening"
    )
    shift = services.shift_create(actor=worker_a, post=post, starts_at=at(day, 8), ends_at=at(day, 12), needed=2)
    return day, shift, volunteers


def on_shift(shift) -> set[int]:
    return set(Assignment.objects.filter(shift=shift).values_list("volunteer_id", flat=True))


def test_rerunning_the_roster_keeps_who_is_on_and_fills_only_open_places(community_a, worker_a, day_shift):
    day, shift, volunteers = day_shift
    services.roster_build(actor=worker_a, community_code=community_a.code, day=day, time_limit=5)
    first = on_shift(shift)
    assert len(first) == 2
    services.roster_build(actor=worker_a, community_code=community_a.code, day=day, time_limit=5)
    assert on_shift(shift) == first  # nothing moved
    kept = Assignment.objects.filter(shift=shift).first()
    services.assignment_remove(
        actor=worker_a, assignment=Assignment.objects.filter(shift=shift).exclude(pk=kept.pk).get()
    )
    result = services.roster_build(actor=worker_a, community_code=community_a.code, day=day, time_limit=5)
    assert kept.volunteer_id in on_shift(shift) and len(on_shift(shift)) == 2 and result.demanded == 1
    services.roster_build(actor=worker_a, community_code=community_a.code, day=day, time_limit=5, replan=True)
    assert len(on_shift(shift)) == 2  # re-planned from scratch: still the two places filled


def test_a_worker_assigns_and_swaps_by_hand_within_the_rules(community_a, worker_a, day_shift):
    day, shift, volunteers = day_shift
    services.assignment_add(actor=worker_a, shift=shift, volunteer=volunteers[0])
    with pytest.raises(ApplicationError, match="已在这个班次上"):
        services.assignment_add(actor=worker_a, shift=shift, volunteer=volunteers[0])
    services.assignment_add(actor=worker_a, shift=shift, volunteer=volunteers[1])
    with pytest.raises(ApplicationError, match="已排满"):
        services.assignment_add(actor=worker_a, shift=shift, volunteer=volunteers[2])
    # a swap: take one off, put another on
    out = Assignment.objects.get(shift=shift, volunteer=volunteers[1])
    services.assignment_remove(actor=worker_a, assignment=out)
    services.assignment_add(actor=worker_a, shift=shift, volunteer=volunteers[2])
    assert on_shift(shift) == {volunteers[0].pk, volunteers[2].pk}
    assert set(Assignment.objects.filter(shift=shift).values_list("source", flat=True)) == {"manual"}
    # the re-run of the optimiser leaves the hand-made roster alone, even when re-planning
    services.roster_build(actor=worker_a, community_code=community_a.code, day=day, time_limit=5, replan=True)
    assert on_shift(shift) == {volunteers[0].pk, volunteers[2].pk}
    # someone who has checked in stays on
    first = Assignment.objects.get(shift=shift, volunteer=volunteers[0])
    CheckIn.objects.create(
        assignment=first, volunteer=volunteers[0], community_code=community_a.code, checked_in_at=timezone.now()
    )
    with pytest.raises(ApplicationError, match="已签到"):
        services.assignment_remove(actor=worker_a, assignment=first)
    assert AuditEvent.objects.filter(entity="roster", action="create").count() >= 3


def test_the_page_assigns_swaps_exports_and_prints(client, community_a, worker_a, day_shift):
    day, shift, volunteers = day_shift
    client.force_login(worker_a)
    form = {"community_code": community_a.code, "day": day.isoformat()}
    page = client.get("/volunteers/posts/", form).content.decode()
    assert f'<option value="{volunteers[3].public_id}">' in page
    client.post(
        "/volunteers/posts/",
        {**form, "action": "assign", "shift": shift.public_id, "volunteer": volunteers[3].public_id},
    )
    assert on_shift(shift) == {volunteers[3].pk}
    assignment = Assignment.objects.get(shift=shift)
    client.post("/volunteers/posts/", {**form, "action": "unassign", "assignment": str(assignment.pk)})
    assert on_shift(shift) == set()
    client.post(
        "/volunteers/posts/",
        {**form, "action": "assign", "shift": shift.public_id, "volunteer": volunteers[2].public_id},
    )
    response = client.get("/volunteers/posts/roster.xlsx", form)
    assert "排班表" in unquote(response["Content-Disposition"]) and day.isoformat() in unquote(
        response["Content-Disposition"]
    )
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][3:] == ("3号采样点扫码", volunteers[2].name, "手工安排")
    assert AuditEvent.objects.filter(entity="roster", action="export").exists()
    printed = client.get("/volunteers/posts/roster/", form).content.decode()
    assert volunteers[2].name in printed and "3号采样点扫码" in printed
