"""The roster optimiser (pure Python, no database): hand-built instances with known optima, reasons for every
uncovered need, and properties on random small instances checked against an independent checker and brute force."""

import itertools
import random
from collections import defaultdict
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.volunteers.messages import uncovered_reason
from gongzhi.volunteers.rostering import (
    COMMUNITY_POINTS,
    POINT,
    Candidate,
    Need,
    Rules,
    Shift,
    fairness,
    roster_greedy,
    roster_solve,
)

DAY = datetime(2022, 9, 5)


def at(hour: float, day: int = 0) -> datetime:
    return DAY + timedelta(days=day, hours=hour)


MORNING = Shift(1, at(8), at(12))
NOON = Shift(2, at(12), at(16))
EVENING = Shift(3, at(16), at(20))
DAY_SHIFTS = [MORNING, NOON, EVENING]
SPLIT_OK = Rules(max_hours_per_day=8, min_rest_hours=4)  # morning + evening allowed, back-to-back not


def cand(cid, community="A", skills=(), trainings=(), shifts=(1, 2, 3), hours=0.0):
    return Candidate(cid, f"志愿者{cid}", community, frozenset(skills), frozenset(trainings), frozenset(shifts), hours)


def need(nid, shift=1, needed=1, community="A", skills=(), training=None, post=None):
    post = post if post is not None else nid
    return Need(nid, post, f"{post}号岗", shift, community, needed, frozenset(skills), training)


# --------------------------------------------------------------------------------- an independent checker


def violations(result, candidates, shifts, needs, rules):
    """Every rule the roster breaks, computed without the module's own helpers."""
    cands = {c.id: c for c in candidates}
    shift = {s.id: s for s in shifts}
    need_of = {n.id: n for n in needs}
    out = []
    count = defaultdict(int)
    worked = defaultdict(list)
    for cid, nid in result.assignments:
        c, n = cands[cid], need_of[nid]
        if not n.skills <= c.skills:
            out.append(f"{cid} lacks skills for {nid}")
        if n.training and n.training not in c.trainings:
            out.append(f"{cid} lacks training for {nid}")
        if n.shift_id not in c.available_shifts:
            out.append(f"{cid} not available for {nid}")
        count[nid] += 1
        worked[cid].append(shift[n.shift_id])
    for nid, k in count.items():
        if k > need_of[nid].needed:
            out.append(f"need {nid} over: {k}")
    for cid, ss in worked.items():
        per_day = defaultdict(float)
        for s in ss:
            per_day[s.starts_at.date()] += s.hours
        if any(h > rules.max_hours_per_day + 1e-9 for h in per_day.values()):
            out.append(f"{cid} over the day limit")
        for a, b in itertools.combinations(ss, 2):
            first, second = sorted((a, b), key=lambda s: s.starts_at)
            if a.id == b.id or second.starts_at - first.ends_at < timedelta(hours=rules.min_rest_hours):
                out.append(f"{cid} works {a.id} and {b.id}")
    demand = sum(n.needed for n in needs if n.needed > 0)
    if result.covered != len(result.assignments):
        out.append("covered != assignments")
    if result.demanded != demand:
        out.append("demanded wrong")
    if sum(u.missing for u in result.uncovered) != demand - result.covered:
        out.append("uncovered do not add up")
    for u in result.uncovered:
        if not uncovered_reason(u) or u.missing <= 0 or u.post_name != need_of[u.need_id].post_name:
            out.append(f"bad uncovered entry {u}")
    return out


def secondary(assignments, candidates, shifts, needs, rules):
    """Community and fairness cost, as documented: 8 points a placement outside one's community, and
    (q0 + q)^2 - q0^2 in quarter-hours, a point being 256."""
    cands = {c.id: c for c in candidates}
    shift = {s.id: s for s in shifts}
    need_of = {n.id: n for n in needs}
    outside = 0
    quarters = defaultdict(int)
    for cid, nid in assignments:
        n = need_of[nid]
        outside += cands[cid].community_code != n.community_code
        quarters[cid] += round(shift[n.shift_id].hours * 4)
    fair = 0
    for cid, q in quarters.items():
        q0 = round(cands[cid].hours_so_far * 4)
        fair += (q0 + q) ** 2 - q0 * q0
    return rules.same_community_weight * COMMUNITY_POINTS * POINT * outside + rules.fairness_weight * fair


