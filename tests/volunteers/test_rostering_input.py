"""The roster optimiser's numbers (pure Python, no database): durations compared exactly against the day limit
and the rest (a shift 20 s over a limit is over it), and every number of an instance that is not a valid one is
reported as bad input naming the item, never dropped, truncated, rounded or raised."""

import math
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from gongzhi.volunteers.messages import roster_refusal, uncovered_reason
from gongzhi.volunteers.rostering import (
    MAX_HOURS_SO_FAR,
    MAX_NEEDED,
    MAX_WEIGHT,
    Candidate,
    Need,
    Rules,
    Shift,
    fairness,
    roster_greedy,
    roster_solve,
)

DAY = datetime(2022, 9, 5)
SECONDS_20 = timedelta(seconds=20)


def at(hour: float, day: int = 0) -> datetime:
    return DAY + timedelta(days=day, hours=hour)


def cand(cid, shifts=(1, 2, 3), hours=0.0, community="A"):
    return Candidate(cid, f"志愿者{cid}", community, frozenset(), frozenset(), frozenset(shifts), hours)


def need(nid, shift=1, needed=1):
    return Need(nid, nid, f"{nid}号岗", shift, "A", needed)


def solvers():
    return [
        lambda *a: roster_solve(*a, time_limit=5),
        lambda *a: roster_solve(*a, time_limit=5, engine="lp"),
        lambda *a: roster_solve(*a, time_limit=5, engine="cp-sat"),
        roster_greedy,
    ]


# --------------------------------------------------------------------------------- exact durations


@pytest.mark.parametrize("solve", solvers())
def test_a_shift_20_seconds_over_the_daily_limit_is_not_staffed(solve):
    over = [Shift(1, at(8), at(16) + SECONDS_20)]
    r = solve([cand(1)], over, [need(10)], Rules(max_hours_per_day=8, min_rest_hours=8))
    assert (r.covered, r.assignments) == (0, [])
    assert [p.code for p in r.uncovered[0].reasons] == ["shift_too_long"]
    assert uncovered_reason(r.uncovered[0]) == "班次时长8.00556小时超过每日上限8小时"
    exact = [Shift(1, at(8), at(16))]
    assert solve([cand(1)], exact, [need(10)], Rules(max_hours_per_day=8, min_rest_hours=8)).covered == 1


@pytest.mark.parametrize("solve", solvers())
def test_two_shifts_of_a_day_over_its_limit_by_20_seconds_are_not_both_worked(solve):
    rules = Rules(max_hours_per_day=8, min_rest_hours=0)
    needs = [need(10, 1), need(11, 2)]
    over = [Shift(1, at(8), at(12)), Shift(2, at(12), at(16) + SECONDS_20)]
    r = solve([cand(1, (1, 2))], over, needs, rules)
    assert r.covered == 1 and [p.code for p in r.uncovered[0].reasons] == ["full"]
    exact = [Shift(1, at(8), at(12)), Shift(2, at(12), at(16))]
    assert solve([cand(1, (1, 2))], exact, needs, rules).covered == 2


@pytest.mark.parametrize("solve", solvers())
def test_a_rest_20_seconds_short_is_a_conflict(solve):
    rules = Rules(max_hours_per_day=8, min_rest_hours=4)
    needs = [need(10, 1), need(11, 2)]
    short = [Shift(1, at(8), at(12)), Shift(2, at(16) - SECONDS_20, at(20) - SECONDS_20)]
    assert solve([cand(1, (1, 2))], short, needs, rules).covered == 1
    exact = [Shift(1, at(8), at(12)), Shift(2, at(16), at(20))]
    assert solve([cand(1, (1, 2))], exact, needs, rules).covered == 2


@pytest.mark.parametrize("solve", solvers())
def test_the_day_limit_is_exact_in_the_compact_formulation_too(solve):
    # Eight one-hour shifts with rest 0: 255 shift sets, more than PATTERN_LIMIT, so the day limit is a row of
    # shift lengths. One of them 20 s longer: the eight together are over 8 h.
    shifts = [Shift(i + 1, at(8 + i), at(9 + i) + (SECONDS_20 if i == 3 else timedelta())) for i in range(8)]
    ids = tuple(s.id for s in shifts)
    needs = [need(10 + s.id, s.id) for s in shifts]
    rules = Rules(max_hours_per_day=8, min_rest_hours=0)
    r = solve([cand(1, ids)], shifts, needs, rules)
    assert r.covered == 7 and r.status in ("optimal", "feasible")
    if r.method not in ("greedy", "min-cost-flow"):
        assert r.details["pattern_vars"] == 0  # the compact formulation
    assert r.status == "optimal" or r.method == "greedy"
    exact = [replace(s, ends_at=at(9 + i)) for i, s in enumerate(shifts)]
    assert solve([cand(1, ids)], exact, needs, rules).covered == 8


