"""Reading a lab's results file (.xlsx or .csv, columns 管号 and 结果). No Django here.

core.tabular finds the header and the rows; this module adds what a results file needs on top:

- a file with one of the two columns but not the other is told which column is missing and which
  columns its header holds (tabular, seeing one known column, only says it found no header);
- an .xlsx formula cell whose value the file does not store is that row's error, never a blank.
  openpyxl (data_only) reads such a cell as None, and a row whose every known cell is such a formula
  would look empty and be skipped. Files written by programs (openpyxl writes `<f>…</f><v/>`) hold
  no values for their formulas; Excel stores each formula's last value, an empty text as
  `t="str"` with an empty `<v>` (a formula filled down past the data: a blank row, rightly).
"""

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from gongzhi.core import tabular
from gongzhi.core.cleaning import clean_text
from gongzhi.core.errors import Problem
from gongzhi.core.xlsx_formulas import formulas_without_value
from gongzhi.testing.result_values import FORMULA_NO_VALUE

ALIASES = {
    "barcode": (
        "管号",
        "条码",
        "条码号",
        "采样管条码",
        "采样管号",
        "试管编号",
        "样本编号",
        "样本号",
        "样本条码",
        "barcode",
        "tube",
    ),  # fmt: skip
    "result": ("结果", "检测结果", "核酸结果", "result"),
}
LABELS = {"barcode": "管号", "result": "结果"}
FIELDS = ("barcode", "result")
MAX_ROWS = 100_000
MAX_BYTES = 20 * 1024 * 1024

RESULT_COLUMN_MISSING = "result_column_missing"
COLUMN_TWICE = "result_column_twice"  # {"label", "columns"}: two columns for the barcode or the result
CODES = (RESULT_COLUMN_MISSING, FORMULA_NO_VALUE, COLUMN_TWICE)

_RELATIONSHIP_ID = re.compile(r"^\{[^}]*relationships\}id$")
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL = re.compile(r"^([A-Z]+)(\d+)$")


class ResultFileError(Exception):
    """The file cannot be read as results: `problem` says why (a tabular code, or one of CODES)."""

    def __init__(self, problem: Problem):
        super().__init__(problem.code)
        self.problem = problem


@dataclass(frozen=True)
class ResultRow:
    number: int  # the row as Excel shows it
    barcode: object
    value: object
    formulas: tuple[str, ...] = ()  # labels of this row's columns holding a formula without a value


@dataclass(frozen=True)
class ResultFile:
    rows: list[ResultRow]
    ignored: list[str]  # the headers of the columns read for nothing (序号, 姓名...), or their letters


def read_result_file(content: bytes, file_name: str) -> ResultFile:
    """Every row of the file that holds something in 管号 or 结果 (or a formula there), in file order,
    and the columns it ignored. Raises ResultFileError for a file that cannot be read as a whole, or
    one with two 结果 (or two 管号) columns: which one is the lab's is not for us to guess."""
    try:
        table = _read(content, file_name, list(FIELDS))
    except tabular.TabularError as exc:
        if exc.problem.code in (tabular.NO_HEADER, tabular.MISSING_COLUMNS):
            _explain_missing_column(content, file_name)
        raise ResultFileError(exc.problem) from exc
    for field in FIELDS:
        if field in table.repeated:
            columns = "、".join(table.repeated[field])
            raise ResultFileError(Problem(COLUMN_TWICE, {"label": LABELS[field], "columns": columns}))
    formulas = {
        number: tuple(LABELS[f] for f in fields)
        for number, fields in formulas_without_value(content, table, ALIASES).items()
    }
    rows = {
        number: ResultRow(number, values.get("barcode"), values.get("result"), formulas.get(number, ()))
        for number, values in table.rows
    }
    for number, labels in formulas.items():  # rows that looked empty: every known cell such a formula
        rows.setdefault(number, ResultRow(number, None, None, labels))
    try:
        tabular.require_rows(table, rows=len(rows))
    except tabular.TabularError as exc:
        raise ResultFileError(exc.problem) from exc
    ignored = [header or letter for letter, header in table.ignored]
    return ResultFile([rows[n] for n in sorted(rows)], ignored)


def _read(content: bytes, file_name: str, required: list[str]) -> tabular.Table:
    return tabular.read_table(
        content,
        file_name,
        aliases=ALIASES,
        required=required,
        max_rows=MAX_ROWS,
        max_bytes=MAX_BYTES,
        labels=LABELS,
    )


def _explain_missing_column(content: bytes, file_name: str) -> None:
    """Raise RESULT_COLUMN_MISSING when the header holds one of the two columns; return otherwise."""
    for present in FIELDS:
        try:
            table = _read(content, file_name, [present])
        except tabular.TabularError:
            continue
        missing = next(f for f in FIELDS if f != present)
        found = [text for text in (clean_text(c) for c in _header_cells(content, table)) if text]
        raise ResultFileError(
            Problem(
                RESULT_COLUMN_MISSING, {"missing": LABELS[missing], "row": table.header_row, "found": "、".join(found)}
            )
        )


def _header_cells(content: bytes, table: tabular.Table) -> tuple[object, ...]:
    rows: Iterator[tuple[object, ...]]
    if content.startswith(b"PK"):
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            sheet: Any = book[table.sheet_name]
            sheet.reset_dimensions()
            rows = sheet.iter_rows(min_row=table.header_row, max_row=table.header_row, values_only=True)
            return tuple(next(rows, ()))
        finally:
            book.close()
    text = tabular.decode_text(content)
    counts = {d: text[:8192].count(d) for d in (",", "\t", ";")}
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=max(counts, key=lambda d: (counts[d], d == ",")))
    for number, cells in enumerate(reader, start=1):
        if number == table.header_row:
            return tuple(cells)
    return ()
