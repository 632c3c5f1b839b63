"""Writes of mass testing, by topic:

- rounds: rounds, sampling sites, the slot plan, exemptions
- ingest: scan batches from collectors' devices (the hot path)
- results: lab results per tube, by API or file, held conflicts and corrections
- recalls: recalls opened by positive pools, and worked along their flow
- untested: the untested list as an audited workbook
- lookups, rollup: set-based reads and the progress rollup shared by the hot paths
"""

from gongzhi.testing.services.ingest import MAX_BATCH, batch_key_of, scan_batch_ingest
from gongzhi.testing.services.recalls import (
    recall_export,
    recall_list_full_view_record,
    recall_transition,
    recalls_open,
    testing_history_view_record,
)
from gongzhi.testing.services.results import tube_result_correct, tube_results_import, tube_results_record
from gongzhi.testing.services.rounds import (
    SLOT_WINDOWS,
    door_visit_record,
    exemption_record,
    round_collector_assign,
    round_collector_remove,
    round_create,
    round_transition,
    site_create,
    slot_plan_create,
)
from gongzhi.testing.services.untested import untested_export

__all__ = [
    "SLOT_WINDOWS",
    "door_visit_record",
    "recall_export",
    "testing_history_view_record",
    "MAX_BATCH",
    "batch_key_of",
    "exemption_record",
    "recall_list_full_view_record",
    "recall_transition",
    "recalls_open",
    "round_collector_assign",
    "round_collector_remove",
    "round_create",
    "round_transition",
    "scan_batch_ingest",
    "site_create",
    "slot_plan_create",
    "tube_result_correct",
    "tube_results_import",
    "tube_results_record",
    "untested_export",
]
