"""Rules of the residents roster (花名册): its columns, and one spreadsheet row turned into a
clean record or a list of row-level errors. No Django here.

Every error is (row number as Excel shows it, column header as written in the file, problem code,
its parameters), so a community worker can go straight to the cell; the words are in people.messages.
"""

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from gongzhi.core.cleaning import clean_code, clean_text, is_none_word, parse_date
from gongzhi.people import id_rules
from gongzhi.people.register_tags import parse_tags

# Field -> header names seen in real rosters; the first is the one the template uses.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名字"),
    "id_number": (
        "身份证号",
        "身份证号码",
        "公民身份号码",
        "证件号码",
        "身份证",
        "居民身份证号",
        "居民身份证号码",
        "证件号",
    ),
    "phone": ("联系电话", "手机号", "手机", "手机号码", "电话", "联系方式", "电话号码", "固定电话", "座机"),
    "grid": ("网格", "网格号", "所属网格"),
    "building": ("楼栋", "楼栋号", "楼号", "楼栋名称", "栋", "栋号"),
    # The compound (小区, 院落) a building stands in: its buildings' names repeat in the next one.
    "compound": ("小区", "小区名称", "小区/院落", "院落", "院落名称", "小区院落", "所在小区", "小区名"),
    "unit": ("单元", "单元号"),
    "room": ("房号", "门牌号", "房间号", "室", "房间"),
    "relation": ("与户主关系", "关系"),
    "tags": ("重点人群", "人群标签", "标签"),
    "birth_date": ("出生日期", "生日"),
    "notes": ("备注",),
    # Read from other offices' files, not in the template: the sex (checked against the ID
    # number), and their vulnerable-group column, whose words map to tags where they can.
    "gender": ("性别",),
    "groups": ("人员类别", "人员类型", "特殊人群", "特殊人群类别", "人员分类", "人群类别", "重点人员类别"),
    # A home address (the export writes the household's, 三圣东路180号锦绣名城1栋1单元101): only
    # read to tell apart buildings of one name in several compounds.
    "address": ("住址", "家庭住址", "居住地址", "现住址"),
}
# A field the header may name twice, whose second column is read too (联系电话 and 手机号码).
PHONE_2 = "phone_2"
REQUIRED = ("name", "id_number", "grid", "building", "room")
LABELS = {name: names[0] for name, names in COLUMNS.items()}
TEMPLATE_FIELDS = (
    "name", "id_number", "phone", "grid", "building", "unit", "room", "relation", "tags", "birth_date", "notes",
)  # fmt: skip
TEMPLATE_HEADERS = tuple(f"{LABELS[name]}(选填)" if name == "birth_date" else LABELS[name] for name in TEMPLATE_FIELDS)
EXAMPLE_MARK = "示例"

NAME_EMPTY = "name_empty"
NAME_LONG = "name_long"
GRID = "grid"
GRID_EMPTY = "grid_empty"
BUILDING = "building"
BUILDING_EMPTY = "building_empty"
UNIT = "unit"
ROOM_EMPTY = "room_empty"
ROOM_LONG = "room_long"
RELATION_LONG = "relation_long"
NOTES_LONG = "notes_long"
TAGS_UNKNOWN = "tags_unknown"
BIRTH_UNREADABLE = "birth_unreadable"
BIRTH_MISMATCH = "birth_mismatch"
DUPLICATE = "duplicate"
OTHER_COMMUNITY = "other_community"
BUILDING_GRID = "building_grid"
BUILDING_GRID_IN_FILE = "building_grid_in_file"
TAG_UNMAPPED = "tag_unmapped"  # a warning: the import goes on without it
GENDER_UNREADABLE = "gender_unreadable"
GENDER_MISMATCH = "gender_mismatch"
ID_TRUNCATED = "id_truncated"
FORMULA_NO_VALUE = "register_formula"  # a formula cell the file stores no value for (core.xlsx_formulas)
BUILDING_AMBIGUOUS = "building_ambiguous"
COMPOUND_LONG = "compound_long"
# Warnings: said in the preview, the import goes on.
BUILDING_NEW_IN_COMPOUND = "building_new_in_compound"
PHONE_SECOND = "phone_second"
BIRTH_IGNORED = "birth_ignored"
FOOTER_SKIPPED = "footer_skipped"
HIDDEN_ROWS = "hidden_rows"
CODES = (
    NAME_EMPTY, NAME_LONG, GRID, GRID_EMPTY, BUILDING, BUILDING_EMPTY, UNIT, ROOM_EMPTY, ROOM_LONG, RELATION_LONG,
    NOTES_LONG, TAGS_UNKNOWN, BIRTH_UNREADABLE, BIRTH_MISMATCH, DUPLICATE, OTHER_COMMUNITY, BUILDING_GRID,
    BUILDING_GRID_IN_FILE, TAG_UNMAPPED, GENDER_UNREADABLE, GENDER_MISMATCH, ID_TRUNCATED, FORMULA_NO_VALUE,
    BUILDING_AMBIGUOUS, COMPOUND_LONG, BUILDING_NEW_IN_COMPOUND, PHONE_SECOND, BIRTH_IGNORED, FOOTER_SKIPPED,
    HIDDEN_ROWS, *id_rules.CODES,
)  # fmt: skip
# The ID number's problems that mean Excel damaged it: such rows are no duplicates of each other.
EXCEL_DAMAGE = (id_rules.ID_SCIENTIFIC, ID_TRUNCATED)


