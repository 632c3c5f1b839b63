"""Reading a 12345 hotline work-order export (.xlsx or .csv). No Django here.

core.tabular finds the header (below any merged title rows) and the rows; this module turns each row
into a HotlineRow, or into that row's errors, each with the row number Excel shows:

- 工单编号, 诉求地址, 诉求内容 and a time (来电时间, or 来电日期, or both: then the day of the one and the
  time of day of the other) are required columns (a file without one of them raises
  core.tabular.TabularError); 来电人, 联系电话 and 诉求类别 are read when present. Header names vary by
  export (ALIASES). Columns read for no field are listed in `ignored`, for the page to show.
- Empty ref, address or text; a time that cannot be read, is before 2000 or more than a day after
  `now`; a ref a row above already used (the later row is the error, naming the first); a ref Excel
  stored as a number and so cut to 15 digits; an .xlsx formula cell whose value the file does not
  store (a program wrote it and nothing calculated it): each is an error of its row only, and every
  error of a row is listed.
- No request is lost for its phone or the length of its text: a phone masked (138****5678) or not a
  number is left out, of several numbers the first usable is kept, an extension is written after the
  caller's name; a text over MAX_TEXT is cut, TEXT_CUT_MARK at its end. Each is a warning of its row.
- The category: the hotline's own category words (CATEGORY_WORDS) when they say something, else the
  words of the text (TEXT_WORDS), else other. The first entry of the table that matches wins, so the
  most specific needs come first (透析 before 药).

Times are naive, as written (China Standard Time): the service makes them aware.
"""

import datetime as dt
import functools
import re
from dataclasses import dataclass

from gongzhi.appeals import triage
from gongzhi.core import tabular
from gongzhi.core.cleaning import EXCEL_EPOCH, clean_code, clean_text, to_half_width
from gongzhi.core.errors import Problem
from gongzhi.core.xlsx_formulas import formulas_without_value

# Field -> header names seen in exports; the field's label (for messages) is the first.
ALIASES: dict[str, tuple[str, ...]] = {
    "ref": ("工单编号", "工单号", "受理编号", "编号", "工单流水号"),
    "received": ("来电时间", "受理时间", "登记时间", "受理日期时间", "来电日期时间"),
    # A date column beside the time column (来电日期 2022-09-05, 来电时间 10:32): the two are combined.
    # Alone, it is the time (some exports write the whole date-time under 来电日期).
    "received_date": ("来电日期", "受理日期", "登记日期"),
    "caller": ("来电人", "姓名", "来电人姓名", "联系人", "诉求人"),
    "phone": ("联系电话", "电话", "来电号码", "联系方式", "手机号", "手机号码"),
    "address": ("诉求地址", "地址", "事发地址", "问题地址", "住址"),
    "text": ("诉求内容", "内容", "来电内容", "问题描述", "诉求描述", "反映内容"),
    "category": ("诉求类别", "类别", "问题分类", "诉求分类", "工单类别"),
}
LABELS = {name: names[0] for name, names in ALIASES.items()}
REQUIRED = ("ref", "address", "text")  # and a time: 来电时间 or 来电日期, or both
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
CALLER_LONG = "hotline_caller_long"  # {"limit", "length"}
FORMULA = "hotline_formula"  # {"columns"}: header names, joined with 、
# Row warnings: the request is imported all the same, with what could be kept.
PHONE_BAD = "hotline_phone_bad"  # {"value"}: not a number; the request has no phone
PHONE_MASKED = "hotline_phone_masked"  # {"value"}: 138****5678; never stored as if it were the number
PHONE_SEVERAL = "hotline_phone_several"  # {"value", "kept"}: the first usable one kept
PHONE_EXTENSION = "hotline_phone_extension"  # {"value", "phone", "extension"}: the extension after the caller
TEXT_CUT = "hotline_text_cut"  # {"limit", "length"}: the text cut to the limit, TEXT_CUT_MARK at its end
CODES = (
    REF_EMPTY, REF_LONG, REF_DAMAGED, REF_DUPLICATE, TIME_EMPTY, TIME_UNREADABLE, TIME_FUTURE, TIME_EARLY,
    ADDRESS_EMPTY, ADDRESS_LONG, TEXT_EMPTY, CALLER_LONG, FORMULA,
    PHONE_BAD, PHONE_MASKED, PHONE_SEVERAL, PHONE_EXTENSION, TEXT_CUT,
)  # fmt: skip
# Written at the end of a text cut to the request's limit; half-width, as clean_text makes the
# text before it and as the request stores any text.
TEXT_CUT_MARK = "…(原文过长,已截断,全文见12345工单)"

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
    text: str  # at most MAX_TEXT characters (a longer one cut, TEXT_CUT_MARK at its end)
    category: str  # one of triage.CATEGORIES
    category_text: str  # the hotline's category as written


