"""The files of a round's archive (testing.services.retention): a gzip-compressed CSV per table, the
first line the column names, written by COPY on PostgreSQL and by the ORM on SQLite; each read back
for its rows and checksum."""

import csv
import dataclasses
import gzip
import hashlib
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import connection, models

from gongzhi.testing.models import Round


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


@dataclasses.dataclass(frozen=True)
class TableFile:
    table: str
    file: str
    rows: int
    bytes: int
    sha256: str
    columns: list[str]


def write_postgresql(model: type[models.Model], round_: Round, sources: dict[str, str], directory: Path) -> TableFile:
    """The round's rows of the model's table by COPY: the round's own partition whole when `sources`
    names one, else the rows of the round in id order."""
    table = model._meta.db_table
    columns = [f.column for f in model._meta.concrete_fields]
    listed = ", ".join(_q(c) for c in columns)
    source = sources.get(table, table)
    if source != table:  # the whole partition, as it lies
        sql = f"COPY {_q(source)} ({listed}) TO STDOUT WITH (FORMAT csv, HEADER true)"
    else:
        sql = (
            f"COPY (SELECT {listed} FROM {_q(table)} WHERE round_id = {int(round_.pk)} ORDER BY id)"
            " TO STDOUT WITH (FORMAT csv, HEADER true)"
        )
    path = directory / f"{table}.csv.gz"
    with gzip.open(path, "wb", compresslevel=1) as out, connection.cursor() as cursor, cursor.copy(sql) as copy:
        for block in copy:
            out.write(block)
    return _file_entry(table, path, columns)


def _csv_value(value: Any) -> str:
    """A value as PostgreSQL's COPY writes it in CSV, near enough: NULL empty, binary as \\x hex."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, bytes | memoryview):
        return "\\x" + bytes(value).hex()
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def write_orm(model: type[models.Model], round_: Round, directory: Path) -> TableFile:
    """The round's rows of the model's table through the ORM (SQLite), in id order, a chunk at a time."""
    table = model._meta.db_table
    fields = list(model._meta.concrete_fields)
    columns = [f.column for f in fields]
    rows = (
        model._default_manager.filter(round_id=round_.pk)
        .order_by("pk")
        .values_list(*[f.attname for f in fields])
        .iterator(chunk_size=2000)
    )
    path = directory / f"{table}.csv.gz"
    with gzip.open(path, "wt", compresslevel=1, encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_value(v) for v in row])
    return _file_entry(table, path, columns)


def _file_entry(table: str, path: Path, columns: list[str]) -> TableFile:
    with open(path, "rb") as f:
        os.fsync(f.fileno())
    return TableFile(table, path.name, _rows_in(path), path.stat().st_size, sha256_of(path), columns)


def _rows_in(path: Path) -> int:
    """The data rows of a written file, read back (quoted line breaks are a row's own)."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        return sum(1 for _row in csv.reader(f)) - 1


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
