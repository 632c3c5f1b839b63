"""Allocation of living supplies when stock is short: which supply point sends how many units of each category to
which community. Pure Python on purpose (no Django); OR-Tools' min-cost flow does the optimisation.

Priorities, strictly lexicographic, per category (categories are independent):

1. the vulnerable people (households with dialysis, insulin, elderly alone, bedridden, pregnant, disabled members)
   of every community for the whole horizon, counting what the community already holds first; if even that is
   short, their days are evened out across communities (lowest first) in steps of `step_days`;
2. then everyone's days of supply evened out: the lowest communities are raised first (max-min, "water filling")
   in steps of `step_days`, up to `horizon_days`; what a community already holds counts;
3. then the shortest distance from point to community.

Objective, per category (integers, minimised): points -> communities, costing round(km / longest km x
DISTANCE_STEPS) a unit, -> sink through 2L parallel segments of increasing cost, convex in the units received
(L = horizon / step): the vulnerable people's steps of days j = 1 .. L (-(2L+1-j) W), then everyone's steps
k = 1 .. L (-(L+1-k) W), W = LEVEL_WEIGHT = DISTANCE_STEPS + 1, so a unit one segment lower outweighs any
difference in distance, and every unit is worth sending while a community is below the horizon; a point keeps
what is left at cost 0. Integral, and its minimum is exactly the lexicographic optimum at the granularity of a step.

Solved exactly in two moves. (a) Every point reaches every community, so an optimal flow fills the segments in
order across all communities: those below some s are full, s takes the rest of the stock, those above are empty
(else moving a unit down to an unfilled segment saves at least W - DISTANCE_STEPS > 0). What remains is where the
units go: a min-cost flow with two segments per community (the full ones; segment s), whose cost differs from the
objective by a constant; the objective is recomputed from the flow in the original segments and checked. (b) Only
the `neighbours` nearest pairs are in the first model; node potentials (shortest distances in the residual graph,
Bellman-Ford) price every pair left out; those with a negative reduced cost are added and the model solved again,
until none is left: the potentials then prove the flow optimal on the full graph (the Lagrangian bound they give
equals the objective, in integers). Out of time first, the result is "feasible" with that bound.

The reasons and refusals are problem codes (`CODES`, in model.py with their values); their words are in
supplies.messages. Any input is refused by name rather than corrected (AllocationInputError).
"""

from gongzhi.supplies.allocation.model import (
    CODES,
    DISTANCE_STEPS,
    FEASIBLE,
    LEVEL_WEIGHT,
    OPTIMAL,
    Allocation,
    AllocationInputError,
    Category,
    CategoryResult,
    Community,
    CommunitySupply,
    Shipment,
    SupplyPoint,
)
from gongzhi.supplies.allocation.solve import allocate

__all__ = [
    "CODES",
    "DISTANCE_STEPS",
    "FEASIBLE",
    "LEVEL_WEIGHT",
    "OPTIMAL",
    "Allocation",
    "AllocationInputError",
    "Category",
    "CategoryResult",
    "Community",
    "CommunitySupply",
    "Shipment",
    "SupplyPoint",
    "allocate",
]
