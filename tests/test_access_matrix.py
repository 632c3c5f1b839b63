"""Every page, API operation, export and admin URL, opened by a worker of another community.

Routes that name an object of community A must answer 404 (or 403); routes that list must not show
A's rows. A new route whose parameter this table does not know fails the test, so nothing is left out.
"""

import io
import json

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.urls import URLPattern, URLResolver, get_resolver

from gongzhi.config.api import api
from gongzhi.core.models import AuditEvent
from gongzhi.people.models import Resident
from tests.factories import BuildingFactory, GridFactory, HouseholdFactory, ResidentFactory, make_user_with_role

pytestmark = pytest.mark.django_db

SECRET_NAME = "甲社区测试居民"


@pytest.fixture
def world(community_a, community_b):
    grid = GridFactory(community=community_a, number=1)
    building = BuildingFactory(grid=grid, number=1)
    household = HouseholdFactory(building=building)
    resident = ResidentFactory(household=household, name=SECRET_NAME, phone="13912345678")
    objects = {
        "code": community_a.code,
        "grid": grid,
        "building": building,
        "household": household,
        "resident": resident,
    }
    objects.update(_testing_objects(community_a, resident))
    objects.update(_volunteer_objects(community_a))
    objects["register_import"] = _register_import_for(community_a)
    objects.update(_supplies_objects(community_a, household))
    objects.update(_notices_objects(community_a))
    objects.update(_appeal_objects(community_a))
    objects["zone"] = _zone_of(building)
    outsider = make_user_with_role("outsider", "community_worker", community_b.code)
    outsider.is_staff = True  # so the admin's own scoping is what is tested, not its login wall
    outsider.save()
    outsider.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    return objects, outsider


def _testing_objects(community, resident):
    from gongzhi.core import events
    from gongzhi.testing import collection, services

    owner = make_user_with_role("collector_a", "collector", community.code)
    manager = make_user_with_role("round_manager_a", "community_worker", community.code)
    round_ = services.round_create(actor=manager, name="第一轮", area_code=community.code, pool_size=10)
    services.scan_batch_ingest(
        round_=round_,
        collector=owner,
        events=[
            collection.Event("1", "open", "TUBE000001"),
            collection.Event("2", "scan", "TUBE000001", "R:" + resident.public_id),
        ],
    )
    services.tube_results_record(actor=owner, round_=round_, results=[("TUBE000001", "positive")])
    events.deliver_pending()  # the recalls open after the commit, as the Huey consumer does
    return {"round": round_, "recall": round_.recalls.get()}


def _volunteer_objects(community):
    from decimal import Decimal

    from gongzhi.volunteers import services
    from gongzhi.volunteers.models import Volunteer
    from tests.factories import valid_id_number

    worker = make_user_with_role("volunteer_owner_a", "community_worker", community.code)
    unit = services.organisation_create(actor=worker, kind="unit", name="甲单位", community_code=community.code)
    volunteer, _ = services.volunteer_sign_up(
        name=SECRET_NAME,
        id_number=valid_id_number(),
        phone="13700000001",
        community_code=community.code,
        group="screening",
        password="serve-the-people-2022",
        unit=unit,
        consent=True,
    )
    services.volunteer_review(actor=worker, volunteer=volunteer, to_status=Volunteer.Status.APPROVED)
    services.hours_correct(
        actor=worker, volunteer=volunteer, hours=Decimal("12"), reason="补录", served_on=volunteer.created_at.date()
    )
    post = services.post_create(actor=worker, community_code=community.code, name="甲岗位", group="screening")
    aid = services.aid_request_submit(volunteer=volunteer, kind="income", description="收入减少，生活困难")
    return {
        "volunteer": volunteer,
        "unit": unit,
        "post": post,
        "certificate": volunteer.certificates.get(),
        "aid": aid,
    }


def _supplies_objects(community, household):
    from gongzhi.supplies import services
    from gongzhi.supplies.models import SupplyPoint

    district = make_user_with_role("supplies_district_a", "district_staff", community.code[:6])
    worker = make_user_with_role("supplies_worker_a", "community_worker", community.code)
    courier = make_user_with_role("supplies_volunteer_a", "volunteer", community.code)
    household.building.latitude, household.building.longitude = 30.6421, 104.1031
    household.building.save()
    item = services.item_create(actor=district, name="甲大米", category="grain", unit="袋", kg_per_unit="5")
    point = SupplyPoint.objects.create(
        kind="distribution", name=SECRET_NAME, community_code=community.code, latitude=30.642, longitude=104.103
    )
    services.stock_receive(actor=worker, point=point, item=item, quantity=10)
    order = services.order_place(household=household, lines=[services.LineIn("item", item.public_id, 1)])
    services.order_accept(actor=worker, order=order)
    services.orders_pack(actor=worker, orders=[order])
    planned = services.runs_plan(
        actor=worker, point=point, couriers=[services.CourierIn(user=courier, vehicle="cart")], seconds=0.5
    )
    return {"point": point, "order": order, "run": planned.runs[0], "supply_item": item}


