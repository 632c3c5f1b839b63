import orjson
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from gongzhi.core import access, roles
from gongzhi.core.api import PageParams, paginate
from gongzhi.core.errors import ApplicationError
from gongzhi.core.pii import pii_visible
from gongzhi.core.replica import reading_from_replica
from gongzhi.people.selectors import resident_get_for_user, resident_personal_data
from gongzhi.places.selectors import area_exists
from gongzhi.testing import collection, selectors, services
from gongzhi.testing.messages import outcomes_worded
from gongzhi.testing.schemas import (
    CoverageOut,
    RecallOut,
    RecallTransitionIn,
    ResultFileOut,
    RoundCreateIn,
    RoundOut,
    ScanBatchIn,
    ScanBatchOut,
    TubeResultCorrectionIn,
    TubeResultCorrectionOut,
    TubeResultOut,
    TubeResultsIn,
)

router = Router(tags=["testing"])


class RoundPage(Schema):
    items: list[RoundOut]
    page: int
    has_next: bool


class RecallPage(Schema):
    items: list[RecallOut]
    page: int
    has_next: bool


def _recall_out(recall, *, full: bool) -> dict:
    resident = recall.resident
    return {
        "public_id": recall.public_id,
        "status": recall.status,
        "tube_barcode": recall.tube.barcode,
        "resident_id": resident.public_id,
        "name": resident.name,
        "phone": resident_personal_data(resident, full=full).phone,
        "address": resident.household.address,
        "building": resident.household.building.name,
        "community_code": recall.community_code,
    }


@router.get("/rounds", response=RoundPage)
def round_list(request, params: Query[PageParams]):
    items, has_next = paginate(
        selectors.round_list(user=request.user, capability=roles.VIEW_TESTING),
        page=params.page,
        page_size=params.page_size,
    )
    return {"items": items, "page": params.page, "has_next": has_next}


@router.post("/rounds", response={201: RoundOut})
def round_create(request, payload: RoundCreateIn):
    if not access.may_in_area(request.user, roles.MANAGE_ROUNDS, payload.area_code):
        raise Http404
    return Status(201, services.round_create(actor=request.user, **payload.dict()))


@router.post("/rounds/{public_id}/scans", response=ScanBatchOut, summary="Batch of up to 500 scan events, idempotent")
def scan_batch(request, public_id: str, payload: ScanBatchIn):
    round_, site = selectors.round_get_for_collector(user=request.user, public_id=public_id)
    now, tz = timezone.now(), timezone.get_default_timezone()
    events = [collection.read_event(e, i, default_at=now, tz=tz) for i, e in enumerate(payload.events)]
    # Load shedding for this path happens before the body is parsed: core.overload.LoadSheddingMiddleware.
    outcomes = services.scan_batch_ingest(
        round_=round_,
        collector=request.user,
        events=events,
        site=site,
        batch_key=payload.batch_id,
    )
    # Built directly: the answer is plain data already, and re-validating 500 outcomes was slow.
    answers = [vars(o) for o in outcomes_worded(outcomes)]  # event_id, status, code, params, added, message
    body = orjson.dumps({"outcomes": answers}, option=orjson.OPT_NON_STR_KEYS, default=str)
    return HttpResponse(body, content_type="application/json")


@router.post("/rounds/{public_id}/results", response=list[TubeResultOut], summary="Lab results per tube")
def tube_results(request, public_id: str, payload: TubeResultsIn):
    round_ = selectors.round_get_for_user(user=request.user, public_id=public_id, capability=roles.RECORD_RESULTS)
    return services.tube_results_record(
        actor=request.user, round_=round_, results=[(r.barcode, r.result) for r in payload.results]
    )


@router.post(
    "/rounds/{public_id}/results/corrections",
    response=TubeResultCorrectionOut,
    summary="Correct a tube's result after a retest (复检更正), with the reason",
)
def tube_result_correct(request, public_id: str, payload: TubeResultCorrectionIn):
    round_ = selectors.round_get_for_user(user=request.user, public_id=public_id, capability=roles.RECORD_RESULTS)
    return services.tube_result_correct(actor=request.user, round_=round_, **payload.dict())


@router.post("/rounds/{public_id}/results/file", response=ResultFileOut, summary="Lab results from .csv or .xlsx")
def tube_results_file(request, public_id: str, file: UploadedFile = File(...)):
    round_ = selectors.round_get_for_user(user=request.user, public_id=public_id, capability=roles.RECORD_RESULTS)
    return services.tube_results_import(
        actor=request.user, round_=round_, file_name=file.name or "", content=file.read()
    )


class ExemptionIn(Schema):
    resident_id: str
    reason: str
    note: str = ""


class ExemptionOut(Schema):
    resident_id: str
    reason: str


@router.post("/rounds/{public_id}/exemptions", response=ExemptionOut)
def exemption_record(request, public_id: str, payload: ExemptionIn):
    round_ = selectors.round_get_for_user(user=request.user, public_id=public_id, capability=roles.VIEW_TESTING)
    resident = resident_get_for_user(user=request.user, public_id=payload.resident_id, capability=roles.EDIT_RESIDENTS)
    services.exemption_record(
        actor=request.user, round_=round_, resident=resident, reason=payload.reason, note=payload.note
    )
    return {"resident_id": resident.public_id, "reason": payload.reason}


@router.get("/rounds/{public_id}/recalls", response=RecallPage)
def recall_list(request, public_id: str, params: Query[PageParams]):
    round_ = selectors.round_get_for_user(user=request.user, public_id=public_id, capability=roles.VIEW_TESTING)
    items, has_next = paginate(
        selectors.recall_list(user=request.user, round_=round_), page=params.page, page_size=params.page_size
    )
    # Roles that phone the members see numbers in full where they work, and that is audited.
    full = {r.pk for r in items if pii_visible(request.user, r.resident)}
    services.recall_list_full_view_record(
        actor=request.user, recalls=[r for r in items if r.pk in full], ip_address=request.META.get("REMOTE_ADDR")
    )
    return {"items": [_recall_out(r, full=r.pk in full) for r in items], "page": params.page, "has_next": has_next}


@router.get("/rounds/{public_id}/coverage", response=CoverageOut)
def coverage(request, public_id: str, area_code: str = ""):
    round_ = selectors.round_get_for_user(user=request.user, public_id=public_id, capability=roles.VIEW_TESTING)
    if area_code and not area_exists(area_code[:12]):  # a name where a code belongs: never "all tested"
        raise ApplicationError(_("没有这个区域：请从列表中选择"), {"area_code": area_code[:12]}, status=422)
    with reading_from_replica():
        return selectors.coverage_summary(user=request.user, round_=round_, area_code=area_code[:12])


@router.post("/recalls/{public_id}/transition", response=RecallOut)
def recall_transition(request, public_id: str, payload: RecallTransitionIn):
    recall = selectors.recall_get_for_user(user=request.user, public_id=public_id, capability=roles.HANDLE_RECALLS)
    recall = services.recall_transition(
        actor=request.user, recall=recall, to_status=payload.to_status, note=payload.note
    )
    return _recall_out(recall, full=False)
