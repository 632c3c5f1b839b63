"""Reading a 12345 hotline work-order export (.xlsx or .csv). No Django here.

core.tabular finds the header (below any merged title rows) and the rows; this module turns each row
into a HotlineRow, or into that row's errors, each with the row number Excel shows:

- 工单编号, 来电时间, 诉求地址 and 诉求内容 are required columns (a file without one of them raises
  core.tabular.TabularError); 来电人, 联系电话 and 诉求类别 are read when present. Header names vary by
  export (ALIASES). Columns read for no field are listed in `ignored`, for the page to show.
- Empty ref, address or text; a text longer than a request holds; a time that cannot be read, is
  before 2000 or more than a day after `now`; a phone that is not 7-20 digits once dashes, spaces and
  brackets are gone (an empty phone is allowed); a ref a row above already used (the later row is
  the error, naming the first); a ref Excel stored as a number and so cut to 15 digits; an .xlsx
  formula cell whose value the file does not store (a program wrote it and nothing calculated it):
  each is an error of its row only, and every error of a row is listed.
- The category: the hotline's own category words (CATEGORY_WORDS) when they say something, else the
  words of the text (TEXT_WORDS), else other. The first entry of the table that matches wins, so the
  most specific needs come first (透析 before 药).

Times are naive, as written (China Standard Time): the service makes them aware.
"""

import datetime as dt
import re
from dataclasses import dataclass

from gongzhi.appeals import triage
from gongzhi.core import tabular
from gongzhi.core.cleaning import EXCEL_EPOCH, clean_code, clean_text
from gongzhi.core.errors import Problem
from gongzhi.core.xlsx_formulas import formulas_without_value

# Field -> header names seen in exports; the field's label (for messages) is the first.
ALIASES: dict[str, tuple[str, ...]] = {
    "ref": ("工单编号", "工单号", "受理编号", "编号", "工单流水号"),
    "received": ("来电时间", "受理时间", "来电日期", "登记时间"),
    "caller": ("来电人", "姓名", "来电人姓名", "联系人", "诉求人"),
    "phone": ("联系电话", "电话", "来电号码", "联系方式", "手机号", "手机号码"),
    "address": ("诉求地址", "地址", "事发地址", "问题地址", "住址"),
    "text": ("诉求内容", "内容", "来电内容", "问题描述", "诉求描述", "反映内容"),
    "category": ("诉求类别", "类别", "问题分类", "诉求分类", "工单类别"),
}
LABELS = {name: names[0] for name, names in ALIASES.items()}
REQUIRED = ("ref", "received", "address", "text")
MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024
# What the request's row holds (appeals.models.Appeal).
MAX_REF, MAX_TEXT, MAX_ADDRESS, MAX_CALLER = 40, 1000, 200, 40
EARLIEST = dt.datetime(2000, 1, 1)
AHEAD = dt.timedelta(days=1)  # an export's clock and ours may differ; a day more is a typo
CHINA = dt.timezone(dt.timedelta(hours=8), "CST")  # no daylight saving since 1991

# Row error codes (words in appeals.messages).
REF_EMPTY = "hotline_ref_empty"
REF_LONG = "hotline_ref_long"  # {"limit"}
REF_DAMAGED = "hotline_ref_damaged"  # {"value"}
REF_DUPLICATE = "hotline_ref_duplicate"  # {"ref", "first_row"}
TIME_EMPTY = "hotline_time_empty"
TIME_UNREADABLE = "hotline_time_unreadable"  # {"value"}
TIME_FUTURE = "hotline_time_future"  # {"value"}
TIME_EARLY = "hotline_time_early"  # {"value"}
ADDRESS_EMPTY = "hotline_address_empty"
ADDRESS_LONG = "hotline_address_long"  # {"limit", "length"}
TEXT_EMPTY = "hotline_text_empty"
TEXT_LONG = "hotline_text_long"  # {"limit", "length"}
CALLER_LONG = "hotline_caller_long"  # {"limit", "length"}
PHONE_BAD = "hotline_phone_bad"  # {"value"}
FORMULA = "hotline_formula"  # {"columns"}: header names, joined with 、
CODES = (
    REF_EMPTY, REF_LONG, REF_DAMAGED, REF_DUPLICATE, TIME_EMPTY, TIME_UNREADABLE, TIME_FUTURE, TIME_EARLY,
    ADDRESS_EMPTY, ADDRESS_LONG, TEXT_EMPTY, TEXT_LONG, CALLER_LONG, PHONE_BAD, FORMULA,
)  # fmt: skip

