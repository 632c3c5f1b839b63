"""Notices in the demo street: the street's notice to all residents (some read on the household's
page, some told in person by the building leader), a correction of it, the community's notice to its
households with an elderly resident living alone, a water cut in the leader's building, and a
meeting notice for staff."""

from collections.abc import Sequence

from django.contrib.auth import get_user_model

from gongzhi.core.errors import ApplicationError
from gongzhi.notices import services
from gongzhi.notices.models import Notice
from gongzhi.places.models import Area, Building, Household


def demo_notices_create(*, communities: Sequence[Area]) -> int:
    """Returns the number of notices made (0 when there are some already)."""
    if Notice.objects.exists() or not communities:
        return 0
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["street", "worker", "leader"])}
    street, worker, leader = users.get("street"), users.get("worker"), users.get("leader")
    if street is None or worker is None:
        return 0
    first = communities[0]
    street_notice = services.notice_publish(
        actor=street, area_code=first.code[:9], audience="residents", severity="urgent", category="health",
        title="关于开展全员核酸检测的通知",
        body="全街道明天7:00-12:00开展全员核酸检测。\n请居民按楼栋时段下楼，戴好口罩、保持一米间距，出示居民码。"
        "\n行动不便的居民请联系网格员上门采样。",
    )  # fmt: skip
    corrected = services.notice_correct(
        actor=street, notice=street_notice, title="关于开展全员核酸检测的通知（更正）",
        body="全街道明天8:00-13:00开展全员核酸检测（原通知时间有误）。\n请居民按楼栋时段下楼，戴好口罩、保持一米间距，出示居民码。"
        "\n行动不便的居民请联系网格员上门采样。",
        reason="检测时间调整为8:00-13:00",
    )  # fmt: skip
    households = list(Household.objects.filter(community_code=first.code).order_by("id")[:40])
    for household in households[::3]:
        services.receipt_read(household=household, notice=corrected)
    building = Building.objects.filter(pk=leader.role_assignments.values("building_id")[:1]).first() if leader else None
    made = 2
    if building is not None:
        own = list(Household.objects.filter(building=building).order_by("id")[:6])
        services.receipts_tell(actor=leader, notice=corrected, households=own[:3])
        services.notice_publish(
            actor=worker, building=building, audience="residents", category="infra",
            title="停水通知", body="因管道抢修，本楼今天14:00-18:00停水，请提前储水。",
        )  # fmt: skip
        made += 1
    try:
        services.notice_publish(
            actor=worker, area_code=first.code, audience="residents", group="elderly_alone", severity="warning",
            title="独居老人关爱服务", body="社区志愿者将每天上午电话问候并上门查看，如需代购药品请告知。",
        )  # fmt: skip
        made += 1
    except ApplicationError:
        pass  # no elderly resident living alone in this community
    services.notice_publish(
        actor=street, area_code=first.code[:9], audience="staff", title="街道防控工作调度会",
        body="今晚20:00在街道办三楼会议室召开调度会，各社区书记参加。",
    )  # fmt: skip
    return made + 1
