"""Reading spreadsheets that people made: .xlsx and .csv into numbered rows. No Django here.

Real files have a merged title row or two above the header, header names that vary from office
to office (身份证号 / 身份证号码 / 公民身份号码), CSVs saved by Chinese Excel in GBK, and blank
rows (or rows with only a pre-filled 序号), cells merged down over a family's rows, footer rows
(合计, 填表人…) and rows a filter hid. `read_table` finds the header within the first rows, maps
its columns to field names through aliases, and yields each non-empty row with the row number
Excel shows, so a message can point the user to the exact cell. Cleaning of the values is left to
the caller.
"""

import csv
import io
import re
import zipfile
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gongzhi.core.cleaning import clean_text
from gongzhi.core.errors import Problem

HEADER_SEARCH_ROWS = 10
# An .xlsx is a zip of XML; refuse archives that expand far beyond any real roster.
MAX_EXPANSION = 10

# Problem codes (words in core.messages.CORE).
EMPTY_FILE = "empty_file"
TOO_BIG = "too_big"
TOO_MANY = "too_many_rows"
XLS = "xls"
WRONG_TYPE = "wrong_type"
BROKEN_XLSX = "broken_xlsx"
BINARY_CSV = "binary_csv"
ENCODING = "encoding"
BROKEN_CSV = "broken_csv"
NO_HEADER = "no_header"
MISSING_COLUMNS = "missing_columns"
NO_ROWS = "no_rows"
MORE_SHEETS = "more_sheets"
CODES = (
    EMPTY_FILE, TOO_BIG, TOO_MANY, XLS, WRONG_TYPE, BROKEN_XLSX, BINARY_CSV, ENCODING, BROKEN_CSV, NO_HEADER,
    MISSING_COLUMNS, NO_ROWS, MORE_SHEETS,
)  # fmt: skip

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls (and other OLE documents)
_MARKS = re.compile(r"[*＊※]")
# The first cell of a row under the data that sums it up or signs it off (合计 4人, 填表人：张三).
_FOOTER = re.compile(r"^(?:合计|总计|小计|填表人|填报人|制表|审核|负责人|联系人|(?:备注|说明|注)[:：])")
_FOOTER_STARTS = frozenset("合总小填制审负联备说注")
# An .xlsx sheet's merged ranges and hidden rows, read from its XML (openpyxl's read-only mode drops them).
_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+[0-9]+):([A-Z]+[0-9]+)"')
_HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\bhidden="(?:1|true)"[^>]*>')
_ROW_NUMBER = re.compile(rb'\br="([0-9]+)"')
_PAREN_TAIL = re.compile(r"[(（【\[][^)）】\]]*[)）】\]]$")


class TabularError(Exception):
    """The file as a whole cannot be read: `problem` says why (a code of this module)."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.problem = Problem(code, params)


class TooManyRows(TabularError):
    pass


class MissingColumns(TabularError):
    pass


# Field -> the header names it may have; a numbered row: (row number as Excel shows it, cells).
Aliases = Mapping[str, Iterable[str]]
Row = tuple[int, tuple[object, ...]]


@dataclass
class Table:
    """The rows of a file under its header. `headers` maps a field to the header text as
    written in the file (for messages); `rows` holds (row number as shown, field -> raw value);
    `ignored` holds (column letter, header text) of every column read for no field: a header no
    alias matches, a second column of a field, a column without a header that holds data ("")."""

    headers: dict[str, str]
    header_row: int
    rows: list[tuple[int, dict[str, object]]] = field(default_factory=list)
    sheet_name: str = ""
    ignored: list[tuple[str, str]] = field(default_factory=list)
    # field -> the letters of all its columns, for a field the header names more than once (the
    # first is read, the others are in `ignored`, but for the second of a field in `second_columns`,
    # read as "<field>_2"): a caller for whom that is ambiguous refuses it
    repeated: dict[str, list[str]] = field(default_factory=dict)
    # (row number, its first cell's text) of the rows skipped as footers (合计, 填表人…): see read_table
    footers: list[tuple[int, str]] = field(default_factory=list)
    # the numbers of the rows read (in `rows`) that the sheet hides (a filter, or rows hidden by hand)
    hidden_rows: list[int] = field(default_factory=list)


def second(name: str) -> str:
    """The field under which a row holds the second column of a field named twice in the header."""
    return f"{name}_2"


def column_letter(position: int) -> str:
    """The letter Excel shows for a column: 0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def normalise_header(text: object) -> str:
    """Header text reduced for matching: half-width, no spaces or required-marks, no trailing
    note in brackets such as （选填）, lower case."""
    text = clean_text(text).replace(" ", "")
    text = _MARKS.sub("", text)
    text = _PAREN_TAIL.sub("", text)
    return text.lower()


