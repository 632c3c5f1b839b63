"""Roster optimiser on a community-day: CP-SAT model vs the greedy baseline, same input, same run.

    .venv/bin/python bench/bench_rostering.py
    .venv/bin/python bench/bench_rostering.py --candidates 500 --posts 120 --shifts 3 --seed 7 --time-limit 10
    # a street's week (一键动员 at a street's scale): 10 communities, 3,000 volunteers, 400 posts, 21 shifts
    .venv/bin/python bench/bench_rostering.py --communities 10 --candidates 3000 --posts 400 --shifts 21 \
        --time-limit 30 --no-cp-sat-alone

No Django, no database. The instance (seeded):

- 3 communities; 500 volunteers, each in one community, with skills 医疗 (medical), 驾驶 (driving), 物流 (logistics),
  心理疏导 (counselling), 信息技术 (IT), 方言/外语 (dialects, languages) drawn independently at realistic rates;
  45 % hold the 防护培训 (protective-equipment) course; each shift available with probability 0.7; hours already
  served this month 0-40 h (most have a few).
- 120 posts, spread over the communities: 扫码登记 (scanning), 门岗值守 (gate safety), 物资配送 (deliveries),
  核酸采样 (sampling: 医疗 + 防护培训), 医疗转运 (transfer: 医疗 + 驾驶 + 防护培训), 心理疏导热线, 信息录入,
  外语/方言翻译; each post needs 1-4 volunteers in each shift it runs (busier in the morning).
- Shifts: consecutive 4-hour blocks from 08:00 (08-12, 12-16, 16-20; more shifts continue the next day).
- Rules: at most 8 h a day and at least 4 h rest between two shifts. So back-to-back shifts conflict but the split
  morning + evening shift (8 h, 4 h rest) is allowed: each volunteer can work {}, {1}, {2}, {3} or {1, 3}. That is
  what makes the day a real scheduling problem (with 8 h rest everyone works one shift and it is a pure
  assignment, which the min-cost flow solves exactly).
- Demand is set to about 95 % of what the volunteers could cover at most, so skilled posts run short and the
  plain posts compete for the same people.
"""

import argparse
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from gongzhi.volunteers.rostering import (  # noqa: E402
    Candidate,
    Need,
    Rules,
    Shift,
    fairness,
    roster_greedy,
    roster_solve,
)

SKILL_RATES = {"医疗": 0.12, "驾驶": 0.18, "物流": 0.25, "心理疏导": 0.06, "信息技术": 0.20, "方言/外语": 0.10}
TRAINING = "防护培训"
# kind, skills, training, weight (share of posts), volunteers per shift (low, high)
POST_KINDS = [
    ("扫码登记", frozenset(), None, 30, (2, 4)),
    ("门岗值守", frozenset(), None, 20, (1, 3)),
    ("物资配送", frozenset({"物流"}), None, 15, (1, 3)),
    ("楼栋配送", frozenset({"物流", "驾驶"}), None, 6, (1, 2)),
    ("核酸采样", frozenset({"医疗"}), TRAINING, 10, (1, 3)),
    ("医疗转运", frozenset({"医疗", "驾驶"}), TRAINING, 4, (1, 1)),
    ("心理疏导热线", frozenset({"心理疏导"}), None, 4, (1, 1)),
    ("信息录入", frozenset({"信息技术"}), None, 7, (1, 2)),
    ("外语/方言翻译", frozenset({"方言/外语"}), None, 4, (1, 1)),
]
COMMUNITIES = ["水井坊社区", "崇德里社区", "交子社区"]
STREET = [
    *COMMUNITIES,
    "大慈寺社区",
    "东门街社区",
    "和平街社区",
    "天涯石社区",
    "学道街社区",
    "镋钯街社区",
    "太古里社区",
]
RULES = Rules(max_hours_per_day=8, min_rest_hours=4, same_community_weight=1, fairness_weight=1)


