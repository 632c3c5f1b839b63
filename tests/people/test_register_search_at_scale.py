"""The register's list and search in the shape that holds at 21 million residents (issue 10):
keyset pages, tails on indexed columns, names by their beginning beyond one community."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.core import keyset
from gongzhi.people.models import Resident
from tests.factories import GridFactory, HouseholdFactory, ResidentFactory, make_user_with_role

pytestmark = pytest.mark.django_db


def _resident_in(code: str, **fields) -> Resident:
    from gongzhi.places.models import Area

    grid = GridFactory(community=Area.objects.get(code=code))
    return ResidentFactory(household=HouseholdFactory(building__grid=grid), **fields)


@pytest.fixture
def district_user(areas):
    return make_user_with_role("district_search", "district_staff", "510104")


def test_tails_are_kept_by_the_database_and_follow_a_changed_phone(worker_a):
    resident = ResidentFactory(phone="13912345678")
    resident.refresh_from_db()
    assert resident.id_number_tail == resident.id_number[-4:] and resident.phone_tail == "5678"
    Resident.objects.filter(pk=resident.pk).update(phone="13900002222")
    resident.refresh_from_db()
    assert resident.phone_tail == "2222"
    blank = ResidentFactory(phone="")
    blank.refresh_from_db()
    assert blank.phone_tail == ""


def test_a_tail_search_reads_the_tail_columns_not_a_suffix(client, worker_a):
    wanted = ResidentFactory(phone="13912345678")
    ResidentFactory(phone="13900001111")
    client.force_login(worker_a)
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/residents", {"q": "5678"}).json()
    assert [i["public_id"] for i in body["items"]] == [wanted.public_id]
    listing = next(q["sql"] for q in queries.captured_queries if 'FROM "people_resident"' in q["sql"])
    assert "phone_tail" in listing and "LIKE" not in listing.upper()


def test_beyond_one_community_text_matches_the_beginning_of_names_only(client, district_user):
    wang = _resident_in("510104017001", name="王秀英")
    _resident_in("510104017002", name="李秀英")  # "秀英" inside the name: not a beginning
    client.force_login(district_user)
    by_surname = client.get("/residents/", {"q": "王秀"})
    assert by_surname.status_code == 200 and wang.public_id in by_surname.content.decode()
    inside = client.get("/api/residents", {"q": "秀英"}).json()
    assert inside["items"] == []
    page = client.get("/residents/", {"q": "秀英"}).content.decode()
    assert "只按姓名开头查找" in page


def test_inside_one_community_text_matches_anywhere_in_names_and_addresses(client, district_user, worker_a):
    wang = _resident_in("510104017001", name="王秀英")
    client.force_login(worker_a)
    assert [i["public_id"] for i in client.get("/api/residents", {"q": "秀英"}).json()["items"]] == [wang.public_id]
    street = wang.household.address[:3]
    assert wang.public_id in [i["public_id"] for i in client.get("/api/residents", {"q": street}).json()["items"]]
    client.force_login(district_user)  # the district's staff narrowed to one community: anywhere again
    narrowed = client.get("/api/residents", {"q": "秀英", "area_code": "510104017001"}).json()
    assert [i["public_id"] for i in narrowed["items"]] == [wang.public_id]


def test_keyset_pages_walk_the_register_forward_and_back_in_order(client, district_user):
    for code in ("510104017001", "510104017002", "510104017003"):
        for _ in range(4):
            _resident_in(code)
    client.force_login(district_user)
    expected = list(
        Resident.objects.order_by("community_code", "household_id", "id").values_list("public_id", flat=True)
    )
    seen, pages, after = [], [], ""
    while True:
        body = client.get("/api/residents", {"page_size": 5, **({"after": after} if after else {})}).json()
        pages.append(body)
        seen += [i["public_id"] for i in body["items"]]
        if not body["next"]:
            assert body["has_next"] is False
            break
        after = body["next"]
    assert seen == expected and len(pages) == 3
    back = client.get("/api/residents", {"page_size": 5, "before": pages[2]["previous"]}).json()
    assert [i["public_id"] for i in back["items"]] == expected[5:10]
    assert back["previous"]  # another page before it
    first = client.get("/api/residents", {"page_size": 5, "before": back["previous"]}).json()
    assert [i["public_id"] for i in first["items"]] == expected[:5] and first["previous"] == ""


def test_the_page_follows_cursors_and_shows_the_same_rows_as_the_api(client, worker_a):
    residents = [ResidentFactory() for _ in range(55)]
    client.force_login(worker_a)
    first = client.get("/residents/")
    cursor = first.context["next_cursor"]
    assert cursor and len(first.context["residents"]) == 50
    second = client.get("/residents/", {"after": cursor, "page": 2})
    names = [r.name for r, _ in second.context["residents"]]
    ordered = sorted(residents, key=lambda r: (r.community_code, r.household_id, r.id))
    assert names == [r.name for r in ordered[50:]]
    assert second.context["next_cursor"] == ""
    assert "上一页" in second.content.decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "not-base64!",
        keyset.encode(["x"]),
        keyset.encode([True, 1, 2]),
        "e30",
        keyset.encode(["510104017001", "abc", 1]),  # text where the household's id belongs
        keyset.encode(["510104017001", 1, 2**70]),  # a number past what the id column holds
    ],
)
def test_a_forged_cursor_is_refused_with_a_clear_error(client, worker_a, cursor):
    ResidentFactory()
    client.force_login(worker_a)
    answer = client.get("/api/residents", {"after": cursor})
    assert answer.status_code == 422 and "翻页" in answer.json()["message"]
    page = client.get("/residents/", {"before": cursor})
    assert page.status_code == 422 and "翻页" in page.content.decode()


def test_numbered_api_pages_stop_at_ten_thousand_rows(client, worker_a):
    ResidentFactory()
    client.force_login(worker_a)
    assert client.get("/api/residents", {"page": 50, "page_size": 200}).status_code == 200
    deep = client.get("/api/residents", {"page": 51, "page_size": 200})
    assert deep.status_code == 422 and "after" in deep.json()["message"]


def test_a_search_by_names_beginning_lists_by_name_and_pages_in_that_order(client, district_user):
    names = ["王五", "王一", "王三", "王二", "王四", "王六", "李王"]
    for i, name in enumerate(names):
        _resident_in(("510104017001", "510104017002")[i % 2], name=name)
    client.force_login(district_user)
    first = client.get("/api/residents", {"q": "王", "page_size": 4}).json()
    second = client.get("/api/residents", {"q": "王", "page_size": 4, "after": first["next"]}).json()
    listed = [i["name"] for i in first["items"] + second["items"]]
    assert listed == sorted(n for n in names if n.startswith("王")) and second["next"] == ""
    back = client.get("/api/residents", {"q": "王", "page_size": 4, "before": second["previous"]}).json()
    assert [i["name"] for i in back["items"]] == listed[:4]


def test_a_beginning_holds_names_with_rare_characters(client, district_user):
    rare = _resident_in("510104017001", name="王𠀀")  # a CJK Extension B character (4 bytes in UTF-8)
    client.force_login(district_user)
    assert [i["public_id"] for i in client.get("/api/residents", {"q": "王"}).json()["items"]] == [rare.public_id]


def test_the_cursors_bound_comes_first_in_the_where_clause(client, district_user):
    """SQLite starts an index range at the first lower bound on a column: the viewer's area before the
    cursor made a deep page read the index from the area's first row (1 s at 21 M residents)."""
    for _ in range(3):
        _resident_in("510104017001")
    client.force_login(district_user)
    cursor = client.get("/api/residents", {"page_size": 1}).json()["next"]
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/residents", {"page_size": 1, "after": cursor})
    listing = next(q["sql"] for q in queries.captured_queries if 'FROM "people_resident"' in q["sql"])
    where = listing[listing.index("WHERE") :]
    assert where.index('"household_id" >') < where.index('"community_code" <=')
