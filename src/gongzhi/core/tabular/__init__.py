"""Reading spreadsheets that people made: .xlsx and .csv into numbered rows. No Django here.

Real files have a merged title row or two above the header, header names that vary from office
to office (身份证号 / 身份证号码 / 公民身份号码), CSVs saved by Chinese Excel in GBK, and blank
rows (or rows with only a pre-filled 序号), cells merged down over a family's rows, footer rows
(合计, 填表人…) and rows a filter hid. `read_table` finds the header within the first rows, maps
its columns to field names through aliases, and yields each non-empty row with the row number
Excel shows, so a message can point the user to the exact cell. Cleaning of the values is left to
the caller.
"""

from gongzhi.core.tabular.csv_text import decode_text
from gongzhi.core.tabular.problems import (
    BINARY_CSV,
    BROKEN_CSV,
    BROKEN_XLSX,
    CODES,
    EMPTY_FILE,
    ENCODING,
    MISSING_COLUMNS,
    MORE_SHEETS,
    NO_HEADER,
    NO_ROWS,
    TOO_BIG,
    TOO_MANY,
    WRONG_TYPE,
    XLS,
    MissingColumns,
    TabularError,
    TooManyRows,
)
from gongzhi.core.tabular.reader import read_table
from gongzhi.core.tabular.table import (
    HEADER_SEARCH_ROWS,
    Aliases,
    Row,
    Table,
    column_letter,
    match_header,
    normalise_header,
    require_rows,
    second,
)
from gongzhi.core.tabular.xlsx import MAX_EXPANSION

__all__ = [
    "HEADER_SEARCH_ROWS",
    "MAX_EXPANSION",
    "EMPTY_FILE",
    "TOO_BIG",
    "TOO_MANY",
    "XLS",
    "WRONG_TYPE",
    "BROKEN_XLSX",
    "BINARY_CSV",
    "ENCODING",
    "BROKEN_CSV",
    "NO_HEADER",
    "MISSING_COLUMNS",
    "NO_ROWS",
    "MORE_SHEETS",
    "CODES",
    "TabularError",
    "TooManyRows",
    "MissingColumns",
    "Aliases",
    "Row",
    "Table",
    "second",
    "column_letter",
    "normalise_header",
    "match_header",
    "require_rows",
    "decode_text",
    "read_table",
]
