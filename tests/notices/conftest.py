"""The notices tests' world: two communities of one street (水井坊社区 A, 崇德里社区 B), A with a grid
and two buildings of three households, B with one building of two; one household in each community
has an elderly resident living alone. Staff of each level, a grid worker and each building's leader."""

from dataclasses import dataclass

import pytest

from tests.factories import BuildingFactory, GridFactory, HouseholdFactory, ResidentFactory, make_user_with_role

STREET, DISTRICT = "510104017", "510104"


@dataclass
class World:
    community_a: object
    community_b: object
    grid: object
    b1: object
    b2: object
    b3: object
    a1: list
    a2: list
    b: list
    district: object
    street: object
    worker_a: object
    worker_b: object
    grid_worker: object
    leader1: object
    leader2: object

    @property
    def households_a(self):
        return self.a1 + self.a2

    @property
    def elderly(self):
        return {self.a1[0].pk, self.b[1].pk}


@pytest.fixture
def world(community_a, community_b) -> World:
    grid = GridFactory(community=community_a, number=1)
    b1 = BuildingFactory(grid=grid, number=1, name="1栋", address="水井街1号")
    b2 = BuildingFactory(grid=GridFactory(community=community_a, number=2), number=2, name="2栋", address="水井街1号")
    grid_b = GridFactory(community=community_b, community_code=community_b.code, number=1)
    b3 = BuildingFactory(grid=grid_b, number=1, name="1栋", address="崇德里3号")
    a1 = [HouseholdFactory(building=b1, room=r) for r in ("101", "102", "201")]
    a2 = [HouseholdFactory(building=b2, room=r) for r in ("101", "102", "103")]
    b = [HouseholdFactory(building=b3, room=r) for r in ("1", "2")]
    for household in [*a1, *a2, *b]:
        ResidentFactory(household=household)
    for household in (a1[0], b[1]):
        resident = ResidentFactory(household=household)
        resident.tags.create(community_code=household.community_code, tag="elderly_alone")
    ResidentFactory(household=a2[0]).tags.create(community_code=a2[0].community_code, tag="chronic")
    return World(
        community_a=community_a,
        community_b=community_b,
        grid=grid,
        b1=b1,
        b2=b2,
        b3=b3,
        a1=a1,
        a2=a2,
        b=b,
        district=make_user_with_role("district_n", "district_staff", DISTRICT),
        street=make_user_with_role("street_n", "street_staff", STREET),
        worker_a=make_user_with_role("worker_na", "community_worker", community_a.code),
        worker_b=make_user_with_role("worker_nb", "community_worker", community_b.code),
        grid_worker=make_user_with_role("grid_n", "grid_worker", community_a.code, grid=grid),
        leader1=make_user_with_role("leader_n1", "building_leader", community_a.code, building=b1),
        leader2=make_user_with_role("leader_n2", "building_leader", community_a.code, building=b2),
    )


def publish(actor, **fields):
    from gongzhi.notices import services

    fields.setdefault("audience", "residents")
    fields.setdefault("title", "核酸检测通知")
    fields.setdefault("body", "明天8:00在小区门口核酸检测。\n请戴好口罩。")
    return services.notice_publish(actor=actor, **fields)


def rollup_matches_receipts(notice) -> bool:
    """The rollup per community equals a count over the receipts."""
    from django.db.models import Count, Q

    from gongzhi.notices.models import NoticeReach, NoticeReceipt

    counted = {
        row["community_code"]: (row["targeted"], row["read"], row["told"], row["reached"])
        for row in NoticeReceipt.objects.filter(notice=notice)
        .values("community_code")
        .annotate(
            targeted=Count("household"),
            read=Count("household", filter=Q(read_at__isnull=False)),
            told=Count("household", filter=Q(told_at__isnull=False)),
            reached=Count("household", filter=Q(read_at__isnull=False) | Q(told_at__isnull=False)),
        )
    }
    rolled = {
        r.community_code: (r.targeted, r.read, r.told, r.reached) for r in NoticeReach.objects.filter(notice=notice)
    }
    assert rolled == counted, (rolled, counted)
    return True
