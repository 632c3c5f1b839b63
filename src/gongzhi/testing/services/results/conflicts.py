"""Held result conflicts: kept for the lab to see, closed once their tube has a result."""

from gongzhi.testing.models import ResultConflict, Round
from gongzhi.testing.services.lookups import chunks
from gongzhi.testing.services.results._common import _TubeRow


def _hold_conflicts(round_: Round, held: list[tuple["_TubeRow", list[dict]]], actor, source: str, now) -> None:
    """Keep each tube's disagreeing rows, replacing those a previous call held for it."""
    if not held:
        return
    open_: dict[int, ResultConflict] = {}
    for chunk in chunks([tube.pk for tube, _rows in held]):
        open_.update(
            (c.tube_id, c)
            for c in ResultConflict.objects.filter(round=round_, resolved_at__isnull=True, tube_id__in=chunk)
        )
    by = actor if getattr(actor, "pk", None) else None
    new, changed = [], []
    for tube, rows in held:
        conflict = open_.get(tube.pk)
        if conflict is None:
            new.append(
                ResultConflict(
                    round=round_,
                    tube_id=tube.pk,
                    barcode=tube.barcode,
                    community_code=tube.community_code,
                    rows=rows,
                    source=source[:255],
                    held_by=by,
                )
            )
        else:
            conflict.rows, conflict.source, conflict.held_by, conflict.updated_at = rows, source[:255], by, now
            changed.append(conflict)
    ResultConflict.objects.bulk_create(new, batch_size=500)
    ResultConflict.objects.bulk_update(changed, ["rows", "source", "held_by", "updated_at"], batch_size=500)


def _resolve_conflicts(round_: Round, tubes: dict[str, list[int]], actor, now, reason: str = "") -> int:
    """Close the held conflicts of these tubes, which now have a result (result -> tube ids). One
    indexed query when the round has none held (the normal path)."""
    if not any(tubes.values()) or not ResultConflict.objects.filter(round=round_, resolved_at__isnull=True).exists():
        return 0
    by = actor if getattr(actor, "pk", None) else None
    resolved = 0
    for result, ids in sorted(tubes.items()):
        for chunk in chunks(ids):
            resolved += ResultConflict.objects.filter(round=round_, resolved_at__isnull=True, tube_id__in=chunk).update(
                resolved_at=now, resolved_by=by, resolution=result, resolution_reason=reason[:200], updated_at=now
            )
    return resolved
