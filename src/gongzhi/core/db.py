"""Database helpers shared by hot write paths, and the `in_fixed` lookup."""

import contextlib
import dataclasses
import fcntl
import functools
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import connection, models, transaction

DbRow = tuple[Any, ...]
Statement = tuple[str, Sequence[Any]]  # SQL and its parameters, for `in_turn`
_TUPLES_OK = 2  # psycopg.pq.ExecStatus.TUPLES_OK (libpq's PGRES_TUPLES_OK)

_STATE_WORD = re.compile(r"[a-z_]{1,32}\Z")


class InFixed(models.lookups.Lookup):  # type: ignore[type-arg]
    """`status__in_fixed=flows.OPEN_STATES`: like `__in`, with the values written into the SQL as
    literals. SQLite uses a partial index (`WHERE status IN ('pending', ...)`) only when the query
    names the same literal values; with bound parameters it cannot prove the rows are in the index
    and scans the table (a community's worklist: 80 ms instead of 40, measured). Only for a code's
    own constants (lower-case words): anything else is refused, never quoted."""

    lookup_name = "in_fixed"
    prepare_rhs = False

    def get_prep_lookup(self) -> Any:
        values = tuple(self.rhs)
        if not values or not all(isinstance(v, str) and _STATE_WORD.match(v) for v in values):
            raise ValueError(f"in_fixed takes a code's own state words, not {values!r}")
        return values

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, params = self.process_lhs(compiler, connection)
        literals = ", ".join(f"'{v}'" for v in self.rhs)
        return f"{lhs} IN ({literals})", list(params)


