"""A masked ID number stays masked given everything the same viewer sees.

For every role, as a viewer who has not asked to see numbers in full, every page, fragment, export
and API answer that can name a resident is fetched (the URL patterns and API operations are walked,
as the access matrix does, with this world's objects), and all of it together is read the way a
curious official would: a full ID number, masked numbers (any characters they show), the birth date
in any common spelling, an age in years, the age group. For each resident, the ID numbers still
possible given all of that are counted: at least 1,000 (core.masking).
"""

import datetime as dt
import io
import json
import re
from decimal import Decimal

import openpyxl
import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from gongzhi.config.api import api
from gongzhi.core import events, roles
from gongzhi.core.masking import (
    AGE_60_PLUS,
    AGE_UNDER_60,
    age_group,
    age_group_window,
    mask_id_number,
    possible_id_numbers,
    years_between,
)
from gongzhi.people.id_rules import make_id_number
from gongzhi.testing import collection
from gongzhi.testing import services as testing
from gongzhi.volunteers import services as volunteers
from tests.factories import BuildingFactory, GridFactory, HouseholdFactory, ResidentFactory, make_user_with_role

MINIMUM = 1_000
OLDEST = dt.date(1910, 1, 1)


# --- the pure rule, for any ID number ------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    region=st.sampled_from(["510104", "510105", "110105", "440305", "510181"]),
    born=st.dates(min_value=OLDEST, max_value=dt.date(2026, 1, 1)),
    sequence=st.integers(0, 999),
    male=st.booleans(),
)
def test_the_mask_and_the_age_group_leave_at_least_a_thousand_numbers(region, born, sequence, male):
    today = dt.date(2026, 12, 2)
    number = make_id_number(region, born, sequence, male)
    first, last = age_group_window(age_group(born, today), today, oldest=OLDEST)
    assert possible_id_numbers(mask_id_number(number), first, last) >= MINIMUM


def test_the_count_sees_through_a_birth_date_or_an_age():
    """The counter is what the property rests on: shown the birth date beside the mask it finds one
    number, shown the age in years a few dozen."""
    number = make_id_number("510104", dt.date(1985, 3, 2), 17, True)
    assert possible_id_numbers(mask_id_number(number), dt.date(1985, 3, 2), dt.date(1985, 3, 2)) == 1
    year_window = (dt.date(1984, 12, 3), dt.date(1985, 12, 2))  # age 41 on that day
    assert possible_id_numbers(mask_id_number(number), *year_window) < 50


# --- every page a masked viewer sees -------------------------------------------------------------

COMMUNITY = "510104017001"
BORN = [dt.date(1985, 3, 2), dt.date(1948, 11, 30), dt.date(2016, 2, 29), dt.date(1966, 12, 2)]


