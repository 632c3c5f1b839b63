"""Search is no oracle: a viewer who sees numbers masked cannot confirm a full ID number, nor recover a
phone or ID number digit by digit, through any search box (residents and volunteers, pages and API,
the admin). For each such role, every question about a true number gets the same answer as the same
question about a wrong one. Roles that may see numbers in full search by a full number in their own
areas, and each such search is audited.
"""

import re

import pytest
from django.contrib.auth.models import Permission

from gongzhi.core import roles
from gongzhi.core.masking import number_query
from gongzhi.core.models import AuditEvent
from gongzhi.people.id_rules import make_id_number
from gongzhi.volunteers import services as volunteers
from tests.factories import BuildingFactory, GridFactory, HouseholdFactory, ResidentFactory, make_user_with_role

pytestmark = pytest.mark.django_db

COMMUNITY = "510104017001"


@pytest.fixture
def target(community_a):
    """A resident who is also a volunteer, and neighbours whose numbers differ from theirs in one digit."""
    import datetime as dt

    household = HouseholdFactory(building=BuildingFactory(grid=GridFactory(community=community_a, number=1)))
    born = dt.date(1975, 6, 14)
    person = ResidentFactory(
        household=household, name="目标", id_number=make_id_number("510104", born, 321, True), phone="13912345678"
    )
    for n in range(3):
        ResidentFactory(household=household, name=f"邻居{n}", phone=f"1381000{n:04d}")
    volunteers.volunteer_sign_up(
        name=person.name,
        id_number=person.id_number,
        phone=person.phone,
        community_code=COMMUNITY,
        group="screening",
        password="serve-the-people-2022",
        consent=True,
    )
    return person


def _wrong(question: str, unknown: int) -> str:
    """The question with one of its first `unknown` digits (those the mask hides) changed, to one
    that leaves it a question of the same kind (a search box tells a landline typed in full from
    text by its shape alone, whatever is stored): the first such change."""
    kind = number_query(question).kind
    for position in range(unknown):
        for other in "0123456789":
            wrong = question[:position] + other + question[position + 1 :]
            if other != question[position] and number_query(wrong).kind == kind:
                return wrong
    raise AssertionError(f"no wrong question of the same kind for {question}")


def _questions(number: str) -> list[tuple[str, str]]:
    """Pairs (about the true number, about a wrong one): the full number, and every tail longer than
    the 4 digits the mask shows, with one unknown digit true or wrong."""
    pairs = [(number, number[:6] + _wrong(number[6:], len(number) - 10))]
    for length in range(5, len(number)):
        start = len(number) - length
        pairs.append((number[start:], _wrong(number[start:], length - 4)))
    return pairs


def _found_on_page(html: str, kind: str) -> tuple:
    return tuple(sorted(set(re.findall(rf"/{kind}/([0-9A-Z]{{26}})/", html))))


def _ask(client, where: str, q: str):
    """One search, answered as (status, what was found)."""
    if where == "residents page":
        r = client.get("/residents/", {"q": q})
        return r.status_code, _found_on_page(r.content.decode(), "residents")
    if where == "residents API":
        r = client.get("/api/residents", {"q": q})
        return r.status_code, tuple(sorted(i["public_id"] for i in r.json().get("items", [])))
    if where == "volunteers page":
        r = client.get("/volunteers/", {"q": q})
        return r.status_code, _found_on_page(r.content.decode(), "volunteers")
    if where == "volunteers API":
        r = client.get("/api/volunteers", {"q": q})
        return r.status_code, tuple(sorted(i["public_id"] for i in r.json().get("items", [])))
    if where == "residents admin":
        r = client.get("/admin/people/resident/", {"q": q})
        return r.status_code, tuple(
            sorted(set(re.findall(r"/admin/people/resident/(\d+)/change/", r.content.decode())))
        )
    if where == "users admin":
        r = client.get("/admin/auth/user/", {"q": q})
        return r.status_code, tuple(sorted(set(re.findall(r"/admin/auth/user/(\d+)/change/", r.content.decode()))))
    raise AssertionError(where)


PLACES = ["residents page", "residents API", "volunteers page", "volunteers API", "residents admin", "users admin"]
MASKED_ROLES = [
    (roles.CITY_STAFF, "5101"),
    (roles.DISTRICT_STAFF, "510104"),
    (roles.COLLECTOR, COMMUNITY),
    (roles.LAB, "5101"),
]


@pytest.mark.parametrize(("role", "area"), MASKED_ROLES)
def test_a_masked_viewer_learns_nothing_from_any_search(client, target, role, area):
    user = make_user_with_role(f"masked_{role}", role, area)
    user.is_staff = True  # the admin's own search is tried too
    user.save()
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    client.force_login(user)
    for where in PLACES:
        for number in (target.id_number, target.phone):
            for true_question, wrong_question in _questions(number):
                assert _ask(client, where, true_question) == _ask(client, where, wrong_question), (where, true_question)
    assert not AuditEvent.objects.filter(actor=user, action="search_full", row_count__gt=0).exists()


def test_a_masked_viewer_is_told_why_a_full_number_is_refused(client, target):
    client.force_login(make_user_with_role("district", roles.DISTRICT_STAFF, "510104"))
    page = client.get("/residents/", {"q": target.id_number})
    assert page.status_code == 403 and "后4位" in page.content.decode()
    answer = client.get("/api/residents", {"q": target.phone})
    assert answer.status_code == 403 and "后4位" in answer.json()["message"]


def test_the_last_four_digits_find_the_person_for_every_viewer(client, target):
    client.force_login(make_user_with_role("district", roles.DISTRICT_STAFF, "510104"))
    for q in (target.id_number[-4:], target.phone[-4:]):
        assert _ask(client, "residents API", q)[1] == (target.public_id,)


@pytest.mark.parametrize(("role", "grid"), [(roles.COMMUNITY_WORKER, False), (roles.GRID_WORKER, True)])
def test_full_rights_search_by_full_number_in_their_area_and_it_is_audited(client, target, role, grid):
    user = make_user_with_role(f"full_{role}", role, COMMUNITY, grid=target.household.building.grid if grid else None)
    client.force_login(user)
    assert _ask(client, "residents API", target.id_number) == (200, (target.public_id,))
    assert _ask(client, "residents page", target.phone)[1] == (target.public_id,)
    assert _ask(client, "residents API", _wrong(target.id_number, 10))[1] == ()
    searches = AuditEvent.objects.filter(actor=user, action="search_full").order_by("id")
    assert [e.row_ids for e in searches] == [[target.public_id], [target.public_id], []]
    assert target.id_number not in str(list(searches.values_list("detail", flat=True)))  # kept masked in the log


def test_full_rights_elsewhere_find_nobody_here(client, target, community_b):
    worker_b = make_user_with_role("worker_b_full", roles.COMMUNITY_WORKER, community_b.code)
    client.force_login(worker_b)
    assert _ask(client, "residents API", target.id_number) == (200, ())
    assert _ask(client, "volunteers API", target.phone) == (200, ())
