"""Tubes and samples partitioned by round on PostgreSQL (docs/decisions.md, "Tubes and samples
partitioned by round").

Each table becomes `PARTITION BY LIST (round_id)`: a partition per existing round
(`testing_tube_r<id>`, `testing_sample_r<id>`) and a DEFAULT one, the rows moved in, the same
indexes, unique and check constraints and foreign keys as before, the primary key (id, round_id)
(PostgreSQL wants the partition key in every unique constraint; Django still takes `id` alone as the
key, unique by its identity sequence). Foreign keys pointing at a tube (samples, recalls, held results)
lose their database constraint: it would need the referenced `id` unique on its own.

SQLite: nothing changes in the database (the state only: `db_constraint=False`). Self-contained on
purpose: it must run the same way later, whatever becomes of the application's code.
"""

import django.db.models.deletion
from django.db import migrations, models

TABLES = ("testing_tube", "testing_sample")  # tubes first: samples referred to them
ROUND_TABLE = "testing_round"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _relkind(cursor, table: str) -> str | None:
    cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [_q(table)])
    row = cursor.fetchone()
    return row[0] if row else None


def _definitions(cursor, table: str):
    """The table's indexes that back no constraint (as CREATE INDEX statements, which name the table),
    and its primary key, unique and foreign-key constraints (name, type, definition)."""
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
        " WHERE i.indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
        " WHERE c.conrelid = i.indrelid AND c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))"
        " ORDER BY 1",
        [_q(table)],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        "SELECT conname, contype, pg_get_constraintdef(oid), confrelid::regclass::text FROM pg_constraint"
        " WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f') ORDER BY contype, conname",
        [_q(table)],
    )
    return indexes, cursor.fetchall()


def _rebuild(cursor, table: str, *, partitioned: bool) -> None:
    """Replace `table` by a partitioned copy (or, backwards, a plain one) holding the same rows,
    columns, defaults, identity, checks, indexes, unique constraints and foreign keys."""
    indexes, constraints = _definitions(cursor, table)
    old = f"{table}_old"
    cursor.execute(f"ALTER TABLE {_q(table)} RENAME TO {_q(old)}")
    # Free the names that are schema-wide (indexes, and the identity sequence) for the new table.
    for name, _contype, _definition, _target in constraints:
        cursor.execute(f"ALTER TABLE {_q(old)} DROP CONSTRAINT {_q(name)}")
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [_q(old)])
    (sequence,) = cursor.fetchone()
    if sequence:
        cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {_q(old + '_id_seq')}")
    like = f"LIKE {_q(old)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY INCLUDING STORAGE"
    if partitioned:
        cursor.execute(f"CREATE TABLE {_q(table)} ({like}) PARTITION BY LIST (round_id)")
        cursor.execute(f"CREATE TABLE {_q(table + '_default')} PARTITION OF {_q(table)} DEFAULT")
        cursor.execute(f"SELECT id FROM {_q(ROUND_TABLE)} ORDER BY id")
        for (round_id,) in cursor.fetchall():
            cursor.execute(
                f"CREATE TABLE {_q(f'{table}_r{int(round_id)}')} PARTITION OF {_q(table)}"
                f" FOR VALUES IN ({int(round_id)})"
            )
    else:
        cursor.execute(f"CREATE TABLE {_q(table)} ({like})")
    cursor.execute(f"INSERT INTO {_q(table)} SELECT * FROM {_q(old)}")  # LIKE keeps the column order
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {_q(table)}",
        [_q(table)],
    )
    # Constraints and indexes after the rows: built once, not row by row.
    key = "(id, round_id)" if partitioned else "(id)"
    cursor.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(table + '_pkey')} PRIMARY KEY {key}")
    for name, contype, definition, target in constraints:
        if contype == "p":
            continue
        if contype == "f" and target in TABLES:  # never the case today: kept out by the caller
            continue
        cursor.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} {definition}")
    for _name, definition in indexes:
        cursor.execute(definition)
    cursor.execute(f"DROP TABLE {_q(old)} CASCADE")  # backwards: its partitions with it
    cursor.execute(f"ANALYZE {_q(table)}")


def _drop_foreign_keys_to(cursor, tables) -> None:
    """Every foreign-key constraint pointing at these tables (samples', recalls' and held results'
    tube): a partitioned table's `id` alone is unique for no constraint to lean on."""
    cursor.execute(
        "SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE contype = 'f'"
        " AND confrelid IN (SELECT to_regclass(t) FROM unnest(%s::text[]) AS t)",
        [[_q(t) for t in tables]],
    )
    for table, name in cursor.fetchall():
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {_q(name)}")


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        if all(_relkind(cursor, t) == "p" for t in TABLES):
            return
        _drop_foreign_keys_to(cursor, TABLES)
        for table in TABLES:
            if _relkind(cursor, table) != "p":
                _rebuild(cursor, table, partitioned=True)


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in TABLES:
            if _relkind(cursor, table) == "p":
                _rebuild(cursor, table, partitioned=False)
    # The tube foreign keys as Django names and makes them (their state is db_constraint=True again).
    for model_name in ("Sample", "Recall", "ResultConflict"):
        model = apps.get_model("testing", model_name)
        field = model._meta.get_field("tube")
        schema_editor.execute(schema_editor._create_fk_sql(model, field, "_fk_%(to_table)s_%(to_column)s"))


class Migration(migrations.Migration):
    dependencies = [
        ("testing", "0006_result_conflicts_recall_cancelled"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="recall",
                    name="tube",
                    field=models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="recalls",
                        to="testing.tube",
                    ),
                ),
                migrations.AlterField(
                    model_name="resultconflict",
                    name="tube",
                    field=models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="testing.tube",
                    ),
                ),
                migrations.AlterField(
                    model_name="sample",
                    name="tube",
                    field=models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="samples",
                        to="testing.tube",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(partition, unpartition)],
        ),
    ]
