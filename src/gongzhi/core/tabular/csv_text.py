"""A .csv read: its encoding (UTF-8, UTF-16, GB18030) and delimiter found, then its rows."""

import csv
import io
from typing import Any

from gongzhi.core.tabular.problems import BINARY_CSV, BROKEN_CSV, ENCODING, TabularError
from gongzhi.core.tabular.table import Table, _numbered, _table_from_rows


def decode_text(content: bytes) -> str:
    """Text of a CSV: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of
    GBK, which Chinese Excel uses for “CSV”)."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise TabularError(ENCODING) from exc
    if b"\x00" in content[:4096]:
        raise TabularError(BINARY_CSV)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TabularError(ENCODING)


def _delimiter(text: str) -> str:
    head = text[:8192]
    counts = {d: head.count(d) for d in (",", "\t", ";")}
    return max(counts, key=lambda d: (counts[d], d == ","))


def _csv_table(content: bytes, **options: Any) -> Table:
    text = decode_text(content)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        return _table_from_rows(_numbered(reader), **options)
    except csv.Error as exc:
        raise TabularError(BROKEN_CSV, detail=str(exc)) from exc
