"""Last-mile delivery runs in one community: volunteers carry orders from the distribution point to the doors.

`plan_runs` returns each vehicle's run: its stops in order (a run may come back to load again: trips), each
with its arrival and the load left on board. PyVRP searches; its answer is rescheduled and checked here, and
raises rather than being handed out if it breaks a rule. Every stop is optional to the solver, with a prize
above any detour it costs, so a stop left out is one the fleet could not take in time: it is returned
unassigned with its reason (`REASONS`). An urgent stop is a pair of copies, at most one visited: one due by
the urgent deadline with a bonus, one due by its window or the horizon; the bonus also keeps urgent stops in
when some must stay out. Afterwards each run puts its urgent stops first where the rules allow, and an urgent
stop still late moves to the cheapest run that is on time. Metres and seconds are whole numbers.
"""

from gongzhi.supplies.route_plan.instance import _instance
from gongzhi.supplies.route_plan.model import (
    BAD_CAPACITY,
    BAD_COORDINATES,
    BAD_LOAD,
    BAD_SERVICE,
    BAD_SETTING,
    BAD_SPEED,
    BAD_WINDOW,
    CODES,
    DUPLICATE_KEY,
    EARTH_RADIUS,
    MAX_COORDINATE,
    NO_VEHICLES,
    NOT_PLACED,
    OUT_OF_REACH,
    REASONS,
    TOO_HEAVY,
    WINDOW_UNREACHABLE,
    RoutePlanInputError,
    Run,
    RunPlan,
    Stop,
    Unassigned,
    Vehicle,
    Visit,
    local_metres,
)
from gongzhi.supplies.route_plan.plan import plan_runs
from gongzhi.supplies.route_plan.search import _kept

__all__ = [
    "BAD_CAPACITY",
    "BAD_COORDINATES",
    "BAD_LOAD",
    "BAD_SERVICE",
    "BAD_SETTING",
    "BAD_SPEED",
    "BAD_WINDOW",
    "CODES",
    "DUPLICATE_KEY",
    "EARTH_RADIUS",
    "MAX_COORDINATE",
    "NOT_PLACED",
    "NO_VEHICLES",
    "OUT_OF_REACH",
    "REASONS",
    "RoutePlanInputError",
    "Run",
    "RunPlan",
    "Stop",
    "TOO_HEAVY",
    "Unassigned",
    "Vehicle",
    "Visit",
    "WINDOW_UNREACHABLE",
    "_instance",
    "_kept",
    "local_metres",
    "plan_runs",
]