def brute_force(candidates, shifts, needs, rules):
    """The lexicographic optimum (most placements, then least secondary cost) by enumerating every roster."""
    shift = {s.id: s for s in shifts}
    by_shift = defaultdict(list)
    for n in needs:
        if n.needed > 0:
            by_shift[n.shift_id].append(n)

    def compatible(ss):
        per_day = defaultdict(float)
        for s in ss:
            per_day[s.starts_at.date()] += s.hours
        if any(h > rules.max_hours_per_day + 1e-9 for h in per_day.values()):
            return False
        for a, b in itertools.combinations(ss, 2):
            first, second = sorted((a, b), key=lambda s: s.starts_at)
            if second.starts_at - first.ends_at < timedelta(hours=rules.min_rest_hours):
                return False
        return True

    def options(c):
        slots = []
        for sid in sorted(c.available_shifts):
            ok = [
                n
                for n in by_shift.get(sid, [])
                if n.skills <= c.skills and (n.training is None or n.training in c.trainings)
            ]
            slots.append([None] + ok)
        out = []
        for combo in itertools.product(*slots):
            chosen = [n for n in combo if n is not None]
            if compatible([shift[n.shift_id] for n in chosen]):
                out.append([(c.id, n.id) for n in chosen])
        return out

    per_cand = [options(c) for c in candidates]
    cap = {n.id: n.needed for n in needs if n.needed > 0}
    best = (-1, 0)
    for combo in itertools.product(*per_cand):
        flat = [a for part in combo for a in part]
        used = defaultdict(int)
        for _, nid in flat:
            used[nid] += 1
        if any(used[nid] > cap[nid] for nid in used):
            continue
        key = (len(flat), -secondary(flat, candidates, shifts, needs, rules))
        best = max(best, key)
    return best[0], -best[1]


def assert_valid(result, candidates, shifts, needs, rules):
    assert violations(result, candidates, shifts, needs, rules) == []


# ---------------------------------------------------------------------------------------------- hand-built


def test_covers_every_need_when_it_can():
    candidates = [cand(1), cand(2), cand(3)]
    needs = [need(10, 1), need(11, 2), need(12, 3)]
    r = roster_solve(candidates, DAY_SHIFTS, needs)
    assert_valid(r, candidates, DAY_SHIFTS, needs, Rules())
    assert (r.covered, r.demanded, r.uncovered) == (3, 3, [])
    assert r.status == "optimal" and r.gap == 0.0 and r.bound == r.objective
    assert len({cid for cid, _ in r.assignments}) == 3  # default rules: 8 h rest, one shift each


def test_own_community_preferred_unless_its_volunteer_served_much_more():
    needs = [need(10, 1, community="A")]
    # 8 points for leaving one's community; a 4-hour shift costs 1 + h/2 points after h hours served.
    for served, expected in [(0, 2), (8, 2), (14, 2), (18, 1), (30, 1)]:
        candidates = [cand(1, community="B"), cand(2, community="A", hours=served)]
        r = roster_solve(candidates, DAY_SHIFTS, needs)
        assert r.assignments == [(expected, 10)], served
        assert r.status == "optimal"


def test_coverage_dominates_community_and_fairness():
    # Covering both needs takes two placements outside their community and a volunteer with 60 hours.
    needs = [need(10, 1, community="A"), need(11, 1, community="B", skills={"医疗"})]
    candidates = [cand(1, community="A", skills={"医疗"}, hours=60), cand(2, community="B")]
    r = roster_solve(candidates, DAY_SHIFTS, needs)
    assert sorted(r.assignments) == [(1, 11), (2, 10)]
    assert r.details["outside_community"] == 2
    g = roster_greedy(candidates, DAY_SHIFTS, needs)
    assert g.covered <= r.covered


def test_fairness_spreads_the_load():
    # Morning and evening are compatible (4 h rest): one person could do both, but two people share them.
    candidates = [cand(1), cand(2)]
    needs = [need(10, 1), need(11, 3)]
    r = roster_solve(candidates, DAY_SHIFTS, needs, SPLIT_OK)
    assert r.covered == 2 and {cid for cid, _ in r.assignments} == {1, 2}
    # The one with fewer hours so far gets the single shift.
    candidates = [cand(1, hours=10), cand(2, hours=2), cand(3, hours=6)]
    r = roster_solve(candidates, DAY_SHIFTS, [need(10, 2)])
    assert r.assignments == [(2, 10)]
    # Eight identical volunteers, eight slots over two compatible shifts: everybody works once.
    candidates = [cand(i, shifts=(1, 3)) for i in range(1, 9)]
    needs = [need(10, 1, needed=4), need(11, 3, needed=4)]
    r = roster_solve(candidates, DAY_SHIFTS, needs, SPLIT_OK)
    f = fairness(r, candidates, DAY_SHIFTS)
    assert r.covered == 8 and f["max_added_hours"] == 4 and f["volunteers_used"] == 8 and f["stdev_hours"] == 0