# One raw spreadsheet row: field -> cell value; a door: (building number, unit, room).
RawRow = Mapping[str, object]
Door = tuple[int, int, str]


class RowError(NamedTuple):
    row: int
    column: str
    code: str
    params: dict[str, Any] = {}


@dataclass(frozen=True)
class RegisterRecord:
    """One clean register row. Optional fields are None when their column is not in the file."""

    row: int
    name: str
    id_number: str
    grid: int
    building: int
    unit: int
    room: str
    phone: str | None = None
    relation: str | None = None
    tags: frozenset[str] | None = None  # the row's tags: they replace the stored ones
    notes: str | None = None
    # Tags read from another office's category column (人员类别...): added to the stored ones, never
    # removing any (such a column lists one category, not every tag a worker recorded).
    add_tags: frozenset[str] | None = None
    # Where the building is, as the row says it (compound_text of 小区; the 住址 cell without
    # spaces), "" when not said: `building` is the building's written number until
    # register_plan finds the community's building it means.
    compound: str = ""
    address: str = ""

    @property
    def door(self) -> tuple[int, int, str]:
        return (self.building, self.unit, self.room)


_CN_DIGITS = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))


def chinese_number(text: str) -> int | None:
    """1-99 written in Chinese numerals (三, 十二, 二十, 九十九) or in digits."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CN_DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return _CN_DIGITS[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def _number_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(value).replace(" ", "")


_GRID = re.compile(r"^(?:网格)?第?(.+?)(?:号)?(?:网格)?$")
_BUILDING = re.compile(r"^第?(.+?)(?:号楼栋|号楼|号栋|楼栋|栋|幢|号|座)?$")
_UNIT = re.compile(r"^第?(.+?)(?:单元)?$")


# No community numbers its grids, buildings or units past this; a larger number is a typo (and
# would not fit the database's column).
MAX_PLACE_NUMBER = 9999


def _parse_positive(value: object, pattern: re.Pattern[str]) -> int | None:
    match = pattern.match(_number_text(value))
    number = chinese_number(match[1]) if match else None
    return number if number and 0 < number <= MAX_PLACE_NUMBER else None


@functools.lru_cache(maxsize=4096)
def parse_grid(value: object) -> int | None:
    """1, "1", "第1网格", "1网格", "网格1", "第一网格" -> 1."""
    return _parse_positive(value, _GRID)


@functools.lru_cache(maxsize=4096)
def parse_building(value: object) -> int | None:
    """3, "3", "3栋", "3号楼", "３栋", "第3栋" -> 3."""
    return _parse_positive(value, _BUILDING)


@functools.lru_cache(maxsize=4096)
def parse_unit(value: object) -> int | None:
    """2, "2", "2单元", "二单元" -> 2; empty is unit 1 (buildings without units)."""
    if value is None or _number_text(value) == "":
        return 1
    return _parse_positive(value, _UNIT)


def parse_room(value: object) -> str:
    """ "501", 501, "501室", " 5０1 " -> "501"."""
    text = _number_text(value)
    return re.sub(r"(室|号|房)$", "", text) if len(text) > 1 else text


class StoredBuilding(NamedTuple):
    """A building of the community as stored: its number (unique in the community), its name
    (1栋, often repeated in the community's other compounds), its address (书院横街39号明珠华庭)."""

    number: int
    name: str
    address: str
    grid: int


def compound_text(value: object) -> str:
    """A compound as written, for matching: half-width, no spaces, without 小区 or 院落 at its end."""
    text = clean_text(value).replace(" ", "")
    return re.sub(r"(小区|院落)$", "", text) or text


def compound_of(address: str) -> str:
    """The compound of a building's address: what follows its street number (书院横街39号明珠华庭 ->
    明珠华庭), else the address."""
    return re.sub(r"^.*[0-9]号(?=.)", "", address)


def building_label(building: StoredBuilding) -> str:
    """A building as people name it: 明珠华庭 1栋."""
    return f"{compound_of(building.address)} {building.name}".strip()


def _place(building: StoredBuilding) -> str:
    return (clean_text(building.address) + clean_text(building.name)).replace(" ", "")


def _said_place(text: str, building: StoredBuilding) -> bool:
    """A compound (明珠华庭) in the building's address and name, or its address and name in a home
    address (书院横街39号明珠华庭1栋1单元101)."""
    place = _place(building)
    return text in place or place in text


class Buildings:
    """The community's buildings, found by what a row writes: its number or the number in its
    name (1, 1栋 and 1号楼 are all "1"), with the compound or home address that tells apart
    buildings of one name."""

    def __init__(self, buildings: Iterable[StoredBuilding]):
        self.by_number = {b.number: b for b in buildings}
        self.by_name: dict[int, list[StoredBuilding]] = {}
        for b in self.by_number.values():
            if (number := parse_building(b.name)) is not None:
                self.by_name.setdefault(number, []).append(b)

    def find(
        self, written: int, compound: str = "", address: str = ""
    ) -> tuple[StoredBuilding | None, list[StoredBuilding]]:
        """(the building meant, []); (None, []) for a building to create; (None, the candidates)
        when several buildings could be meant and nothing on the row tells which."""
        if compound:  # the compound's building of that name
            found = [b for b in self.by_name.get(written, ()) if _said_place(compound, b)]
            return (found[0], []) if len(found) == 1 else (None, found)
        named = list({b.number: b for b in self.candidates(written)}.values())
        if address and len(named) > 1:
            found = [b for b in named if _said_place(address, b)]
            named = found if len(found) == 1 else named
        return (named[0], []) if len(named) == 1 else (None, named)

    def candidates(self, written: int) -> list[StoredBuilding]:
        """The buildings numbered so, then those of that name (1栋 in every compound)."""
        numbered = self.by_number.get(written)
        return ([numbered] if numbered else []) + self.by_name.get(written, [])


# GB/T 2261.1 codes, as government systems export them: 1 男, 2 女, 0 未知, 9 未说明.
_SEXES = {
    **dict.fromkeys(("男", "男性", "男士", "m", "male", "1", "1.0"), "M"),
    **dict.fromkeys(("女", "女性", "女士", "f", "female", "2", "2.0"), "F"),
    **dict.fromkeys(("0", "0.0", "9", "9.0", "未知", "未说明", "不详", "-"), ""),
}


def parse_gender(value: object) -> str | None:
    """'M' or 'F' for the ways people write a sex (男, 男性, M, female, the codes 1 and 2...), ''
    for an empty cell or an unknown sex (0, 9, 未知), None for anything else."""
    text = clean_text(value).replace(" ", "").lower()
    return _SEXES.get(text) if text else ""


def is_example_row(raw: RawRow) -> bool:
    """The template's example row (its name starts with 示例) is never imported."""
    return clean_text(raw.get("name")).startswith(EXAMPLE_MARK)


# Excel keeps 15 significant digits of a number: an 18-digit ID number it made a number of ends in
# 000 (5.10104E+17 on screen, 510104199001011000 or 510,104,199,001,011,000 when formatted).
_ENDS_000 = re.compile(r"[0-9]{15}000")
_THOUSANDS = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+")


def _id_text(value: object) -> tuple[str, bool]:
    """The cell as an ID number, and whether it was written with thousands separators."""
    text = clean_code(value)
    if _THOUSANDS.fullmatch(text):
        return text.replace(",", ""), True
    return text, False


def _id_number(value: object, today: dt.date, excel_damaged: bool = False) -> tuple[str, str | None]:
    id_number, grouped = _id_text(value)
    code = id_rules.id_number_error(id_number, today=today)
    # A number cell holds at most 15 significant digits: an 18-digit ID typed as a number has
    # lost its tail (only a program writing the exact integer keeps it: then it passes above).
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if code and is_number and abs(value) >= 1e15:  # type: ignore[arg-type]  # a number, checked above
        code = id_rules.ID_SCIENTIFIC
    elif _ENDS_000.fullmatch(id_number) and (code or grouped or excel_damaged):
        # A real number may end in 000, but not one that fails its checks, nor in a column
        # where Excel visibly made numbers of other IDs.
        code = ID_TRUNCATED
    return id_number, code


def shows_excel_damage(value: object, id_number: str, today: dt.date) -> bool:
    """Whether an ID number cell (`id_number` as id_number_of gives it) visibly lost digits to
    Excel: scientific notation, or 000 at the end of a number that fails its checks or was
    written with thousands separators. Cheap for the usual cell."""
    if "E" not in id_number and not id_number.endswith("000") and "," not in id_number:
        return False
    return _id_number(value, today)[1] in EXCEL_DAMAGE


def id_number_of(raw: RawRow) -> str:
    """The row's ID number as it will be compared (for duplicates), whatever else is wrong."""
    return _id_text(raw.get("id_number"))[0]


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
