"""A row's sex and ID number: a sex in its many spellings, and an ID number Excel damaged
(scientific notation, its last digits turned to 000) told from one mistyped."""

import datetime as dt
import re

from gongzhi.core.cleaning import clean_code, clean_text
from gongzhi.people import id_rules
from gongzhi.people.register_rules.codes import EXCEL_DAMAGE, ID_TRUNCATED
from gongzhi.people.register_rules.columns import RawRow

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