def test_fairness_weight_zero_and_community_weight_zero():
    candidates = [cand(1, community="B"), cand(2, community="A", hours=40)]
    needs = [need(10, 1, community="A")]
    assert roster_solve(candidates, DAY_SHIFTS, needs, Rules(fairness_weight=0)).assignments == [(2, 10)]
    assert roster_solve(candidates, DAY_SHIFTS, needs, Rules(same_community_weight=0)).assignments == [(1, 10)]


def test_rest_and_day_limits():
    one = [cand(1)]
    needs = [need(10, 1), need(11, 2), need(12, 3)]
    # 4 h rest, 8 h a day: morning and evening, never noon next to either.
    r = roster_solve(one, DAY_SHIFTS, needs, SPLIT_OK)
    assert sorted(r.assignments) == [(1, 10), (1, 12)]
    assert [u.need_id for u in r.uncovered] == [11]
    assert uncovered_reason(r.uncovered[0]).startswith("符合条件的志愿者已排满或超出每日时长/休息要求")
    # 8 h rest: one shift only.
    assert roster_solve(one, DAY_SHIFTS, needs, Rules(min_rest_hours=8)).covered == 1
    # 4 h a day: one shift only, though rest would allow two.
    assert roster_solve(one, DAY_SHIFTS, needs, Rules(max_hours_per_day=4, min_rest_hours=0)).covered == 1
    # No rest rule and 12 h a day: all three, back to back.
    assert roster_solve(one, DAY_SHIFTS, needs, Rules(max_hours_per_day=12, min_rest_hours=0)).covered == 3
    # Overlapping shifts conflict even without a rest rule.
    overlap = [Shift(1, at(8), at(12)), Shift(2, at(10), at(14))]
    r = roster_solve([cand(1, shifts=(1, 2))], overlap, [need(10, 1), need(11, 2)], Rules(24, 0))
    assert r.covered == 1
    # Different days do not share the day limit, and the night between is rest enough.
    two_days = [Shift(1, at(12), at(20)), Shift(2, at(8, day=1), at(16, day=1))]
    r = roster_solve([cand(1, shifts=(1, 2))], two_days, [need(10, 1), need(11, 2)], Rules(8, 11))
    assert r.covered == 2


def test_skill_training_and_availability_are_respected():
    candidates = [
        cand(1, skills={"医疗"}, trainings={"防护培训"}, shifts=(1,)),
        cand(2, skills={"医疗"}, shifts=(1, 2)),
        cand(3, skills={"驾驶"}, trainings={"防护培训"}, shifts=(2,)),
    ]
    needs = [
        need(10, 1, skills={"医疗"}, training="防护培训"),
        need(11, 2, skills={"医疗"}),
        need(12, 2, skills={"驾驶"}),
    ]
    r = roster_solve(candidates, DAY_SHIFTS, needs)
    assert sorted(r.assignments) == [(1, 10), (2, 11), (3, 12)]