@pytest.fixture
def world(areas, django_user_model):
    from gongzhi.places.models import Area

    community = Area.objects.get(code=COMMUNITY)
    grid = GridFactory(community=community, number=1)
    building = BuildingFactory(grid=grid, number=1)
    household = HouseholdFactory(building=building)
    residents = []
    for n, born in enumerate(BORN):
        number = make_id_number("510104", born, 100 + 7 * n, n % 2 == 0)
        residents.append(
            ResidentFactory(
                household=household,
                id_number=number,
                birth_date=born,
                gender="M" if n % 2 == 0 else "F",
                name=f"测试居民{n}",
                phone=f"1500000{n:04d}",
            )
        )
    residents[1].tags.create(community_code=COMMUNITY, tag="bedridden")
    manager = make_user_with_role("manager", roles.COMMUNITY_WORKER, COMMUNITY)
    collector = make_user_with_role("collector", roles.COLLECTOR, COMMUNITY)
    round_ = testing.round_create(actor=manager, name="第一轮", area_code=COMMUNITY, pool_size=10)
    testing.scan_batch_ingest(
        round_=round_,
        collector=collector,
        events=[
            collection.Event("1", "open", "TUBE000001"),
            collection.Event("2", "scan", "TUBE000001", "R:" + residents[0].public_id),
        ],
    )
    testing.tube_results_record(actor=manager, round_=round_, results=[("TUBE000001", "positive")])
    events.deliver_pending()
    # The second resident is also a volunteer, with the same ID number, hours and a certificate.
    unit = volunteers.organisation_create(actor=manager, kind="unit", name="单位", community_code=COMMUNITY)
    volunteer, _ = volunteers.volunteer_sign_up(
        name=residents[1].name,
        id_number=residents[1].id_number,
        phone=residents[1].phone,
        community_code=COMMUNITY,
        group="screening",
        password="serve-the-people-2022",
        unit=unit,
        consent=True,
    )
    volunteers.volunteer_review(actor=manager, volunteer=volunteer, to_status="approved")
    volunteers.hours_correct(
        actor=manager, volunteer=volunteer, hours=Decimal("12"), reason="补录", served_on=timezone.localdate()
    )
    post = volunteers.post_create(actor=manager, community_code=COMMUNITY, name="岗位", group="screening")
    supplies_objects = _supplies(manager, household, volunteer.user)
    from gongzhi.notices import services as notices

    notice = notices.notice_publish(actor=manager, area_code=COMMUNITY, audience="both", title="通知", body="正文")
    from gongzhi.appeals import services as appeals
    from gongzhi.appeals.models import HotlineImport

    # A request a resident phoned in: the caller is a resident, with their name and phone.
    appeal = appeals.appeal_submit(
        household=household, category="medicine", text="需要降压药", channel="staff", actor=manager,
        caller_name=residents[0].name, caller_phone=residents[0].phone,
    )  # fmt: skip
    hotline = HotlineImport.objects.create(community_code=COMMUNITY, file_name="12345.xlsx", content=b"x")
    from gongzhi.zones import rules as zone_rules
    from gongzhi.zones import services as zones
    from gongzhi.zones.models import Zone

    # A lockdown zone in force on the residents' building (its page names the area, never a person).
    place = zone_rules.Place(str(building.pk), str(building.grid_id), building.community_code)
    zones.zones_propose(cases=[zone_rules.Case("ZONECASE01", place)])
    street = make_user_with_role("zones_street", "street_staff", COMMUNITY[:9])
    zone = zones.zone_confirm(actor=street, zone=Zone.objects.get(kind="lockdown", building=building))
    return {
        "zone": zone,
        "appeal": appeal,
        "hotline_import": hotline,
        **supplies_objects,
        "notice": notice,
        "code": COMMUNITY,
        "grid": grid,
        "building": building,
        "household": household,
        "residents": residents,
        "resident": residents[0],
        "round": round_,
        "recall": round_.recalls.get(),
        "volunteer": volunteer,
        "unit": unit,
        "post": post,
        "certificate": volunteer.certificates.get(),
    }


def _supplies(manager, household, courier) -> dict:
    """An order of the household packed and routed to the volunteer: the supplies pages show it."""
    from gongzhi.supplies import services as supplies
    from gongzhi.supplies.models import SupplyPoint

    district = make_user_with_role("supplies_district", roles.DISTRICT_STAFF, COMMUNITY[:6])
    household.building.latitude, household.building.longitude = 30.6421, 104.1031
    household.building.save()
    item = supplies.item_create(actor=district, name="大米", category="grain", unit="袋", kg_per_unit="5")
    point = SupplyPoint.objects.create(
        kind="distribution", name="分发点", community_code=COMMUNITY, latitude=30.642, longitude=104.103
    )
    supplies.stock_receive(actor=manager, point=point, item=item, quantity=10)
    order = supplies.order_place(household=household, lines=[supplies.LineIn("item", item.public_id, 1)])
    supplies.order_accept(actor=manager, order=order)
    supplies.orders_pack(actor=manager, orders=[order])
    planned = supplies.runs_plan(
        actor=manager, point=point, couriers=[supplies.CourierIn(user=courier, vehicle="cart")], seconds=0.5
    )
    return {"point": point, "order": order, "run": planned.runs[0]}


