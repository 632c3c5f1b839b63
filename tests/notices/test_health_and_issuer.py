"""Found by a review acting as each role: a notice to a vulnerable group, published or read building by
building, told district staff (who may not see residents' health) which household has a dialysis
patient; a community worker could replace the street's notice with a correction of their own."""

import pytest

from gongzhi.core.errors import ApplicationError
from gongzhi.notices import selectors, services
from tests.notices.conftest import publish

pytestmark = pytest.mark.django_db


def test_only_those_who_see_health_address_a_vulnerable_group(world):
    for target in ({"area_code": world.community_a.code}, {"building": world.b1}):
        with pytest.raises(ApplicationError) as refused:
            publish(world.district, group="elderly_alone", **target)
        assert refused.value.status == 403
    assert [v for v, _label in selectors.group_choices(user=world.district)] == ["all"]
    assert "elderly_alone" in [v for v, _label in selectors.group_choices(user=world.street)]
    notice = publish(world.street, area_code=world.community_a.code, group="elderly_alone")
    assert notice.targeted == 1  # the street sees residents' health: it may


def test_a_group_notices_households_by_building_are_shown_only_with_health(client, world):
    notice = publish(world.worker_a, area_code=world.community_a.code, group="elderly_alone")
    # district staff see the notice and its reach per community, not which building or door
    assert selectors.reach_by_building(user=world.district, notice=notice, community_code=world.community_a.code) == []
    client.force_login(world.district)
    url = f"/notices/{notice.public_id}/building/{world.b1.public_id}/"
    assert client.get(url).status_code == 404
    assert client.get(f"/notices/{notice.public_id}/").status_code == 200
    rows = selectors.reach_by_building(user=world.worker_a, notice=notice, community_code=world.community_a.code)
    assert [(r.targeted, r.read) for r in rows] == [(1, 0)]
    client.force_login(world.leader1)
    assert client.get(url).status_code == 200  # the building leader tells them in person
    everyone = publish(world.district, area_code=world.community_a.code)  # all households: as before
    client.force_login(world.district)
    assert client.get(f"/notices/{everyone.public_id}/building/{world.b1.public_id}/").status_code == 200


def test_a_correction_needs_the_issuing_offices_right(client, world):
    street_notice = publish(world.street, area_code=world.community_a.code, title="封控通知")
    with pytest.raises(ApplicationError) as refused:
        services.notice_correct(
            actor=world.worker_a, notice=street_notice, title="解除封控", body="已解除", reason="更正"
        )
    assert refused.value.status == 403
    client.force_login(world.worker_a)
    page = client.post(
        f"/notices/{street_notice.public_id}/", {"title": "解除封控", "body": "已解除", "reason": "更正"}
    )
    assert page.status_code == 403
    street_notice.refresh_from_db()
    assert street_notice.status == "published"
    own = publish(world.worker_a, area_code=world.community_a.code)
    corrected = services.notice_correct(
        actor=world.worker_a, notice=own, title="核酸改期", body="改到后天", reason="改期"
    )
    assert corrected.corrects_id == own.pk
    assert (
        services.notice_correct(
            actor=world.street, notice=street_notice, title="封控通知（更正）", body="范围更正", reason="范围"
        ).corrects_id
        == street_notice.pk
    )


def test_a_group_notice_to_one_building_shows_its_counts_only_to_those_who_see_health_there(client, world):
    """Its households addressed are that group's households in the building (a second review found the
    district's page, list and API still counting them)."""
    notice = publish(world.worker_a, building=world.b1, group="elderly_alone")
    assert notice.targeted == 1
    assert not selectors.counts_shown(world.district, notice)
    assert selectors.counts_shown(world.worker_a, notice) and selectors.counts_shown(world.leader1, notice)
    client.force_login(world.district)
    page = client.get(f"/notices/{notice.public_id}/").content.decode()
    assert notice.title in page and "应读户数" not in page and "已读或已当面告知" not in page
    (item,) = [i for i in client.get("/api/notices").json()["items"] if i["public_id"] == notice.public_id]
    assert (item["targeted"], item["targeted_in_my_areas"], item["reached_in_my_areas"]) == (None, None, None)
    assert client.get(f"/api/notices/{notice.public_id}/reach").status_code == 404
    reach = client.get(f"/notices/reach/?notice={notice.public_id}")
    assert reach.status_code == 200 and "已读或已当面告知" not in reach.content.decode()
    assert "它的户数只有能查看这栋楼重点人群的工作人员可见" in reach.content.decode()
    everyone = publish(world.worker_a, building=world.b1)  # to all its households: counted as before
    (item,) = [i for i in client.get("/api/notices").json()["items"] if i["public_id"] == everyone.public_id]
    assert item["targeted"] == 3 and item["targeted_in_my_areas"] == 3
    client.force_login(world.worker_a)  # sees residents' health in the building
    assert "应读户数</dt><dd>1</dd>" in client.get(f"/notices/{notice.public_id}/").content.decode()
    (item,) = [i for i in client.get("/api/notices").json()["items"] if i["public_id"] == notice.public_id]
    assert item["targeted"] == 1


def test_a_correction_of_a_group_notice_needs_the_right_to_address_the_group(client, world):
    notice = publish(world.worker_a, building=world.b1, group="elderly_alone")
    assert not services.may_correct(world.district, notice)
    client.force_login(world.district)
    page = client.post(f"/notices/{notice.public_id}/", {"title": "更正", "body": "改期到后天", "reason": "改期"})
    assert page.status_code == 403 and "已发布更正" not in page.content.decode()
    notice.refresh_from_db()
    assert notice.status == "published"
    assert services.may_correct(world.worker_a, notice)