def test_every_uncovered_need_is_named_with_its_reason():
    long_shift = Shift(4, at(6), at(16))
    shifts = [*DAY_SHIFTS, long_shift]
    candidates = [
        cand(1, skills={"医疗"}, shifts=(1, 2, 4)),
        cand(2, skills={"物流"}, trainings={"急救"}, shifts=(1, 2, 4)),
        cand(3, skills={"信息技术"}, shifts=(1, 2, 4)),
    ]
    needs = [
        need(10, 1, skills={"驾驶"}, post=1),
        need(11, 1, skills={"医疗", "物流"}, post=2),
        need(12, 2, skills={"医疗"}, training="防护培训", post=3),
        need(13, 2, training="防护培训", post=4),
        need(14, 3, post=5),  # nobody works evenings
        need(15, 4, skills={"物流"}, post=6),  # 10 hours, over the 8-hour day
        need(16, 1, skills={"信息技术"}, needed=3, post=7),  # only one IT volunteer
        need(17, 1, skills={"医疗"}, post=8),  # the medic is busy...
        need(18, 1, skills={"医疗"}, post=9),  # ... with one of these two
        need(19, 2, needed=0, post=10),  # wants nobody: never reported
    ]
    r = roster_solve(candidates, shifts, needs, SPLIT_OK)
    assert_valid(r, candidates, shifts, needs, SPLIT_OK)
    reasons = {u.need_id: uncovered_reason(u) for u in r.uncovered}
    assert reasons[10] == "没有具备技能“驾驶”的志愿者"
    assert reasons[11] == "没有同时具备技能“医疗”、“物流”的志愿者"
    assert reasons[12] == "具备技能的志愿者都未完成培训“防护培训”"
    assert reasons[13] == "没有完成培训“防护培训”的志愿者"
    assert reasons[14] == "该时段无可用志愿者"
    assert reasons[15] == "班次时长10小时超过每日上限8小时"
    assert reasons[16] == "具备技能“信息技术”的志愿者只有1人"
    assert sum(1 for nid in (17, 18) if nid in reasons) == 1
    busy = reasons.get(17) or reasons.get(18)
    assert busy == "符合条件的志愿者已排满或超出每日时长/休息要求（1人同一时段已在其他岗位）"
    assert 19 not in reasons
    by_id = {u.need_id: u for u in r.uncovered}
    assert (by_id[16].missing, by_id[16].post_name, by_id[16].shift_id) == (2, "7号岗", 1)
    assert r.status == "optimal"
    # The greedy names the same needs with the same kind of reasons.
    g = roster_greedy(candidates, shifts, needs, SPLIT_OK)
    assert {u.need_id: uncovered_reason(u) for u in g.uncovered}[10] == reasons[10]


def test_no_candidates_and_no_needs():
    r = roster_solve([], DAY_SHIFTS, [need(10, 1)])
    assert r.covered == 0 and uncovered_reason(r.uncovered[0]) == "没有志愿者" and r.status == "optimal"
    r = roster_solve([cand(1)], DAY_SHIFTS, [])
    assert (r.covered, r.demanded, r.status, r.gap) == (0, 0, "optimal", 0.0)


def test_bad_input_is_reported_not_raised():
    r = roster_solve([cand(1)], DAY_SHIFTS, [need(10, 9), need(11, 1)])
    assert r.status == "infeasible_input" and r.assignments == [] and (r.covered, r.gap) == (0, 1.0)
    reasons = {u.need_id: uncovered_reason(u) for u in r.uncovered}
    assert reasons[10].startswith("输入数据有误：需求10（10号岗）引用了不存在的班次9")
    r = roster_solve([cand(1), cand(1)], DAY_SHIFTS, [need(10, 1)])
    assert r.status == "infeasible_input"
    assert {"code": "duplicate_id", "kind": "candidate", "id": 1} in r.details["errors"]
    assert uncovered_reason(r.uncovered[0]) == "输入数据有误：志愿者编号1重复"
    backwards = [Shift(1, at(12), at(8))]
    assert roster_solve([cand(1)], backwards, [need(10, 1)]).status == "infeasible_input"
    assert roster_greedy([cand(1)], DAY_SHIFTS, [need(10, 1, needed=-1)]).status == "infeasible_input"
    with pytest.raises(ValueError):
        roster_solve([cand(1)], DAY_SHIFTS, [need(10, 1)], engine="magic")


def test_pure_assignment_is_solved_by_the_flow_and_agrees_with_cp_sat():
    rng = random.Random(5)
    candidates = [
        cand(i, community=rng.choice("AB"), skills={s for s in ("医疗", "物流") if rng.random() < 0.4}, hours=i % 7)
        for i in range(1, 30)
    ]
    needs = [
        need(100 + i, shift=1 + i % 3, needed=rng.randint(1, 3), community=rng.choice("AB"), skills=sk)
        for i, sk in enumerate([set(), {"医疗"}, {"物流"}, set(), {"医疗", "物流"}] * 3)
    ]
    flow = roster_solve(candidates, DAY_SHIFTS, needs)  # default rules: one shift a day each
    assert flow.method == "min-cost-flow" and flow.status == "optimal"
    cp = roster_solve(candidates, DAY_SHIFTS, needs, engine="cp-sat")
    assert cp.method == "cp-sat" and cp.status == "optimal"
    assert flow.objective == cp.objective
    assert_valid(flow, candidates, DAY_SHIFTS, needs, Rules())


