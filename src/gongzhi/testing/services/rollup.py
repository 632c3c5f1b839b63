"""The per-community progress rollup (RoundProgress), kept by the write paths so dashboards never
count the samples table."""

from collections import Counter

from gongzhi.core.db import Statement, in_turn, insert_statements
from gongzhi.people.models import Resident
from gongzhi.testing import flows
from gongzhi.testing.models import Round, RoundProgress

_PROGRESS_FIELDS = ("sampled", "tubes", "tubes_resulted", "positive_tubes")


def progress_add(round_: Round, counts: dict[str, Counter]) -> None:
    """Add to the per-community rollup in one upsert; rows appear on first use. Communities go in
    code order, so concurrent batches on PostgreSQL lock the rows in the same order."""
    in_turn(progress_statements(round_, counts))


def progress_statements(round_: Round, counts: dict[str, Counter]) -> list[Statement]:
    """The upserts of `progress_add`, to send last with a batch's other writes in one message
    (`core.db.in_turn`): they hold the communities' counter rows until commit."""
    codes = sorted({code for per_field in counts.values() for code, n in per_field.items() if n})
    rows = [(round_.pk, code, *(counts.get(name, {}).get(code, 0) for name in _PROGRESS_FIELDS)) for code in codes]
    table = RoundProgress._meta.db_table
    updates = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in _PROGRESS_FIELDS)
    return insert_statements(
        RoundProgress,
        ("round_id", "community_code", *_PROGRESS_FIELDS),
        rows,
        on_conflict=f"ON CONFLICT (round_id, community_code) DO UPDATE SET {updates}",
    )


def expected_refresh(community_codes: list[str]) -> int:
    """The residents registered now, as the expected figure of every open round over these
    communities (people.residents_changed): one count per community on its index, one upsert per
    round. Returns the rollup rows written."""
    written = 0
    for code in sorted(set(community_codes)):
        if len(code) != 12 or not code.isdecimal():
            continue
        prefixes = [code[:n] for n in (4, 6, 9, 12)]
        rounds = list(Round.objects.filter(status=flows.OPEN, area_code__in=prefixes).values_list("id", flat=True))
        if not rounds:
            continue
        residents = Resident.objects.filter(community_code=code).count()
        for round_id in rounds:
            updated = RoundProgress.objects.filter(round_id=round_id, community_code=code).update(expected=residents)
            if not updated:
                RoundProgress.objects.get_or_create(
                    round_id=round_id, community_code=code, defaults={"expected": residents}
                )
            written += 1
    return written
