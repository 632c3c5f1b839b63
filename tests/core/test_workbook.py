"""core.workbook: text is written as text, never as a formula; numbers and dates as they are; and no
other module makes a workbook."""

import ast
import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font

from gongzhi.core.workbook import cell, looks_like_formula, new_workbook, workbook_bytes

SRC = Path(__file__).resolve().parents[2] / "src" / "gongzhi"
TYPED = ['=HYPERLINK("http://x","click")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "=1+1", "#REF!", "-"]


def _read(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]


@pytest.mark.parametrize("write_only", [True, False])
def test_typed_text_is_text_with_the_quote_prefix_and_numbers_stay_numbers(write_only):
    book = new_workbook(write_only=write_only)
    sheet = book.create_sheet("x") if write_only else book.active
    sheet.append([*TYPED, -5, -2.5, dt.date(2022, 5, 1), "张三", cell(sheet, "=2", font=Font(bold=True))])
    content = workbook_bytes(book)
    row = next(_read(content).iter_rows())
    assert [c.value for c in row[: len(TYPED)]] == TYPED
    assert all(c.data_type == "s" for c in row[: len(TYPED)])
    assert [c.quotePrefix for c in row[: len(TYPED)]] == [True, True, True, True, True, True, False, True]
    assert (row[-5].value, row[-5].data_type) == (-5, "n") and row[-4].value == -2.5
    assert row[-3].value.date() == dt.date(2022, 5, 1) and row[-2].value == "张三" and not row[-2].quotePrefix
    assert row[-1].value == "=2" and row[-1].data_type == "s" and row[-1].font.b
    sheet_xml = next(
        zipfile.ZipFile(io.BytesIO(content)).read(n) for n in zipfile.ZipFile(io.BytesIO(content)).namelist()
        if n.startswith("xl/worksheets/sheet")
    )  # fmt: skip
    assert b"<f>" not in sheet_xml and b't="e"' not in sheet_xml


def test_cells_set_one_by_one_are_turned_when_the_workbook_is_saved():
    book = new_workbook()
    sheet = book.active
    sheet["A1"] = '=HYPERLINK("http://x","click")'
    sheet.cell(row=2, column=1, value="@x")
    result = _read(workbook_bytes(book))
    assert (result["A1"].data_type, result["A1"].quotePrefix) == ("s", True)
    assert result["A1"].value == '=HYPERLINK("http://x","click")' and result["A2"].value == "@x"


def test_what_looks_like_a_formula():
    assert all(looks_like_formula(t) for t in ("=1", "+1", "-1", "@a", "\t1", "\r1"))
    assert not any(looks_like_formula(t) for t in ("", "张三", "1-2", " =1", "'=1"))


def test_no_module_but_core_workbook_makes_a_workbook():
    """Every .xlsx the product writes goes through core.workbook: nothing else makes an openpyxl
    workbook or cell (reading uploads with openpyxl.load_workbook, styles and column letters are fine)."""
    writers = {"Workbook", "WriteOnlyCell", "Cell"}
    offenders = []
    for path in SRC.rglob("*.py"):
        relative = path.relative_to(SRC).as_posix()
        if relative == "core/workbook.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("openpyxl"):
                module = node.module or ""
                if module.startswith(("openpyxl.cell", "openpyxl.workbook", "openpyxl.worksheet")) or (
                    {a.name for a in node.names} & writers
                ):
                    offenders.append(f"{relative}: from {module} import ...")
            elif isinstance(node, ast.Attribute) and node.attr in writers:
                if isinstance(node.value, ast.Name) and node.value.id == "openpyxl":
                    offenders.append(f"{relative}: openpyxl.{node.attr}")
    assert offenders == []