def test_a_busier_day_is_proven_optimal_and_beats_the_greedy():
    rng = random.Random(11)
    skills = ["医疗", "驾驶", "物流", "信息技术"]
    candidates = [
        cand(
            i,
            community=rng.choice("ABC"),
            skills={s for s in skills if rng.random() < 0.25},
            trainings={"防护培训"} if rng.random() < 0.4 else (),
            shifts=[s for s in (1, 2, 3) if rng.random() < 0.7],
            hours=rng.choice([0, 0, 4, 8, 12.5, 20, 32]),
        )
        for i in range(1, 121)
    ]
    needs = []
    for post in range(1, 31):
        sk = set(rng.sample(skills, rng.choice([0, 0, 1, 1, 2])))
        tr = "防护培训" if rng.random() < 0.2 else None
        for sid in (1, 2, 3):
            needs.append(need(len(needs) + 1, sid, rng.randint(1, 3), rng.choice("ABC"), sk, tr, post=post))
    r = roster_solve(candidates, DAY_SHIFTS, needs, SPLIT_OK)
    g = roster_greedy(candidates, DAY_SHIFTS, needs, SPLIT_OK)
    cp = roster_solve(candidates, DAY_SHIFTS, needs, SPLIT_OK, engine="cp-sat", time_limit=20)
    for result in (r, g, cp):
        assert_valid(result, candidates, DAY_SHIFTS, needs, SPLIT_OK)
    assert r.status == "optimal" and r.gap == 0.0
    assert r.covered >= g.covered and r.objective <= g.objective
    assert cp.objective >= r.objective  # never better than the proven optimum
    if cp.status == "optimal":
        assert cp.objective == r.objective
    assert 0.0 <= g.gap <= 1.0 and g.bound <= r.objective  # the greedy's bound is valid too
    assert r.uncovered and all(uncovered_reason(u) for u in r.uncovered)


def test_a_fractional_relaxation_goes_to_cp_sat():
    # One volunteer, a 10-hour day and a 4-hour shift the next day: the LP's convex envelope of the fairness cost
    # makes it take 0.6 of the long shift; CP-SAT, hinted with the rounded LP solution, proves both are worked.
    shifts = [Shift(1, at(6), at(16)), Shift(2, at(8, day=1), at(12, day=1))]
    r = roster_solve([cand(1, shifts=(1, 2))], shifts, [need(10, 1), need(11, 2)], Rules(12, 0, 0, 1), engine="lp")
    assert r.details["lp_integral"] is False and r.method == "cp-sat+lp-bound"
    assert (r.status, r.covered, r.objective, r.gap) == ("optimal", 2, (4 * 14) ** 2, 0.0)


def test_fairness_figures():
    candidates = [cand(1, hours=4), cand(2, hours=0), cand(3, hours=0)]
    needs = [need(10, 1), need(11, 3)]
    r = roster_solve(candidates, DAY_SHIFTS, needs, SPLIT_OK)
    f = fairness(r, candidates, DAY_SHIFTS)
    # The two with no hours work; everybody ends with 4 hours.
    assert f["max_hours"] == 4 and f["min_hours_of_used"] == 4 and f["stdev_hours"] == 0 and f["gini"] == 0
    assert f["volunteers_used"] == 2 and f["mean_hours"] == 4
    nobody = fairness(roster_greedy([cand(1)], DAY_SHIFTS, []), [cand(1)], DAY_SHIFTS)
    assert nobody["volunteers_used"] == 0 and nobody["gini"] == 0


# ------------------------------------------------------------------------------------------------ properties

SHIFT_POOL = [
    MORNING,
    NOON,
    EVENING,
    Shift(4, at(10), at(14)),  # overlaps morning and noon
    Shift(5, at(8, day=1), at(12, day=1)),  # the next day
    Shift(6, at(6), at(16)),  # 10 hours
    Shift(7, at(13), at(15.5)),  # 2.5 hours
]
SKILLS = ["医疗", "驾驶", "物流"]
NEED_SKILLS = [frozenset(), frozenset(), frozenset(), frozenset({"医疗"}), frozenset({"驾驶"}), frozenset(SKILLS[:2])]


