"""Users holding two roles in different areas get each role's rights only in that role's own area.

Two users, each a senior role in one place and a community worker somewhere else:
- `street_and_worker`: street staff of 锦官驿街道 (510104017, holding 水井坊社区 A) and community worker
  of 观音桥社区 (510104018001, X) in another street;
- `district_and_worker`: district staff of 锦江区 (510104, holding A and X) and community worker of
  八宝街社区 (510105002002, Y) in another district.

Every decision about a row (see it, reveal its numbers, edit it, move its recall, review its volunteer,
find it by a full number, export it in full) is checked against that row's community, through the
pages and the API.
"""

import io

import openpyxl
import pytest

from gongzhi.core import events, roles
from gongzhi.core.models import AuditEvent, RoleAssignment
from gongzhi.places.models import Area
from gongzhi.testing import collection
from gongzhi.testing import services as testing
from gongzhi.volunteers import services as volunteers
from tests.factories import (
    BuildingFactory,
    GridFactory,
    HouseholdFactory,
    ResidentFactory,
    make_user_with_role,
    valid_id_number,
)

pytestmark = pytest.mark.django_db

A, X, Y = "510104017001", "510104018001", "510105002002"


def _community_world(code: str, n: int) -> dict:
    """In one community: a resident in a positive pool (so with a recall) and a pending volunteer."""
    community = Area.objects.get(code=code)
    grid = GridFactory(community=community, number=1)
    building = BuildingFactory(grid=grid, number=1, community_code=code)
    resident = ResidentFactory(
        household=HouseholdFactory(building=building, community_code=code),
        community_code=code,
        phone=f"1390000{n:04d}",
    )
    manager = make_user_with_role(f"manager_{code}", roles.COMMUNITY_WORKER, code)
    collector = make_user_with_role(f"collector_{code}", roles.COLLECTOR, code)
    round_ = testing.round_create(actor=manager, name=f"轮{n}", area_code=code, pool_size=10)
    barcode = f"TUBE{n:06d}"
    testing.scan_batch_ingest(
        round_=round_,
        collector=collector,
        events=[
            collection.Event("1", "open", barcode),
            collection.Event("2", "scan", barcode, "R:" + resident.public_id),
        ],
    )
    testing.tube_results_record(actor=manager, round_=round_, results=[(barcode, "positive")])
    events.deliver_pending()
    volunteer, _ = volunteers.volunteer_sign_up(
        name=f"志愿者{n}",
        id_number=valid_id_number(),
        phone=f"1370000{n:04d}",
        community_code=code,
        group="screening",
        password="serve-the-people-2022",
        consent=True,
    )
    return {"resident": resident, "round": round_, "recall": round_.recalls.get(), "volunteer": volunteer}


@pytest.fixture
def world(areas):
    return {code: _community_world(code, n) for n, code in enumerate((A, X, Y), start=1)}


@pytest.fixture
def street_and_worker():
    user = make_user_with_role("street_and_worker", roles.STREET_STAFF, A[:9])
    RoleAssignment.objects.create(user=user, role=roles.COMMUNITY_WORKER, area_code=X)
    return user


@pytest.fixture
def district_and_worker():
    user = make_user_with_role("district_and_worker", roles.DISTRICT_STAFF, A[:6])
    RoleAssignment.objects.create(user=user, role=roles.COMMUNITY_WORKER, area_code=Y)
    return user


def _status(client, method, url, data=None):
    if method == "get":
        return client.get(url).status_code
    if url.startswith("/api/"):
        return client.post(url, data or {}, content_type="application/json").status_code
    return client.post(url, data or {}).status_code


OK, NO = "ok", "no"


def _allowed(code: int) -> str:
    return OK if code in (200, 201, 302) else NO


# (action, method, url maker, body): each is tried on the rows of every community.
ACTIONS = [
    ("see resident", "get", lambda w: f"/residents/{w['resident'].public_id}/", None),
    ("see resident (API)", "get", lambda w: f"/api/residents/{w['resident'].public_id}", None),
    ("reveal numbers", "post", lambda w: f"/residents/{w['resident'].public_id}/reveal/", None),
    ("reveal numbers (API)", "post", lambda w: f"/api/residents/{w['resident'].public_id}/reveal", None),
    ("edit resident", "get", lambda w: f"/residents/{w['resident'].public_id}/edit/", None),
    (
        "move recall (API)",
        "post",
        lambda w: f"/api/recalls/{w['recall'].public_id}/transition",
        {"to_status": "notified"},
    ),
    (
        "review volunteer (API)",
        "post",
        lambda w: f"/api/volunteers/{w['volunteer'].public_id}/review",
        {"to_status": "approved"},
    ),
]

