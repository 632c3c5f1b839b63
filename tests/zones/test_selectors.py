"""The zone list read part by part (zones.selectors.zones_page): every page holds the rows the list's
order puts there, with no zone missed or shown twice, whichever states the list asks for."""

import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.zones import rules, selectors
from gongzhi.zones.models import Zone
from tests.factories import BuildingFactory, make_user_with_role

pytestmark = pytest.mark.django_db


def test_pages_read_kind_by_kind_are_the_lists_order_sliced(community_a):
    now = timezone.now()
    statuses = ["proposed", "active", "released", "rejected"]
    for n in range(23):  # kinds, states and times mixed; two zones share a time
        building = BuildingFactory()
        Zone.objects.create(
            kind=rules.KINDS[n % 3], level=rules.BUILDING, area_key=str(building.pk), area_name=f"{n}栋",
            building=building, grid=building.grid, community_code=community_a.code, status=statuses[n % 4],
            rules_version="t", first_positive_at=now, last_positive_at=now - dt.timedelta(hours=n // 2),
        )  # fmt: skip
    worker = make_user_with_role("w", "community_worker", community_a.code)

    for status in ("open", "released", ""):
        ordered = list(selectors.zone_list(user=worker, status=status))
        assert ordered  # each list holds zones of several parts
        for size in (1, 4, 7):
            pages = [
                selectors.zones_page(
                    selectors.zone_list(user=worker, status=status),
                    statuses=selectors.list_statuses(status),
                    offset=offset,
                    limit=size,
                )
                for offset in range(0, len(ordered) + size, size)
            ]
            assert [z.pk for page in pages for z in page] == [z.pk for z in ordered], (status, size)
            assert pages[-1] == []  # past the end: nothing
