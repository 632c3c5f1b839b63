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
def test_overloaded_api_answers_503_with_retry_after(client, community_a, monkeypatch):
    from gongzhi.testing import api as testing_api
    from gongzhi.testing import services
    from tests.factories import make_user_with_role

    collector = make_user_with_role("c1", "collector", community_a.code)
    round_ = services.round_create(actor=collector, name="r", area_code=community_a.code, pool_size=10)

    def busy(name):
        raise Overloaded()

    monkeypatch.setattr(testing_api, "gate", busy)
    client.force_login(collector)
    response = client.post(
        f"/api/rounds/{round_.public_id}/scans",
        {"events": [{"event_id": "1", "kind": "open", "barcode": "TUBE000001"}]},
        content_type="application/json",
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert round_.tubes.count() == 0