def _alias_index(aliases: Aliases) -> dict[str, str]:
    index: dict[str, str] = {}
    for name, names in aliases.items():
        for alias in (name, *names):
            index.setdefault(normalise_header(alias), name)
    return index


def match_header(cells: Sequence[object], aliases: Aliases) -> dict[str, int]:
    """Field -> column position for the cells of one row; the first column of a field wins."""
    index = _alias_index(aliases)
    columns: dict[str, int] = {}
    for position, cell in enumerate(cells):
        name = index.get(normalise_header(cell)) if cell is not None else None
        if name and name not in columns:
            columns[name] = position
    return columns


def _is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _no_long_number(value: object) -> bool:
    """Holds no number as long as an ID number (15 digits or more): empty, or 4人 under a footer."""
    return sum(ch.isdigit() for ch in clean_text(value)) < 15


def _footer_text(cells: Sequence[object]) -> str | None:
    """The first cell's text of a footer row (合计 4人, 填表人：张三 …), else None."""
    first = next((cell for cell in cells if not _is_empty(cell)), None)
    if not isinstance(first, str) or first.lstrip()[:1] not in _FOOTER_STARTS:  # cheap: most rows
        return None
    text = clean_text(first)
    return text[:30] if _FOOTER.match(text) else None


def _find_header(
    rows: Iterator[Row], aliases: Aliases, required: Sequence[str], labels: Mapping[str, str]
) -> tuple[int, dict[str, int], tuple[object, ...]]:
    """(row number, field -> column, header cells) of the header among the first rows."""
    best: tuple[int, dict[str, int], tuple[object, ...]] | None = None
    for count, (number, cells) in enumerate(rows, start=1):
        columns = match_header(cells, aliases)
        if all(name in columns for name in required):
            return number, columns, cells
        if len(columns) >= 2 and (best is None or len(columns) > len(best[1])):
            best = (number, columns, cells)
        if count >= HEADER_SEARCH_ROWS:
            break
    if best is not None:
        missing = [labels.get(name, name) for name in required if name not in best[1]]
        found = "、".join(clean_text(cell) for cell in best[2] if not _is_empty(cell))
        raise MissingColumns(MISSING_COLUMNS, columns="、".join(missing), row=best[0], found=found)
    sample = "”“".join(labels.get(name, name) for name in list(required)[:3])
    raise TabularError(NO_HEADER, n=HEADER_SEARCH_ROWS, columns=sample)


def _table_from_rows(
    rows: Iterator[Row],
    *,
    aliases: Aliases,
    required: Sequence[str],
    labels: Mapping[str, str],
    max_rows: int,
    second_columns: Collection[str] = (),
    footer_key: str | None = None,
) -> Table:
    """The header, then every non-empty row below it (the same iterator goes on)."""
    header_row, columns, header = _find_header(rows, aliases, required, labels)
    known = set(columns.values())
    named = {pos: clean_text(cell) for pos, cell in enumerate(header) if pos not in known and not _is_empty(cell)}
    index = _alias_index(aliases)
    repeated: dict[str, list[str]] = {}
    for pos in sorted(named):
        if (name := index.get(normalise_header(header[pos]))) in columns:
            repeated.setdefault(name, [column_letter(columns[name])]).append(column_letter(pos))
            if name in second_columns and second(name) not in columns:
                columns[second(name)] = pos
                del named[pos]
    table = Table(
        headers={name: clean_text(header[pos]) for name, pos in columns.items()},
        header_row=header_row,
        repeated=repeated,
    )
    known, header_width = set(columns.values()), len(header)
    # Columns without a header count as ignored only once a row holds something in them.
    unnamed = {pos for pos in range(header_width) if pos not in known and pos not in named}
    unnamed_with_data: set[int] = set()
    for number, cells in rows:
        width = len(cells)
        if unnamed or width > header_width:
            unnamed_with_data |= _unnamed_with_data(cells, unnamed, header_width)
            unnamed -= unnamed_with_data
        values = {name: cells[pos] if pos < width else None for name, pos in columns.items()}
        # Empty in every known column: a blank row, or one with only a pre-filled 序号.
        if all(_is_empty(value) for value in values.values()):
            continue
        if footer_key is not None and (text := _footer_text(cells)) and _no_long_number(values.get(footer_key)):
            table.footers.append((number, text))
            continue
        if len(table.rows) >= max_rows:
            raise TooManyRows(TOO_MANY, limit=max_rows)
        table.rows.append((number, values))
    ignored = {**named, **dict.fromkeys(unnamed_with_data, "")}
    table.ignored = [(column_letter(pos), ignored[pos]) for pos in sorted(ignored)]
    return table