@st.composite
def instances(draw, max_candidates=6, max_needs=6, max_shifts=4):
    shifts = draw(st.lists(st.sampled_from(SHIFT_POOL), min_size=2, max_size=max_shifts, unique_by=lambda s: s.id))
    ids = [s.id for s in shifts]
    candidates = []
    for i in range(draw(st.integers(1, max_candidates))):
        candidates.append(
            Candidate(
                id=i + 1,
                name=f"v{i}",
                community_code=draw(st.sampled_from("AB")),
                skills=frozenset(draw(st.sets(st.sampled_from(SKILLS), max_size=2))),
                trainings=frozenset(draw(st.sets(st.just("防护培训")))),
                available_shifts=frozenset(sid for sid in ids if draw(st.integers(0, 3))),  # 3 in 4
                hours_so_far=draw(st.sampled_from([0.0, 2.5, 4.0, 10.0, 30.0])),
            )
        )
    needs = []
    for i in range(draw(st.integers(1, max_needs))):
        needs.append(
            Need(
                id=100 + i,
                post_id=i,
                post_name=f"岗{i}",
                shift_id=draw(st.sampled_from(ids)),
                community_code=draw(st.sampled_from("AB")),
                needed=draw(st.sampled_from([1, 1, 2, 3, 0])),
                skills=draw(st.sampled_from(NEED_SKILLS)),
                training=draw(st.sampled_from([None, None, None, "防护培训"])),
            )
        )
    rules = Rules(
        max_hours_per_day=draw(st.sampled_from([4, 8, 12])),
        min_rest_hours=draw(st.sampled_from([0, 1, 4, 4, 8])),
        same_community_weight=draw(st.integers(0, 2)),
        fairness_weight=draw(st.integers(0, 2)),
    )
    return candidates, shifts, needs, rules


PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(instances(max_candidates=8, max_needs=8, max_shifts=7))
def test_rosters_keep_every_rule_and_beat_the_greedy(instance):
    candidates, shifts, needs, rules = instance
    solved = roster_solve(candidates, shifts, needs, rules, time_limit=20)
    greedy = roster_greedy(candidates, shifts, needs, rules)
    by_lp = roster_solve(candidates, shifts, needs, rules, time_limit=20, engine="lp")
    cp = roster_solve(candidates, shifts, needs, rules, time_limit=20, engine="cp-sat")
    for r in (solved, greedy, by_lp, cp):
        assert_valid(r, candidates, shifts, needs, rules)
    assert solved.status == by_lp.status == cp.status == "optimal"
    assert solved.objective == by_lp.objective == cp.objective and solved.covered == cp.covered
    assert solved.covered >= greedy.covered and solved.objective <= greedy.objective
    assert greedy.bound <= solved.objective
    value = secondary(solved.assignments, candidates, shifts, needs, rules)
    assert solved.objective == solved.details["lexicographic_weight"] * (solved.demanded - solved.covered) + value


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(max_candidates=3, max_needs=4, max_shifts=3))
def test_tiny_rosters_match_brute_force(instance):
    candidates, shifts, needs, rules = instance
    solved = roster_solve(candidates, shifts, needs, rules, time_limit=20)
    covered, cost = brute_force(candidates, shifts, needs, rules)
    assert solved.covered == covered
    assert secondary(solved.assignments, candidates, shifts, needs, rules) == cost


# ------------------------------------------------------------------------- a street's reservoir (aggregate.py)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(max_candidates=8, max_needs=8, max_shifts=7))
def test_the_aggregated_model_keeps_every_rule_and_its_bound_holds(instance):
    # The kind-aggregated model (a street's reservoir) against the proven optimum of the full model: its roster
    # keeps every rule, costs no less than the optimum, and its bound is no more than it; "optimal" only if equal.
    candidates, shifts, needs, rules = instance
    optimum = roster_solve(candidates, shifts, needs, rules, time_limit=20)
    street = roster_solve(candidates, shifts, needs, rules, time_limit=20, engine="aggregate")
    assert_valid(street, candidates, shifts, needs, rules)
    assert optimum.status == "optimal"
    assert street.bound <= optimum.objective <= street.objective
    assert street.status != "optimal" or street.objective == optimum.objective
    assert street.covered == optimum.covered  # coverage is proven first, then the rest


def _bench_instance(*args):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from bench_rostering import RULES, make_instance, scale_demand

    candidates, shifts, needs = make_instance(*args)
    needs, _ = scale_demand(candidates, shifts, needs, 0.95, args[3])
    return candidates, shifts, needs, RULES