def make_instance(
    n_candidates: int, n_posts: int, n_shifts: int, seed: int, n_communities: int = 3, availability: float = 0.7
):
    communities = STREET[:n_communities]
    rng = random.Random(seed)
    day0 = datetime(2022, 9, 5, 8, 0)
    shifts = []
    for i in range(n_shifts):
        day, block = divmod(i, 3)
        start = day0 + timedelta(days=day, hours=4 * block)
        shifts.append(Shift(i + 1, start, start + timedelta(hours=4)))
    candidates = []
    for i in range(n_candidates):
        skills = frozenset(s for s, p in SKILL_RATES.items() if rng.random() < p)
        # medical people are far more likely to hold the protective-equipment course
        trained = rng.random() < (0.85 if "医疗" in skills else 0.4)
        available = frozenset(s.id for s in shifts if rng.random() < availability)
        served = round(min(40.0, rng.expovariate(1 / 8)) * 2) / 2
        candidates.append(
            Candidate(
                id=1000 + i,
                name=f"志愿者{i:03d}",
                community_code=communities[rng.randrange(len(communities))],
                skills=skills,
                trainings=frozenset({TRAINING}) if trained else frozenset(),
                available_shifts=available,
                hours_so_far=served,
            )
        )
    kinds = [k for k in POST_KINDS for _ in range(k[3])]
    needs = []
    for p in range(n_posts):
        name, skills, training, _, (low, high) = rng.choice(kinds)
        community = communities[p % len(communities)]
        post_name = f"{community}{p // len(communities) + 1}号点{name}"
        for s in shifts:
            if rng.random() < 0.1:  # a few posts do not run every shift
                continue
            busy = 1 if (s.id - 1) % 3 == 0 else 0  # mornings are busier
            needed = min(high, rng.randint(low, high) + busy)
            needs.append(Need(len(needs) + 1, p + 1, post_name, s.id, community, needed, skills, training))
    return candidates, shifts, needs


def scale_demand(candidates, shifts, needs, target: float, seed: int):
    """Trim needs at random until demand is about `target` x the most shifts the volunteers could work
    (per day: two if both the morning and the evening are available, else one if any shift is)."""
    capacity = 0
    for c in candidates:
        for day in range(0, len(shifts), 3):
            blocks = {i - day for i in range(day, min(day + 3, len(shifts))) if shifts[i].id in c.available_shifts}
            capacity += 2 if {0, 2} <= blocks else (1 if blocks else 0)
    rng = random.Random(seed + 1)
    demand = sum(n.needed for n in needs)
    goal = round(target * capacity)
    needs = list(needs)
    while demand > goal:
        i = rng.randrange(len(needs))
        n = needs[i]
        if n.needed > 1:
            needs[i] = Need(
                n.id, n.post_id, n.post_name, n.shift_id, n.community_code, n.needed - 1, n.skills, n.training
            )
            demand -= 1
    return needs, capacity


