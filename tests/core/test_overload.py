import threading

import pytest

from gongzhi.core.overload import Overloaded, gate


def test_gate_lets_one_in_and_sheds_the_next():
    inside, release = threading.Event(), threading.Event()

    def hold():
        with gate("test-gate", slots=1, wait=0.1):
            inside.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    inside.wait(5)
    with pytest.raises(Overloaded) as exc:
        with gate("test-gate", slots=1, wait=0.05):
            pass
    assert exc.value.status == 503 and exc.value.extra["retry_after"] == 2
    release.set()
    holder.join()
    with gate("test-gate", slots=1, wait=0.05):
        pass  # free again


@pytest.mark.django_db
def test_overloaded_scan_endpoint_answers_503_before_reading_the_body(client, community_a, monkeypatch):
    """While another request holds the ingest gate past the wait, a scan batch is shed with 503
    and Retry-After, and nothing of it is written; once the gate frees, the same batch goes in."""
    from gongzhi.core import overload
    from gongzhi.testing import services
    from tests.factories import make_user_with_role

    collector = make_user_with_role("c1", "collector", community_a.code)
    worker = make_user_with_role("w1", "community_worker", community_a.code)
    round_ = services.round_create(actor=worker, name="r", area_code=community_a.code, pool_size=10)
    services.round_collector_assign(actor=worker, round_=round_, user=collector)
    monkeypatch.setattr(overload, "INGEST_WAIT", 0.05)
    monkeypatch.setattr(overload, "_gates", {})
    inside, release = threading.Event(), threading.Event()

    def hold():
        with overload.gate("scan_ingest", slots=1, wait=1):
            inside.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    inside.wait(5)
    client.force_login(collector)
    url = f"/api/rounds/{round_.public_id}/scans"
    batch = {"batch_id": "b1", "events": [{"event_id": "1", "kind": "open", "barcode": "TUBE000001"}]}
    try:
        response = client.post(url, batch, content_type="application/json")
        assert response.status_code == 503
        assert response["Retry-After"] == "2"
        assert response.json()["extra"] == {"retry_after": 2}
        assert round_.tubes.count() == 0
        assert client.get("/api/rounds").status_code == 200  # reads are not gated
    finally:
        release.set()
        holder.join()
    response = client.post(url, batch, content_type="application/json")
    assert response.status_code == 200
    assert round_.tubes.count() == 1


@pytest.mark.parametrize(
    "name, setting, on_postgresql, on_sqlite",
    [("ingest_slots", "GONGZHI_INGEST_SLOTS", 2, 1), ("request_slots", "GONGZHI_REQUEST_SLOTS", 14, 1)],
)
def test_a_gates_slots_follow_the_setting_else_the_database(monkeypatch, name, setting, on_postgresql, on_sqlite):
    from django.db import connection

    from gongzhi.core import overload

    slots = getattr(overload, name)
    monkeypatch.delenv(setting, raising=False)
    monkeypatch.delenv("GONGZHI_THREADS", raising=False)
    assert slots() == (on_postgresql if connection.vendor == "postgresql" else on_sqlite)
    if name == "request_slots" and connection.vendor == "postgresql":
        monkeypatch.setenv("GONGZHI_THREADS", "24")
        assert slots() == 22  # all of the process's threads but 2
    monkeypatch.setenv(setting, "3")
    assert slots() == 3
    monkeypatch.setenv(setting, "0")
    assert slots() == 1  # never a gate nobody can pass


def test_a_gate_takes_the_default_number_of_slots_at_its_first_use(monkeypatch):
    from gongzhi.core import overload

    monkeypatch.setattr(overload, "_gates", {})
    monkeypatch.setenv("GONGZHI_INGEST_SLOTS", "2")
    inside, release = threading.Barrier(3), threading.Event()

    def hold():
        with gate("two-slots", wait=1):
            inside.wait(5)
            release.wait(5)

    holders = [threading.Thread(target=hold) for _ in range(2)]
    for h in holders:
        h.start()
    inside.wait(5)  # both inside at once
    with pytest.raises(Overloaded):
        with gate("two-slots", wait=0.05):
            pass
    release.set()
    for h in holders:
        h.join()


@pytest.fixture
def household_gate_held(monkeypatch):
    """The households' request gate, one slot, held by another thread until the test ends."""
    from gongzhi.core import overload

    monkeypatch.setattr(overload, "REQUEST_WAIT", 0.05)
    monkeypatch.setattr(overload, "_gates", {})
    inside, release = threading.Event(), threading.Event()

    def hold():
        with overload.gate(overload.HOUSEHOLD_REQUEST, slots=1, wait=1):
            inside.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    inside.wait(5)
    yield release
    release.set()
    holder.join()


@pytest.mark.django_db
def test_a_households_request_over_the_api_is_shed_with_503_and_written_only_once_let_in(
    client, community_a, household_gate_held
):
    from gongzhi.appeals.models import Appeal
    from tests.appeals.factories import clear_limits
    from tests.factories import HouseholdFactory

    clear_limits()
    household = HouseholdFactory()
    url, body = f"/api/appeals/households/H:{household.door_key}", {"category": "medicine", "text": "需要胰岛素"}
    shed = client.post(url, body, content_type="application/json")
    assert shed.status_code == 503 and shed["Retry-After"] == "2"
    assert shed.json() == {"message": "提交的人太多，请稍后再提交；您填写的内容不会丢失", "extra": {"retry_after": 2}}
    assert not Appeal.objects.exists()
    household_gate_held.set()  # the gate frees: the same request goes in
    for _ in range(100):
        made = client.post(url, body, content_type="application/json")
        if made.status_code != 503:
            break
    assert made.status_code == 201 and Appeal.objects.count() == 1
    clear_limits()


@pytest.mark.django_db
def test_the_household_page_sheds_its_form_with_503_keeping_what_was_written(client, community_a, household_gate_held):
    from gongzhi.appeals.models import Appeal
    from tests.appeals.factories import clear_limits
    from tests.factories import HouseholdFactory

    clear_limits()
    household = HouseholdFactory()
    shed = client.post(f"/h/{household.door_key}/requests/", {"category": "chronic_care", "text": "明天下午要透析"})
    page = shed.content.decode()
    assert shed.status_code == 503 and shed["Retry-After"] == "2"
    assert "提交的人太多，请稍后再提交" in page and "明天下午要透析" in page  # the text stays in the form
    assert not Appeal.objects.exists()
    clear_limits()
