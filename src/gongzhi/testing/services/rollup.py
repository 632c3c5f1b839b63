"""The per-community progress rollup (RoundProgress), kept by the write paths so dashboards never
count the samples table."""

from collections import Counter

from django.db import connection

from gongzhi.testing.models import Round, RoundProgress
from gongzhi.testing.services.lookups import chunks

_PROGRESS_FIELDS = ("sampled", "tubes", "tubes_resulted", "positive_tubes")


def progress_add(round_: Round, counts: dict[str, Counter]) -> None:
    """Add to the per-community rollup in one upsert; rows appear on first use. Communities go in
    code order, so concurrent batches on PostgreSQL lock the rows in the same order."""
    codes = sorted({code for per_field in counts.values() for code, n in per_field.items() if n})
    if not codes:
        return
    rows = [(round_.pk, code, *(counts.get(name, {}).get(code, 0) for name in _PROGRESS_FIELDS)) for code in codes]
    table = RoundProgress._meta.db_table
    updates = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in _PROGRESS_FIELDS)
    with connection.cursor() as cursor:
        for chunk in chunks(rows, 150):
            marks = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} (round_id, community_code, {', '.join(_PROGRESS_FIELDS)}) VALUES {marks}"
                f" ON CONFLICT (round_id, community_code) DO UPDATE SET {updates}",
                [value for row in chunk for value in row],
            )
