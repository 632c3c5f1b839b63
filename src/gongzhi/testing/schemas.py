import datetime as dt
from typing import Any

from ninja import Field, Schema
from pydantic import BaseModel


class RoundCreateIn(Schema):
    name: str = Field(max_length=100)
    area_code: str = Field(pattern=r"^([0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$")
    pool_size: int = Field(ge=1, le=20)


class RoundOut(Schema):
    public_id: str
    name: str
    area_code: str
    pool_size: int
    status: str
    starts_at: dt.datetime


# The scan batch schemas are plain pydantic models: ninja's Schema wraps every nested object in a
# Django-aware getter, which cost a third of the request time for 500 events (profiled).
class ScanEventIn(BaseModel):
    event_id: str = Field(max_length=64, description="The device's own id for the event, echoed back")
    kind: str = Field(description="open | scan | close")
    barcode: str = Field(max_length=64)
    code: str = Field("", max_length=64, description="R:<resident id>, H:<household id>, or an ID number")
    at: dt.datetime | None = None


class ScanBatchIn(BaseModel):
    batch_id: str = Field(
        "",
        max_length=64,
        description="The device's id for this batch; a replay with the same id gets the stored answers",
    )
    # Each event is read on its own (testing.collection.read_event), in the form of ScanEventIn:
    # a wrong event is answered as that event's error, never the batch's.
    events: list[Any] = Field(max_length=500, description="Scan events, each as ScanEventIn")


class ScanOutcomeOut(BaseModel):
    event_id: str
    status: str
    code: str
    params: dict = Field(
        default_factory=dict,
        description="the values the message names, by code; in_tube (people the tube holds on the server) "
        "in the answer to reopening a tube or to a repeated scan",
    )
    message: str
    added: int


class ScanBatchOut(BaseModel):
    outcomes: list[ScanOutcomeOut]


RESULT_WORDS = "negative | positive, as labs write them: 阴性, 阳性, 阴性(-), 阳性（+）, -, +, neg, pos"


class TubeResultIn(Schema):
    barcode: str = Field(max_length=64)
    result: str = Field(max_length=16, description=RESULT_WORDS)


class TubeResultsIn(Schema):
    results: list[TubeResultIn] = Field(max_length=5000)


class TubeResultOut(Schema):
    barcode: str
    status: str = Field(description="ok | held | error")
    code: str = Field(
        description="ok: recorded, unchanged, repeated; held: conflict_held (this call's items for the tube"
        " disagree: none applied, held until a later call or a correction gives the tube its result);"
        " error: result_empty, result_unknown, result_contradictory, result_differs, no_such_tube,"
        " barcode_empty, barcode_format, tube_not_resultable"
    )
    message: str
    values: list[str] = Field(default_factory=list, description="held: this call's values for the tube, as written")


class TubeResultCorrectionIn(Schema):
    barcode: str = Field(max_length=64)
    result: str = Field(max_length=16, description=RESULT_WORDS)
    reason: str = Field(max_length=200, description="Required: why the result changes (a retest, 复检)")


class TubeResultCorrectionOut(Schema):
    barcode: str
    from_status: str
    to_status: str
    samples: int = Field(description="the tube's samples moved")
    recalls_cancelled: int = Field(description="recalls not yet re-swabbed, cancelled by a correction to negative")
    conflict_resolved: bool = Field(description="a held conflict of the tube was resolved")


class ResultFileOut(Schema):
    rows: int = Field(description="rows read; each is recorded, unchanged, held or an error")
    recorded: int
    unchanged: int = Field(description="the tube already had the result, or the same tube again with it")
    positive: int = Field(description="tubes made positive: their recalls open")
    held: list[dict] = Field(description="rows held: the file's rows for the tube disagree (row, barcode, values)")
    errors: list[dict] = Field(description="rows not recorded (row, barcode, code, message)")
    ignored: list[str] = Field(default=[], description="the file's columns read for nothing (their headers)")


class RecallOut(Schema):
    public_id: str
    status: str
    tube_barcode: str
    resident_id: str
    name: str
    phone: str
    address: str
    building: str
    community_code: str


class RecallTransitionIn(Schema):
    to_status: str = Field(max_length=16)
    note: str = Field("", max_length=200)


class CoverageOut(Schema):
    area_code: str
    expected: int
    sampled: int | None = Field(
        description="archived rounds: from the per-community rollup; null for a user below a community"
    )
    exempted: int
    untested: int | None
    archived: bool = Field(
        default=False, description="the round's samples were archived and removed (gongzhi testing-retention)"
    )
