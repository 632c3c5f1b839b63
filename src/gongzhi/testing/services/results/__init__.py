"""Lab results: per tube, by API or from a file, and their corrections. A negative tube marks its
members negative; a positive tube marks them positive-pool and announces it (core.events:
"testing.pools_positive"), and testing's own subscriber opens the recalls (services.recalls), after
the commit.

Each call is one transaction; its moves are checked against TUBE_FLOW and SAMPLE_FLOW set-wise (the
UPDATEs only move rows from allowed states) and recorded as one workflow event per kind of move,
with the lab's account and the row count: who recorded which results stays on record.

Rows of one call that give a tube different results are none of them applied: they are held
(ResultConflict) for the lab to see, until a later call, or a correction, gives the tube its result.
A recorded result changes only by a correction (`tube_result_correct`), with the reason."""

from gongzhi.testing.services.results._common import POOLS_POSITIVE
from gongzhi.testing.services.results.corrections import tube_result_correct
from gongzhi.testing.services.results.record import (
    MAX_BARCODE,
    MAX_RESULTS,
    MAX_ZERO_HINTS,
    MAX_ZEROS,
    tube_results_import,
    tube_results_record,
)

__all__ = [
    "MAX_RESULTS",
    "MAX_BARCODE",
    "MAX_ZEROS",
    "MAX_ZERO_HINTS",
    "tube_results_record",
    "tube_results_import",
    "tube_result_correct",
    "POOLS_POSITIVE",
]
