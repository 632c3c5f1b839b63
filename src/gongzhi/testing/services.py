"""Writes for mass-testing rounds: rounds and sites, batched scan ingestion, lab results, recalls."""

from collections import Counter, defaultdict
from datetime import datetime

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from gongzhi.core.errors import ApplicationError
from gongzhi.people.models import Resident
from gongzhi.places.models import Area
from gongzhi.testing import collection
from gongzhi.testing.models import Recall, RecallEvent, Round, RoundProgress, Sample, Tube

MAX_BATCH = 500
_CHUNK = 900  # SQLite's bound-parameter limit is 999 on old builds


def _chunks(values, size=_CHUNK):
    values = list(values)
    for i in range(0, len(values), size):
        yield values[i : i + size]


def round_create(*, actor, name: str, area_code: str, pool_size: int, starts_at: datetime | None = None) -> Round:
    """Open a round over an area (a community up to the city)."""
    name = name.strip()
    if not name:
        raise ApplicationError("请填写轮次名称")
    if not 1 <= pool_size <= 20:
        raise ApplicationError("混采人数必须在1到20之间")
    if not Area.objects.filter(code=area_code).exists():
        raise ApplicationError("区划代码不存在", {"area_code": area_code})
    with transaction.atomic():
        round_ = Round(name=name[:100], area_code=area_code, pool_size=pool_size, created_by=actor,
                       status=Round.Status.OPEN, starts_at=starts_at or timezone.now())
        round_.full_clean()
        round_.save()
    return round_


def _resolve_codes(round_: Round, codes: set[str]) -> dict[str, list[int]]:
    """Scanned codes -> resident ids inside the round's area. A code is a resident code (R:<id>),
    a household code (H:<id>, all members) or an ID number typed by hand."""
    resident_ids = {c[2:] for c in codes if c.startswith("R:")}
    household_ids = {c[2:] for c in codes if c.startswith("H:")}
    id_numbers = {c.upper() for c in codes if len(c) == 18 and not c.startswith(("R:", "H:"))}
    in_area = Resident.objects.filter(community_code__startswith=round_.area_code)
    found: dict[str, list[int]] = {}
    for chunk in _chunks(resident_ids):
        for pk, public_id in in_area.filter(public_id__in=chunk).values_list("pk", "public_id"):
            found["R:" + public_id] = [pk]
    for chunk in _chunks(household_ids):
        members = defaultdict(list)
        for pk, household_public_id in in_area.filter(household__public_id__in=chunk).values_list(
            "pk", "household__public_id"
        ).order_by("pk"):
            members["H:" + household_public_id].append(pk)
        found.update(members)
    for chunk in _chunks(id_numbers):
        for pk, id_number in in_area.filter(id_number__in=chunk).values_list("pk", "id_number"):
            found[id_number] = [pk]
    for code in codes:  # ID numbers typed with a lower-case x
        if code not in found and code.upper() in found:
            found[code] = found[code.upper()]
    return found


def scan_batch_ingest(*, round_: Round, collector, events: list[collection.Event], site=None) -> list[collection.Outcome]:
    """Apply up to 500 scan events from one collector's device, idempotently.

    Reads the batch's tubes, residents and their samples in a few set-based queries, applies the
    rules in `collection`, writes tubes, samples and the progress rollup in one transaction.
    """
    if len(events) > MAX_BATCH:
        raise ApplicationError(f"每批最多{MAX_BATCH}条扫码记录", status=413)
    if round_.status != Round.Status.OPEN:
        raise ApplicationError("该轮次未在进行中，不能采样", status=409)
    now = timezone.now()
    for event in events:
        event.at = event.at or now
    with transaction.atomic():
        residents_by_code = _resolve_codes(round_, {e.code for e in events if e.kind == collection.SCAN and e.code})
        barcodes = {e.barcode for e in events}
        tubes: dict[str, collection.TubeState] = {}
        tube_rows: dict[str, Tube] = {}
        for chunk in _chunks(barcodes):
            for tube in Tube.objects.filter(round=round_, barcode__in=chunk):
                tube_rows[tube.barcode] = tube
                tubes[tube.barcode] = collection.TubeState(
                    tube.barcode, tube.collector_id, tube.pool_size, tube.sample_count,
                    tube.status != Tube.Status.OPEN,
                )
        resident_ids = {r for ids in residents_by_code.values() for r in ids}
        sampled: dict[int, str] = {}
        for chunk in _chunks(resident_ids):
            sampled.update(
                Sample.objects.filter(round=round_, resident_id__in=chunk).values_list("resident_id", "tube__barcode")
            )
        result = collection.apply_events(
            events, collector_id=collector.pk, pool_size=round_.pool_size, tubes=tubes, sampled=sampled,
            residents_by_code=residents_by_code,
        )
        community_of = dict(
            Resident.objects.filter(pk__in=[r for r, _, _ in result.new_samples]).values_list("pk", "community_code")
        ) if result.new_samples else {}
        _write_tubes(round_, collector, site, result, tube_rows, community_of)
        _write_samples(round_, result, tube_rows, community_of)
    return result.outcomes


