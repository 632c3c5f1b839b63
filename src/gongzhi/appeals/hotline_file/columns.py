"""The export's columns (ALIASES), the limits of a request's fields, the row error and warning codes,
and HotlineRow and HotlineFile, what reading a file gives."""

import datetime as dt
from dataclasses import dataclass

from gongzhi.core.errors import Problem

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