def _appeal_objects(community):
    """A request whose text names the secret, of another household than the one whose door code the
    public routes are filled with (a door code opens only its own household's requests); a hotline
    import of the community."""
    from gongzhi.appeals import services
    from gongzhi.appeals.models import HotlineImport

    other = HouseholdFactory(building=BuildingFactory(grid=GridFactory(community=community, number=8), number=8))
    appeal = services.appeal_submit(household=other, category="medicine", text=f"{SECRET_NAME}需要降压药")
    pending = HotlineImport.objects.create(community_code=community.code, file_name=f"{SECRET_NAME}.xlsx", content=b"x")
    return {"appeal": appeal, "hotline_import": pending}


def _zone_of(building):
    """A lockdown zone proposed on community A's building."""
    from gongzhi.zones import rules, services
    from gongzhi.zones.models import Zone

    place = rules.Place(str(building.pk), str(building.grid_id), building.community_code)
    services.zones_propose(cases=[rules.Case("ZONECASE01", place)])
    return Zone.objects.get(kind="lockdown", building=building)


def _notices_objects(community):
    from gongzhi.notices import services

    worker = make_user_with_role("notices_worker_a", "community_worker", community.code)
    notice = services.notice_publish(
        actor=worker, area_code=community.code, audience="residents", title="甲社区通知", body="甲社区通知正文"
    )
    elsewhere = BuildingFactory(grid=GridFactory(community=community, number=9), number=9)
    HouseholdFactory(building=elsewhere)
    other = services.notice_publish(
        actor=worker, building=elsewhere, audience="residents", title="另一栋通知", body="另一栋通知正文"
    )
    return {"notice": notice, "notice_elsewhere": other}


# Pages anyone may open: the sign-up page and the public certificate check (masked name only); a
# household's own supplies page, reached through its door code (the code is the key).
# Routes whose parameter names a kind of page, not a row: the area comes from ?area=, checked apart
# (tests/testing/test_round_current.py: another community's area is a 404).
ROUTES_NAMING_NO_ROW = ("rounds/current/<str:page>/",)
PUBLIC_ROUTES = (
    "join/",
    "join/communities/",
    "v/cert/<str:public_id>/",
    "o/<str:code>/",
    "h/<str:code>/",
    "h/<str:code>/requests/",
    # a notice to all residents of an area: its printed sheet and CAP alert (posted publicly anyway)
    "notices/<str:public_id>/print/",
    "notices/<str:public_id>/cap.xml",
)
# API operations anyone may call: a household's order or request through its door code.
PUBLIC_API = ("/api/supplies/households/{code}/orders", "/api/appeals/households/{code}")


def _register_import_for(community):
    from gongzhi.people.models import RegisterImport

    owner = make_user_with_role("owner_a", "community_worker", community.code)
    return RegisterImport.objects.create(
        actor=owner, community_code=community.code, file_name="a.xlsx", content=b"x", report={}
    )


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def _page_routes():
    for route, pattern in _walk(get_resolver().url_patterns):
        if route.startswith(("api/", "i18n/", "logout/", "admin/logout/")):
            continue  # the API is walked from its schema; logging out is not a row of an area
        yield route, pattern


