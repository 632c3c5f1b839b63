"""Set-based lookups shared by the hot paths (scan ingest, lab results): one statement per batch
of keys, planner-proof on PostgreSQL (docs/decisions.md, "Hot-path SQL is planner-proof")."""

from django.db import connection

from gongzhi.core.db import Statement, in_turn, pg_array
from gongzhi.testing.models import Round, Tube

CHUNK = 900  # SQLite's bound-parameter limit is 999 on old builds


def chunks(values, size=CHUNK):
    values = list(values)
    for i in range(0, len(values), size):
        yield values[i : i + size]


def db_time(value):
    return connection.ops.adapt_datetimefield_value(value) if connection.vendor == "sqlite" else value


def select_in(sql: str, values, *params, array_type: str = "text") -> list[tuple]:
    """Rows of `sql`, whose `{in}` is a membership test of one column against `values`: one
    statement with an array on PostgreSQL (`= ANY(%s::type[])`), chunked `IN (...)` lists on
    SQLite. Raw SQL because building the ORM lookup for hundreds of values cost more than running
    it (profiled). `params` come before the values."""
    return [row for rows in in_turn(select_in_statements(sql, values, *params, array_type=array_type)) for row in rows]


def select_in_statements(sql: str, values, *params, array_type: str = "text") -> list[Statement]:
    """The statements of `select_in`, to send with others in one message (`core.db.in_turn`)."""
    values = list(values)
    if not values:
        return []
    if connection.vendor == "postgresql":
        return [(sql.format(**{"in": f"= ANY(%s::{array_type}[])"}), [*params, pg_array(values)])]
    return [
        (sql.format(**{"in": f"IN ({', '.join(['%s'] * len(chunk))})"}), [*params, *chunk]) for chunk in chunks(values)
    ]


def tubes_by_barcode(round_: Round, barcodes, columns: str) -> list[tuple]:
    """`columns` of this round's tubes with these barcodes. On PostgreSQL each barcode is looked up
    by a per-row subquery on the (barcode, round) key and the rows then fetched by primary key:
    with a plain `barcode = ANY(...)` the planner, misled by statistics of a table growing by
    millions of rows, chose a parallel scan of every tube (60 ms a batch at 300,000 tubes). The
    round, written plainly in both statements, confines each probe to the round's partition (tubes are
    partitioned by round), where the (barcode, round) key is matched whole. Every statement on tubes
    or samples names its round (tests/testing/test_partitions.py checks the hot paths')."""
    statements = tube_lookup_statements(round_, barcodes, columns)
    return tubes_found(round_, [row for rows in in_turn(statements) for row in rows], columns)


def tube_lookup_statements(round_: Round, barcodes, columns: str) -> list[Statement]:
    """The first step of `tubes_by_barcode`, to send with others in one message (`core.db.in_turn`);
    its rows go to `tubes_found`."""
    barcodes = list(barcodes)
    if not barcodes:
        return []
    table = Tube._meta.db_table
    if connection.vendor != "postgresql":
        return select_in_statements(
            f"SELECT {columns} FROM {table} WHERE round_id + 0 = %s AND barcode {{in}}", barcodes, round_.pk
        )
    return [
        (
            f"SELECT (SELECT t.id FROM {table} t WHERE t.barcode = b.code AND t.round_id = %s)"
            " FROM unnest(%s::text[]) AS b(code)",
            [round_.pk, pg_array(barcodes)],
        )
    ]


def tubes_found(round_: Round, rows: list[tuple], columns: str) -> list[tuple]:
    """`columns` of the tubes from the rows of `tube_lookup_statements`: on PostgreSQL those are
    ids, whose rows are read now."""
    if connection.vendor != "postgresql":
        return rows
    ids = [pk for (pk,) in rows if pk is not None]
    # the round again: by id alone every round's partition is probed (1.3 s for 5,000 tubes at 337
    # rounds, against 6 ms with the round, EXPLAIN ANALYZE on the scale-1 drill's database)
    return select_in(
        f"SELECT {columns} FROM {Tube._meta.db_table} WHERE round_id = %s AND id {{in}}",
        ids,
        round_.pk,
        array_type="bigint",
    )
