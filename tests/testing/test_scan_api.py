"""The scan endpoint as collectors' phones use it (issue 9, points 1, 2, 4, 5): each event answered on
its own, the real outcome with the names masked, believable times only, the round's barcode format,
and only the round's assigned collectors scanning, anywhere in its area, each scan recording them."""

import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEvent
from gongzhi.testing import services
from gongzhi.testing.models import RoundCollector, Sample
from tests.factories import BuildingFactory, GridFactory, HouseholdFactory, ResidentFactory, make_user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def street_round(community_a, community_b):
    """A street-wide round over 锦官驿街道 (both communities), residents in each, a street manager."""
    street = make_user_with_role("street", "street_staff", community_a.code[:9])
    home_a = HouseholdFactory()
    a = [ResidentFactory(household=home_a, name=n) for n in ("王小明", "李华", "欧阳春华")]
    home_b = HouseholdFactory(building=BuildingFactory(grid=GridFactory(community=community_b)))
    b = [ResidentFactory(household=home_b, name=f"赵{i}") for i in range(3)]
    round_ = services.round_create(actor=street, name="街道第一轮", area_code=community_a.code[:9], pool_size=10)
    return round_, street, a, b


def _post(client, round_, events, batch_id="b1"):
    return client.post(
        f"/api/rounds/{round_.public_id}/scans",
        {"batch_id": batch_id, "events": events},
        content_type="application/json",
    )


def test_only_assigned_collectors_scan_and_anywhere_in_the_rounds_area(client, street_round, community_a, community_b):
    round_, street, a, b = street_round
    collector = make_user_with_role("col_a", "collector", community_a.code)
    worker_b = make_user_with_role("wb", "community_worker", community_b.code)
    events = [
        {"event_id": "1", "kind": "open", "barcode": "TUBE0001"},
        {"event_id": "2", "kind": "scan", "barcode": "TUBE0001", "code": "R:" + a[0].public_id},
        {"event_id": "3", "kind": "scan", "barcode": "TUBE0001", "code": "R:" + b[0].public_id},
    ]
    # a community worker of another community is not a collector of the street-wide round
    client.force_login(worker_b)
    assert _post(client, round_, events).status_code == 404
    # nor is a collector of the street who was not assigned to it
    client.force_login(collector)
    assert _post(client, round_, events).status_code == 404
    assert client.get(f"/rounds/{round_.public_id}/collect/").status_code == 404
    # once assigned, the collector scans residents of both communities (people test at the nearest site)
    services.round_collector_assign(actor=street, round_=round_, user=collector)
    answer = _post(client, round_, events)
    assert answer.status_code == 200
    assert [o["code"] for o in answer.json()["outcomes"]] == ["ok", "ok", "ok"]
    # and every scan records its collector
    assert set(Sample.objects.filter(round=round_).values_list("collector_id", flat=True)) == {collector.pk}
    assigned = AuditEvent.objects.filter(entity="testing.round_collector", actor=street)
    assert [e.detail["assigned"] for e in assigned] == ["col_a"]
    # taken off the round, the collector scans no more
    services.round_collector_remove(actor=street, round_=round_, user=collector)
    assert _post(client, round_, events, batch_id="b2").status_code == 404


def test_only_a_user_holding_a_collecting_role_can_be_assigned(street_round, community_a):
    round_, street, _a, _b = street_round
    leader = make_user_with_role("leader", "building_leader", community_a.code)
    with pytest.raises(ApplicationError):
        services.round_collector_assign(actor=street, round_=round_, user=leader)
    assert not RoundCollector.objects.filter(round=round_).exists()


