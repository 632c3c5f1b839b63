"""The header found among a sheet's first rows (its names matched through aliases), then the rows
under it read into a Table: blank and footer rows skipped, columns read for no field listed."""

import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from gongzhi.core.cleaning import clean_text
from gongzhi.core.tabular.problems import (
    MISSING_COLUMNS,
    NO_HEADER,
    NO_ROWS,
    TOO_MANY,
    MissingColumns,
    TabularError,
    TooManyRows,
)

HEADER_SEARCH_ROWS = 10
_MARKS = re.compile(r"[*＊※]")
# The first cell of a row under the data that sums it up or signs it off (合计 4人, 填表人：张三).
_FOOTER = re.compile(r"^(?:合计|总计|小计|填表人|填报人|制表|审核|负责人|联系人|(?:备注|说明|注)[:：])")
_FOOTER_STARTS = frozenset("合总小填制审负联备说注")
_PAREN_TAIL = re.compile(r"[(（【\[][^)）】\]]*[)）】\]]$")


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
    return sum(ch.isdecimal() for ch in clean_text(value)) < 15


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


def require_rows(table: Table, *, rows: int | None = None) -> None:
    """Raises NO_ROWS when nothing stands under the header: a file of a header alone (or of the
    template's example rows) is said to be empty, not "imported: 0". `rows`: the caller's own count
    of rows read (rows it skips as examples left out, formula cells without a value counted in)."""
    if (len(table.rows) if rows is None else rows) == 0:
        raise TabularError(NO_ROWS, row=table.header_row)