def _write_tubes(round_, collector, site, result, tube_rows, community_of) -> None:
    first_community = {}
    for resident_id, barcode, _ in result.new_samples:
        first_community.setdefault(barcode, community_of[resident_id])
    fallback = site.community_code if site else round_.area_code.ljust(12, "0")[:12]
    new = [
        Tube(round=round_, barcode=t.barcode, community_code=first_community.get(t.barcode, fallback), site=site,
             collector=collector, pool_size=t.pool_size, opened_at=t.opened_at or timezone.now())
        for t in result.tubes.values() if t.is_new
    ]
    Tube.objects.bulk_create(new, ignore_conflicts=True)
    if new:
        for tube in Tube.objects.filter(round=round_, barcode__in=[t.barcode for t in new]):
            tube_rows[tube.barcode] = tube
        _progress_add(round_, Counter(t.community_code for t in new), "tubes")
    closed = [t for t in result.tubes.values() if t.closed_now]
    for state in closed:
        Tube.objects.filter(pk=tube_rows[state.barcode].pk, status=Tube.Status.OPEN).update(
            status=Tube.Status.CLOSED, closed_at=state.closed_at or timezone.now()
        )


def _write_samples(round_, result, tube_rows, community_of) -> None:
    if not result.new_samples:
        return
    rows = [
        Sample(round=round_, resident_id=r, tube=tube_rows[barcode], community_code=community_of[r], collected_at=at)
        for r, barcode, at in result.new_samples
    ]
    Sample.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    per_tube = Counter(barcode for _, barcode, _ in result.new_samples)
    for barcode, n in per_tube.items():
        Tube.objects.filter(pk=tube_rows[barcode].pk).update(sample_count=F("sample_count") + n)
    _progress_add(round_, Counter(community_of[r] for r, _, _ in result.new_samples), "sampled")


def _progress_add(round_: Round, counts: Counter, field: str) -> None:
    """Add to the per-community rollup; rows appear on first use."""
    existing = set(
        RoundProgress.objects.filter(round=round_, community_code__in=list(counts)).values_list("community_code", flat=True)
    )
    RoundProgress.objects.bulk_create(
        [RoundProgress(round=round_, community_code=c) for c in counts if c not in existing], ignore_conflicts=True
    )
    for code, n in counts.items():
        RoundProgress.objects.filter(round=round_, community_code=code).update(**{field: F(field) + n})


def recall_transition(*, actor, recall: Recall, to_status: str, note: str = "") -> Recall:
    """Move a recall along its workflow (see RECALL_FLOW); every step is an event row."""
    if to_status not in RECALL_FLOW.get(recall.status, ()):
        raise ApplicationError("复核状态不能这样变更", {"from": recall.status, "to": to_status}, status=409)
    with transaction.atomic():
        RecallEvent.objects.create(recall=recall, actor=actor, from_status=recall.status, to_status=to_status,
                                   note=note[:200])
        recall.status = to_status
        recall.save(update_fields=["status", "updated_at"])
    return recall


RECALL_FLOW = {
    Recall.Status.OPEN: (Recall.Status.NOTIFIED, Recall.Status.RESAMPLED),
    Recall.Status.NOTIFIED: (Recall.Status.RESAMPLED,),
    Recall.Status.RESAMPLED: (Recall.Status.NEGATIVE, Recall.Status.POSITIVE),
    Recall.Status.NEGATIVE: (),
    Recall.Status.POSITIVE: (),
}


