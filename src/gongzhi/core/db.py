"""Database helpers shared by hot write paths."""

import contextlib
import fcntl
import os
from collections.abc import Sequence

from django.db import connection, transaction


@contextlib.contextmanager
def write_transaction():
    """A write transaction. On SQLite, writers from all worker processes first queue on an OS file
    lock beside the database: the lock wakes the next writer the moment the previous one commits,
    where SQLite's own busy handler sleeps and polls (up to 100 ms a try), which at burst load
    turned 2 workers into long queues. On PostgreSQL it is a plain atomic block."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor != "sqlite" or name == ":memory:" or "mode=memory" in name:
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


def _columns(model, fields: Sequence[str]) -> tuple[str, str]:
    quote = connection.ops.quote_name
    opts = model._meta
    return quote(opts.db_table), ", ".join(quote(opts.get_field(name).column) for name in fields)


def _copy_text(rows: list[tuple], width: int) -> str | None:
    """Rows in COPY's text format, or None when some value would need escaping or is NULL
    (psycopg then writes value by value, several times slower)."""
    if any(value is None for row in rows for value in row):
        return None
    text = "\n".join(["\t".join(map(str, row)) for row in rows]) + "\n"
    if text.count("\t") != len(rows) * (width - 1) or text.count("\n") != len(rows) or "\\" in text or "\r" in text:
        return None
    return text


def bulk_insert(cursor, model, fields: Sequence[str], rows: list[tuple]) -> None:
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
