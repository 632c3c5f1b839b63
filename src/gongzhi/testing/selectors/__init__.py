"""Reads of rounds, recalls and coverage, always inside the user's areas."""

from gongzhi.testing.selectors.coverage import (
    DOOR_TO_DOOR_TAGS,
    UNTESTED_ORDER,
    coverage_summary,
    door_to_door_tasks,
    door_visits_due,
    untested_residents,
)
from gongzhi.testing.selectors.drill import coverage_children, grid_in_round
from gongzhi.testing.selectors.for_zones import negative_rounds_since, positive_tube_places
from gongzhi.testing.selectors.history import HISTORY_ROUNDS, rounds_over_community, sample_result, testing_history
from gongzhi.testing.selectors.progress import (
    community_coverage,
    progress_by_community,
    progress_rows_by_level,
    progress_totals,
    tubes_waiting_for_results,
)
from gongzhi.testing.selectors.recalls import RECALL_OPEN, open_recall_count, recall_get_for_user, recall_list
from gongzhi.testing.selectors.rounds import (
    COLLECTING_ROLES,
    collector_by_username,
    collector_candidates,
    current_round_over,
    result_conflicts_held,
    round_collectors,
    round_get_for_collector,
    round_get_for_user,
    round_list,
    round_names,
    rounds_collecting,
    rounds_open_around,
    site_list,
    slot_for_building,
    slots_of_community,
)

__all__ = [
    "round_list",
    "round_get_for_user",
    "COLLECTING_ROLES",
    "round_get_for_collector",
    "rounds_collecting",
    "round_collectors",
    "collector_candidates",
    "collector_by_username",
    "site_list",
    "slots_of_community",
    "slot_for_building",
    "result_conflicts_held",
    "rounds_open_around",
    "current_round_over",
    "round_names",
    "recall_list",
    "recall_get_for_user",
    "RECALL_OPEN",
    "open_recall_count",
    "UNTESTED_ORDER",
    "untested_residents",
    "coverage_summary",
    "DOOR_TO_DOOR_TAGS",
    "door_to_door_tasks",
    "door_visits_due",
    "progress_by_community",
    "progress_totals",
    "progress_rows_by_level",
    "community_coverage",
    "tubes_waiting_for_results",
    "coverage_children",
    "grid_in_round",
    "sample_result",
    "HISTORY_ROUNDS",
    "rounds_over_community",
    "testing_history",
    "positive_tube_places",
    "negative_rounds_since",
]
