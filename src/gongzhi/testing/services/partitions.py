"""Tubes and samples partitioned by round on PostgreSQL (migration 0007; docs/decisions.md, "Tubes
and samples partitioned by round"): a partition per round, `testing_tube_r<id>` and
`testing_sample_r<id>`, made when the round is made, and a DEFAULT partition that takes the rows of
any round without one (a round made outside `round_create`), so no row is ever refused. On SQLite
nothing is partitioned and every function here does nothing."""

from django.db import connection, models

from gongzhi.testing.models import Sample, Tube

PARTITIONED: tuple[type[models.Model], ...] = (Tube, Sample)
# Room left in each page of a round's tubes: every tube is updated once, when its result comes, and an
# update that finds room on its own page and changes no indexed column writes no index entry (a HOT
# update). Samples are never updated (a sample's result is its tube's): their pages are filled whole.
FILLFACTOR: dict[type[models.Model], int] = {Tube: 80}


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def round_filter(round_id: int) -> dict[str, int]:
    """The round as a filter for a query by tube or sample ids: on PostgreSQL it confines the query
    to the round's partition (probing one partition's index, not every round's); on SQLite nothing,
    where the round in the condition may make the planner walk the round's (round, community) index
    instead of the tube index (the recalls query did, at city size)."""
    return {"round_id": int(round_id)} if connection.vendor == "postgresql" else {}


def partition_name(model: type[models.Model], round_id: int) -> str:
    return f"{model._meta.db_table}_r{int(round_id)}"


def default_partition_name(model: type[models.Model]) -> str:
    return f"{model._meta.db_table}_default"


def is_partitioned(model: type[models.Model]) -> bool:
    """Whether the model's table is partitioned in this database (PostgreSQL, after migration 0007)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [_q(model._meta.db_table)])
        row = cursor.fetchone()
    return row is not None and row[0] == "p"


def partition_of(model: type[models.Model], round_id: int) -> str | None:
    """The name of the round's own partition of the model's table, or None (no partitions, or the
    round's rows are in the default partition)."""
    if connection.vendor != "postgresql":
        return None
    name = partition_name(model, round_id)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(%s) AND inhparent = to_regclass(%s)",
            [_q(name), _q(model._meta.db_table)],
        )
        return name if cursor.fetchone() else None


def round_partitions_create(round_id: int) -> list[str]:
    """Give the round its own partition of tubes and of samples, if it has none; returns those made.
    Called by `round_create` in the round's transaction. Rows of the round already caught by the
    default partition move into the new one first (PostgreSQL would refuse the partition otherwise).

    The partition is made as a table of its own and then attached: ATTACH locks the parent only
    against other schema changes (scan batches of other rounds go on), and the default partition
    (normally empty) for the moment it is checked; `CREATE TABLE ... PARTITION OF` would lock the
    whole parent, every round's writes, until the round's transaction commits."""
    made: list[str] = []
    if connection.vendor != "postgresql":
        return made
    for model in PARTITIONED:
        if not is_partitioned(model) or partition_of(model, round_id):
            continue
        parent, name = _q(model._meta.db_table), _q(partition_name(model, round_id))
        columns = ", ".join(_q(f.column) for f in model._meta.concrete_fields)
        with connection.cursor() as cursor:
            storage = f" WITH (fillfactor = {FILLFACTOR[model]})" if model in FILLFACTOR else ""
            cursor.execute(
                f"CREATE TABLE {name} (LIKE {parent} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)"
                + storage
            )
            cursor.execute(
                f"WITH moved AS (DELETE FROM {_q(default_partition_name(model))} WHERE round_id = %s"
                f" RETURNING {columns}) INSERT INTO {name} ({columns}) SELECT {columns} FROM moved",
                [int(round_id)],
            )
            cursor.execute(f"ALTER TABLE {parent} ATTACH PARTITION {name} FOR VALUES IN ({int(round_id)})")
        made.append(partition_name(model, round_id))
    return made