@dataclass
class HotlineFile:
    rows: list[HotlineRow]
    errors: list[tuple[int, Problem]]  # (row number, problem); a bad row has only errors, no HotlineRow
    warnings: list[tuple[int, Problem]]  # (row number, problem) of rows read all the same (in `rows`)
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


@dataclass(frozen=True)
class Phone:
    number: str  # as clean_phone gives it, or "" (none, or none usable)
    extension: str = ""
    warning: Problem | None = None


# What callers write when they give no number: no number, and nothing to warn about.
NO_PHONE = frozenset({"无", "暂无", "没有", "不详", "未知", "未提供", "拒绝提供", "空", "-", "--", "/", "0"})
_MASKED = re.compile(r"[*＊]|[xX]{3,}")  # 138****5678, 138xxxx5678: the export hid digits
_SEVERAL = re.compile(r"[/、,，;；|]|或")
_EXTENSION_WORD = re.compile(r"(.+?)(?:转|分机|ext\.?|EXT\.?|Ext\.?)([0-9]{1,6})")
# A number complete before a dash: a mobile, a landline with its area code, a local number (a local
# number never starts with 0 or 1). 028-8555-1234 is one number (0288555 is none of these).
_WHOLE = re.compile(r"1[3-9][0-9]{9}|0[0-9]{9,11}|[2-9][0-9]{6,7}")


def read_phone(value: object) -> Phone:
    """The caller's phone as far as it can be used. A masked number (138****5678, as 12345 exports
    to streets often are) is dropped: the request has no phone rather than a wrong one. Of several
    numbers (13812345678/028-85551234) the first usable is kept. An extension ((028)85551234-801,
    85551234转801) is split off, for the caller's name. Each is a warning, never an error."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = clean_phone(value)
        shown = clean_code(value)
        return Phone(number) if number is not None else Phone("", warning=Problem(PHONE_BAD, {"value": shown}))
    text = clean_text(value)
    if not text or text in NO_PHONE:
        return Phone("")
    shown = text[:40]
    parts = [part for part in _SEVERAL.split(text) if part.strip() and part.strip() not in NO_PHONE]
    for part in parts:
        number, extension = _one_phone(part)
        if number:
            break
    else:
        return Phone("", warning=Problem(PHONE_MASKED if _MASKED.search(text) else PHONE_BAD, {"value": shown}))
    if len(parts) > 1:
        warning = Problem(PHONE_SEVERAL, {"value": shown, "kept": number})
    elif extension:
        warning = Problem(PHONE_EXTENSION, {"value": shown, "phone": number, "extension": extension})
    else:
        warning = None
    return Phone(number, extension, warning)


def _one_phone(text: str) -> tuple[str, str]:
    """(number, extension) of one written number, or ("", "") when it is not one (masked, words)."""
    if _MASKED.search(text):
        return "", ""
    text = to_half_width(text).strip()
    extension = ""
    if found := _EXTENSION_WORD.fullmatch(text.replace(" ", "")):
        text, extension = found[1], found[2]
    else:
        groups = re.sub(r"[()（）]", "", text).replace(" ", "").split("-")
        if len(groups) > 1 and re.fullmatch(r"[0-9]{1,5}", groups[-1]) and _WHOLE.fullmatch("".join(groups[:-1])):
            text, extension = "-".join(groups[:-1]), groups[-1]
    number = clean_phone(text)
    return (number, extension) if number else ("", "")


_HALF_DAY = {"上午": "am", "早上": "am", "凌晨": "am", "下午": "pm", "晚上": "pm"}
_CLOCK = r"(上午|早上|凌晨|下午|晚上)?\s*([0-9]{1,2})[:时点]([0-9]{1,2})(?:[:分]([0-9]{1,2})?)?(?:\.[0-9]+)?秒?"
_TIME = re.compile(
    r"([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?"
    r"(?:[ T]*(?:(?:星期|周|礼拜)[一二三四五六日天])?\s*" + _CLOCK + r")?"
    r"\s*(Z|[+-][0-9]{2}:?[0-9]{2})?"
)
_CLOCK_ONLY = re.compile(_CLOCK)
_COMPACT = re.compile(r"((?:19|20)[0-9]{2})([0-9]{2})([0-9]{2})(?:([0-9]{2})([0-9]{2})([0-9]{2})?)?")
_SERIAL = re.compile(r"[0-9]{5}(\.[0-9]+)?")


def parse_time(value: object) -> dt.datetime | None:
    """A time from an Excel date-time or date cell, an Excel serial number, or text such as
    2022-09-05 10:32, 2022/9/5 10:32:00, 2022-09-05T10:32, 2022-09-05T10:32:00+08:00, 2022年9月5日
    10:32, 2022年9月5日10时32分, 2022.09.05 10:32, 2022/09/05 上午10:32, 2022/9/5 下午3:05,
    2022/9/5 星期一 10:32, 20220905103200 (a date alone is its midnight). None when it is none of
    these."""
    if value is None or isinstance(value, bool | dt.time):
        return None
    if isinstance(value, dt.datetime):
        moment = _local(value) if value.tzinfo else value
        return _whole_second(moment)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, int | float):
        if not (float(value).is_integer() and value >= 1e7):
            return _from_serial(float(value))
        text = str(int(value))  # 20220905103200 stored as a number
    else:
        text = clean_text(value)
    if _SERIAL.fullmatch(text):
        return _from_serial(float(text))
    if compact := _COMPACT.fullmatch(text):
        return _moment(*compact.groups())
    match = _TIME.fullmatch(text)
    if not match:
        return None
    year, month, day, half, hour, minute, second, zone = match.groups()
    written = _moment(year, month, day, hour, minute, second, half)
    if written is None or not zone:
        return written
    minutes = 0 if zone == "Z" else int(zone[1:3]) * 60 + int(zone[-2:])
    offset = dt.timedelta(minutes=-minutes if zone[0] == "-" else minutes)
    return _local(written.replace(tzinfo=dt.timezone(offset)))


def parse_clock(value: object) -> dt.time | None:
    """A time of day from its own column (来电时间 beside 来电日期): a time cell, a day's fraction
    (Excel), a date-time cell's time, or text such as 10:32, 10:32:15, 下午3:05, 10时32分."""
    if isinstance(value, dt.datetime):
        return _whole_second(value).time()
    if isinstance(value, dt.time):
        return dt.time(value.hour, value.minute, value.second)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (dt.datetime(2000, 1, 1) + dt.timedelta(seconds=round(value * 86400))).time() if 0 <= value < 1 else None
    match = _CLOCK_ONLY.fullmatch(clean_text(value))
    if not match:
        return None
    half, hour, minute, second = match.groups()
    moment = _moment("2000", "1", "1", hour, minute, second, half)
    return moment.time() if moment else None