def _viewers(world) -> dict:
    """One user per role, in the world's areas; none has asked to see a number in full."""
    grid, building = world["grid"], world["building"]
    volunteer_user = world["volunteer"].user
    return {
        "city": make_user_with_role("v_city", roles.CITY_STAFF, "5101"),
        "district": make_user_with_role("v_district", roles.DISTRICT_STAFF, "510104"),
        "street": make_user_with_role("v_street", roles.STREET_STAFF, "510104017"),
        "community": make_user_with_role("v_worker", roles.COMMUNITY_WORKER, COMMUNITY),
        "grid": make_user_with_role("v_grid", roles.GRID_WORKER, COMMUNITY, grid=grid),
        "leader": make_user_with_role("v_leader", roles.BUILDING_LEADER, COMMUNITY, building=building),
        "collector": make_user_with_role("v_collector", roles.COLLECTOR, COMMUNITY),
        "lab": make_user_with_role("v_lab", roles.LAB, "5101"),
        "volunteer": volunteer_user,
    }


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def _page_urls(world) -> list[str]:
    """Every page (GET) with this world's objects; the admin is left to the oracle tests."""
    fill = {
        "h/<str:code>": "h/H:" + world["household"].public_id,  # a household's own pages: its door code
        "<str:code>": world["code"],
        "notices/<str:public_id>": "notices/" + world["notice"].public_id,
        "requests/<str:public_id>": "requests/" + world["appeal"].public_id,
        "appeals/hotline/<str:public_id>": "appeals/hotline/" + world["hotline_import"].public_id,
        "appeals/<str:public_id>": "appeals/" + world["appeal"].public_id,
        "zones/<str:public_id>": "zones/" + world["zone"].public_id,
        "<str:notice_id>": world["notice"].public_id,
        "grids/<str:public_id>": "grids/" + world["grid"].public_id,
        "buildings/<str:public_id>": "buildings/" + world["building"].public_id,
        "households/<str:public_id>": "households/" + world["household"].public_id,
        "rounds/current/<str:page>": "rounds/current/untested",  # a redirect to the current round's page
        "rounds/<str:public_id>": "rounds/" + world["round"].public_id,
        "recalls/<str:public_id>": "recalls/" + world["recall"].public_id,
        "volunteers/posts/<str:public_id>": "volunteers/posts/" + world["post"].public_id,
        "volunteers/units/<str:public_id>/report.<str:fmt>": f"volunteers/units/{world['unit'].public_id}/report.xlsx",
        "me/certificates/<str:public_id>": "me/certificates/" + world["certificate"].public_id,
        "v/cert/<str:public_id>": "v/cert/" + world["certificate"].public_id,
        "checkin/<str:key>": "checkin/" + world["post"].checkin_key,
        "o/<str:code>": "o/H:" + world["household"].public_id,
        "supplies/points/<str:public_id>": "supplies/points/" + world["point"].public_id,
        "supplies/orders/<str:public_id>": "supplies/orders/" + world["order"].public_id,
        "supplies/runs/<str:public_id>": "supplies/runs/" + world["run"].public_id,
        "<str:building_id>": world["building"].public_id,
        "<str:resident_id>": world["residents"][0].public_id,  # a POST (door-to-door): 405 to a GET
    }
    urls = []
    for route in _walk(get_resolver().url_patterns):
        if route.startswith(("api/", "i18n/", "admin/", "logout/", "login/")):
            continue
        if route.startswith("residents/<str:public_id>"):
            urls += [route.replace("<str:public_id>", r.public_id) for r in world["residents"]]
            continue
        if route.startswith("volunteers/<str:public_id>"):
            route = route.replace("<str:public_id>", world["volunteer"].public_id)
        if route.startswith("register/import/<str:public_id>"):
            continue  # a worker's own upload: no resident data beyond what they uploaded
        for pattern, value in fill.items():
            route = route.replace(pattern, value)
        assert "<" not in route, f"the property test does not know how to fill {route!r}: add it"
        urls.append("/" + route)
    round_id, names = world["round"].public_id, [r.name for r in world["residents"]]
    tails = [r.id_number[-4:] for r in world["residents"]] + [r.phone[-4:] for r in world["residents"]]
    urls += [f"/residents/?q={q}" for q in names + tails] + [f"/residents/?area_code={COMMUNITY}"]
    urls += [f"/residents/export.xlsx?area_code={COMMUNITY}", f"/rounds/{round_id}/untested.xlsx"]
    urls += [f"/rounds/{round_id}/coverage/?area_code={COMMUNITY}", f"/volunteers/?q={names[1]}"]
    urls += [f"/rounds/{round_id}/progress.json?level={level}" for level in ("community", "grid", "building")]
    urls += [f"/volunteers/units/{world['unit'].public_id}/report.pdf", f"/volunteers/hours/?area_code={COMMUNITY}"]
    urls += ["/appeals/?format=xlsx", f"/appeals/?area={COMMUNITY}&status=all"]
    return urls