RESULT_NEGATIVE, RESULT_POSITIVE = "negative", "positive"
RESULT_WORDS = {
    "negative": RESULT_NEGATIVE, "neg": RESULT_NEGATIVE, "阴性": RESULT_NEGATIVE, "-": RESULT_NEGATIVE,
    "positive": RESULT_POSITIVE, "pos": RESULT_POSITIVE, "阳性": RESULT_POSITIVE, "+": RESULT_POSITIVE,
}


def tube_results_record(*, actor, round_: Round, results: list[tuple[str, str]]) -> list[dict]:
    """Record lab results per tube. A negative tube marks its members negative; a positive tube
    opens a recall for each member. Idempotent; a result that contradicts a recorded one is refused
    for that tube, and every other item is still processed. Returns one answer per item."""
    if len(results) > 5000:
        raise ApplicationError("每批最多5000条检测结果", status=413)
    answers: list[dict] = []
    wanted: dict[str, str] = {}
    for barcode, word in results:
        barcode = (barcode or "").strip()
        result = RESULT_WORDS.get((word or "").strip().lower())
        if not collection.BARCODE.match(barcode):
            answers.append({"barcode": barcode, "status": "error", "message": "管号格式不正确"})
        elif result is None:
            answers.append({"barcode": barcode, "status": "error", "message": "结果只能是阴性或阳性"})
        elif wanted.get(barcode, result) != result:
            answers.append({"barcode": barcode, "status": "error", "message": "同一管号在本批中结果矛盾"})
        else:
            wanted[barcode] = result
            answers.append({"barcode": barcode, "status": "pending", "message": ""})
    now = timezone.now()
    with transaction.atomic():
        tubes = {}
        for chunk in _chunks(wanted):
            tubes.update({t.barcode: t for t in Tube.objects.filter(round=round_, barcode__in=chunk)})
        to_mark: dict[str, list[int]] = {RESULT_NEGATIVE: [], RESULT_POSITIVE: []}
        for answer in answers:
            if answer["status"] != "pending":
                continue
            barcode, result = answer["barcode"], wanted[answer["barcode"]]
            tube = tubes.get(barcode)
            if tube is None:
                answer.update(status="error", message="本轮没有这个管号")
            elif tube.status in (Tube.Status.NEGATIVE, Tube.Status.POSITIVE):
                same = tube.status == result
                answer.update(status="ok" if same else "error", message="" if same else "该管已有不同的结果，未更改")
            else:
                to_mark[result].append(tube.pk)
                tube.status = result
                answer.update(status="ok")
        _apply_results(round_, to_mark, tubes, now)
    return answers


def _apply_results(round_: Round, to_mark: dict[str, list[int]], tubes: dict[str, Tube], now) -> None:
    by_pk = {t.pk: t for t in tubes.values()}
    for result, tube_ids in to_mark.items():
        if not tube_ids:
            continue
        sample_result = Sample.Result.NEGATIVE if result == RESULT_NEGATIVE else Sample.Result.POSITIVE_POOL
        for chunk in _chunks(tube_ids):
            Tube.objects.filter(pk__in=chunk).update(
                status=result, result_at=now, closed_at=Coalesce(F("closed_at"), Value(now))
            )
            Sample.objects.filter(tube_id__in=chunk).update(result=sample_result)
        _progress_add(round_, Counter(by_pk[pk].community_code for pk in tube_ids), "tubes_resulted")
        if result == RESULT_POSITIVE:
            _progress_add(round_, Counter(by_pk[pk].community_code for pk in tube_ids), "positive_tubes")
            members = []
            for chunk in _chunks(tube_ids):
                members += list(Sample.objects.filter(tube_id__in=chunk).values_list("resident_id", "tube_id",
                                                                                     "community_code"))
            Recall.objects.bulk_create(
                [Recall(round=round_, resident_id=r, tube_id=t, community_code=c) for r, t, c in members],
                ignore_conflicts=True, batch_size=500,
            )
