"""A file's rows checked together: repeated ID numbers, group words that name no tag, footer and
hidden rows, and CheckedRows, what check_rows gives."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from gongzhi.people.register_rules.codes import DUPLICATE, EXCEL_DAMAGE, FOOTER_SKIPPED, HIDDEN_ROWS, TAG_UNMAPPED
from gongzhi.people.register_rules.columns import COLUMNS, LABELS, RawRow, RegisterRecord, RowError, is_example_row
from gongzhi.people.register_rules.identity import id_number_of, shows_excel_damage
from gongzhi.people.register_rules.row import clean_row
from gongzhi.people.register_tags import parse_tags


def duplicate_errors(ids: list[tuple[int, str]], id_header: str) -> list[RowError]:
    """An error on every repeat of an ID number already on an earlier row; `ids` holds
    (row, ID number) for every row, empty ID numbers ignored."""
    first: dict[str, int] = {}
    errors = []
    for row, id_number in ids:
        if not id_number:
            continue
        if id_number in first:
            errors.append(RowError(row, id_header, DUPLICATE, {"row": first[id_number]}))
        else:
            first[id_number] = row
    return errors


def _listed(rows: list[int], shown: int = 8) -> str:
    return "、".join(str(row) for row in rows[:shown]) + ("…" if len(rows) > shown else "")


def unmapped_warnings(found: list[tuple[int, str]], header: str) -> list[RowError]:
    """One warning per word of the vulnerable-group column that names no tag ((row, word) pairs),
    on its first row, with how many rows have it and the first of them."""
    rows: dict[str, list[int]] = {}
    for row, word in found:
        rows.setdefault(word, []).append(row)
    warnings = []
    for word, where in rows.items():
        params = {"value": word, "count": len(where), "rows": _listed(where)}
        warnings.append(RowError(where[0], header, TAG_UNMAPPED, params))
    return warnings


def file_warnings(footers: list[tuple[int, str]], hidden: list[int]) -> list[RowError]:
    """What the reading of the file left out or took in unseen: the footer rows skipped (合计,
    填表人…), one warning each, and the hidden rows read, one warning for them all."""
    warnings = [RowError(row, "", FOOTER_SKIPPED, {"text": text}) for row, text in footers]
    if hidden:
        warnings.append(RowError(hidden[0], "", HIDDEN_ROWS, {"count": len(hidden), "rows": _listed(hidden)}))
    return warnings


@dataclass
class CheckedRows:
    """A file's rows checked: the clean records (a repeated ID only on its first row), the errors
    (any one stops the import), the warnings (reported; the import goes on) and the rows read
    (the template's example row is not one)."""

    records: list[RegisterRecord]
    errors: list[RowError]
    warnings: list[RowError]
    rows_read: int


def check_rows(
    rows: Iterable[tuple[int, RawRow]], file_headers: dict[str, str], *, tag_by_label: dict[str, str], today: dt.date
) -> CheckedRows:
    """Every row of a file cleaned, then checked together: repeated ID numbers (not between ID
    numbers Excel damaged: their lost digits make different people look alike), Excel's damage
    seen anywhere in the ID column, which makes every ID ending in 000 suspect, and the words of
    the vulnerable-group column that name no tag (warnings, with the rows' own)."""
    headers = {name: file_headers.get(name, LABELS[name]) for name in COLUMNS}
    read = [(row, raw, id_number_of(raw)) for row, raw in rows if not is_example_row(raw)]
    damaged = any(shows_excel_damage(raw.get("id_number"), text, today) for _, raw, text in read)
    records, errors, ids, unmapped = [], [], [], []
    warnings: list[RowError] = []
    for row, raw, id_number in read:
        record, row_errors = clean_row(
            row, raw, file_headers, tag_by_label=tag_by_label, today=today, excel_damaged=damaged, warnings=warnings
        )
        errors += row_errors
        if record is not None:
            records.append(record)
        if not any(e.code in EXCEL_DAMAGE for e in row_errors):
            ids.append((row, id_number))
        if "groups" in file_headers:
            _found, words = parse_tags(raw.get("groups"), tag_by_label)
            unmapped += [(row, word) for word in words]
    duplicates = duplicate_errors(ids, headers["id_number"])
    repeated = {e.row for e in duplicates}
    records = [r for r in records if r.row not in repeated]
    errors += duplicates
    return CheckedRows(records, errors, warnings + unmapped_warnings(unmapped, headers["groups"]), len(read))
