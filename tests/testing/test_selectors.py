"""The rounds a risk zone's release counts (testing.selectors.negative_rounds_since): closed, begun
after the zone's last positive, over the whole area or an area holding it, and with no positive tube
inside the area."""

import datetime as dt

import pytest

from gongzhi.testing.models import Round, RoundProgress
from gongzhi.testing.selectors import negative_rounds_since

pytestmark = pytest.mark.django_db

SINCE = dt.datetime(2022, 9, 1, tzinfo=dt.UTC)


def closed_round(area_code, *, hours=1, status="closed", positives=None):
    """A round over `area_code` begun `hours` after SINCE, with its rollup rows: {community: positive tubes}."""
    round_ = Round.objects.create(
        name=f"{area_code}-{hours}", area_code=area_code, status=status, starts_at=SINCE + dt.timedelta(hours=hours)
    )
    for community, positive in (positives or {}).items():
        RoundProgress.objects.create(
            round=round_, community_code=community, sampled=10, tubes=1, positive_tubes=positive
        )
    return round_


def test_only_closed_rounds_over_the_whole_area_with_no_positive_inside_it_count(community_a, community_b):
    a, b = community_a.code, community_b.code
    street_filing = a[:9] + "000"
    closed_round("5101", hours=1, positives={a: 0, b: 0})  # the city's: counts for a, b and their street
    closed_round(a, hours=2, positives={a: 0})  # a's own: counts for a only
    closed_round("5101", hours=3, positives={a: 0, b: 1})  # a positive in b: not for b nor the street
    closed_round(b, hours=4, positives={b: 0})  # another community's round: never for a
    closed_round("5101", hours=5, status="open", positives={a: 0, b: 0})  # not closed yet
    closed_round("5101", hours=-1, positives={a: 0, b: 0})  # before the last positive

    assert negative_rounds_since(area_code=a, since=SINCE) == 3
    assert negative_rounds_since(area_code=b, since=SINCE) == 2
    assert negative_rounds_since(area_code=street_filing, since=SINCE) == 1
    assert negative_rounds_since(area_code=a[:6] + "000000", since=SINCE) == 1  # b is in the district too
    assert negative_rounds_since(area_code=a, since=SINCE + dt.timedelta(hours=2)) == 1