def _unnamed_with_data(cells: tuple[object, ...], unnamed: set[int], header_width: int) -> set[int]:
    """Positions without a header (inside the header's width, or past it) where this row holds a value."""
    found = {pos for pos in unnamed if pos < len(cells) and not _is_empty(cells[pos])}
    tail = cells[header_width:]
    # Rows of an .xlsx are as wide as the sheet: count blanks in C before looking cell by cell.
    if tail and tail.count(None) + tail.count("") < len(tail):
        found.update(header_width + i for i, value in enumerate(tail) if not _is_empty(value))
    return found


def _numbered(rows: Iterable[Iterable[object]]) -> Iterator[Row]:
    for number, cells in enumerate(rows, start=1):
        yield number, tuple(cells)


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


def require_rows(table: Table, *, rows: int | None = None) -> None:
    """Raises NO_ROWS when nothing stands under the header: a file of a header alone (or of the
    template's example rows) is said to be empty, not "imported: 0". `rows`: the caller's own count
    of rows read (rows it skips as examples left out, formula cells without a value counted in)."""
    if (len(table.rows) if rows is None else rows) == 0:
        raise TabularError(NO_ROWS, row=table.header_row)


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


def read_table(
    content: bytes,
    file_name: str,
    *,
    aliases: Aliases,
    required: Iterable[str],
    max_rows: int,
    max_bytes: int,
    labels: Mapping[str, str] | None = None,
    second_columns: Collection[str] = (),
    footer_key: str | None = None,
) -> Table:
    """Rows of an .xlsx or .csv file under its header.

    `aliases` maps each field to the header names it may have; `required` fields must all be in
    the header; `labels` names fields in messages (defaults to the field). Fully empty rows are
    skipped. In an .xlsx, every cell of a merged range reads as its top-left value, and the rows
    the sheet hides are listed in `hidden_rows`. A field of `second_columns` named twice in the
    header is read from both columns (the second as `second(field)`). With `footer_key`, a row
    whose first cell starts with 合计, 总计, 小计, 填表人, 填报人, 制表, 审核, 负责人, 联系人 (or
    备注：, 说明：) and holds no number of 15 digits or more under that field (an ID number) is no
    data: it is listed in `footers`.
    Raises TabularError for a file that cannot be read as a whole.
    """
    options: dict[str, Any] = {
        "aliases": aliases,
        "required": list(required),
        "labels": labels or {},
        "max_rows": max_rows,
        "second_columns": second_columns,
        "footer_key": footer_key,
    }
    if not content:
        raise TabularError(EMPTY_FILE)
    if len(content) > max_bytes:
        raise TabularError(TOO_BIG, limit=max_bytes // (1024 * 1024))
    suffix = file_name.lower().rsplit(".", 1)[-1] if "." in file_name else ""
    if content.startswith(_OLE_MAGIC) or suffix == "xls":
        raise TabularError(XLS)
    if content.startswith(_ZIP_MAGIC):
        if suffix not in ("xlsx", "xlsm", ""):
            raise TabularError(WRONG_TYPE)
        return _xlsx_table(content, max_bytes=max_bytes, **options)
    if suffix in ("xlsx", "xlsm"):
        raise TabularError(BROKEN_XLSX)
    if suffix not in ("csv", "txt", ""):
        raise TabularError(WRONG_TYPE)
    return _csv_table(content, **options)
