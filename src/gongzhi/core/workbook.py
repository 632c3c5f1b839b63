"""Writing the .xlsx files the product hands out. Every workbook is made here (`new_workbook`), so
every cell of every export passes through `_as_text` before it is written.

Text stays text. openpyxl stores a string that starts with "=" as a formula (and "#REF!" and the like
as errors), so a name typed on the public sign-up page, =HYPERLINK("http://x","click"), became a live
link in a community worker's Excel. Text that a spreadsheet would take for a formula when the cell is
edited (first character = + - @, a tab or a carriage return) is also given Excel's quote prefix: the
mark Excel records when someone types an apostrophe before =, so the cell shows the text as typed
and stays text when edited, and the value read back is the text itself (a room "-1" exported and
imported again is still "-1"). Numbers, dates and booleans are written as they are: a negative
number stays a number. The product writes no formulas.

The residents export is streamed (write-only) and turns each appended value as it goes; the small
workbooks (the register template, a unit report) are turned over whole when they are saved, however
their cells were filled.
"""

import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ERROR_CODES, Cell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# The first characters that make a spreadsheet read typed text as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet would take this text, typed into a cell, for a formula."""
    return text.startswith(FORMULA_STARTS)


def _as_text(cell: Any) -> None:
    value = cell.value
    if not isinstance(value, str):
        return
    if cell.data_type != "s":  # "f" (formula) or "e" (error code) from openpyxl's guess
        cell.data_type = "s"
    if looks_like_formula(value):
        cell.quotePrefix = True


def _needs_a_cell(value: object) -> bool:
    return isinstance(value, str) and (looks_like_formula(value) or value in ERROR_CODES)


def cell(
    sheet: Any,
    value: object,
    *,
    number_format: str | None = None,
    font: Any = None,
    fill: Any = None,
    alignment: Any = None,
) -> Any:
    """One cell for `sheet` (written by appending it to a row), text kept as text, with a style."""
    made = Cell(sheet, row=1, column=1, value=value)  # placed when its row is appended
    _as_text(made)
    if number_format is not None:
        made.number_format = number_format
    if font is not None:
        made.font = font
    if fill is not None:
        made.fill = fill
    if alignment is not None:
        made.alignment = alignment
    return made


def _row(sheet: Any, values: Iterable[object]) -> list[object]:
    row: list[object] = []
    for value in values:
        if isinstance(value, Cell):
            _as_text(value)
        elif _needs_a_cell(value):
            value = cell(sheet, value)
        row.append(value)
    return row


class _StreamedSheet(WriteOnlyWorksheet):
    """A write-only sheet: rows are written as they are appended, each value turned on the way."""

    def append(self, row: Iterable[object]) -> None:
        super().append(_row(self, row))


class _Workbook(Workbook):
    def create_sheet(self, title: str | None = None, index: int | None = None) -> Any:
        if not self.write_only:
            return super().create_sheet(title, index)
        sheet = _StreamedSheet(parent=self, title=title)
        self._add_sheet(sheet=sheet, index=index)
        return sheet

    def save(self, filename: Any) -> None:
        if not self.write_only:  # streamed sheets turned their cells when they were appended
            for sheet in self.worksheets:
                for row in sheet.iter_rows():
                    for each in row:
                        _as_text(each)
        super().save(filename)


def new_workbook(*, write_only: bool = False) -> Any:
    """A workbook to fill (openpyxl's API); write-only for large exports, streamed row by row."""
    return _Workbook(write_only=write_only)


def workbook_bytes(book: Any) -> bytes:
    """The saved .xlsx file of a workbook made by `new_workbook`."""
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_NOT_IN_NAMES = str.maketrans({c: "_" for c in '\\/:*?"<>|\r\n\t'})


def file_name(*parts: str, day: Any = None, extension: str = "xlsx") -> str:
    """A download named by what it holds, as people file them: 水井坊社区-第一轮-未检测名单-2022-09-05.xlsx.
    Empty parts are left out; characters Windows refuses in names become "_"."""
    from django.utils import timezone

    words = [p.strip().translate(_NOT_IN_NAMES) for p in parts if p and p.strip()]
    words.append((day or timezone.localdate()).isoformat())
    return "-".join(words) + f".{extension}"


def download(content: bytes, name: str, content_type: str = XLSX) -> Any:
    """The response that hands a file over under `name` (UTF-8 names as RFC 6266 asks, with an
    ASCII fallback for old clients)."""
    from django.http import HttpResponse
    from django.utils.http import content_disposition_header

    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    return response
