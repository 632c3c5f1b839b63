"""一键动员 at a street's scale (services.street_mobilise): every community's open places over several days,
filled from the whole street's reservoir; places already held stay; street staff only; the page shows what
the server wrote."""

import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEvent
from gongzhi.volunteers import services
from gongzhi.volunteers.models import Assignment, Shift
from tests.factories import make_user_with_role
from tests.volunteers.test_services import approved, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def street_week(community_a, community_b, worker_a, worker_b):
    """Two communities of one street, a post in each with a morning place on each of three days, two volunteers
    in community A and one in B; a day's limit of 8 h and 4 h rest let each work every day."""
    first = timezone.localdate() + dt.timedelta(days=1)
    people = [approved(community_a, worker_a, n) for n in (1, 2)] + [approved(community_b, worker_b, 3)]
    for community, worker, needed in ((community_a, worker_a, 1), (community_b, worker_b, 2)):
        post = services.post_create(actor=worker, community_code=community.code, name="门岗值守", group="safety")
        for offset in range(3):
            day = first + dt.timedelta(days=offset)
            services.shift_create(actor=worker, post=post, starts_at=at(day, 8), ends_at=at(day, 12), needed=needed)
    return first, people


@pytest.fixture
def street_staff(community_a):
    return make_user_with_role("street", "street_staff", community_a.code[:9])


def test_a_street_week_is_filled_from_the_whole_street(street_week, street_staff, community_a):
    first, people = street_week
    result = services.street_mobilise(actor=street_staff, street_code=community_a.code[:9], first_day=first, days=3)
    # 3 places a morning (1 in A, 2 in B), 3 volunteers, one place each a morning: all 9 filled, two of them by
    # volunteers of A in B each morning (B has one volunteer of its own).
    assert (result.covered, result.demanded, result.status) == (9, 9, "optimal")
    rows = Assignment.objects.select_related("shift")
    assert rows.count() == 9 and {a.source for a in rows} == {Assignment.Source.MOBILISED}
    per_morning = {}
    for a in rows:
        per_morning.setdefault(a.shift.starts_at, []).append(a.volunteer_id)
    assert len(per_morning) == 3 and all(sorted(v) == sorted(p.pk for p in people) for v in per_morning.values())
    event = AuditEvent.objects.filter(entity="roster").latest("id")
    assert event.detail["days"] == 3 and event.detail["covered"] == 9 and event.area_code == community_a.code[:9]


def test_places_already_held_stay_and_a_second_run_adds_nothing(street_week, street_staff, community_a, worker_a):
    first, people = street_week
    services.roster_build(actor=worker_a, community_code=community_a.code, day=first, time_limit=5)
    own = set(Assignment.objects.values_list("pk", "volunteer_id"))
    assert len(own) == 1
    result = services.street_mobilise(actor=street_staff, street_code=community_a.code[:9], first_day=first, days=3)
    assert result.demanded == 8 and result.covered == 8
    assert own <= set(Assignment.objects.values_list("pk", "volunteer_id"))
    again = services.street_mobilise(actor=street_staff, street_code=community_a.code[:9], first_day=first, days=3)
    assert again.demanded == 0 and Assignment.objects.count() == 9


def test_open_places_name_their_community_and_time(street_week, street_staff, community_a, community_b):
    first, people = street_week
    a_volunteer_on_leave = people[0]
    a_volunteer_on_leave.availability = []
    a_volunteer_on_leave.save()
    result = services.street_mobilise(actor=street_staff, street_code=community_a.code[:9], first_day=first, days=1)
    assert (result.covered, result.demanded) == (2, 3)
    (open_place,) = result.uncovered
    assert open_place.post_name.startswith(f"{community_b.name} 门岗值守")  # A's volunteer stays in A
    assert f"{first.strftime('%m-%d')} 08:00" in open_place.post_name


@pytest.mark.parametrize(("days", "words"), [(0, "动员天数须在 1 到 7 天之间"), (8, "动员天数须在 1 到 7 天之间")])
def test_bad_days_are_refused(street_week, street_staff, community_a, days, words):
    with pytest.raises(ApplicationError) as refused:
        services.street_mobilise(
            actor=street_staff, street_code=community_a.code[:9], first_day=street_week[0], days=days
        )
    assert refused.value.message == words and refused.value.status == 422
    assert not Assignment.objects.exists()


def test_a_community_code_or_a_street_without_shifts_is_refused(street_week, street_staff, community_a):
    with pytest.raises(ApplicationError) as refused:
        services.street_mobilise(actor=street_staff, street_code=community_a.code, first_day=street_week[0])
    assert refused.value.message == "请选择街道"
    with pytest.raises(ApplicationError) as refused:
        services.street_mobilise(
            actor=street_staff, street_code=community_a.code[:9], first_day=street_week[0] + dt.timedelta(days=30)
        )
    assert refused.value.message == "这几天街道内没有需要排班的班次"


