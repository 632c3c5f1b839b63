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

from gongzhi.appeals.hotline_file.categories import CATEGORY_WORDS, TEXT_WORDS, category_for
from gongzhi.appeals.hotline_file.columns import (
    ADDRESS_EMPTY,
    ADDRESS_LONG,
    AHEAD,
    ALIASES,
    CALLER_LONG,
    CHINA,
    CODES,
    EARLIEST,
    FORMULA,
    LABELS,
    MAX_ADDRESS,
    MAX_BYTES,
    MAX_CALLER,
    MAX_REF,
    MAX_ROWS,
    MAX_TEXT,
    PHONE_BAD,
    PHONE_EXTENSION,
    PHONE_MASKED,
    PHONE_SEVERAL,
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
from gongzhi.appeals.hotline_file.phones import NO_PHONE, Phone, clean_phone, read_phone
from gongzhi.appeals.hotline_file.reading import read_hotline_file
from gongzhi.appeals.hotline_file.times import parse_clock, parse_time, received_time

__all__ = [
    "ALIASES",
    "LABELS",
    "REQUIRED",
    "MAX_ROWS",
    "MAX_BYTES",
    "MAX_REF",
    "MAX_TEXT",
    "MAX_ADDRESS",
    "MAX_CALLER",
    "EARLIEST",
    "AHEAD",
    "CHINA",
    "REF_EMPTY",
    "REF_LONG",
    "REF_DAMAGED",
    "REF_DUPLICATE",
    "TIME_EMPTY",
    "TIME_UNREADABLE",
    "TIME_FUTURE",
    "TIME_EARLY",
    "ADDRESS_EMPTY",
    "ADDRESS_LONG",
    "TEXT_EMPTY",
    "CALLER_LONG",
    "FORMULA",
    "PHONE_BAD",
    "PHONE_MASKED",
    "PHONE_SEVERAL",
    "PHONE_EXTENSION",
    "TEXT_CUT",
    "CODES",
    "TEXT_CUT_MARK",
    "CATEGORY_WORDS",
    "TEXT_WORDS",
    "HotlineRow",
    "HotlineFile",
    "read_hotline_file",
    "clean_phone",
    "Phone",
    "NO_PHONE",
    "read_phone",
    "parse_time",
    "parse_clock",
    "received_time",
    "category_for",
]
