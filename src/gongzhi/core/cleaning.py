"""Cleaning of values typed by people into forms and spreadsheets. No Django here.

Real rosters carry full-width digits (１２３), ideographic spaces, stray blanks inside numbers,
lower-case x in ID numbers, and dates in many shapes; these functions turn them into one form.
"""

import datetime as dt
import re

_FULL_WIDTH = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}
_FULL_WIDTH[0x3000] = 0x20  # ideographic space
_SPACES = re.compile(r"[\s\u200b\u00a0\ufeff]+")

EXCEL_EPOCH = dt.date(1899, 12, 30)


def to_half_width(text: str) -> str:
    return text.translate(_FULL_WIDTH)


def clean_text(value: object) -> str:
    """Half-width, outer spaces removed, inner runs of spaces collapsed to one."""
    if value is None:
        return ""
    text = to_half_width(str(value))
    return _SPACES.sub(" ", text).strip()


# What people write in a cell that has nothing to say (no phone): read as a blank cell.
NONE_WORDS = frozenset({"无", "/", "-", "--", "—", "——", "暂无", "没有"})


def is_none_word(value: object) -> bool:
    """Whether a cell says "none" in one of the ways people write it (无, /, -, —, 暂无, 没有)."""
    # A length check first: this runs on every phone cell of a 50,000-row file.
    return isinstance(value, str) and len(value.strip()) <= 4 and clean_text(value).replace(" ", "") in NONE_WORDS


def clean_code(value: object) -> str:
    """For numbers typed as text (ID numbers, phones, codes): half-width, no spaces or dashes,
    upper-case X. A float that Excel made from a long number keeps its scientific form, so the
    caller can say the digits were lost."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value).upper()
    if isinstance(value, int):
        return str(value)
    text = to_half_width(str(value))
    text = _SPACES.sub("", text).replace("-", "").replace("'", "")
    if text.startswith("+86"):
        text = text[3:]
    if text.endswith(".0") and text[:-2].isdecimal():
        text = text[:-2]
    return text.upper()


_DATE_PATTERNS = (
    # a time after the date, as another system's export writes it (1980-05-17 00:00:00), is let go
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?(?:\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(value: object) -> dt.date | None:
    """A date from a date cell, an Excel serial number, or text such as 2022-09-01, 2022/9/1,
    2022.9.1, 2022年9月1日 or 20220901. None when it is none of these."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        serial = float(value)
        if 1 <= serial < 2958466:
            return EXCEL_EPOCH + dt.timedelta(days=int(serial))
        return None
    text = clean_text(value).replace(" ", "")
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return EXCEL_EPOCH + dt.timedelta(days=int(float(text)))
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return dt.date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                return None
    return None