def test_the_page_offers_it_to_street_staff_only_and_shows_what_was_written(
    client, street_week, street_staff, community_a, worker_a
):
    first, _ = street_week
    form = {"community_code": community_a.code, "day": first.isoformat(), "action": "mobilise_street", "days": "3"}
    client.force_login(worker_a)
    page = client.get("/volunteers/posts/", {"community_code": community_a.code}).content.decode()
    assert 'id="mobilise-street"' not in page
    refused = client.post("/volunteers/posts/", form).content.decode()
    assert "只有街道的工作人员可以动员全街道" in refused and not Assignment.objects.exists()
    client.force_login(street_staff)
    page = client.get("/volunteers/posts/", {"community_code": community_a.code}).content.decode()
    assert 'id="mobilise-street"' in page and "全街道，从这天起" in page
    done = client.post("/volunteers/posts/", form).content.decode()
    assert "全街道动员" in done and "已排 9 / 需要 9 人次" in done and "已证明最优" in done
    assert Assignment.objects.count() == 9
    again = client.post("/volunteers/posts/", form).content.decode()
    assert "没有空缺：这些班次都已排满，已排的都保留" in again and Assignment.objects.count() == 9


@pytest.mark.django_db(transaction=True)
def test_two_people_mobilising_at_once_never_fill_a_place_twice(street_week, street_staff, community_a):
    # Real parallel connections: both optimise at once (no lock held meanwhile); the first to write wins, the
    # second finds the assignments changed since it read them and writes nothing (409, press again) - or, if
    # it read after the first wrote, finds nothing open. SQLite's in-memory test database may refuse the
    # second writer outright ("database table is locked", with or without the table's name). Either way no
    # place is filled twice.
    import threading

    from django.db import connection

    first, _ = street_week
    results, errors = [], []
    start = threading.Barrier(2)

    def mobilise():
        try:
            start.wait()
            results.append(
                services.street_mobilise(actor=street_staff, street_code=community_a.code[:9], first_day=first, days=3)
            )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=mobilise) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Assignment.objects.count() == 9
    assert len(results) + len(errors) == 2 and sum(r.covered for r in results) == 9
    changed = [e for e in errors if isinstance(e, ApplicationError)]
    assert all(e.status == 409 and e.message == "排班期间这些班次刚有改动，没有写入，请再点一次" for e in changed)
    locked = [e for e in errors if not isinstance(e, ApplicationError)]
    assert not locked or (
        connection.vendor == "sqlite" and all(str(e).startswith("database table is locked") for e in locked)
    )


def test_a_change_while_the_optimiser_runs_writes_nothing(
    monkeypatch, street_week, street_staff, community_a, worker_a
):
    # Someone places a volunteer by hand while the optimiser works on the street's week: the roster it
    # returns was planned without that, so none of it is written and the official is asked to press again.
    from gongzhi.volunteers.services import rosters

    first, people = street_week
    solve = rosters.rostering.roster_solve

    def meanwhile(*args, **kwargs):
        result = solve(*args, **kwargs)
        shift = Shift.objects.filter(community_code=community_a.code).order_by("starts_at").first()
        services.assignment_add(actor=worker_a, shift=shift, volunteer=people[0])
        return result

    monkeypatch.setattr(rosters.rostering, "roster_solve", meanwhile)
    with pytest.raises(ApplicationError) as refused:
        services.street_mobilise(actor=street_staff, street_code=community_a.code[:9], first_day=first, days=3)
    assert refused.value.status == 409
    assert list(Assignment.objects.values_list("source", flat=True)) == [Assignment.Source.MANUAL]
    assert not AuditEvent.objects.filter(entity="roster", detail__has_key="days").exists()


def test_a_volunteer_sent_to_another_community_serves_there(street_week, street_staff, community_a, community_b):
    """Mobilised into B, A's volunteers gain the volunteer role over B: B's workers may route them on
    B's delivery runs (supplies asks supplies.deliver over the point's community)."""
    from gongzhi.core import access, roles
    from gongzhi.core.models import RoleAssignment

    first, people = street_week
    services.street_mobilise(actor=street_staff, street_code=community_a.code[:9], first_day=first, days=1)
    sent = {
        a.volunteer for a in Assignment.objects.select_related("shift", "volunteer__user")
        if a.shift.community_code == community_b.code and a.volunteer.community_code == community_a.code
    }  # fmt: skip
    assert sent
    for volunteer in sent:
        assert access.may_in_area(volunteer.user, roles.DELIVER, community_b.code)
        assert RoleAssignment.objects.filter(user=volunteer.user, role="volunteer").count() == 2
    home = people[2]  # B's own volunteer gains nothing
    assert RoleAssignment.objects.filter(user=home.user, role="volunteer").count() == 1
    services.street_mobilise(actor=street_staff, street_code=community_a.code[:9], first_day=first, days=3)
    pairs = list(RoleAssignment.objects.filter(role="volunteer").values_list("user_id", "area_code"))
    assert len(pairs) == len(set(pairs))  # a role over a community is given once, however often sent there

    # Each grant is audited as the street staff's, naming the volunteer and the community.
    from gongzhi.core.models import AuditEvent

    grants = AuditEvent.objects.filter(entity="role_assignment")
    given = [tuple(g) for event in grants for g in event.detail["given"]]
    assert {(v.public_id, community_b.code) for v in sent} <= set(given)
    assert len(given) == len(set(given)) == len(pairs) - len(people)  # one record per role given, none when held
    assert {(e.actor_id, e.action, e.detail["role"]) for e in grants} == {(street_staff.pk, "create", "volunteer")}