@pytest.mark.parametrize("seed, proven", [(0, True), (38, False)])
def test_a_fractional_relaxation_is_rounded_through_the_restricted_flow(seed, proven):
    # 12 volunteers, 4 posts, two days of two communities (the benchmark's generator): fairness makes the LP
    # share shifts. Each volunteer keeps, per day, the shift set with most of the LP's weight; the min-cost flow
    # within those is the roster: the optimum for seed 0, 0.016 % above it for seed 38, its bound below it.
    candidates, shifts, needs, rules = _bench_instance(12, 4, 6, seed, 2)
    street = roster_solve(candidates, shifts, needs, rules, engine="aggregate")
    full = roster_solve(candidates, shifts, needs, rules, engine="lp")
    assert_valid(street, candidates, shifts, needs, rules)
    assert street.details["lp_integral"] is False and street.method == "aggregate-lp+restricted-flow"
    assert full.status == "optimal" and street.bound <= full.objective <= street.objective
    assert (street.status == "optimal") == proven and (street.objective == full.objective) == proven
    assert street.gap <= 0.005


def test_a_street_scale_instance_uses_the_aggregated_model_within_half_a_percent():
    # Two days of a three-community street over the benchmark's generator (bench_rostering.py): the aggregated
    # model comes within 0.5 % of its bound, and that bound is below the full model's proven optimum.
    candidates, shifts, needs, rules = _bench_instance(400, 90, 6, 7, 3)
    full = roster_solve(candidates, shifts, needs, rules, time_limit=60, engine="lp")
    street = roster_solve(candidates, shifts, needs, rules, time_limit=60, engine="aggregate")
    assert_valid(street, candidates, shifts, needs, rules)
    assert full.status == "optimal"
    assert street.bound <= full.objective <= street.objective
    assert street.gap <= 0.005 and street.covered == full.covered


def test_auto_takes_the_aggregated_model_from_a_street_s_size(monkeypatch):
    from gongzhi.volunteers.rostering import solve

    candidates, shifts, needs, rules = _bench_instance(40, 12, 3, 1, 2)
    assert roster_solve(candidates, shifts, needs, rules).details.get("model") is None
    monkeypatch.setattr(solve, "AGGREGATE_FROM", 10)
    assert roster_solve(candidates, shifts, needs, rules).details["model"] == "aggregate"


def test_augmenting_paths_fill_a_place_the_rounding_left_open():
    # The morning place is held by A, who alone could also take the noon place (4 h rest: not both); B can only
    # take the morning. The path: the noon place <- A drops the morning <- B takes it. Two places, not one.
    from gongzhi.volunteers.rostering.instance import _Instance
    from gongzhi.volunteers.rostering.search import _augment

    people = [cand(1, skills=("医疗",), shifts=(1, 2)), cand(2, shifts=(1,))]
    inst = _Instance(people, DAY_SHIFTS, [need(10, 1), need(11, 2, skills=("医疗",))], SPLIT_OK)
    morning, noon = inst.class_of[10], inst.class_of[11]
    filled = _augment(inst, [(1, morning)], target=2, deadline=float("inf"))
    assert sorted(filled) == sorted([(1, noon), (2, morning)])
    assert _augment(inst, [(1, noon), (2, morning)], target=3, deadline=float("inf")) == [(1, noon), (2, morning)]


@pytest.mark.parametrize("seed", range(5))
def test_shift_booleans_when_a_volunteer_has_very_many_shift_sets(monkeypatch, seed):
    # Above PATTERN_LIMIT shift sets a block is modelled with shift booleans (cliques, hours per day) in both
    # models; with the limit at 2 every two-day volunteer gets them. Both rosters keep every rule and each
    # model's bound holds for the other's roster.
    from gongzhi.volunteers.rostering.instance import derived

    monkeypatch.setattr(derived, "PATTERN_LIMIT", 2)
    candidates, shifts, needs, rules = _bench_instance(12, 4, 6, seed, 2)
    full = roster_solve(candidates, shifts, needs, rules, engine="lp", time_limit=20)
    street = roster_solve(candidates, shifts, needs, rules, engine="aggregate", time_limit=20)
    for r in (full, street):
        assert_valid(r, candidates, shifts, needs, rules)
    assert full.details["variables"] > 0 and street.details["model"] == "aggregate"
    assert street.bound <= full.objective and full.bound <= street.objective
    assert street.covered == full.covered
