"""Pages of mass testing, by topic:

- rounds: the round list, a new round, the dashboard and its figures (drill-down), steps, collectors,
  the current round of an area
- untested: the coverage page (counts, door-to-door tasks, the untested list), its export, door visits
- recalls: the recall list, its export, a recall's steps
- results: a lab's results upload and corrections
- sites: sampling sites, the slot plan and the printed slot notices
- collecting: the collector's scanning page and its service worker
"""

from gongzhi.testing.views.collecting import collect, collect_service_worker
from gongzhi.testing.views.recalls import RECALL_EXPORT_MAX, recall_export, recall_list, recall_rows, recall_transition
from gongzhi.testing.views.results import RESULT_FILE_LIMIT, results_import
from gongzhi.testing.views.rounds import (
    round_collectors,
    round_current,
    round_dashboard,
    round_list,
    round_new,
    round_progress,
    round_transition,
)
from gongzhi.testing.views.sites import site_plan, slot_notice, slot_notices
from gongzhi.testing.views.untested import UNTESTED_PAGE, coverage, door_visit, untested_export

__all__ = [
    "round_list",
    "round_current",
    "round_new",
    "round_dashboard",
    "round_transition",
    "round_collectors",
    "round_progress",
    "UNTESTED_PAGE",
    "coverage",
    "untested_export",
    "door_visit",
    "RECALL_EXPORT_MAX",
    "recall_rows",
    "recall_list",
    "recall_export",
    "recall_transition",
    "RESULT_FILE_LIMIT",
    "results_import",
    "site_plan",
    "slot_notices",
    "slot_notice",
    "collect",
    "collect_service_worker",
]
