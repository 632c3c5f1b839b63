"""read_table: an uploaded file told apart by its first bytes and its name, then read as .xlsx or .csv."""

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from gongzhi.core.tabular.csv_text import _csv_table
from gongzhi.core.tabular.problems import BROKEN_XLSX, EMPTY_FILE, TOO_BIG, WRONG_TYPE, XLS, TabularError
from gongzhi.core.tabular.table import Aliases, Table
from gongzhi.core.tabular.xlsx import _xlsx_table

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls (and other OLE documents)


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
