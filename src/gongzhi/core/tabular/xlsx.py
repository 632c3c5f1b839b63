"""An .xlsx read: the zip checked, merged ranges and hidden rows found in the sheet's XML, the first
sheet with a header read, and other sheets holding a table refused."""

import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from typing import Any

from gongzhi.core.tabular.problems import (
    BROKEN_XLSX,
    EMPTY_FILE,
    MORE_SHEETS,
    TOO_BIG,
    MissingColumns,
    TabularError,
    TooManyRows,
)
from gongzhi.core.tabular.table import Aliases, Row, Table, _find_header, _is_empty, _numbered, _table_from_rows

# An .xlsx is a zip of XML; refuse archives that expand far beyond any real roster.
MAX_EXPANSION = 10
# An .xlsx sheet's merged ranges and hidden rows, read from its XML (openpyxl's read-only mode drops them).
_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+[0-9]+):([A-Z]+[0-9]+)"')
_HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\bhidden="(?:1|true)"[^>]*>')
_ROW_NUMBER = re.compile(rb'\br="([0-9]+)"')


def _cell(ref: bytes) -> tuple[int, int]:
    """(column from 0, row) of a cell reference: b"B3" -> (1, 3)."""
    letters = ref.rstrip(b"0123456789")
    position = 0
    for letter in letters:
        position = position * 26 + letter - 64
    return position - 1, int(ref[len(letters) :])


def _sheet_marks(sheet: Any) -> tuple[list[tuple[int, int, int, int]], set[int]]:
    """A read-only sheet's merged ranges (first row, last row, first column, end column; columns
    counted from 0, the end excluded) and hidden rows, from its XML: found by a scan of the bytes,
    no parsing, so a 50,000-row sheet costs milliseconds (openpyxl reads them only when it loads
    the whole sheet into memory, several times slower)."""
    try:
        data = sheet.parent._archive.read(sheet._worksheet_path)
    except Exception:  # not a read-only sheet of an archive: nothing to add
        return [], set()
    merges = []
    start = data.find(b"mergeCell")
    for first, last in _MERGE_REF.findall(data, start) if start >= 0 else ():
        left, top = _cell(first)
        right, bottom = _cell(last)
        merges.append((top, bottom, left, right + 1))
    hidden = set()
    if b'hidden="1"' in data or b'hidden="true"' in data:
        for tag in _HIDDEN_ROW.findall(data):
            if number := _ROW_NUMBER.search(tag):
                hidden.add(int(number[1]))
    return merges, hidden


def _fill_merged(rows: Iterator[Row], merges: list[tuple[int, int, int, int]]) -> Iterator[Row]:
    """The rows with every cell of a merged range holding the range's top-left value, as the worker
    sees it (网格, 楼栋, 房号 merged down over a family's rows)."""
    starting: dict[int, list[tuple[int, int, int]]] = {}
    for top, bottom, left, right in merges:
        starting.setdefault(top, []).append((bottom, left, right))
    active: list[tuple[int, int, int, object]] = []  # (last row, first column, end column, value)
    for number, cells in rows:
        active = [merge for merge in active if merge[0] >= number]
        for bottom, left, right in starting.pop(number, ()):
            active.append((bottom, left, right, cells[left] if left < len(cells) else None))
        if active:
            filled = list(cells) + [None] * (max(merge[2] for merge in active) - len(cells))
            for _bottom, left, right, value in active:
                filled[left:right] = [value] * (right - left)
            cells = tuple(filled)
        yield number, cells


def _check_zip(content: bytes, max_bytes: int) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise TabularError(BROKEN_XLSX) from exc
    if expanded > max(max_bytes, len(content)) * MAX_EXPANSION:
        raise TabularError(TOO_BIG, limit=max_bytes // (1024 * 1024))


def _xlsx_table(content: bytes, *, max_bytes: int, **options: Any) -> Table:
    import openpyxl  # imported here: CSV-only callers need not pay for it

    _check_zip(content, max_bytes)
    error: TabularError | None = None
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise TabularError(BROKEN_XLSX) from exc
    try:
        # The first sheet with a header wins, so a file saved with its notes sheet active works.
        for sheet in workbook.worksheets:
            if not hasattr(sheet, "reset_dimensions"):
                continue  # a chart sheet
            # Some writers store a wrong <dimension>; without this rows past it would be lost.
            sheet.reset_dimensions()
            merges, hidden = _sheet_marks(sheet)
            rows = _numbered(sheet.iter_rows(values_only=True))
            try:
                table = _table_from_rows(_fill_merged(rows, merges) if merges else rows, **options)
            except TooManyRows:
                raise
            except TabularError as exc:
                # A sheet with part of the header says more than one without any.
                if not isinstance(error, MissingColumns):
                    error = exc
                continue
            table.sheet_name = sheet.title
            table.hidden_rows = [number for number, _values in table.rows if number in hidden] if hidden else []
            # One sheet is read: another sheet with the same header and rows (a roster kept as a
            # sheet per grid, a day per sheet) would be dropped without a word. Refused, naming them.
            aliases, required = options["aliases"], options["required"]
            others = [s.title for s in workbook.worksheets if s is not sheet and _holds_a_table(s, aliases, required)]
            if others:
                raise TabularError(MORE_SHEETS, n=len(others) + 1, sheets="、".join([sheet.title, *others]))
            return table
    except TabularError:
        raise
    except Exception as exc:
        raise TabularError(BROKEN_XLSX) from exc
    finally:
        workbook.close()
    raise error or TabularError(EMPTY_FILE)


def _holds_a_table(sheet: Any, aliases: Aliases, required: Sequence[str]) -> bool:
    """A sheet with the whole header among its first rows and a row holding something under it."""
    if not hasattr(sheet, "reset_dimensions"):
        return False
    sheet.reset_dimensions()
    rows = _numbered(sheet.iter_rows(values_only=True))
    try:
        _header_row, columns, _cells = _find_header(rows, aliases, required, {})
    except TabularError:
        return False
    positions = list(columns.values())
    return any(any(not _is_empty(cells[p]) for p in positions if p < len(cells)) for _number, cells in rows)
