"""Residents' requests in the demo street: every state, one escalated by the sweep (its deadline
moved into the past, as if nobody had taken it on), one duplicate merged, one hotline order
waiting to be placed, and the grid's dialysis request at the top of its list."""

import datetime as dt
from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.utils import timezone

from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal
from gongzhi.places.models import Area, Household

REQUESTS = [
    # (category, text, staff entry)
    ("chronic_care", "家里老人每周一三五要去医院透析，小区封控出不去，请帮忙安排车辆", False),
    ("medicine", "降压药只剩两天的量了，麻烦帮忙代购硝苯地平缓释片", False),
    ("food", "家里米和菜都快吃完了，想订一份蔬菜包", True),
    ("pregnancy", "孕36周，明天需要去医院产检", False),
    ("psychological", "一个人隔离在家好几天了，晚上睡不着很焦虑", True),
    ("elderly_care", "楼上独居老人两天没开门了，请社区去看看", False),
    ("other", "楼道灯坏了，晚上送物资看不清", True),
    ("medicine", "孩子发烧38度5，家里退烧药没有了", False),
]


def demo_appeals_create(*, communities: Sequence[Area]) -> int:
    """Returns the number of requests made (0 when there are some already)."""
    if Appeal.objects.exists() or not communities:
        return 0
    users = {
        u.username: u for u in get_user_model().objects.filter(username__in=["worker", "grid", "street", "leader"])
    }
    worker, grid, street = users.get("worker"), users.get("grid"), users.get("street")
    if worker is None or grid is None or street is None:
        return 0
    first = communities[0]
    households = list(
        Household.objects.filter(community_code=first.code).select_related("building").order_by("id")[:30]
    )
    if len(households) < len(REQUESTS) + 2:
        return 0
    made = []
    for (category, text, staff), household in zip(REQUESTS, households, strict=False):
        made.append(
            services.appeal_submit(
                household=household,
                category=category,
                text=text,
                channel="staff" if staff else "household",
                actor=worker if staff else None,
                caller_phone="13800138000" if staff else "",
            )
        )
    # A second call about the same thing: merged into the open one.
    made.append(services.appeal_submit(household=households[1], category="medicine", text="药还没有送到，很着急"))
    services.appeal_take(actor=grid, appeal=made[2])
    services.appeal_take(actor=grid, appeal=made[3])
    services.appeal_resolve(actor=grid, appeal=made[3], resolution="已联系街道保障车辆，明早8点接送产检")
    services.appeal_take(actor=worker, appeal=made[6])
    services.appeal_resolve(actor=worker, appeal=made[6], resolution="物业已更换楼道灯")
    services.appeal_answer(appeal=made[6], solved=True, rating=5, feedback="很快就修好了")
    # Nobody took this one on in time: the sweep moves it up to the community.
    Appeal.objects.filter(pk=made[5].pk).update(due_at=timezone.now() - dt.timedelta(minutes=5))
    services.appeals_escalate_due()
    # A hotline order whose address matches no household: waiting at the street to be placed.
    services.appeal_unplaced(
        actor=street,
        area_code=first.code[:9].ljust(12, "0"),
        category="food",
        text="来电人称在小区门口帐篷值守，需要饮用水",
        caller_name="王先生",
        caller_phone="13912345678",
        address_text=f"{first.name}附近临时值守点",
        received_at=timezone.now(),
        hotline_ref="DEMO-12345-0001",
    )
    return len(made) + 1
