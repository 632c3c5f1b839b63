"""A resident's testing history over the rounds, and a sample's result (its tube's)."""

from django.db.models import Case, CharField, Value, When

from gongzhi.testing import flows
from gongzhi.testing.models import Exemption, Recall, Round, Sample


def sample_result():
    """A sample's result, for `.annotate(result=...)`: its tube's (flows.SAMPLE_RESULT), pending
    until the tube has one. Samples store no result of their own."""
    return Case(
        *(When(tube__status=tube, then=Value(sample)) for tube, sample in flows.SAMPLE_RESULT.items()),
        default=Value(flows.PENDING),
        output_field=CharField(),
    )


HISTORY_ROUNDS = 6


def rounds_over_community(community_code: str, limit: int = HISTORY_ROUNDS) -> list[Round]:
    """The latest rounds whose area holds this community (the city's, its district's, street's or
    its own), newest first."""
    codes = {community_code[:n] for n in (4, 6, 9, 12)}
    return list(Round.objects.filter(area_code__in=codes).order_by("-starts_at", "-id")[:limit])


def testing_history(*, rounds: list[Round], resident_ids: list[int]) -> dict[tuple[int, int], dict]:
    """(round id, resident id) -> what happened to the resident in the round: their sample's result
    and tube, their exemption, their recall. Three indexed queries for a household's members over a
    few rounds; the caller has decided the residents (their area) and the viewer's right to see it."""
    round_ids = [r.pk for r in rounds]
    found: dict[tuple[int, int], dict] = {}
    if not round_ids or not resident_ids:
        return found
    samples = (
        Sample.objects.filter(round_id__in=round_ids, resident_id__in=resident_ids)
        .annotate(result=sample_result())
        .values_list("round_id", "resident_id", "result", "tube__barcode")
    )
    for round_id, resident_id, result, barcode in samples:
        found.setdefault((round_id, resident_id), {})["result"] = result
        found[(round_id, resident_id)]["barcode"] = barcode
    exemptions = Exemption.objects.filter(round_id__in=round_ids, resident_id__in=resident_ids)
    for round_id, resident_id, reason in exemptions.values_list("round_id", "resident_id", "reason"):
        found.setdefault((round_id, resident_id), {})["exempt"] = Exemption.Reason(reason).label
    recalls = Recall.objects.filter(round_id__in=round_ids, resident_id__in=resident_ids)
    for round_id, resident_id, state in recalls.values_list("round_id", "resident_id", "status"):
        found.setdefault((round_id, resident_id), {})["recall"] = Recall.Status(state).label
    return found