def test_a_bad_event_is_that_events_error_and_the_rest_of_the_batch_goes_in(client, street_round, community_a):
    round_, street, a, _b = street_round
    collector = make_user_with_role("col_a", "collector", community_a.code)
    services.round_collector_assign(actor=street, round_=round_, user=collector)
    client.force_login(collector)
    health_code = "https://hc.example.gov.cn/scan?token=" + "A" * 90  # a health-code URL, not a resident code
    events = [
        {"event_id": "1", "kind": "open", "barcode": "TUBE0001"},
        {"event_id": "2", "kind": "scan", "barcode": "TUBE0001", "code": "R:" + a[0].public_id},
        {"event_id": "3", "kind": "scan", "barcode": "TUBE0001", "code": health_code},
        {"event_id": "4", "kind": "scan", "barcode": "TUBE0001", "code": "R:" + a[1].public_id, "at": "1970-01-01"},
        {
            "event_id": "5",
            "kind": "scan",
            "barcode": "TUBE0001",
            "code": "R:" + a[1].public_id,
            "at": "9999-01-01T00:00",
        },
        {"event_id": "6", "kind": "scan", "barcode": "TUBE0001", "code": "R:" + a[1].public_id, "at": "not a time"},
        {"event_id": "7" * 80, "kind": "scan", "barcode": "TUBE0001", "code": "R:" + a[2].public_id},
        "not an event",
        {"event_id": "9", "kind": "open", "barcode": "------"},
        {"event_id": "10", "kind": "scan", "barcode": "TUBE0001", "code": "R:" + a[1].public_id},
    ]
    answer = _post(client, round_, events)
    assert answer.status_code == 200
    outcomes = answer.json()["outcomes"]
    assert [(o["event_id"], o["status"], o["code"], o["added"]) for o in outcomes] == [
        ("1", "ok", "ok", 0),
        ("2", "ok", "ok", 1),
        ("3", "error", "bad_code", 0),
        ("4", "warning", "time_replaced", 1),
        ("5", "warning", "time_replaced", 0),
        ("6", "warning", "time_replaced", 0),
        ("#6", "error", "bad_event", 0),
        ("#7", "error", "bad_event", 0),
        ("9", "error", "bad_barcode", 0),
        ("10", "ok", "ok", 0),
    ]
    assert all(o["message"] for o in outcomes if o["status"] != "ok")
    assert "1970-01-01" in outcomes[3]["message"]
    # the scans are recorded, none with a time it could not have had (the 1970 one at the server's)
    samples = Sample.objects.filter(round=round_)
    assert sorted(samples.values_list("resident_id", flat=True)) == sorted([a[0].pk, a[1].pk])
    earliest = timezone.now() - dt.timedelta(hours=1)
    assert all(earliest < s.collected_at <= timezone.now() for s in samples)
    # the answers name who went in, masked as the collector may see them
    assert outcomes[1]["params"]["names"] == ["王*明"]
    assert outcomes[3]["params"]["names"] == ["李*"]


def test_a_household_that_does_not_fit_says_how_many_did_not_and_nothing_of_it_is_recorded(
    client, street_round, community_a
):
    round_, street, a, _b = street_round
    collector = make_user_with_role("col_a", "collector", community_a.code)
    services.round_collector_assign(actor=street, round_=round_, user=collector)
    client.force_login(collector)
    others = [ResidentFactory() for _ in range(8)]
    events = [{"event_id": "o", "kind": "open", "barcode": "TUBE0002"}]
    events += [
        {"event_id": f"s{i}", "kind": "scan", "barcode": "TUBE0002", "code": "R:" + r.public_id}
        for i, r in enumerate(others)
    ]
    events.append({"event_id": "hh", "kind": "scan", "barcode": "TUBE0002", "code": "H:" + a[0].household.door_key})
    outcomes = _post(client, round_, events).json()["outcomes"]
    last = outcomes[-1]
    assert (last["status"], last["code"], last["added"]) == ("error", "pool_short", 0)
    assert last["params"]["people"] == 3 and last["params"]["room"] == 2
    assert "3人均未扫入" in last["message"] and "换新管" in last["message"]
    assert not Sample.objects.filter(resident__in=a).exists()


def test_a_round_names_its_barcode_format_and_a_wrong_one_is_refused(client, street_round, community_a):
    round_, street, a, _b = street_round
    with pytest.raises(ApplicationError):
        services.round_create(
            actor=street, name="x", area_code=community_a.code, pool_size=10, barcode_pattern="[-]{6,}"
        )
    custom = services.round_create(
        actor=street, name="南京管", area_code=community_a.code, pool_size=10, barcode_pattern=r"NJ\d{8}"
    )
    collector = make_user_with_role("col_a", "collector", community_a.code)
    services.round_collector_assign(actor=street, round_=custom, user=collector)
    client.force_login(collector)
    events = [
        {"event_id": "1", "kind": "open", "barcode": "NJ12345678"},
        {"event_id": "2", "kind": "open", "barcode": "TUBE0001"},
    ]
    assert [o["code"] for o in _post(client, custom, events).json()["outcomes"]] == ["ok", "bad_barcode"]
    page = client.get(f"/rounds/{custom.public_id}/collect/").content.decode()
    assert 'data-pattern="NJ\\d{8}"' in page and "pattern=" not in page.replace("data-pattern=", "")


def test_the_rounds_manager_assigns_and_removes_collectors_on_the_dashboard(client, street_round, community_a):
    round_, street, _a, _b = street_round
    collector = make_user_with_role("col_a", "collector", community_a.code)
    client.force_login(street)
    page = client.get(f"/rounds/{round_.public_id}/").content.decode()
    assert "尚未指派采样人员" in page and '<option value="col_a">' in page  # a candidate from the area
    url = f"/rounds/{round_.public_id}/collectors/"
    client.post(url, {"username": "col_a"})
    assert RoundCollector.objects.filter(round=round_, user=collector).exists()
    page = client.get(f"/rounds/{round_.public_id}/").content.decode()
    assert "已指派 col_a 为本轮采样人员" in page
    client.post(url, {"username": "nobody"})
    assert "没有这个采样账号：nobody" in client.get(f"/rounds/{round_.public_id}/").content.decode()
    # A login that exists but collects nothing (a volunteer's is their phone) gets the same answer, to
    # add and to remove: trying numbers must not tell which are someone's.
    make_user_with_role("13800001234", "volunteer", community_a.code)
    for sent in ({"username": "13800001234"}, {"username": "13800001234", "remove": "1"}):
        client.post(url, sent)
        page = client.get(f"/rounds/{round_.public_id}/").content.decode()
        assert "没有这个采样账号：13800001234" in page and "只能指派" not in page and "已取消" not in page
    client.post(url, {"username": "col_a", "remove": "1"})
    assert not RoundCollector.objects.filter(round=round_).exists()
    # someone who does not manage the round cannot assign
    client.force_login(collector)
    assert client.post(url, {"username": "col_a"}).status_code == 404
    assert not RoundCollector.objects.filter(round=round_).exists()


