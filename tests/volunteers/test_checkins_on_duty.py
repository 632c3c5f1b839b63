"""The volunteers on duty now (checked in, not yet out), on the check-in page (#on-duty) and from
`selectors.checkins_on_duty`: in the viewer's areas, in the area asked for (?area=, any level), the
area the command view's "volunteers on duty" figure links to at every level."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from gongzhi.core import figures, roles
from gongzhi.places.models import Area
from gongzhi.volunteers import selectors, services
from gongzhi.volunteers.models import Assignment
from tests.factories import make_user_with_role
from tests.volunteers.test_services import approved, at

pytestmark = pytest.mark.django_db

CITY, DISTRICT, STREET = "5101", "510104", "510104017"
A, B = "510104017001", "510104017002"  # 水井坊, 崇德里: the same street
ELSEWHERE = "510104018001"  # 观音桥社区: another street of the district


def on_duty_at(worker, community_code, volunteer, post_name, hour):
    """The volunteer rostered today at a new post of the community and checked in at `hour`."""
    day = timezone.localdate()
    post = services.post_create(actor=worker, community_code=community_code, name=post_name, group="safety")
    shift = services.shift_create(actor=worker, post=post, starts_at=at(day, 8), ends_at=at(day, 16), needed=1)
    Assignment.objects.create(shift=shift, volunteer=volunteer, community_code=community_code, source="manual")
    return services.checkin(volunteer=volunteer, post=post, now=at(day, hour)), post


@pytest.fixture
def duty(community_a, community_b, worker_a, worker_b):
    """On duty: one in A (in at 8), one in B (in at 9), one in another street (in at 10); in A a
    second one checked in and out again (waiting for the worker to confirm the hours)."""
    elsewhere = Area.objects.get(code=ELSEWHERE)
    worker_c = make_user_with_role("worker_c", "community_worker", ELSEWHERE)
    in_a, _post = on_duty_at(worker_a, A, approved(community_a, worker_a, 1), "1号门值守", 8)
    in_b, _post = on_duty_at(worker_b, B, approved(community_b, worker_b, 2), "核酸扫码", 9)
    elsewhere_in, _post = on_duty_at(worker_c, ELSEWHERE, approved(elsewhere, worker_c, 3), "物资搬运", 10)
    left = approved(community_a, worker_a, 4)
    _record, post = on_duty_at(worker_a, A, left, "楼栋配送", 8)
    out = services.checkout(volunteer=left, post=post, now=at(timezone.localdate(), 12))
    assert out.status == "checked_out"
    return {"a": in_a, "b": in_b, "elsewhere": elsewhere_in, "out": out}


def names(rows):
    return [r.volunteer.name for r in rows]


def on_duty_table(page: str) -> tuple[int, list[tuple[str, str]]]:
    """The count shown and the table's rows (volunteer, post)."""
    count = int(re.search(r'id="on-duty-count">(\d+)<', page).group(1))
    table = page.split('id="on-duty"', 1)[1].split("</table>", 1)[0]
    return count, re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>", table)


def open_checkins(client, user, area=None):
    client.force_login(user)
    return client.get("/volunteers/checkins/", {"area": area} if area else {})


@pytest.fixture
def admin(areas):
    return get_user_model().objects.create_superuser("admin", password="pass-for-tests-1")


def test_the_selector_gives_those_on_duty_in_the_users_areas_and_the_area_asked(duty, worker_a, worker_b, admin):
    assert list(selectors.checkins_on_duty(user=worker_a)) == [duty["a"]]  # not the one checked out
    assert list(selectors.checkins_on_duty(user=worker_a, area_code=A)) == [duty["a"]]
    assert list(selectors.checkins_on_duty(user=worker_b)) == [duty["b"]]
    # inside the area asked for, and never beyond the user's own areas
    assert list(selectors.checkins_on_duty(user=worker_a, area_code=STREET)) == [duty["a"]]
    assert list(selectors.checkins_on_duty(user=worker_a, area_code=B)) == []
    # at any level, the earliest in first
    assert list(selectors.checkins_on_duty(user=admin, area_code=STREET)) == [duty["a"], duty["b"]]
    assert list(selectors.checkins_on_duty(user=admin, area_code="510104018")) == [duty["elsewhere"]]
    everyone = [duty["a"], duty["b"], duty["elsewhere"]]
    assert list(selectors.checkins_on_duty(user=admin, area_code=DISTRICT)) == everyone
    assert list(selectors.checkins_on_duty(user=admin, area_code=CITY)) == everyone
    assert list(selectors.checkins_on_duty(user=admin)) == everyone


def test_the_page_lists_the_volunteers_on_duty_in_the_area(client, duty, worker_a):
    page = open_checkins(client, worker_a, A).content.decode()
    assert on_duty_table(page) == (1, [("志愿者1", "1号门值守")])
    # the one checked out is not on duty: it waits in the table of shifts to confirm
    to_confirm = page.split('class="checkins"', 1)[1].split("</table>", 1)[0]
    assert "志愿者4" in to_confirm and "楼栋配送" in to_confirm
    # without an area: the worker's own
    assert on_duty_table(open_checkins(client, worker_a).content.decode()) == (1, [("志愿者1", "1号门值守")])


def test_nobody_on_duty_says_so(client, community_a, worker_a):
    page = open_checkins(client, worker_a, A).content.decode()
    assert on_duty_table(page) == (0, [])
    assert "目前没有在岗的志愿者" in page


def test_checking_out_takes_a_volunteer_off_the_list(client, duty, worker_a):
    record = duty["a"]
    services.checkout(volunteer=record.volunteer, post=record.assignment.shift.post, now=at(timezone.localdate(), 11))
    assert on_duty_table(open_checkins(client, worker_a, A).content.decode()) == (0, [])


def test_an_area_the_viewer_does_not_hold_is_404(client, duty, worker_a, areas):
    for area in (B, STREET, DISTRICT, ELSEWHERE, "abc"):
        assert open_checkins(client, worker_a, area).status_code == 404, area
    # street staff confirm no hours: the page is not theirs at all
    street_staff = make_user_with_role("street_a", "street_staff", STREET)
    assert open_checkins(client, street_staff, STREET).status_code == 404
    assert open_checkins(client, street_staff).status_code == 404


def test_the_command_views_figure_links_here_at_every_level_with_the_same_count(client, duty, admin):
    by_key = {f.key: f for f in figures.all_figures()}
    on_duty = by_key["volunteers.on_duty"]
    assert on_duty.capability == roles.CONFIRM_HOURS
    counted = figures.count_all()["volunteers.on_duty"]
    assert counted == {A: 1, B: 1, ELSEWHERE: 1}
    expected = {
        A: [("志愿者1", "1号门值守")],
        STREET: [("志愿者1", "1号门值守"), ("志愿者2", "核酸扫码")],
        DISTRICT: [("志愿者1", "1号门值守"), ("志愿者2", "核酸扫码"), ("志愿者3", "物资搬运")],
        CITY: [("志愿者1", "1号门值守"), ("志愿者2", "核酸扫码"), ("志愿者3", "物资搬运")],
    }
    client.force_login(admin)
    for code, rows in expected.items():
        link = on_duty.link(code)
        assert link == f"/volunteers/checkins/?area={code}"
        answer = client.get(link)
        assert answer.status_code == 200, code
        count, shown = on_duty_table(answer.content.decode())
        assert (count, shown) == (len(rows), rows), code
        assert count == sum(n for c, n in counted.items() if c.startswith(code)), code  # the figure's count
