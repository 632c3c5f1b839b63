"""Bad numbers on their way to the roster optimiser reach the user as a clear refusal: the service refuses (no
roster written, the earlier one kept) with words naming what is wrong, and the page shows them."""

import datetime as dt
from dataclasses import replace

import pytest
from django.utils import timezone

from gongzhi.core.errors import ApplicationError
from gongzhi.volunteers import rostering, services
from gongzhi.volunteers.models import Assignment
from gongzhi.volunteers.services import rosters
from tests.volunteers.test_services import approved, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def day_to_roster(community_a, worker_a):
    """A volunteer, a shift tomorrow, and the roster the optimiser made of it."""
    day = timezone.localdate() + dt.timedelta(days=1)
    volunteer = approved(community_a, worker_a)
    post = services.post_create(actor=worker_a, community_code=community_a.code, name="2号门值守", group="safety")
    services.shift_create(actor=worker_a, post=post, starts_at=at(day, 8), ends_at=at(day, 12), needed=1)
    first = services.roster_build(actor=worker_a, community_code=community_a.code, day=day, time_limit=5)
    assert first.covered == 1 and Assignment.objects.get().volunteer == volunteer
    return day


@pytest.mark.parametrize(
    ("rule", "value", "words"),
    [
        ("min_rest_hours", float("nan"), "最短休息时长无效"),
        ("max_hours_per_day", "8", "每日时长上限无效"),
        ("max_hours_per_day", None, "每日时长上限无效"),
        ("fairness_weight", 0.5, "公平分配权重“0.5”无效：须为0到1000的整数"),
    ],
)
def test_bad_roster_rules_are_refused_with_their_words(
    monkeypatch, community_a, worker_a, day_to_roster, rule, value, words
):
    monkeypatch.setattr(rosters, "ROSTER_RULES", replace(rosters.ROSTER_RULES, **{rule: value}))
    with pytest.raises(ApplicationError) as refused:
        services.roster_build(actor=worker_a, community_code=community_a.code, day=day_to_roster, time_limit=5)
    assert refused.value.message == f"输入数据有误：{words}" and refused.value.status == 422
    assert Assignment.objects.count() == 1  # the earlier roster stays


def test_a_bad_number_in_the_optimisers_input_is_refused_and_nothing_written(
    monkeypatch, community_a, worker_a, day_to_roster
):
    made = rosters.roster_inputs

    def with_nan_hours(*args, **kwargs):
        candidates, shifts, needs = made(*args, **kwargs)
        return [replace(c, hours_so_far=float("nan")) for c in candidates], shifts, needs

    monkeypatch.setattr(rosters, "roster_inputs", with_nan_hours)
    volunteer = Assignment.objects.get().volunteer
    with pytest.raises(ApplicationError) as refused:
        services.roster_build(actor=worker_a, community_code=community_a.code, day=day_to_roster, time_limit=5)
    assert refused.value.message == f"输入数据有误：志愿者{volunteer.pk}的已服务时长无效"
    assert Assignment.objects.get().volunteer == volunteer  # not deleted: the refusal rolled back


def test_the_posts_page_shows_the_refusal(monkeypatch, client, community_a, worker_a, day_to_roster):
    monkeypatch.setattr(rosters, "ROSTER_RULES", rostering.Rules(max_hours_per_day=float("nan")))
    client.force_login(worker_a)
    page = client.post(
        "/volunteers/posts/",
        {"community_code": community_a.code, "day": day_to_roster.isoformat(), "action": "roster"},
    ).content.decode()
    assert "输入数据有误：每日时长上限无效" in page and 'id="roster-result"' not in page