def test_a_shift_across_a_clock_change_lasts_its_real_time():
    berlin = ZoneInfo("Europe/Berlin")
    # 27 March 2022: the clocks went from 02:00 to 03:00, so 00:00-08:00 lasted 7 hours.
    night = [Shift(1, datetime(2022, 3, 27, 0, tzinfo=berlin), datetime(2022, 3, 27, 8, tzinfo=berlin))]
    r = roster_solve([cand(1)], night, [need(10)], Rules(max_hours_per_day=7, min_rest_hours=8))
    assert r.covered == 1 and r.status == "optimal"
    assert fairness(r, [cand(1)], night)["max_added_hours"] == 7
    # 30 October 2022: 03:00 came twice, so 00:00-06:00 lasted 7 hours.
    autumn = [Shift(1, datetime(2022, 10, 30, 0, tzinfo=berlin), datetime(2022, 10, 30, 6, tzinfo=berlin))]
    r = roster_solve([cand(1)], autumn, [need(10)], Rules(max_hours_per_day=6, min_rest_hours=8))
    assert r.covered == 0 and uncovered_reason(r.uncovered[0]) == "班次时长7小时超过每日上限6小时"


# --------------------------------------------------------------------------------- bad numbers named


RULES = Rules(max_hours_per_day=8, min_rest_hours=4)
SHIFTS = [Shift(1, at(8), at(12)), Shift(2, at(12), at(16)), Shift(3, at(16), at(20))]
NAN, INF = float("nan"), float("inf")


def bad(candidates=None, shifts=None, needs=None, rules=RULES):
    return (
        candidates if candidates is not None else [cand(1), cand(2)],
        shifts if shifts is not None else SHIFTS,
        needs if needs is not None else [need(10, 1), need(11, 2)],
        rules,
    )


def with_need(**fields):
    return bad(needs=[replace(need(10, 1), **fields), need(11, 2)])


def with_cand(**fields):
    return bad(candidates=[replace(cand(1), **fields), cand(2)])


def with_shift(**fields):
    return bad(shifts=[replace(SHIFTS[0], **fields), *SHIFTS[1:]])


def with_rules(**fields):
    return bad(rules=replace(RULES, **fields))


