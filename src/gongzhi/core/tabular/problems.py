"""The problem codes of a file that cannot be read as a whole, and TabularError (with TooManyRows and
MissingColumns) that carries one."""

from typing import Any

from gongzhi.core.errors import Problem

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


class TabularError(Exception):
    """The file as a whole cannot be read: `problem` says why (a code of this module)."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.problem = Problem(code, params)


class TooManyRows(TabularError):
    pass


class MissingColumns(TabularError):
    pass