# What each user may do in each community: the rights of the role held there, nothing else.
EXPECTED = {
    "street_and_worker": {
        # street staff in A: see, call (full numbers), manage volunteers; not edit residents or work recalls
        A: {"see resident": OK, "see resident (API)": OK, "reveal numbers": OK, "reveal numbers (API)": OK,
            "edit resident": NO, "move recall (API)": NO, "review volunteer (API)": OK},
        # community worker in X: everything
        X: {"see resident": OK, "see resident (API)": OK, "reveal numbers": OK, "reveal numbers (API)": OK,
            "edit resident": OK, "move recall (API)": OK, "review volunteer (API)": OK},
        # neither role covers Y
        Y: {action: NO for action, *_ in ACTIONS},
    },
    "district_and_worker": {
        # district staff in A and X: see, counts; no full numbers, no edits, no recalls, no reviews
        A: {"see resident": OK, "see resident (API)": OK, "reveal numbers": NO, "reveal numbers (API)": NO,
            "edit resident": NO, "move recall (API)": NO, "review volunteer (API)": NO},
        X: {"see resident": OK, "see resident (API)": OK, "reveal numbers": NO, "reveal numbers (API)": NO,
            "edit resident": NO, "move recall (API)": NO, "review volunteer (API)": NO},
        # community worker in Y: everything
        Y: {"see resident": OK, "see resident (API)": OK, "reveal numbers": OK, "reveal numbers (API)": OK,
            "edit resident": OK, "move recall (API)": OK, "review volunteer (API)": OK},
    },
}  # fmt: skip


@pytest.mark.parametrize("who", ["street_and_worker", "district_and_worker"])
def test_each_role_counts_only_in_its_own_area(client, world, who, request):
    user = request.getfixturevalue(who)
    client.force_login(user)
    seen = {}
    for code, objects in world.items():
        for action, method, url, body in ACTIONS:
            seen[(code, action)] = _allowed(_status(client, method, url(objects), body))
    expected = {(code, action): verdict for code, row in EXPECTED[who].items() for action, verdict in row.items()}
    assert seen == expected


def test_recall_phones_in_full_only_where_the_viewer_calls_people(client, world, district_and_worker):
    client.force_login(district_and_worker)
    for code, objects in world.items():
        answer = client.get(f"/api/rounds/{objects['round'].public_id}/recalls")
        if code == X or code == A:  # district staff: masked
            assert answer.status_code == 200
            assert (
                answer.json()["items"][0]["phone"]
                == objects["resident"].phone[:3] + "****" + objects["resident"].phone[-4:]
            )
        else:  # community worker of Y: full, and audited
            assert answer.json()["items"][0]["phone"] == objects["resident"].phone
    audited = AuditEvent.objects.filter(actor=district_and_worker, action="view_full", entity="recall")
    assert [e.row_ids for e in audited] == [[world[Y]["resident"].public_id]]


def test_recall_list_offers_steps_only_where_the_viewer_works_recalls(client, world, street_and_worker):
    client.force_login(street_and_worker)
    page_a = client.get(f"/rounds/{world[A]['round'].public_id}/recalls/").content.decode()
    page_x = client.get(f"/rounds/{world[X]['round'].public_id}/recalls/").content.decode()
    assert world[A]["resident"].name in page_a and 'value="notified"' not in page_a
    assert world[X]["resident"].name in page_x and 'value="notified"' in page_x


def test_full_number_search_finds_only_where_the_viewer_may_see_numbers(client, world, district_and_worker):
    client.force_login(district_and_worker)
    for code, expect in ((A, 0), (X, 0), (Y, 1)):
        resident = world[code]["resident"]
        found = client.get("/api/residents", {"q": resident.id_number}).json()["items"]
        assert len(found) == expect, code
        by_phone = client.get("/api/residents", {"q": resident.phone}).json()["items"]
        assert len(by_phone) == expect, code
    searches = AuditEvent.objects.filter(actor=district_and_worker, action="search_full")
    assert searches.count() == 6
    assert world[Y]["resident"].id_number not in str(list(searches.values_list("detail", flat=True)))


def test_full_export_holds_only_the_rows_whose_numbers_the_viewer_may_see(client, world, district_and_worker):
    client.force_login(district_and_worker)
    response = client.get("/residents/export.xlsx", {"full": "1"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    numbers = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert numbers == {world[Y]["resident"].id_number}
    masked = client.get("/residents/export.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(masked.streaming_content))).worksheets[0]
    names = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert names == {world[code]["resident"].name for code in (A, X, Y)}


def test_aid_steps_follow_the_level_held_over_the_request(world, street_and_worker):
    """Hardship aid in A: the street decides but does not take the community's review; in X the same
    user is the community and reviews, but does not decide (that is X's street)."""
    from gongzhi.core.errors import ApplicationError
    from gongzhi.volunteers import flows

    aids = {}
    for code in (A, X):
        volunteer = world[code]["volunteer"]
        manager = make_user_with_role(f"aid_manager_{code}", roles.COMMUNITY_WORKER, code)
        volunteers.volunteer_review(actor=manager, volunteer=volunteer, to_status=flows.APPROVED)
        volunteer.refresh_from_db()
        aids[code] = volunteers.aid_request_submit(volunteer=volunteer, kind="income", description="收入减少，生活困难")
    with pytest.raises(ApplicationError, match="社区"):
        volunteers.aid_transition(actor=street_and_worker, request=aids[A], to_status=flows.COMMUNITY_APPROVED)
    volunteers.aid_transition(actor=street_and_worker, request=aids[X], to_status=flows.COMMUNITY_APPROVED)
    with pytest.raises(ApplicationError, match="街道"):
        volunteers.aid_transition(actor=street_and_worker, request=aids[X], to_status=flows.AID_APPROVED)
