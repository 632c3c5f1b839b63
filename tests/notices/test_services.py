"""Publishing notices to areas, buildings and groups; corrections; a household's read and a building
leader's "told in person"; the reach rollup always equal to a count over the receipts."""

import threading

import pytest
from django.db import connection

from gongzhi.core import transitions
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEvent, WorkflowEvent
from gongzhi.notices import flows, services
from gongzhi.notices.models import Notice, NoticeReach, NoticeReceipt
from tests.factories import make_user_with_role
from tests.notices.conftest import STREET, publish, rollup_matches_receipts

pytestmark = pytest.mark.django_db
POSTGRESQL = connection.vendor == "postgresql"


def households_of(notice) -> set[int]:
    return set(NoticeReceipt.objects.filter(notice=notice).values_list("household_id", flat=True))


def reach_of(notice) -> dict[str, tuple[int, int, int, int]]:
    return {
        r.community_code: (r.targeted, r.read, r.told, r.reached) for r in NoticeReach.objects.filter(notice=notice)
    }


def written() -> tuple[int, int, int, int, int]:
    return (
        Notice.objects.count(),
        NoticeReceipt.objects.count(),
        NoticeReach.objects.count(),
        WorkflowEvent.objects.filter(flow="notice").count(),
        AuditEvent.objects.filter(entity="notice").count(),
    )


def test_a_notice_to_a_community_reaches_each_of_its_households_once(world):
    notice = publish(world.worker_a, area_code=world.community_a.code)
    assert notice.targeted == 6 and Notice.objects.get(pk=notice.pk).targeted == 6
    assert households_of(notice) == {h.pk for h in world.households_a}
    assert reach_of(notice) == {world.community_a.code: (6, 0, 0, 0)}
    receipt = NoticeReceipt.objects.get(notice=notice, household=world.a2[1])
    assert (receipt.community_code, receipt.read_at) == (world.community_a.code, None)
    assert notice.status == flows.PUBLISHED and notice.issuer_code == world.community_a.code
    assert notice.published_by == world.worker_a and notice.published_by_name == "worker_na"
    steps = list(transitions.timeline(flow=flows.NOTICE_FLOW, row=notice).values_list("from_status", "to_status"))
    assert steps == [("", flows.PUBLISHED)]
    audit = AuditEvent.objects.get(entity="notice")
    assert audit.action == "create" and audit.row_ids == [notice.public_id] and audit.detail["targeted"] == 6


def test_a_notice_to_a_street_reaches_both_communities_with_a_rollup_row_each(world):
    notice = publish(world.street, area_code=STREET, severity="urgent", category="safety")
    assert households_of(notice) == {h.pk for h in world.households_a + world.b}
    assert reach_of(notice) == {world.community_a.code: (6, 0, 0, 0), world.community_b.code: (2, 0, 0, 0)}
    assert notice.issuer_code == STREET


def test_district_staff_publishing_to_a_community_issue_it_as_the_district(world):
    notice = publish(world.district, area_code=world.community_b.code)
    assert households_of(notice) == {h.pk for h in world.b} and notice.issuer_code == "510104"


def test_a_notice_to_one_building_reaches_only_its_households(world):
    notice = publish(world.worker_a, building=world.b1)
    assert notice.area_code == world.community_a.code and notice.building == world.b1
    assert households_of(notice) == {h.pk for h in world.a1}
    assert reach_of(notice) == {world.community_a.code: (3, 0, 0, 0)}


def test_a_group_notice_reaches_only_households_with_a_resident_carrying_the_tag(world):
    notice = publish(world.street, area_code=STREET, group="elderly_alone", title="独居老人关爱")
    assert households_of(notice) == world.elderly
    assert reach_of(notice) == {world.community_a.code: (1, 0, 0, 0), world.community_b.code: (1, 0, 0, 0)}
    in_building = publish(world.worker_a, building=world.b2, group="chronic")
    assert households_of(in_building) == {world.a2[0].pk}


def test_a_notice_for_staff_writes_no_receipts(world):
    notice = publish(world.street, area_code=STREET, audience="staff", title="工作人员会议")
    assert notice.targeted == 0 and not NoticeReceipt.objects.filter(notice=notice).exists()
    assert not NoticeReach.objects.filter(notice=notice).exists()


