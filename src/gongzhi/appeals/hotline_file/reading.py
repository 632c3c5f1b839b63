"""read_hotline_file: every row of an export read into a HotlineRow or its errors; refs checked
(empty, too long, cut by Excel, repeated) and times checked (unreadable, too early, in the future)."""

import datetime as dt
import re

from gongzhi.appeals.hotline_file.categories import category_for
from gongzhi.appeals.hotline_file.columns import (
    ADDRESS_EMPTY,
    ADDRESS_LONG,
    AHEAD,
    ALIASES,
    CALLER_LONG,
    CHINA,
    EARLIEST,
    FORMULA,
    LABELS,
    MAX_ADDRESS,
    MAX_BYTES,
    MAX_CALLER,
    MAX_REF,
    MAX_ROWS,
    MAX_TEXT,
    REF_DAMAGED,
    REF_DUPLICATE,
    REF_EMPTY,
    REF_LONG,
    REQUIRED,
    TEXT_CUT,
    TEXT_CUT_MARK,
    TEXT_EMPTY,
    TIME_EARLY,
    TIME_EMPTY,
    TIME_FUTURE,
    TIME_UNREADABLE,
    HotlineFile,
    HotlineRow,
)
from gongzhi.appeals.hotline_file.phones import read_phone
from gongzhi.appeals.hotline_file.times import _local, received_time
from gongzhi.core import tabular
from gongzhi.core.cleaning import clean_code, clean_text
from gongzhi.core.errors import Problem
from gongzhi.core.xlsx_formulas import formulas_without_value


def read_hotline_file(
    content: bytes,
    filename: str,
    *,
    now: dt.datetime | None = None,
    max_rows: int = MAX_ROWS,
    max_bytes: int = MAX_BYTES,
) -> HotlineFile:
    """The work orders of an export, each row read or with its errors. `now` (naive China time, or
    aware) is when a time stops being believable (plus a day); None: the present. Raises
    core.tabular.TabularError for a file that cannot be read as a whole."""
    table = tabular.read_table(
        content,
        filename,
        aliases=ALIASES,
        required=REQUIRED,
        max_rows=max_rows,
        max_bytes=max_bytes,
        labels=LABELS,
    )
    latest = _local(now or dt.datetime.now(CHINA)) + AHEAD
    if "received" not in table.headers and "received_date" not in table.headers:
        found = [*table.headers.values(), *(header for _letter, header in table.ignored if header)]
        raise tabular.MissingColumns(
            tabular.MISSING_COLUMNS, columns=LABELS["received"], row=table.header_row, found="、".join(found)
        )
    formulas = formulas_without_value(content, table, ALIASES)
    tabular.require_rows(table, rows=len(set(dict(table.rows)) | set(formulas)))
    values_of = dict(table.rows)
    result = HotlineFile(
        rows=[],
        errors=[],
        warnings=[],
        ignored=[header or letter for letter, header in table.ignored],
        columns=dict(table.headers),
    )
    first_row: dict[str, int] = {}  # ref -> the first row that used it
    # A row whose every known cell is a formula without a value looked empty to tabular: it is read too.
    for number in sorted(set(values_of) | set(formulas)):
        values = values_of.get(number, {})
        in_formulas = formulas.get(number, ())
        row, problems, warnings = _read_row(number, values, latest, in_formulas)
        if in_formulas:
            columns = "、".join(table.headers[name] for name in in_formulas)
            problems.insert(0, Problem(FORMULA, {"columns": columns}))
        ref = _ref_text(values.get("ref"))
        if ref and not _excel_damaged(values.get("ref")):  # damaged refs all look alike: no duplicates
            if ref in first_row:
                problems.append(Problem(REF_DUPLICATE, {"ref": ref, "first_row": first_row[ref]}))
            else:
                first_row[ref] = number
        if row is not None and not problems:
            result.rows.append(row)
            result.warnings.extend((number, warning) for warning in warnings)
        result.errors.extend((number, problem) for problem in problems)
    return result