# The hotline's own category words -> our category (first match wins). 12345 classifications read
# like 疫情防控-就医需求, 卫生健康/购药, 民政/养老服务; our own labels (购药, 慢病治疗...) match too.
CATEGORY_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (triage.CHRONIC_CARE, ("透析", "化疗", "放疗", "慢病", "慢性病", "胰岛素")),
    (triage.PREGNANCY, ("孕", "产妇", "产检", "分娩", "母婴")),
    (triage.MEDICAL_EMERGENCY, ("急症", "急诊", "急救", "120", "就医", "就诊", "送医", "医疗救治")),
    (triage.MEDICINE, ("药",)),
    (triage.PSYCHOLOGICAL, ("心理", "情绪")),
    (triage.ELDERLY_CARE, ("养老", "老人", "老年", "独居", "照护", "失能")),
    (triage.FOOD, ("物资", "买菜", "食品", "蔬菜", "粮", "米面", "生活必需", "生活保障")),
)
# The request's text -> our category, when the hotline's category says nothing. Single characters
# that are parts of other words are avoided (米 in 厘米, 油 in 加油): 大米, 食用油 instead.
TEXT_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (triage.CHRONIC_CARE, ("透析", "化疗", "放疗", "胰岛素")),
    (triage.PREGNANCY, ("孕", "产检", "临产", "待产", "破水")),
    (triage.MEDICAL_EMERGENCY, ("急诊", "急救", "就医", "就诊", "120", "救护车", "送医")),
    (triage.MEDICINE, ("药",)),
    (triage.PSYCHOLOGICAL, ("心理", "情绪崩溃", "抑郁", "想不开", "轻生", "自杀", "不想活")),
    (triage.ELDERLY_CARE, ("老人", "养老", "独居", "照护", "护工")),
    (
        triage.FOOD,
        ("物资", "买菜", "食品", "蔬菜", "大米", "米面", "粮油", "食用油", "断粮", "没吃的", "猪肉", "鸡蛋"),
    ),
)


@dataclass(frozen=True)
class HotlineRow:
    row: int  # the row number Excel shows
    ref: str
    received_at: dt.datetime  # naive, China Standard Time as written
    caller: str
    phone: str  # 7-20 digits (a leading + kept for a foreign number; +86 dropped), or ""
    address: str
    text: str
    category: str  # one of triage.CATEGORIES
    category_text: str  # the hotline's category as written


@dataclass
class HotlineFile:
    rows: list[HotlineRow]
    errors: list[tuple[int, Problem]]  # (row number, problem); a bad row has only errors, no HotlineRow
    ignored: list[str]  # header names of the columns read for no field (the column letter if it has none)
    columns: dict[str, str]  # field -> header as written in the file


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
    formulas = formulas_without_value(content, table, ALIASES)
    tabular.require_rows(table, rows=len(set(dict(table.rows)) | set(formulas)))
    values_of = dict(table.rows)
    result = HotlineFile(
        rows=[],
        errors=[],
        ignored=[header or letter for letter, header in table.ignored],
        columns=dict(table.headers),
    )
    first_row: dict[str, int] = {}  # ref -> the first row that used it
    # A row whose every known cell is a formula without a value looked empty to tabular: it is read too.
    for number in sorted(set(values_of) | set(formulas)):
        values = values_of.get(number, {})
        in_formulas = formulas.get(number, ())
        row, problems = _read_row(number, values, latest, in_formulas)
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
        result.errors.extend((number, problem) for problem in problems)
    return result


def _read_row(
    number: int, values: dict[str, object], latest: dt.datetime, formulas: tuple[str, ...]
) -> tuple[HotlineRow | None, list[Problem]]:
    """The row read, or None and its problems. A field in `formulas` is a formula cell without a
    value: that is its problem (the caller's), whatever else its empty value would say."""
    problems: list[Problem] = []
    values = {name: None if name in formulas else value for name, value in values.items()}

    ref = _ref_text(values.get("ref"))
    received = parse_time(values.get("received"))
    if "ref" not in formulas:
        problems += _ref_problems(values.get("ref"), ref)
    if "received" not in formulas:
        problems += _time_problems(values.get("received"), received, latest)

    address, text, caller = (clean_text(values.get(name)) for name in ("address", "text", "caller"))
    for name, value, empty, long, limit in (
        ("address", address, ADDRESS_EMPTY, ADDRESS_LONG, MAX_ADDRESS),
        ("text", text, TEXT_EMPTY, TEXT_LONG, MAX_TEXT),
        ("caller", caller, None, CALLER_LONG, MAX_CALLER),
    ):
        if name in formulas:
            continue
        if not value and empty is not None:
            problems.append(Problem(empty))
        elif len(value) > limit:
            problems.append(Problem(long, {"limit": limit, "length": len(value)}))

    phone = clean_phone(values.get("phone"))
    if phone is None:
        problems.append(Problem(PHONE_BAD, {"value": clean_text(values.get("phone"))}))

    if problems or formulas or received is None or phone is None:
        return None, problems
    category_text = clean_text(values.get("category"))
    row = HotlineRow(
        row=number,
        ref=ref,
        received_at=received,
        caller=caller,
        phone=phone,
        address=address,
        text=text,
        category=category_for(category_text, text),
        category_text=category_text,
    )
    return row, problems