def show(label: str, r, fair: dict) -> None:
    print(
        f"{label:8s} status={r.status:9s} method={r.method:14s} seconds={r.seconds:6.2f}  "
        f"covered={r.covered}/{r.demanded}  uncovered needs={len(r.uncovered)}"
    )
    print(f"         objective={r.objective:.0f} bound={r.bound:.0f} gap={r.gap:.6%}", end="")
    sg = r.details.get("secondary_gap")
    print(
        f"  coverage bound={r.details.get('coverage_bound')}"
        + (f"  gap of community+fairness terms={sg:.3%}" if sg is not None else "")
    )
    print(
        f"         outside own community={r.details.get('outside_community')}  "
        f"fairness cost={r.details.get('fairness_cost')} (points of {r.details.get('point')})"
    )
    print(
        "         hours: max={max_hours:.1f} max_of_used={max_hours_of_used:.1f} min_of_used={min_hours_of_used:.1f} "
        "mean={mean_hours:.2f} stdev={stdev_hours:.3f} stdev_of_used={stdev_hours_of_used:.3f} gini={gini:.4f} "
        "used={volunteers_used}".format(**fair)
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--candidates", type=int, default=500)
    ap.add_argument("--posts", type=int, default=120)
    ap.add_argument("--shifts", type=int, default=3)
    ap.add_argument("--communities", type=int, default=3, choices=range(1, len(STREET) + 1))
    ap.add_argument("--availability", type=float, default=0.7, help="chance that a volunteer can work a shift")
    ap.add_argument("--seed", type=int, default=2022)
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--demand", type=float, default=0.95, help="demand as a share of the most that can be covered")
    ap.add_argument("--rest", type=float, default=4.0, help="minimum rest hours between two shifts")
    ap.add_argument("--engine", choices=["auto", "lp", "cp-sat", "aggregate"], default="auto")
    ap.add_argument(
        "--no-cp-sat-alone",
        action="store_true",
        help="skip the extra run of CP-SAT alone (engine cp-sat) on the same formulation",
    )
    args = ap.parse_args()

    candidates, shifts, needs = make_instance(
        args.candidates, args.posts, args.shifts, args.seed, args.communities, args.availability
    )
    needs, capacity = scale_demand(candidates, shifts, needs, args.demand, args.seed)
    rules = Rules(RULES.max_hours_per_day, args.rest, RULES.same_community_weight, RULES.fairness_weight)
    naive = args.candidates * args.posts * args.shifts
    print(
        f"instance: {len(candidates)} volunteers, {args.posts} posts, {len(shifts)} shifts, {len(needs)} needs, "
        f"demand {sum(n.needed for n in needs)} slots (volunteers could work at most {capacity} shifts); "
        f"rules: max {rules.max_hours_per_day:g} h/day, rest {rules.min_rest_hours:g} h; seed {args.seed}"
    )

    t = time.perf_counter()
    greedy = roster_greedy(candidates, shifts, needs, rules)
    greedy_wall = time.perf_counter() - t
    t = time.perf_counter()
    solved = roster_solve(
        candidates, shifts, needs, rules, time_limit=args.time_limit, workers=args.workers, engine=args.engine
    )
    solve_wall = time.perf_counter() - t

    d = solved.details
    print(
        f"model: naive size (volunteers x posts x shifts) = {naive:,} booleans; created {d.get('variables', 0):,} "
        f"({d.get('x_vars', 0):,} volunteer-class + {d.get('pattern_vars', 0):,} schedule-pattern); "
        f"{d.get('eligible_pairs'):,} eligible (volunteer, need) pairs merged into {d.get('classes')} need classes; "
        f"hint from {d.get('hint')}"
    )
    show("solve", solved, fairness(solved, candidates, shifts))
    print(f"         wall time including preparation: {solve_wall:.2f} s (limit {args.time_limit:g} s)")
    alone = None
    if args.engine != "cp-sat" and not args.no_cp_sat_alone:
        alone = roster_solve(
            candidates, shifts, needs, rules, time_limit=args.time_limit, workers=args.workers, engine="cp-sat"
        )
        show("cp-sat", alone, fairness(alone, candidates, shifts))
        print(f"         (CP-SAT alone on the same formulation, hint from {alone.details.get('hint')})")
    show("greedy", greedy, fairness(greedy, candidates, shifts))
    print(f"         wall time: {greedy_wall:.2f} s")
    reasons: dict[str, int] = {}
    for u in solved.uncovered:
        key = " + ".join(p.code for p in u.reasons)  # the reasons as codes (their words: volunteers.messages)
        reasons[key] = reasons.get(key, 0) + u.missing
    print("uncovered slots by reason (solve):")
    for reason, missing in sorted(reasons.items(), key=lambda kv: -kv[1]):
        print(f"    {missing:4d}  {reason}")
    f_s, f_g = fairness(solved, candidates, shifts), fairness(greedy, candidates, shifts)
    print(
        f"SUMMARY seconds={solved.seconds:.2f} status={solved.status} gap={solved.gap:.6f} "
        f"covered={solved.covered}/{solved.demanded} greedy_covered={greedy.covered}/{greedy.demanded} "
        f"stdev={f_s['stdev_hours']:.3f} greedy_stdev={f_g['stdev_hours']:.3f} "
        f"gini={f_s['gini']:.4f} greedy_gini={f_g['gini']:.4f} "
        f"outside={d.get('outside_community')} greedy_outside={greedy.details.get('outside_community')} "
        f"max_used={f_s['max_hours_of_used']:.1f} greedy_max_used={f_g['max_hours_of_used']:.1f} "
        f"vars={d.get('variables')} naive={naive}"
        + (
            f" cpsat_alone_seconds={alone.seconds:.2f} cpsat_alone_status={alone.status} "
            f"cpsat_alone_gap={alone.gap:.6f} cpsat_alone_covered={alone.covered}"
            if alone
            else ""
        )
    )


if __name__ == "__main__":
    main()