CASES = {
    # needed: a whole number from 0 to MAX_NEEDED
    "needed fractional": (with_need(needed=1.5), "need_needed", "需求10（10号岗）的人数“1.5”无效：须为0到10000的整数"),
    "needed nan": (with_need(needed=NAN), "need_needed", "需求10（10号岗）的人数“nan”无效：须为0到10000的整数"),
    "needed inf": (with_need(needed=INF), "need_needed", "需求10（10号岗）的人数“inf”无效：须为0到10000的整数"),
    "needed None": (with_need(needed=None), "need_needed", "需求10（10号岗）的人数“None”无效：须为0到10000的整数"),
    "needed text": (with_need(needed="2"), "need_needed", "需求10（10号岗）的人数“'2'”无效：须为0到10000的整数"),
    "needed bool": (with_need(needed=True), "need_needed", "需求10（10号岗）的人数“True”无效：须为0到10000的整数"),
    "needed huge": (with_need(needed=10**7), "need_needed", "需求10（10号岗）的人数“10000000”无效：须为0到10000的整数"),
    "needed negative": (with_need(needed=-1), "need_negative", "需求10（10号岗）的人数为负"),
    # hours_so_far: a number from 0 to MAX_HOURS_SO_FAR
    "hours None": (with_cand(hours_so_far=None), "candidate_hours", "志愿者1的已服务时长无效"),
    "hours nan": (with_cand(hours_so_far=NAN), "candidate_hours", "志愿者1的已服务时长无效"),
    "hours inf": (with_cand(hours_so_far=INF), "candidate_hours", "志愿者1的已服务时长无效"),
    "hours negative": (with_cand(hours_so_far=-0.5), "candidate_hours", "志愿者1的已服务时长无效"),
    "hours text": (with_cand(hours_so_far="3"), "candidate_hours", "志愿者1的已服务时长无效"),
    "hours huge": (with_cand(hours_so_far=1e300), "candidate_hours", "志愿者1的已服务时长无效"),
    "hours decimal nan": (with_cand(hours_so_far=Decimal("NaN")), "candidate_hours", "志愿者1的已服务时长无效"),
    "hours decimal snan": (with_cand(hours_so_far=Decimal("sNaN")), "candidate_hours", "志愿者1的已服务时长无效"),
    # weights: whole numbers from 0 to MAX_WEIGHT
    "fairness nan": (
        with_rules(fairness_weight=NAN),
        "rule_fairness_weight",
        "公平分配权重“nan”无效：须为0到1000的整数",
    ),
    "fairness fractional": (
        with_rules(fairness_weight=0.5),
        "rule_fairness_weight",
        "公平分配权重“0.5”无效：须为0到1000的整数",
    ),
    "fairness None": (
        with_rules(fairness_weight=None),
        "rule_fairness_weight",
        "公平分配权重“None”无效：须为0到1000的整数",
    ),
    "fairness negative": (
        with_rules(fairness_weight=-1),
        "rule_fairness_weight",
        "公平分配权重“-1”无效：须为0到1000的整数",
    ),
    "fairness huge": (
        with_rules(fairness_weight=10**6),
        "rule_fairness_weight",
        "公平分配权重“1000000”无效：须为0到1000的整数",
    ),
    "community nan": (
        with_rules(same_community_weight=NAN),
        "rule_community_weight",
        "本社区优先权重“nan”无效：须为0到1000的整数",
    ),
    "community fractional": (
        with_rules(same_community_weight=1.9),
        "rule_community_weight",
        "本社区优先权重“1.9”无效：须为0到1000的整数",
    ),
    "community text": (
        with_rules(same_community_weight="1"),
        "rule_community_weight",
        "本社区优先权重“'1'”无效：须为0到1000的整数",
    ),
    # the limits: finite numbers, not negative
    "max hours None": (with_rules(max_hours_per_day=None), "rule_max_hours", "每日时长上限无效"),
    "max hours nan": (with_rules(max_hours_per_day=NAN), "rule_max_hours", "每日时长上限无效"),
    "max hours text": (with_rules(max_hours_per_day="8"), "rule_max_hours", "每日时长上限无效"),
    "max hours inf": (with_rules(max_hours_per_day=INF), "rule_max_hours", "每日时长上限无效"),
    "rest None": (with_rules(min_rest_hours=None), "rule_rest", "最短休息时长无效"),
    "rest negative": (with_rules(min_rest_hours=-1), "rule_rest", "最短休息时长无效"),
    "rest text": (with_rules(min_rest_hours="4"), "rule_rest", "最短休息时长无效"),
    # shift times: datetimes
    "start None": (with_shift(starts_at=None), "shift_time", "班次1的开始或结束时间不是日期时间"),
    "end a date": (with_shift(ends_at=date(2022, 9, 5)), "shift_time", "班次1的开始或结束时间不是日期时间"),
    "start text": (with_shift(starts_at="2022-09-05 08:00"), "shift_time", "班次1的开始或结束时间不是日期时间"),
    # ids: integers
    "candidate id None": (bad(candidates=[cand(None), cand(2)]), "bad_id", "志愿者编号“None”无效：须为整数"),
    "candidate id text": (bad(candidates=[cand("1"), cand(2)]), "bad_id", "志愿者编号“'1'”无效：须为整数"),
    "candidate id float": (bad(candidates=[cand(1.5), cand(2)]), "bad_id", "志愿者编号“1.5”无效：须为整数"),
    "shift id None": (with_shift(id=None), "bad_id", "班次编号“None”无效：须为整数"),
    "need id list": (with_need(id=[10]), "bad_id", "需求编号“[10]”无效：须为整数"),
    "post id None": (with_need(post_id=None), "bad_id", "岗位编号“None”无效：须为整数"),
    "need shift list": (with_need(shift_id=[1]), "need_unknown_shift", "需求10（10号岗）引用了不存在的班次[1]"),
    # availability: a set of shift ids; skills and trainings: sets of texts
    "availability None": (
        with_cand(available_shifts=None),
        "candidate_available",
        "志愿者1的可服务班次无效：须为班次编号（整数）的集合",
    ),
    "availability texts": (
        with_cand(available_shifts=frozenset({"1"})),
        "candidate_available",
        "志愿者1的可服务班次无效：须为班次编号（整数）的集合",
    ),
    "availability floats": (
        with_cand(available_shifts=frozenset({1.0, NAN})),
        "candidate_available",
        "志愿者1的可服务班次无效：须为班次编号（整数）的集合",
    ),
    "skills None": (with_cand(skills=None), "candidate_skills", "志愿者1的技能或培训无效：须为文字的集合"),
    "trainings list": (
        with_cand(trainings=["protection"]),
        "candidate_skills",
        "志愿者1的技能或培训无效：须为文字的集合",
    ),
    "need skills None": (with_need(skills=None), "need_skills", "需求10（10号岗）的技能或培训要求无效"),
    "need training number": (with_need(training=5), "need_skills", "需求10（10号岗）的技能或培训要求无效"),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
@pytest.mark.parametrize("solve", [roster_solve, roster_greedy], ids=["solve", "greedy"])
def test_a_bad_number_is_bad_input_that_names_the_item(solve, case):
    args, code, words = case
    r = solve(*args)
    assert r.status == "infeasible_input" and r.assignments == [] and (r.covered, r.gap) == (0, 1.0)
    assert code in [e["code"] for e in r.details["errors"]]
    assert [p.code for p in r.errors] == [e["code"] for e in r.details["errors"]]
    assert words in roster_refusal(r.errors)
    # Each need left says why: its own errors if it has some, else all of them.
    assert all(uncovered_reason(u).startswith("输入数据有误：") for u in r.uncovered)
    assert any(words in uncovered_reason(u) for u in r.uncovered)
    assert all(isinstance(u.missing, int) for u in r.uncovered) and isinstance(r.demanded, int)
    # Everything in details is a plain finite value (the result goes into JSON as it is).
    for error in r.details["errors"]:
        for value in error.values():
            assert isinstance(value, str | int) or value is None, error
            assert not isinstance(value, bool)
            assert not (isinstance(value, float) and not math.isfinite(value))


def test_every_bad_item_is_named_not_only_the_first():
    r = roster_solve(
        [replace(cand(1), hours_so_far=NAN), replace(cand(2), hours_so_far=None)],
        SHIFTS,
        [replace(need(10, 1), needed=0.5), replace(need(11, 2), needed=NAN)],
        replace(RULES, fairness_weight=1.5),
    )
    assert sorted(e["code"] for e in r.details["errors"]) == [
        "candidate_hours", "candidate_hours", "need_needed", "need_needed", "rule_fairness_weight",
    ]  # fmt: skip
    # A need whose count is not a number is named among the needs left, with its own error first.
    reasons = {u.need_id: uncovered_reason(u) for u in r.uncovered}
    assert set(reasons) == {10, 11}
    assert reasons[10] == "输入数据有误：需求10（10号岗）的人数“0.5”无效：须为0到10000的整数"


def test_a_long_list_of_errors_is_cut_short_in_the_refusal():
    candidates = [replace(cand(i), hours_so_far=NAN) for i in range(1, 31)]
    r = roster_solve(candidates, SHIFTS, [need(10)])
    assert len(r.errors) == 30
    text = roster_refusal(r.errors)
    assert text.startswith("输入数据有误：志愿者1的已服务时长无效；") and text.endswith(
        "志愿者5的已服务时长无效等，共30处"
    )
    assert "志愿者6的" not in text


def test_whole_numbers_of_any_numeric_type_are_taken_exactly():
    candidates = [replace(cand(1), hours_so_far=Decimal("3.5")), cand(2, hours=2), cand(3, hours=1.25)]
    needs = [replace(need(10, 1), needed=2.0), need(11, 3)]
    rules = Rules(max_hours_per_day=Decimal("8"), min_rest_hours=4.0, same_community_weight=1.0, fairness_weight=2)
    r = roster_solve(candidates, SHIFTS, needs, rules)
    assert r.status == "optimal" and (r.covered, r.demanded) == (3, 3) and type(r.demanded) is int
    assert fairness(r, candidates, SHIFTS)["max_hours"] == 7.5  # each works one shift: 7.5, 6 and 5.25 h
    assert roster_greedy(candidates, SHIFTS, needs, rules).covered == 3


def test_limits_of_the_numbers_are_exported():
    assert (MAX_NEEDED, MAX_HOURS_SO_FAR, MAX_WEIGHT) == (10_000, 100_000, 1_000)
    at_limits = bad(
        candidates=[cand(1, hours=MAX_HOURS_SO_FAR)],
        needs=[need(10, 1, needed=MAX_NEEDED)],
        rules=Rules(8, 4, MAX_WEIGHT, MAX_WEIGHT),
    )
    r = roster_solve(*at_limits)
    assert r.status == "optimal" and r.covered == 1


def test_numbers_too_large_for_exact_solving_are_bad_input():
    # Valid one by one, but a shift of a century at the hour limit makes the fairness cost (quarter-hours
    # squared) too large for the solvers to keep exact.
    shifts = [Shift(1, datetime(2022, 1, 1), datetime(2122, 1, 1))]
    rules = Rules(max_hours_per_day=10**6, min_rest_hours=0, same_community_weight=MAX_WEIGHT, fairness_weight=1000)
    r = roster_solve([cand(1, (1,), hours=MAX_HOURS_SO_FAR)], shifts, [need(10)], rules)
    assert r.status == "infeasible_input" and [p.code for p in r.errors] == ["too_large"]
    assert roster_refusal(r.errors) == "输入数据有误：排班的人数、时长或权重过大，超出求解器能精确计算的范围"


@pytest.mark.parametrize("bad_limit", [NAN, INF, 0, -1])
def test_a_bad_time_limit_is_a_programming_error(bad_limit):
    with pytest.raises(ValueError):
        roster_solve([cand(1)], SHIFTS, [need(10)], time_limit=bad_limit)