# Cell values


def _ref_problems(raw: object, ref: str) -> list[Problem]:
    if _excel_damaged(raw):
        return [Problem(REF_DAMAGED, {"value": clean_code(raw)})]
    if not ref:
        return [Problem(REF_EMPTY)]
    if len(ref) > MAX_REF:
        return [Problem(REF_LONG, {"limit": MAX_REF})]
    return []


def _time_problems(raw: object, received: dt.datetime | None, latest: dt.datetime) -> list[Problem]:
    if _empty(raw):
        return [Problem(TIME_EMPTY)]
    if received is None:
        return [Problem(TIME_UNREADABLE, {"value": clean_text(raw)})]
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


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_PHONE = re.compile(r"\+?[0-9]{7,20}")


def clean_phone(value: object) -> str | None:
    """A phone as digits: full-width, spaces, dashes, brackets and a +86 prefix removed; a leading +
    kept for another country. "" for an empty cell, None for anything else than 7-20 digits (or for
    more than 20 characters, what the request's phone holds)."""
    text = re.sub(r"[()]", "", clean_code(value))
    if not text:
        return ""
    return text if _PHONE.fullmatch(text) and len(text) <= 20 else None


_TIME = re.compile(
    r"([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?"
    r"(?:[ T]*([0-9]{1,2})[:时点]([0-9]{1,2})(?:[:分]([0-9]{1,2})?)?(?:\.[0-9]+)?秒?)?"
)
_SERIAL = re.compile(r"[0-9]{5}(\.[0-9]+)?")


def parse_time(value: object) -> dt.datetime | None:
    """A time from an Excel date-time or date cell, an Excel serial number, or text such as
    2022-09-05 10:32, 2022/9/5 10:32:00, 2022-09-05T10:32, 2022年9月5日 10:32, 2022年9月5日10时32分,
    2022.09.05 10:32 (a date alone is its midnight). None when it is none of these."""
    if value is None or isinstance(value, bool | dt.time):
        return None
    if isinstance(value, dt.datetime):
        moment = _local(value) if value.tzinfo else value
        return _whole_second(moment)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, int | float):
        return _from_serial(float(value))
    text = clean_text(value)
    if _SERIAL.fullmatch(text):
        return _from_serial(float(text))
    match = _TIME.fullmatch(text)
    if not match:
        return None
    year, month, day, hour, minute, second = (int(part) if part else 0 for part in match.groups())
    try:
        return dt.datetime(year, month, day, hour, minute, second)
    except ValueError:  # 2022-02-30, 25:00
        return None


def _from_serial(serial: float) -> dt.datetime | None:
    """Excel's days since 1899-12-30, the fraction the time of day."""
    if not 1 <= serial < 2958466:  # up to 9999-12-31
        return None
    start = dt.datetime(EXCEL_EPOCH.year, EXCEL_EPOCH.month, EXCEL_EPOCH.day)
    try:
        return start + dt.timedelta(seconds=round(serial * 86400))
    except OverflowError:  # the last second of 9999, rounded up
        return None


def _whole_second(moment: dt.datetime) -> dt.datetime:
    # Excel stores times as fractions of a day: 10:32 may come back as 10:31:59.999.
    return (moment + dt.timedelta(microseconds=500_000)).replace(microsecond=0)


def _local(moment: dt.datetime) -> dt.datetime:
    """Naive China time (an aware time converted; a naive one taken as it is)."""
    return moment.astimezone(CHINA).replace(tzinfo=None) if moment.tzinfo else moment


def category_for(category_text: str, text: str) -> str:
    """Our category from the hotline's category words, else from the text's, else other."""
    for words, table in ((category_text, CATEGORY_WORDS), (text, TEXT_WORDS)):
        found = _first_match(triage.normalise(words), table)
        if found:
            return found
    return triage.OTHER


def _first_match(text: str, table: tuple[tuple[str, tuple[str, ...]], ...]) -> str | None:
    if not text:
        return None
    if text in triage.CATEGORIES:  # our own value, as another export of this platform writes it
        return text
    for category, words in table:
        if any(triage.word_pattern(word).search(text) for word in words):
            return category
    return None