@pytest.mark.parametrize(
    ("who", "fields", "status", "words"),
    [
        ("worker_b", {"area_code": "510104017001"}, 403, "您不能向这一区域发布通知"),
        ("worker_a", {"area_code": STREET}, 403, "您不能向这一区域发布通知"),
        ("worker_b", {"building": "b1"}, 403, "您不能向这栋楼发布通知"),
        ("grid_worker", {"area_code": "510104017001"}, 403, "您不能向这一区域发布通知"),
        ("district", {"area_code": "510104999999"}, 422, "请选择发布范围"),
        ("district", {"area_code": "51010x"}, 422, "请选择发布范围"),
        ("district", {"area_code": ""}, 422, "请选择发布范围"),
        ("worker_a", {"area_code": "510104017001", "title": "  "}, 422, "请填写标题"),
        ("worker_a", {"area_code": "510104017001", "title": "长" * 61}, 422, "标题最多60个字"),
        ("worker_a", {"area_code": "510104017001", "body": "\n \n"}, 422, "请填写正文"),
        ("worker_a", {"area_code": "510104017001", "body": "字" * 2001}, 422, "正文最多2000个字"),
        ("worker_a", {"area_code": "510104017001", "group": "nobody"}, 422, "请选择通知对象"),
        ("worker_a", {"area_code": "510104017001", "audience": "everyone"}, 422, "请选择读者"),
        ("worker_a", {"area_code": "510104017001", "severity": "panic"}, 422, "请选择级别"),
        ("worker_a", {"area_code": "510104017001", "category": "weather"}, 422, "请选择类别"),
        ("worker_a", {"area_code": "510104017001", "audience": "staff", "group": "chronic"}, 422, "不能按住户对象"),
        ("worker_b", {"area_code": "510104017002", "group": "dialysis"}, 422, "没有符合条件的住户"),
    ],
)
def test_a_refused_notice_writes_nothing_and_says_why(world, who, fields, status, words):
    if fields.get("building") == "b1":
        fields = {**fields, "building": world.b1}
    before = written()
    with pytest.raises(ApplicationError) as refused:
        publish(getattr(world, who), **fields)
    assert refused.value.status == status and words in refused.value.message
    assert written() == before


def test_text_is_kept_as_typed_apart_from_control_characters_and_blank_runs(world):
    notice = publish(
        world.worker_a,
        area_code=world.community_a.code,
        title="  <b>通知</b>\t& “引号” ",
        body="第一行  \r\n\r\n\r\n\r\n第二行\x07",
    )
    assert notice.title == "<b>通知</b> & “引号”" and notice.body == "第一行\n\n第二行"


def test_a_correction_reaches_the_same_households_and_keeps_the_old_notice_and_its_receipts(world):
    old = publish(world.street, area_code=STREET, group="elderly_alone", title="送药时间")
    services.receipt_read(household=world.a1[0], notice=old)
    new = services.notice_correct(
        actor=world.street, notice=old, title="送药时间（更正）", body="改为明天9:00。", reason="时间写错"
    )
    old.refresh_from_db()
    assert old.status == flows.CORRECTED and old.correction == new
    assert new.corrects == old and new.correction_reason == "时间写错" and new.status == flows.PUBLISHED
    assert (new.group, new.audience, new.area_code) == (old.group, old.audience, old.area_code)
    assert households_of(new) == households_of(old) == world.elderly and new.targeted == 2
    assert NoticeReceipt.objects.get(notice=old, household=world.a1[0]).read_at is not None  # kept
    assert reach_of(new) == {world.community_a.code: (1, 0, 0, 0), world.community_b.code: (1, 0, 0, 0)}
    assert reach_of(old)[world.community_a.code] == (1, 1, 0, 1)
    steps = list(transitions.timeline(flow=flows.NOTICE_FLOW, row=old).values_list("to_status", "reason"))
    assert steps == [(flows.PUBLISHED, ""), (flows.CORRECTED, "时间写错")]
    with pytest.raises(ApplicationError) as again:
        services.notice_correct(actor=world.street, notice=old, title="再改", body="再改", reason="又错了")
    assert again.value.status == 409
    latest = services.notice_correct(actor=world.street, notice=new, title="第三版", body="9:30", reason="再次调整")
    assert latest.corrects == new and households_of(latest) == world.elderly


def test_a_correction_needs_the_right_over_the_notices_area_and_a_reason(world):
    notice = publish(world.street, area_code=STREET)
    before = written()
    with pytest.raises(ApplicationError) as refused:
        services.notice_correct(actor=world.worker_a, notice=notice, title="改", body="改", reason="写错了")
    assert refused.value.status == 403
    with pytest.raises(ApplicationError) as no_reason:
        services.notice_correct(actor=world.street, notice=notice, title="改", body="改", reason=" ")
    assert no_reason.value.status == 422 and "请写明更正原因" in no_reason.value.message
    assert written() == before
    notice.refresh_from_db()
    assert notice.status == flows.PUBLISHED