# Route prefix -> how to fill its parameters with an object of community A.
def _fill(route: str, objects: dict) -> str | None:
    replacements = {
        "areas/<str:code>/": ("<str:code>", objects["code"]),
        "grids/<str:public_id>/": ("<str:public_id>", objects["grid"].public_id),
        "buildings/<str:public_id>/": ("<str:public_id>", objects["building"].public_id),
        "residents/<str:public_id>/": ("<str:public_id>", objects["resident"].public_id),
        "households/<str:public_id>/": ("<str:public_id>", objects["household"].public_id),
        "register/import/<str:public_id>/": ("<str:public_id>", objects["register_import"].public_id),
        "rounds/current/<str:page>/": ("<str:page>", "untested"),
        "rounds/<str:public_id>/": ("<str:public_id>", objects["round"].public_id),
        "recalls/<str:public_id>/": ("<str:public_id>", objects["recall"].public_id),
        "volunteers/posts/<str:public_id>/": ("<str:public_id>", objects["post"].public_id),
        "volunteers/units/<str:public_id>/report.<str:fmt>": ("<str:public_id>", objects["unit"].public_id),
        "volunteers/<str:public_id>/": ("<str:public_id>", objects["volunteer"].public_id),
        "me/certificates/<str:public_id>": ("<str:public_id>", objects["certificate"].public_id),
        "v/cert/<str:public_id>/": ("<str:public_id>", objects["certificate"].public_id),
        "checkin/<str:key>/": ("<str:key>", objects["post"].checkin_key),
        "o/<str:code>/": ("<str:code>", "H:" + objects["household"].door_key),
        "supplies/points/<str:public_id>/": ("<str:public_id>", objects["point"].public_id),
        "supplies/orders/<str:public_id>/": ("<str:public_id>", objects["order"].public_id),
        "supplies/runs/<str:public_id>/": ("<str:public_id>", objects["run"].public_id),
        # the household's own pages, with its own door code; the request is another household's
        "h/<str:code>/requests/<str:public_id>/": ("<str:public_id>", objects["appeal"].public_id),
        # a notice not addressed to the household whose door code opens it
        "h/<str:code>/notices/<str:notice_id>/": ("<str:notice_id>", objects["notice_elsewhere"].public_id),
        "h/<str:code>/": ("<str:code>", "H:" + objects["household"].door_key),
        "appeals/hotline/<str:public_id>/": ("<str:public_id>", objects["hotline_import"].public_id),
        "appeals/<str:public_id>/": ("<str:public_id>", objects["appeal"].public_id),
        "notices/<str:public_id>/": ("<str:public_id>", objects["notice"].public_id),
        "zones/<str:public_id>/": ("<str:public_id>", objects["zone"].public_id),
    }
    for start, (param, value) in replacements.items():
        if route.startswith(start):
            return (
                route.replace(param, value)
                .replace("<str:building_id>", objects["building"].public_id)
                .replace("<str:resident_id>", objects["resident"].public_id)
                .replace("<str:fmt>", "xlsx")
                .replace("<str:code>", "H:" + objects["household"].door_key)
            )
    if route.startswith("admin/"):
        return _fill_admin(route, objects)
    if "<" in route or "(?P" in route:
        raise AssertionError(f"the access matrix does not know how to fill {route!r}: add it")
    return route


_ADMIN_OBJECTS = {
    "people/resident/": "resident",
    "places/household/": "household",
    "places/building/": "building",
    "places/grid/": "grid",
}


def _fill_admin(route: str, objects: dict) -> str | None:
    if "(?P<url>" in route or "<path:object_id>" not in route:
        if "<" in route or "(?P" in route:
            if "<app_label>" in route or "(?P<app_label>" in route:
                return None  # app index pages list models, not rows
            if "<id>" in route or "<content_type_id>" in route or "(?P<url>" in route:
                return None  # auth/password and view-on-site helpers, not rows of an area
            raise AssertionError(f"the access matrix does not know how to fill {route!r}: add it")
        return route
    for model_path, key in _ADMIN_OBJECTS.items():
        if route.startswith("admin/" + model_path):
            return route.replace("<path:object_id>", str(objects[key].pk))
    return None  # admin objects that are not area data (users, areas of the public code tree)


def _leaks(response) -> bool:
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in content_type:
        sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
        return any(SECRET_NAME in str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell)
    if "json" in content_type:
        body = json.dumps(json.loads(body), ensure_ascii=False).encode()
    return SECRET_NAME.encode() in body


def test_every_page_and_admin_url_hides_another_communitys_rows(client, world):
    objects, outsider = world
    client.force_login(outsider)
    before = Resident.objects.count()
    checked = 0
    for route, _pattern in _page_routes():
        url = _fill(route, objects)
        if url is None:
            continue
        url = "/" + url.lstrip("^").rstrip("$")
        names_object = url != "/" + route.lstrip("^").rstrip("$") and route not in ROUTES_NAMING_NO_ROW
        for method in ("get", "post"):
            query = {"area_code": objects["code"]} if method == "get" else {}
            follow = url.startswith("/admin/")
            response = getattr(client, method)(url, query, follow=follow)
            assert response.status_code < 500, (method, url, response.status_code)
            if names_object and not url.startswith("/admin/") and route not in PUBLIC_ROUTES:
                assert response.status_code in (404, 403, 405), (method, url, response.status_code)
            if url.startswith("/admin/") and names_object:
                # The admin answers a row outside the user's queryset by sending them to its index.
                final = response.redirect_chain[-1][0] if response.redirect_chain else url
                assert response.status_code in (403, 404) or final == "/admin/", (method, url, final)
            assert not _leaks(response), (method, url)
            checked += 1
    assert checked > 20
    assert Resident.objects.count() == before
    # The outsider touched no row: any audit event of theirs (an empty export) names no rows.
    assert not AuditEvent.objects.filter(actor=outsider, row_count__gt=0).exists()


