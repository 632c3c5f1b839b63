"""Volunteer roster optimiser: which volunteer works which post in which shift.

Pure Python on purpose (no Django): the app turns its rows into these dataclasses, calls `roster_solve`, and
stores the assignments. OR-Tools (min-cost flow, GLOP and CP-SAT) does the optimisation.

Rules. A volunteer may fill a need only if they hold every skill it lists, hold its training (a valid course code)
if it names one, and are available in its shift. A volunteer works at most one need per shift, at most
`max_hours_per_day` hours per calendar day (the shift's start date), and two of their shifts are at least
`min_rest_hours` apart (end of one to start of the next), so overlapping or back-to-back shifts conflict.

Objective (minimised, integers), strictly lexicographic through the weight W:

    W x (slots left empty)                                   coverage dominates everything else
  + community x (placements outside the volunteer's own community)
  + fairness  x sum over volunteers of (q0 + q)^2 - q0^2       convex in hours: q0 = quarter-hours already served
                                                             in the period (hours_so_far), q = quarter-hours added

Unit: one point (POINT = 256) is the fairness cost of a first 4-hour shift for someone with no hours (16^2). A 4-hour
shift for someone who has served h hours costs (1 + h/2) points x fairness_weight, so each extra shift costs more
and the load goes to those with fewer hours. A placement outside one's own community costs COMMUNITY_POINTS (8)
points x same_community_weight: the own community is preferred unless its volunteers have served about 16 hours
more. W is one more than the largest possible sum of the two other terms, so one more filled slot always wins.

Model (what makes it fast; a naive one-boolean-per-volunteer-post-shift CP-SAT model finds no solution in 10 s):

1. Needs with the same shift, the same community and the same set of eligible volunteers are interchangeable: they
   are merged into one *class* whose capacity is the sum (exact). A class's volunteers are dealt back to its posts
   round-robin, so a shortage is spread and as many posts as possible get someone.
2. One boolean x[c, k] per *eligible* (volunteer, class) pair only.
3. Each volunteer's shifts split into independent blocks (no conflict and no shared day between blocks: the days).
   Per block the feasible shift sets ("patterns": no two conflicting shifts, no day over its limit) are enumerated:
   one boolean per pattern, at most one chosen, and for each shift s: sum of x[c, k] over the classes of s = sum of
   the patterns containing s. With one block the patterns carry the exact fairness cost; with several (a horizon of
   days), an integer fairness variable lies above the chords of the convex cost through the attainable totals.
   The LP relaxation thus holds the convex hull of each volunteer's own schedules for a day (Dantzig-Wolfe
   strength), joined by a transportation structure per shift. (A block with more than PATTERN_LIMIT patterns gets
   shift booleans with an at-most-one per maximal clique of the conflict graph, an interval graph of the shifts
   stretched by the rest, and a row per day for the hours.)
4. A min-cost flow of the relaxation without the rest/day coupling (source -> volunteer by convex marginal arcs ->
   volunteer x shift -> class -> sink; max flow, then min cost) bounds coverage from above. When every volunteer's
   schedules are "flow-exact" (they can work at most one of their shifts, or any subset of equal-length shifts) the
   flow optimum is the optimum, by the flow's integrality: method "min-cost-flow".
5. Otherwise GLOP solves the LP relaxation of 2-3. Its duals, re-checked here in exact summation with a margin for
   rounding, give a proven lower bound. On the community-day instances tried the LP optimum is integral: then it is
   the roster, proven optimal by that dual certificate (method "lp+dual-certificate").
6. Otherwise CP-SAT gets the formulation with a complete hint (the best of the rounded LP solution, the repaired
   flow solution and the greedy), columns fixed by reduced cost (those that cannot be in a cheaper roster), and
   proves optimality or reports the better of its bound and the LP's (method "cp-sat+lp-bound").
   engine="cp-sat" skips 4-5 and lets CP-SAT alone solve and bound the same formulation (method "cp-sat").

Numbers. Every number of the input is checked before anything else (instance._validate): ids are integers, `needed`
and the weights whole numbers (2.0 is 2), hours and limits finite numbers >= 0 taken exactly (float, int, Decimal),
shift times datetimes; within the limits MAX_NEEDED, MAX_HOURS_SO_FAR, MAX_WEIGHT, and the objective's scale within
EXACT_LIMIT. Anything else (NaN, None, 1.5 volunteers, a weight of 0.5, text) is an input error naming its item:
status "infeasible_input", the errors in `errors`, nothing dropped, truncated or raised. Shift lengths, the day limit
and the rest are compared exactly, in whole microseconds of elapsed time (a shift 20 s over the limit is over it; a
clock change counts); only the fairness term counts quarter-hours.

Every need not fully covered is named with its reasons (problem codes, words in volunteers.messages), checked
stage by stage: skill -> training -> availability -> shift length -> capacity/conflicts.

Modules: model (the interface and reason codes), instance (the derived instance and the reasons), search (greedy,
min-cost flow, repair), formulation (the model, its LP and CP-SAT), solve (the entry points).
"""

from gongzhi.volunteers.rostering.instance import rules_errors
from gongzhi.volunteers.rostering.model import (
    CODES,
    COMMUNITY_POINTS,
    MAX_HOURS_SO_FAR,
    MAX_NEEDED,
    MAX_WEIGHT,
    PATTERN_LIMIT,
    POINT,
    Candidate,
    Need,
    RosterResult,
    Rules,
    Shift,
    Uncovered,
)
from gongzhi.volunteers.rostering.solve import fairness, roster_greedy, roster_solve

__all__ = [
    "CODES",
    "COMMUNITY_POINTS",
    "MAX_HOURS_SO_FAR",
    "MAX_NEEDED",
    "MAX_WEIGHT",
    "PATTERN_LIMIT",
    "POINT",
    "Candidate",
    "Need",
    "RosterResult",
    "Rules",
    "Shift",
    "Uncovered",
    "fairness",
    "roster_greedy",
    "roster_solve",
    "rules_errors",
]