def test_reading_is_idempotent_and_moves_the_rollup_once(world):
    notice = publish(world.worker_a, area_code=world.community_a.code)
    assert services.receipt_read(household=world.a1[1], notice=notice) is True
    assert services.receipt_read(household=world.a1[1], notice=notice) is False
    assert reach_of(notice) == {world.community_a.code: (6, 1, 0, 1)}
    assert rollup_matches_receipts(notice)
    with pytest.raises(ApplicationError) as elsewhere:
        services.receipt_read(household=world.b[0], notice=notice)
    assert elsewhere.value.status == 404


def test_a_building_leader_tells_their_buildings_households_and_not_others(world):
    notice = publish(world.worker_a, area_code=world.community_a.code)
    services.receipt_read(household=world.a1[0], notice=notice)
    outcome = services.receipts_tell(actor=world.leader1, notice=notice, households=[*world.a1, world.a2[0]])
    assert {h.pk for h in outcome.told} == {world.a1[1].pk, world.a1[2].pk}
    assert [(h.pk, why) for h, why in outcome.already] == [(world.a1[0].pk, "已读")]
    assert [(h.pk, why) for h, why in outcome.refused] == [(world.a2[0].pk, "您不负责这一户")]
    receipt = NoticeReceipt.objects.get(notice=notice, household=world.a1[1])
    assert receipt.told_by == world.leader1 and receipt.told_by_name == "leader_n1" and receipt.told_at
    assert NoticeReceipt.objects.get(notice=notice, household=world.a2[0]).told_at is None
    assert reach_of(notice) == {world.community_a.code: (6, 1, 2, 3)}
    again = services.receipts_tell(actor=world.leader1, notice=notice, households=[world.a1[1]])
    assert not again.told and [why for _h, why in again.already] == ["已当面告知"]
    # told first, then read: read counts, reached does not move again
    assert services.receipt_read(household=world.a1[1], notice=notice) is True
    assert reach_of(notice) == {world.community_a.code: (6, 2, 2, 3)}
    assert rollup_matches_receipts(notice)


def test_grid_and_community_workers_may_tell_street_staff_may_not(world):
    notice = publish(world.street, area_code=STREET)
    grid = services.receipts_tell(actor=world.grid_worker, notice=notice, households=[world.a1[0], world.a2[0]])
    assert [h.pk for h in grid.told] == [world.a1[0].pk] and len(grid.refused) == 1  # a2 is in another grid
    worker = services.receipts_tell(actor=world.worker_a, notice=notice, households=[world.a2[0], world.b[0]])
    assert [h.pk for h in worker.told] == [world.a2[0].pk] and [h.pk for h, _w in worker.refused] == [world.b[0].pk]
    street = services.receipts_tell(actor=world.street, notice=notice, households=[world.b[1]])
    assert not street.told and len(street.refused) == 1
    assert rollup_matches_receipts(notice)


def test_a_household_not_addressed_is_refused_and_a_corrected_notice_is_not_told(world):
    notice = publish(world.worker_a, building=world.b1)
    outcome = services.receipts_tell(actor=world.worker_a, notice=notice, households=[world.a2[0]])
    assert [why for _h, why in outcome.refused] == ["这条通知不是发给这一户的"]
    services.notice_correct(actor=world.worker_a, notice=notice, title="更正", body="更正", reason="写错了")
    notice.refresh_from_db()
    with pytest.raises(ApplicationError) as refused:
        services.receipts_tell(actor=world.leader1, notice=notice, households=[world.a1[0]])
    assert refused.value.status == 409


def _at_once(n, work):
    """Run `work(i)` in n threads with their own connections, started together; returns (results, errors)."""
    results, errors = [], []
    start = threading.Barrier(n)

    def run(i):
        try:
            start.wait()
            results.append(work(i))
        except Exception as exc:  # noqa: BLE001 - reported by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    return results, errors


def _one_after_another(n, work):
    results, errors = [], []
    for i in range(n):
        try:
            results.append(work(i))
        except Exception as exc:  # noqa: BLE001 - reported by the caller
            errors.append(exc)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_reads_and_tells_at_once_leave_the_rollup_equal_to_the_receipts(world):
    notice = publish(world.worker_a, area_code=world.community_a.code)
    leader = make_user_with_role("leader_n1b", "building_leader", world.community_a.code, building=world.b1)
    targets = world.a1 * 4

    def work(i):
        if i % 2:
            return services.receipt_read(household=targets[i], notice=notice)
        return services.receipts_tell(actor=leader, notice=notice, households=[targets[i]])

    results, errors = (_at_once if POSTGRESQL else _one_after_another)(len(targets), work)
    assert errors == []
    assert sum(1 for r in results if r is True) == 3  # each household's read recorded once
    assert rollup_matches_receipts(notice)
    assert reach_of(notice)[world.community_a.code][0::3] == (6, 3)
