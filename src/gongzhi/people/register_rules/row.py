"""One roster row cleaned: a RegisterRecord, or the row's errors (and its warnings)."""

import datetime as dt
from dataclasses import replace
from typing import Any

from gongzhi.core.cleaning import clean_code, clean_text, is_none_word, parse_date
from gongzhi.people import id_rules
from gongzhi.people.register_rules.codes import (
    BIRTH_IGNORED,
    BIRTH_MISMATCH,
    BIRTH_UNREADABLE,
    BUILDING,
    BUILDING_EMPTY,
    COMPOUND_LONG,
    GENDER_MISMATCH,
    GENDER_UNREADABLE,
    GRID,
    GRID_EMPTY,
    NAME_EMPTY,
    NAME_LONG,
    NOTES_LONG,
    PHONE_SECOND,
    RELATION_LONG,
    ROOM_EMPTY,
    ROOM_LONG,
    TAGS_UNKNOWN,
    UNIT,
)
from gongzhi.people.register_rules.columns import LABELS, PHONE_2, RawRow, RegisterRecord, RowError
from gongzhi.people.register_rules.identity import _id_number, parse_gender
from gongzhi.people.register_rules.places import (
    _number_text,
    compound_text,
    parse_building,
    parse_grid,
    parse_room,
    parse_unit,
)
from gongzhi.people.register_tags import parse_tags


def clean_row(
    row: int,
    raw: RawRow,
    headers: dict[str, str],
    *,
    tag_by_label: dict[str, str],
    today: dt.date | None = None,
    excel_damaged: bool = False,
    warnings: list[RowError] | None = None,
) -> tuple[RegisterRecord | None, list[RowError]]:
    """A clean record for one raw row (field -> cell value), or None with the row's errors.

    `headers` names each present field's column as written in the file; `tag_by_label` maps
    a tag's label (and the tag itself) to the stored tag value; `excel_damaged` says other rows'
    ID numbers visibly lost digits to Excel, so one ending in 000 is taken as truncated too. The
    row's warnings (the import goes on) are added to `warnings`.
    """
    today = today or dt.date.today()
    errors: list[RowError] = []

    def fail(name: str, code: str, **params: Any) -> None:
        errors.append(RowError(row, headers.get(name) or LABELS[name], code, params))

    def warn(name: str, code: str, **params: Any) -> None:
        if warnings is not None:
            warnings.append(RowError(row, headers.get(name) or LABELS[name], code, params))

    name = clean_text(raw.get("name"))
    if not name:
        fail("name", NAME_EMPTY)
    elif len(name) > 50:
        fail("name", NAME_LONG)

    id_number, id_problem = _id_number(raw.get("id_number"), today, excel_damaged)
    if id_problem:
        fail("id_number", id_problem)
    if "gender" in headers:
        # Digit 17 of the ID number is odd for men, even for women: a sex that disagrees most
        # often means a mistyped ID number, so the error is on the ID number.
        gender = parse_gender(raw.get("gender"))
        if gender is None:
            fail("gender", GENDER_UNREADABLE)
        elif gender and id_problem is None and id_rules.gender_of(id_number) != gender:
            fail("id_number", GENDER_MISMATCH, given=clean_text(raw.get("gender")))

    # A blank cell changes nothing that is stored (None: "not given"); a roster filled in part must
    # not wipe the phones, relations, notes and tags it leaves out. Clearing one is done on the
    # resident's page.
    phone = None
    if "phone" in headers:
        # A second phone column (联系电话 and 手机号码) fills in where the first is blank; a
        # different number beside the first is not imported, and said so.
        phone, column = _phone(raw.get("phone")), "phone"
        other = _phone(raw.get(PHONE_2)) if PHONE_2 in headers else None
        if phone is None and other is not None:
            phone, column = other, PHONE_2
        elif phone is not None and other is not None and other != phone:
            warn(PHONE_2, PHONE_SECOND, kept=headers["phone"])
        if phone and (problem := id_rules.phone_error(phone)):
            fail(column, problem)

    grid = building = None
    if _number_text(raw.get("grid")) == "":
        fail("grid", GRID_EMPTY)
    elif (grid := parse_grid(raw.get("grid"))) is None:
        fail("grid", GRID)
    if _number_text(raw.get("building")) == "":
        fail("building", BUILDING_EMPTY)
    elif (building := parse_building(raw.get("building"))) is None:
        fail("building", BUILDING)
    compound = compound_text(raw.get("compound")) if "compound" in headers else ""
    if len(compound) > 100:
        fail("compound", COMPOUND_LONG)
    address = clean_text(raw.get("address")).replace(" ", "") if "address" in headers else ""
    if (unit := parse_unit(raw.get("unit"))) is None:
        fail("unit", UNIT)
    room = parse_room(raw.get("room"))
    if not room:
        fail("room", ROOM_EMPTY)
    elif len(room) > 20:
        fail("room", ROOM_LONG)

    relation = notes = None
    if "relation" in headers:
        relation = clean_text(raw.get("relation")) or None
        if relation and len(relation) > 20:
            fail("relation", RELATION_LONG)
    if "notes" in headers:
        notes = clean_text(raw.get("notes")) or None
        if notes and len(notes) > 500:
            fail("notes", NOTES_LONG)

    tags = None
    if "tags" in headers and clean_text(raw.get("tags")):
        tags, unknown = parse_tags(raw.get("tags"), tag_by_label)
        if unknown:
            known = "、".join(label for label, tag in tag_by_label.items() if label != tag)
            fail("tags", TAGS_UNKNOWN, unknown="、".join(unknown), known=known)
    add_tags = None
    if "groups" in headers:
        # Other offices' categories: the words that name no tag are reported by check_rows.
        found, _ = parse_tags(raw.get("groups"), tag_by_label)
        if tags is not None:
            tags = found | tags  # with a tags column the row says all its tags
        elif found:
            add_tags = found

    birth_value = raw.get("birth_date")
    if isinstance(birth_value, int | float) and 18000101 <= birth_value <= 29991231:
        birth_value = str(int(birth_value))  # 19800517 typed as a number, not an Excel serial
    if "birth_date" in headers and not (birth_value is None or clean_text(birth_value) == ""):
        given = parse_date(birth_value)
        if given is None and id_problem is None:
            # Optional, and carried by the ID number: a date written some other way (50-3-4,
            # 1950年3月) stops nothing.
            warn("birth_date", BIRTH_IGNORED)
        elif given is None:
            fail("birth_date", BIRTH_UNREADABLE)
        elif id_problem is None and (born := id_rules.birth_date_of(id_number)) is not None and given != born:
            fail("birth_date", BIRTH_MISMATCH, born=born.isoformat())

    if errors:
        return None, errors
    # Optional columns absent from the file stay None: the stored value is kept.
    assert grid is not None and building is not None and unit is not None  # no errors: all parsed
    record = RegisterRecord(row, name, id_number, grid, building, unit, room, phone, relation, tags, notes, add_tags)
    return (replace(record, compound=compound, address=address) if compound or address else record), []


def _phone(value: object) -> str | None:
    """A phone cell's number, None for a blank one or one saying "none" (无, /, 暂无)."""
    return None if is_none_word(value) else id_rules.phone_number(clean_code(value)) or None