def _api_operations():
    schema = api.get_openapi_schema(path_prefix="/api")
    for path, methods in schema["paths"].items():
        for method in methods:
            yield method, path


def _fill_api(path: str, objects: dict) -> str:
    for start, value in (
        ("/api/areas/{code}", objects["code"]),
        ("/api/grids/{public_id}", objects["grid"].public_id),
        ("/api/buildings/{public_id}", objects["building"].public_id),
        ("/api/households/{public_id}", objects["household"].public_id),
        ("/api/residents/{public_id}", objects["resident"].public_id),
        ("/api/rounds/{public_id}", objects["round"].public_id),
        ("/api/recalls/{public_id}", objects["recall"].public_id),
        ("/api/volunteers/{public_id}", objects["volunteer"].public_id),
        ("/api/checkin/{key}", objects["post"].checkin_key),
        ("/api/supplies/households/{code}", objects["household"].door_key),
        ("/api/supplies/runs/{public_id}", objects["run"].public_id),
        ("/api/appeals/households/{code}", objects["household"].door_key),
        ("/api/notices/{public_id}", objects["notice"].public_id),
    ):
        if path.startswith(start):
            return path.replace("{code}", value).replace("{public_id}", value).replace("{key}", value)
    if "{" in path:
        raise AssertionError(f"the access matrix does not know how to fill {path!r}: add it")
    return path


_API_BODIES = {
    "/api/grids": {"community_code": "510104017001", "number": 7},
    "/api/residents": {"household_id": "", "name": "x", "id_number": "11010519491231002X"},
    "/api/rounds": {"name": "x", "area_code": "510104017001", "pool_size": 10},
}


def test_every_api_operation_hides_another_communitys_rows(client, world):
    objects, outsider = world
    client.force_login(outsider)
    before = Resident.objects.count()
    operations = list(_api_operations())
    assert len(operations) >= 12
    for method, path in operations:
        url = _fill_api(path, objects)
        body = dict(
            _API_BODIES.get(
                path,
                {
                    "number": 9,
                    "room": "909",
                    "unit": 1,
                    "name": "x",
                    "id_number": objects["resident"].id_number,
                    "to_status": "notified",
                    "events": [{"event_id": "9", "kind": "open", "barcode": "TUBE000009"}],
                    "results": [{"barcode": "TUBE000001", "result": "negative"}],
                    "barcode": "TUBE000001",
                    "result": "negative",
                    "resident_id": objects["resident"].public_id,
                    "reason": "away",
                    "action": "in",
                    "code": "H:" + objects["household"].door_key,
                },
            )
        )
        if path == "/api/residents":
            body["household_id"] = objects["household"].public_id
        if method == "get":
            response = client.get(url, {"area_code": objects["code"]})
        elif path.endswith("/file"):
            from django.core.files.uploadedfile import SimpleUploadedFile

            upload = SimpleUploadedFile("results.csv", "管号,结果\nTUBE000001,阴性\n".encode())
            response = client.post(url, {"file": upload})
        else:
            response = getattr(client, method)(url, body, content_type="application/json")
        assert response.status_code < 500, (method, url)
        if path in PUBLIC_API:
            pass  # the door code is the key: who holds it may order for that household (tests/supplies)
        elif url != path or path in ("/api/grids", "/api/residents", "/api/rounds") and method != "get":
            assert response.status_code in (404, 403), (method, url, response.status_code, response.content[:200])
        assert not _leaks(response), (method, url)
    assert Resident.objects.count() == before
    assert objects["grid"].buildings.count() == 1
    objects["recall"].refresh_from_db()
    assert objects["recall"].status == "open"
    assert objects["round"].tubes.count() == 1 and objects["round"].tubes.get().status == "positive"


def test_anonymous_is_sent_to_login_or_refused(client, world):
    objects, _ = world
    for route, _pattern in _page_routes():
        url = _fill(route, objects)
        if url is None or url.startswith("admin/") or url in ("login/", "healthz", "collect-sw.js", "favicon.ico"):
            continue
        if route in PUBLIC_ROUTES:
            assert client.get("/" + url).status_code == 200, url
            continue
        response = client.get("/" + url)
        assert response.status_code in (302, 404, 405), url
        if response.status_code == 302 and response["Location"].startswith("/register/"):  # old /roster/ paths
            response = client.get(response["Location"])
        if response.status_code == 302:
            assert response["Location"].startswith("/login/"), url
    for method, path in _api_operations():
        url = _fill_api(path, objects)
        response = (
            getattr(client, method)(url, {}, content_type="application/json") if method != "get" else client.get(url)
        )
        if path in PUBLIC_API:
            assert response.status_code == 422, (method, url)  # no lines: refused, nothing written
            continue
        assert response.status_code == 401, (method, url)
