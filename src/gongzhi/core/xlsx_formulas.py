"""Formula cells an .xlsx holds without a stored value, per row, for every file import.

openpyxl (data_only) reads such a cell as None, like an empty one: a row would be told its name is
empty, its phone taken as not given, or the row skipped when every known cell is such a formula.
Excel stores every formula's last value (an empty text as t="str" with an empty <v>, a blank row
rightly); programs that write formulas (openpyxl, pandas) store none. The sheet's XML is read once,
and only when it holds a formula at all."""

import io
import posixpath
import re
import zipfile
from xml.etree import ElementTree

from gongzhi.core import tabular

_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")
_RELATIONSHIP_ID = re.compile(r"\{[^}]*relationships\}id")


def formulas_without_value(
    content: bytes, table: tabular.Table, aliases: tabular.Aliases
) -> dict[int, tuple[str, ...]]:
    """Row number (as Excel shows it) -> the fields whose cell in that row is a formula with no
    stored value, below the table's header in its sheet. {} for anything but an .xlsx."""
    if not content.startswith(b"PK"):
        return {}
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            path = _sheet_path(archive, table.sheet_name)
            data = archive.read(path) if path is not None else b""
    except (zipfile.BadZipFile, KeyError):
        return {}
    if not _FORMULA_TAG.search(data):
        return {}
    fields = {position: name for name, position in tabular.match_header(_header_cells(content, table), aliases).items()}
    found: dict[int, list[str]] = {}
    row_number, column = 0, -1
    for event, element in ElementTree.iterparse(io.BytesIO(data), events=("start", "end")):
        tag = element.tag.rsplit("}", 1)[-1]
        if event == "start":
            if tag == "row":
                row_number, column = int(element.get("r") or row_number + 1), -1
            continue
        if tag == "c":
            ref = _CELL_REF.fullmatch(element.get("r") or "")
            column = _column_position(ref.group(1)) if ref else column + 1
            name = fields.get(column)
            if name is not None and row_number > table.header_row and _no_value(element):
                found.setdefault(row_number, []).append(name)
            element.clear()
        elif tag == "row":
            element.clear()
    return {number: tuple(names) for number, names in found.items()}


def _no_value(cell: ElementTree.Element) -> bool:
    children = {child.tag.rsplit("}", 1)[-1]: child for child in cell}
    if "f" not in children:
        return False
    value = children.get("v")
    return value is None or (not value.text and cell.get("t") != "str")


def _column_position(letters: str) -> int:
    """A = 0, Z = 25, AA = 26."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number - 1


def _header_cells(content: bytes, table: tabular.Table) -> tuple[object, ...]:
    import openpyxl  # as tabular does: only an .xlsx with formulas pays for it

    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        sheet = book[table.sheet_name]
        sheet.reset_dimensions()  # a stated size of A1 would hide the header's cells
        rows = sheet.iter_rows(min_row=table.header_row, max_row=table.header_row, values_only=True)
        return tuple(next(rows, ()))
    finally:
        book.close()


def _sheet_path(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    """The part of the archive holding the named sheet, through the workbook's relationships."""
    workbook = "xl/workbook.xml"
    try:
        for rel in ElementTree.fromstring(archive.read("_rels/.rels")).iter():
            if rel.get("Type", "").endswith("/officeDocument"):
                workbook = rel.get("Target", workbook).lstrip("/")
        sheets = ElementTree.fromstring(archive.read(workbook))
        rels_path = posixpath.join(posixpath.dirname(workbook), "_rels", posixpath.basename(workbook) + ".rels")
        rels = ElementTree.fromstring(archive.read(rels_path))
    except (KeyError, ElementTree.ParseError):
        return None
    rel_id = next(
        (
            value
            for sheet in sheets.iter()
            if sheet.tag.rsplit("}", 1)[-1] == "sheet" and sheet.get("name") == sheet_name
            for key, value in sheet.attrib.items()
            if _RELATIONSHIP_ID.fullmatch(key)
        ),
        None,
    )
    for rel in rels.iter():
        if rel_id is not None and rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            if target.startswith("/"):
                return target.lstrip("/")
            return posixpath.normpath(posixpath.join(posixpath.dirname(workbook), target))
    return None