def test_a_worker_of_one_community_cannot_name_collectors_of_a_street_wide_round(client, street_round, community_a):
    round_, _street, _a, _b = street_round
    worker = make_user_with_role("wa", "community_worker", community_a.code)
    with pytest.raises(ApplicationError):
        services.round_collector_assign(actor=worker, round_=round_, user=worker)
    client.force_login(worker)
    client.post(f"/rounds/{round_.public_id}/collectors/", {"username": "wa"})
    assert not RoundCollector.objects.filter(round=round_).exists()


def test_a_collector_whose_role_was_taken_away_scans_no_more(client, street_round, community_a):
    from gongzhi.core.models import RoleAssignment

    round_, street, a, _b = street_round
    collector = make_user_with_role("col_a", "collector", community_a.code)
    services.round_collector_assign(actor=street, round_=round_, user=collector)
    client.force_login(collector)
    events = [{"event_id": "1", "kind": "open", "barcode": "TUBE0001"}]
    assert _post(client, round_, events).status_code == 200
    RoleAssignment.objects.filter(user=collector).delete()
    assert _post(client, round_, events, batch_id="b2").status_code == 404


def test_a_number_too_long_for_a_fast_json_reader_is_that_events_error(client, street_round, community_a):
    round_, street, a, _b = street_round
    collector = make_user_with_role("col_a", "collector", community_a.code)
    services.round_collector_assign(actor=street, round_=round_, user=collector)
    client.force_login(collector)
    body = (
        '{"events": [{"event_id": "1", "kind": "open", "barcode": "TUBE0001"},'
        ' {"event_id": "2", "kind": "scan", "barcode": 123456789012345678901234567890, "code": "x"},'
        ' {"event_id": "3", "kind": "scan", "barcode": "TUBE0001", "code": "R:' + a[0].public_id + '"},'
        ' {"event_id": "4", "kind": "scan", "barcode": "TUBE0001", "code": "\\ud800"}]}'
    )
    answer = client.post(f"/api/rounds/{round_.public_id}/scans", body, content_type="application/json")

    assert answer.status_code == 200
    assert [(o["event_id"], o["code"]) for o in answer.json()["outcomes"]] == [
        ("1", "ok"),
        ("2", "bad_event"),
        ("3", "ok"),
        ("4", "unknown_resident"),
    ]
    assert list(Sample.objects.filter(round=round_).values_list("resident_id", flat=True)) == [a[0].pk]


def test_the_collectors_round_read_raw_is_the_orm_row_and_the_token_user_too(street_round, community_a):
    """A scan batch reads its device token's user and the collector's round by raw statements (built
    by core.db.model_columns): each must be the row the ORM reads, field by field and type by type."""
    from django.contrib.auth import get_user_model
    from django.http import Http404

    from gongzhi.core.services import api_token_create, api_token_user
    from gongzhi.testing.models import Round, Site
    from gongzhi.testing.selectors import round_get_for_collector

    round_, street, _a, _b = street_round
    collector = make_user_with_role("col_raw", "collector", community_a.code)
    with pytest.raises(Http404):
        round_get_for_collector(user=collector, public_id=round_.public_id)
    site = Site.objects.create(round=round_, name="一号点", community_code=community_a.code)
    services.round_collector_assign(actor=street, round_=round_, user=collector, site=site)
    collector.last_login = timezone.now()
    collector.save()

    found, found_site = round_get_for_collector(user=collector, public_id=round_.public_id)
    user = api_token_user(key=api_token_create(user=collector, name="采样手机")[1])
    for raw, stored in (
        (found, Round.objects.get(pk=round_.pk)),
        (user, get_user_model().objects.get(pk=collector.pk)),
    ):
        assert raw._state.adding is False
        for f in type(stored)._meta.concrete_fields:
            assert getattr(raw, f.attname) == getattr(stored, f.attname), f.attname
            assert type(getattr(raw, f.attname)) is type(getattr(stored, f.attname)), f.attname
    assert found_site == site
    with pytest.raises(Http404):  # another round's id
        round_get_for_collector(user=collector, public_id=round_.public_id[:-1] + "x")
