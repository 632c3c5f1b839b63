"""A call's time from the ways exports write it (Excel date-times and serials, Chinese dates, 上午/下午,
time zones), a date column and a time column combined, all as naive China time."""

import datetime as dt
import re

from gongzhi.appeals.hotline_file.columns import CHINA
from gongzhi.core.cleaning import EXCEL_EPOCH, clean_text


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


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