@contextlib.contextmanager
def write_transaction() -> Iterator[None]:
    """A write transaction. On SQLite, writers from all worker processes first queue on an OS file
    lock beside the database: the lock wakes the next writer the moment the previous one commits,
    where SQLite's own busy handler sleeps and polls (up to 100 ms a try), which at burst load
    turned 2 workers into long queues. On PostgreSQL it is a plain atomic block. Inside another
    transaction it is a savepoint of it: the outer block decides (a second lock taken by the same
    process would wait for itself)."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor != "sqlite" or name == ":memory:" or "mode=memory" in name or connection.in_atomic_block:
        with transaction.atomic():
            yield
        return
    path = name + ".writelock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with transaction.atomic():
            yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _columns(model: type[models.Model], fields: Sequence[str]) -> tuple[str, str]:
    quote = connection.ops.quote_name
    opts = model._meta
    columns = [str(getattr(opts.get_field(name), "column", name)) for name in fields]
    return quote(opts.db_table), ", ".join(quote(column) for column in columns)


def _copy_text(rows: list[DbRow], width: int) -> str | None:
    """Rows in COPY's text format, or None when some value would need escaping or is NULL
    (psycopg then writes value by value, several times slower)."""
    if any(value is None for row in rows for value in row):
        return None
    text = "\n".join(["\t".join(map(str, row)) for row in rows]) + "\n"
    if text.count("\t") != len(rows) * (width - 1) or text.count("\n") != len(rows) or "\\" in text or "\r" in text:
        return None
    return text


def insert_statements(
    model: type[models.Model], fields: Sequence[str], rows: list[DbRow], *, on_conflict: str = ""
) -> list[Statement]:
    """Multi-row INSERTs (values in database form), to send with others in one message (`in_turn`);
    as many as SQLite's 999 bound values need. `on_conflict` is the clause after the values
    (`ON CONFLICT DO NOTHING`, say)."""
    if not rows:
        return []
    table, columns = _columns(model, fields)
    marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per_statement = max(1, 999 // len(fields))
    return [
        (
            f"INSERT INTO {table} ({columns}) VALUES {', '.join([marks] * len(chunk))} {on_conflict}".rstrip(),
            [value for row in chunk for value in row],
        )
        for chunk in (rows[i : i + per_statement] for i in range(0, len(rows), per_statement))
    ]


def bulk_insert(cursor: Any, model: type[models.Model], fields: Sequence[str], rows: list[DbRow]) -> None:
    """Insert many rows without the ORM's per-object work, which cost more than the database
    itself (profiled): COPY on PostgreSQL, executemany elsewhere. Values must already be in
    database form; `cursor` is a Django cursor."""
    if not rows:
        return
    table, columns = _columns(model, fields)
    if connection.vendor == "postgresql":
        text = _copy_text(rows, len(fields))
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            if text is not None:
                copy.write(text)
            else:
                for row in rows:
                    copy.write_row(row)
        return
    cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})", rows)


@functools.cache
def _insert_statement(model: type[models.Model], vendor: str) -> tuple[str, tuple[Any, ...], bool]:
    """The INSERT of one row of `model`, its fields in order, and whether it returns the new id."""
    meta = model._meta
    if meta.parents:
        raise TypeError(f"insert_one takes a model without parents, not {model.__name__}")
    fields = tuple(f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated)
    quote = connection.ops.quote_name
    returning = bool(connection.features.can_return_columns_from_insert)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
        f" VALUES ({', '.join(['%s'] * len(fields))})"
    )
    return sql + (f" RETURNING {quote(meta.pk.column)}" if returning else ""), fields, returning


def insert_one(obj: models.Model) -> None:
    """Insert a new instance as `obj.save()` would (each field's pre_save, so auto_now is set, and
    its database form), with the statement built once per model: on a new resident request the
    ORM's building of its two INSERTs cost more than running them (profiled,
    bench/bench_appeal_submit.py). Sends no model signals (gongzhi connects none)."""
    insert_together(obj)


def insert_together(*objs: models.Model) -> None:
    """Insert new instances as `insert_one` does each, in order: on PostgreSQL in one message (one
    round trip for all of them, see `in_turn`)."""
    statements, returns = [], []
    for obj in objs:
        if obj.pk is not None:
            raise ValueError("insert_one takes a new instance, without a primary key")
        obj._prepare_related_fields_for_save(operation_name="insert_one")  # type: ignore[attr-defined]  # as save() does
        sql, fields, returning = _insert_statement(type(obj), connection.vendor)
        statements.append((sql, [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]))
        returns.append(returning)
    with connection.cursor() as cursor:
        if _one_message():  # PostgreSQL: every INSERT returns its id
            ids = [rows[0][0] for rows in _in_turn(cursor, statements)]
        else:
            ids = []
            for (sql, params), returning in zip(statements, returns, strict=True):
                cursor.execute(sql, params)
                ids.append(cursor.fetchone()[0] if returning else cursor.lastrowid)
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias


def in_turn(statements: Sequence[Statement]) -> list[list[DbRow]]:
    """Run the statements in order and return each one's rows. On PostgreSQL they go in one message,
    one round trip instead of one each (a tenth of a new request's database work is each round
    trip: bench/bench_appeals.py). Each statement still reads what was committed before it started
    (READ COMMITTED takes a snapshot per statement, also within one message), so a row lock taken by
    one holds for the reads after it, as when they are sent one by one."""
    with connection.cursor() as cursor:
        return _in_turn(cursor, statements)


def _in_turn(cursor: Any, statements: Sequence[tuple[str, Sequence[Any]]]) -> list[list[DbRow]]:
    if len(statements) > 1 and _one_message():
        cursor.execute("; ".join(sql for sql, _ in statements), [p for _, params in statements for p in params])
        found = []
        for _ in statements:
            found.append(_rows(cursor))
            cursor.nextset()
        return found
    found = []
    for sql, params in statements:
        cursor.execute(sql, params)
        found.append(_rows(cursor))
    return found


def _rows(cursor: Any) -> list[DbRow]:
    """The current result's rows; none for a statement that returns none. On PostgreSQL asked of the
    result's status: psycopg's `cursor.description` builds an object per column each time it is read
    (6 % of a server's time under a surge of new requests, profiled)."""
    result = getattr(getattr(cursor, "cursor", cursor), "pgresult", None)
    if result is not None:
        return cursor.fetchall() if result.status == _TUPLES_OK else []
    return cursor.fetchall() if cursor.description else []


def _one_message() -> bool:
    """Several statements in one message: PostgreSQL with client-side binding (Django's default
    with psycopg 3); prepared statements (server-side binding) take one statement each."""
    return connection.vendor == "postgresql" and not connection.settings_dict["OPTIONS"].get("server_side_binding")


@dataclasses.dataclass(frozen=True)
class ModelColumns:
    """A model's concrete fields as a raw SELECT names them, and how a row of them becomes an
    instance: each value through the backend's converters, then the field's own, as a query applies
    them. For hot reads whose ORM query cost more to build than to run (measured:
    bench/bench_appeal_submit.py)."""

    model: type[models.Model]
    fields: tuple[tuple[str, Any, tuple[Any, ...]], ...]  # (attribute, column, converters)

    def select(self, alias: str) -> str:
        """The columns in order, each as `alias."column"`."""
        quote = connection.ops.quote_name
        return ", ".join(f"{alias}.{quote(column.target.column)}" for _, column, _ in self.fields)

    def instance(self, values: Sequence[Any]) -> Any:
        """An instance from one raw row of `select()`'s columns, as a query would build it."""
        names, converted = [], []
        for (name, column, converters), value in zip(self.fields, values, strict=True):
            for convert in converters:
                value = convert(value, column, connection)
            names.append(name)
            converted.append(value)
        return self.model.from_db(connection.alias, names, converted)


def model_columns(model: type[models.Model]) -> ModelColumns:
    return _model_columns(model, connection.vendor)


@functools.cache
def _model_columns(model: type[models.Model], vendor: str) -> ModelColumns:
    fields = []
    for f in model._meta.concrete_fields:
        column = f.get_col(model._meta.db_table)
        converters = tuple(connection.ops.get_db_converters(column) + column.get_db_converters(connection))
        fields.append((f.attname, column, converters))
    return ModelColumns(model, tuple(fields))


def analyze(*tables: type[models.Model]) -> None:
    """Refresh PostgreSQL's planner statistics after a bulk load, which autovacuum would only
    notice a minute or more later; until then it plans as if the tables were empty (profiled: a
    scan of every resident for each scan batch). SQLite plans from its indexes alone: nothing to do."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def pg_array(values: Iterable[Any]) -> str:
    """A PostgreSQL array literal for `%s::type[]`. psycopg quotes a Python list element by
    element with a regular expression, which cost more than the insert itself for a 500-row batch
    (profiled); this is a few joins. Text is double-quoted with `\\` and `"` escaped; None is NULL;
    datetimes are written in ISO form with their offset."""
    values = list(values)
    kinds = set(map(type, values))
    if kinds <= {int}:
        return "{" + ",".join(map(str, values)) + "}"
    if kinds <= {str}:
        plain = "".join(values)
        if '"' not in plain and "\\" not in plain:
            return '{"' + '","'.join(values) + '"}' if values else "{}"
    literal: dict[tuple[type, Any], str] = {}  # keyed with the type too: True == 1 as a key
    keys = [(type(v), v) for v in values]
    for key in keys:
        if key not in literal:
            literal[key] = _pg_array_element(key[1])
    return "{" + ",".join([literal[k] for k in keys]) + "}"


def _pg_array_element(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    if hasattr(value, "isoformat"):
        return f'"{value.isoformat()}"'
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def analyze_if_stale(*tables: type[models.Model], changed: float = 0.2, at_least: int = 10_000) -> list[str]:
    """ANALYZE each table whose rows changed by more than `changed` of its size (and at least
    `at_least` rows) since its last ANALYZE; PostgreSQL only. Autovacuum normally does this, but may
    be off or behind while a round writes millions of rows, and plans from an empty table's
    statistics turn index lookups into scans. A partitioned table is looked at partition by partition
    (PostgreSQL counts changes only there, and plans a lookup confined to one partition from that
    partition's statistics). The check is one catalog query. Returns the tables analysed."""
    if connection.vendor != "postgresql":
        return []
    names = [model._meta.db_table for model in tables]
    done: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.relname, s.n_mod_since_analyze, greatest(c.reltuples, 0) FROM pg_stat_user_tables s"
            " JOIN pg_class c ON c.oid = s.relid WHERE c.relkind = 'r' AND (s.relname = ANY(%s) OR s.relid IN"
            " (SELECT i.inhrelid FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = ANY(%s)))",
            [names, names],
        )
        for name, modified, size in cursor.fetchall():
            if modified >= at_least and modified > changed * size:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(name)}")
                done.append(name)
    return done