def _api_urls(world) -> list[str]:
    fill = {
        "{code}": world["code"],
        "/api/grids/{public_id}": "/api/grids/" + world["grid"].public_id,
        "/api/buildings/{public_id}": "/api/buildings/" + world["building"].public_id,
        "/api/households/{public_id}": "/api/households/" + world["household"].public_id,
        "/api/rounds/{public_id}": "/api/rounds/" + world["round"].public_id,
        "/api/volunteers/{public_id}": "/api/volunteers/" + world["volunteer"].public_id,
        "/api/notices/{public_id}": "/api/notices/" + world["notice"].public_id,
    }
    urls = []
    schema = api.get_openapi_schema(path_prefix="/api")
    for path, methods in schema["paths"].items():
        if "get" not in methods:
            continue
        if path.startswith("/api/residents/{public_id}"):
            urls += [path.replace("{public_id}", r.public_id) for r in world["residents"]]
            continue
        for pattern, value in fill.items():
            path = path.replace(pattern, value)
        assert "{" not in path, f"the property test does not know how to fill {path!r}: add it"
        urls.append(path)
    tails = [r.id_number[-4:] for r in world["residents"]] + [r.phone[-4:] for r in world["residents"]]
    urls += [f"/api/residents?q={q}" for q in tails] + [f"/api/volunteers?q={q}" for q in tails]
    urls += [
        f"/api/rounds/{world['round'].public_id}/coverage?area_code={COMMUNITY}",
        "/api/volunteers/hours?area_code=5101",
    ]
    return urls


def _text_of(response) -> str:
    if response.status_code >= 300:
        return ""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(
            " ".join(str(c) for c in row if c is not None)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    if "pdf" in kind:
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)
    if "json" in kind:
        return json.dumps(json.loads(body), ensure_ascii=False)
    return body.decode("utf-8", "replace")


def _seen_by(client, user, world) -> str:
    client.force_login(user)
    texts = [_text_of(client.get(url)) for url in _page_urls(world) + _api_urls(world)]
    return "\n".join(texts)


def _spellings(born: dt.date) -> list[str]:
    y, m, d = born.year, born.month, born.day
    return [
        born.isoformat(),
        born.strftime("%Y/%m/%d"),
        born.strftime("%Y.%m.%d"),
        born.strftime("%Y%m%d"),
        born.strftime("%Y年%m月%d日"),
        f"{y}年{m}月{d}日",
        f"{y}-{m}-{d}",
        f"{y}/{m}/{d}",
    ]


def possible_given(text: str, id_number: str, born: dt.date, today: dt.date) -> int:
    """How many valid ID numbers agree with everything in `text` about this person."""
    if id_number in text:
        return 1
    known = ["*"] * 18
    for token in re.findall(r"[0-9X*]{18}", text):
        if "*" in token and all(t in ("*", c) for t, c in zip(token, id_number, strict=True)):
            known = [t if t != "*" else k for t, k in zip(token, known, strict=True)]
    first, last = OLDEST, today
    if any(s in text for s in _spellings(born)):
        first = last = born
    age = years_between(born, today)
    if re.search(rf"(?<![0-9]){age}\s*(周)?岁(?!以下|及以上)", text):
        first = max(first, dt.date(today.year - age - 1, today.month, today.day) + dt.timedelta(days=1))
        last = min(last, dt.date(today.year - age, today.month, today.day))
    for group, words in ((AGE_UNDER_60, "60岁以下"), (AGE_60_PLUS, "60岁及以上")):
        if words in text and age_group(born, today) == group:
            low, high = age_group_window(group, today, oldest=OLDEST)
            first, last = max(first, low), min(last, high)
    return possible_id_numbers("".join(known), first, last)


@pytest.mark.parametrize(
    "viewer", ["city", "district", "street", "community", "grid", "leader", "collector", "lab", "volunteer"]
)
def test_a_masked_viewer_cannot_narrow_an_id_number_below_a_thousand(client, world, viewer):
    user = _viewers(world)[viewer]
    text = _seen_by(client, user, world)
    today = timezone.localdate()
    counts = {r.name: possible_given(text, r.id_number, r.birth_date, today) for r in world["residents"]}
    assert all(n >= MINIMUM for n in counts.values()), counts
    if viewer in ("community", "street", "grid"):
        assert all(r.name in text for r in world["residents"])  # they do see everyone: the test looked


def test_revealed_numbers_are_seen_and_counted_as_such(client, world):
    """The reading above is not blind: after an audited reveal the same count finds one number."""
    worker = _viewers(world)["community"]
    client.force_login(worker)
    resident = world["residents"][2]
    page = client.post(f"/residents/{resident.public_id}/reveal/").content.decode()
    assert possible_given(page, resident.id_number, resident.birth_date, timezone.localdate()) == 1
    masked = client.get(f"/residents/{resident.public_id}/").content.decode()
    assert possible_given(masked, resident.id_number, resident.birth_date, timezone.localdate()) >= MINIMUM