def received_time(time_cell: object, date_cell: object) -> tuple[str, dt.datetime | None]:
    """(the cells as written, for the messages; the time they give, or None). With a date column
    and a time column both filled, the day of the one and the time of day of the other; either
    alone is read as a whole time (a date alone is its midnight)."""
    if _empty(date_cell):
        return _shown(time_cell), parse_time(time_cell)
    if _empty(time_cell):
        return _shown(date_cell), parse_time(date_cell)
    written = f"{_shown(date_cell)} {_shown(time_cell)}"
    day, clock = parse_time(date_cell), parse_clock(time_cell)
    if day is None:
        return written, None
    if clock is not None:
        return written, dt.datetime.combine(day.date(), clock)
    whole = parse_time(time_cell)  # the whole date-time under 来电时间, its date beside it
    return written, whole if whole is not None and whole.date() == day.date() else None


def _shown(value: object) -> str:
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}".removesuffix(" 00:00:00")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return "" if _empty(value) else clean_text(value)


def _moment(
    year: str,
    month: str,
    day: str,
    hour: str | None = None,
    minute: str | None = None,
    second: str | None = None,
    half: str | None = None,
) -> dt.datetime | None:
    hours = int(hour or 0)
    if half and _HALF_DAY[half] == "pm" and hours < 12:  # 下午3:05 is 15:05 (下午15:05 as written)
        hours += 12
    elif half and _HALF_DAY[half] == "am" and hours == 12:  # 上午12:10 is 00:10
        hours = 0
    elif half and _HALF_DAY[half] == "am" and hours > 12:  # 上午15:05 says two things
        return None
    try:
        return dt.datetime(int(year), int(month), int(day), hours, int(minute or 0), int(second or 0))
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
    for category, pattern in _patterns(table):
        if pattern.search(text):
            return category
    return None


@functools.cache
def _patterns(table: tuple[tuple[str, tuple[str, ...]], ...]) -> list[tuple[str, re.Pattern[str]]]:
    """One pattern per category of a table: its words as alternatives (a file has many rows)."""
    return [
        (category, re.compile("|".join(triage.word_pattern(w).pattern for w in words))) for category, words in table
    ]