def _read_row(
    number: int, values: dict[str, object], latest: dt.datetime, formulas: tuple[str, ...]
) -> tuple[HotlineRow | None, list[Problem], list[Problem]]:
    """The row read (or None), its problems and its warnings. A field in `formulas` is a formula cell
    without a value: that is its problem (the caller's), whatever else its empty value would say."""
    problems: list[Problem] = []
    values = {name: None if name in formulas else value for name, value in values.items()}

    ref = _ref_text(values.get("ref"))
    written, received = received_time(values.get("received"), values.get("received_date"))
    if "ref" not in formulas:
        problems += _ref_problems(values.get("ref"), ref)
    if "received" not in formulas and "received_date" not in formulas:
        problems += _time_problems(written, received, latest)

    address, text, caller = (clean_text(values.get(name)) for name in ("address", "text", "caller"))
    for name, value, empty, long, limit in (
        ("address", address, ADDRESS_EMPTY, ADDRESS_LONG, MAX_ADDRESS),
        ("text", text, TEXT_EMPTY, None, None),
        ("caller", caller, None, CALLER_LONG, MAX_CALLER),
    ):
        if name in formulas:
            continue
        if not value and empty is not None:
            problems.append(Problem(empty))
        elif long is not None and limit is not None and len(value) > limit:
            problems.append(Problem(long, {"limit": limit, "length": len(value)}))

    if problems or formulas or received is None:
        return None, problems, []
    warnings: list[Problem] = []
    phone = read_phone(values.get("phone"))
    if phone.warning is not None:
        warnings.append(phone.warning)
    if phone.extension:
        note = f"(分机{phone.extension})"  # half-width, as the request stores a name
        caller = caller[: MAX_CALLER - len(note)] + note
    category_text = clean_text(values.get("category"))
    category = category_for(category_text, text)  # from the whole text, before any cut
    if len(text) > MAX_TEXT:
        warnings.append(Problem(TEXT_CUT, {"limit": MAX_TEXT, "length": len(text)}))
        text = text[: MAX_TEXT - len(TEXT_CUT_MARK)] + TEXT_CUT_MARK
    row = HotlineRow(
        row=number,
        ref=ref,
        received_at=received,
        caller=caller,
        phone=phone.number,
        address=address,
        text=text,
        category=category,
        category_text=category_text,
    )
    return row, problems, warnings


# Cell values


def _ref_problems(raw: object, ref: str) -> list[Problem]:
    if _excel_damaged(raw):
        return [Problem(REF_DAMAGED, {"value": clean_code(raw)})]
    if not ref:
        return [Problem(REF_EMPTY)]
    if len(ref) > MAX_REF:
        return [Problem(REF_LONG, {"limit": MAX_REF})]
    return []


def _time_problems(written: str, received: dt.datetime | None, latest: dt.datetime) -> list[Problem]:
    if not written:
        return [Problem(TIME_EMPTY)]
    if received is None:
        return [Problem(TIME_UNREADABLE, {"value": written})]
    if received < EARLIEST:
        return [Problem(TIME_EARLY, {"value": f"{received:%Y-%m-%d %H:%M}"})]
    if received > latest:
        return [Problem(TIME_FUTURE, {"value": f"{received:%Y-%m-%d %H:%M}"})]
    return []


def _ref_text(value: object) -> str:
    """A ref as text: a whole number Excel stored (20220905001.0) without its .0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(value)


_SCIENTIFIC = re.compile(r"[0-9](\.[0-9]+)?E\+[0-9]{2}", re.IGNORECASE)  # as Excel shows it


def _excel_damaged(value: object) -> bool:
    """A long number Excel stored as a number: it keeps 15 significant digits, the rest are lost
    (2.02209051234568E+16), so the ref can no longer be told from another's. (A whole number a
    program wrote, read as an int, keeps its digits.)"""
    if isinstance(value, float):
        return abs(value) >= 1e15
    return isinstance(value, str) and bool(_SCIENTIFIC.fullmatch(clean_text(value)))
