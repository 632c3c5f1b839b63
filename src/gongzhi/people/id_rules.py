"""Resident ID numbers (GB 11643-1999) and phone numbers (mobiles, and the landlines many elderly
residents have instead). No Django here.

Every check returns a problem code (its words are in people.messages) or None, so callers can show
it per field or per spreadsheet row, in the viewer's language.
"""

import datetime as dt
import re

from gongzhi.core.masking import landline_form

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_ID_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
_PHONE_SHAPE = re.compile(r"^1[3-9][0-9]{9}$")
_DIALLED_MOBILE = re.compile(r"^0(1[3-9][0-9]{9})$")  # a mobile dialled from a landline: 0 first

ID_EMPTY = "id_empty"
ID_LENGTH = "id_length"
ID_SCIENTIFIC = "id_scientific"
ID_BIRTH = "id_birth"
ID_CHECK = "id_check"
PHONE = "phone"
MOBILE = "mobile"
CODES = (ID_EMPTY, ID_LENGTH, ID_SCIENTIFIC, ID_BIRTH, ID_CHECK, PHONE, MOBILE)


def check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def birth_date_of(id_number: str) -> dt.date | None:
    """The birth date written in digits 7-14, or None when it is not a real date."""
    try:
        return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def gender_of(id_number: str) -> str:
    """'M' when digit 17 is odd, 'F' when even."""
    return "M" if int(id_number[16]) % 2 else "F"


def looks_scientific(text: str) -> bool:
    """True for a value Excel turned into a float, like 5.10104E+17 or 5.10104e17."""
    return bool(re.fullmatch(r"[0-9](\.[0-9]+)?[eE]\+?[0-9]+", text.strip()))


def id_number_error(id_number: str, *, today: dt.date | None = None) -> str | None:
    """The problem code saying why the ID number is not acceptable, or None. Expects a normalised value."""
    if not id_number:
        return ID_EMPTY
    if looks_scientific(id_number):
        return ID_SCIENTIFIC
    if not _ID_SHAPE.match(id_number):
        return ID_LENGTH
    born = birth_date_of(id_number)
    today = today or dt.date.today()
    if born is None or born > today or born.year < 1880:
        return ID_BIRTH
    if check_digit(id_number[:17]) != id_number[17]:
        return ID_CHECK
    return None


_COUNTRY_PREFIX = re.compile(r"^(?:0086|86)(1[3-9][0-9]{9})$")


def mobile_number(text: str) -> str:
    """A mobile number as written on forms and other offices' files, cleaned of what is not the
    number: brackets around a country code, and the code itself ((+86), 86-, 0086). `text` has
    been through core.cleaning.clean_code (spaces, dashes and +86 already gone)."""
    text = text.replace("(", "").replace(")", "").replace("（", "").replace("）", "").lstrip("+")
    found = _COUNTRY_PREFIX.match(text) or _DIALLED_MOBILE.match(text)
    return found[1] if found else text


def phone_number(text: str) -> str:
    """A resident's phone as stored: a mobile's 11 digits (as `mobile_number`), or a landline with
    its area code as 028-85551234 ((028)85551234, 028 8555 1234 and 02885551234 alike), or a local
    number alone (85551234). Anything else is returned as cleaned, for `phone_error` to name.
    `text` has been through core.cleaning.clean_code."""
    text = mobile_number(text)
    return landline_form(text) or text


def phone_error(phone: str) -> str | None:
    """The problem code for an unacceptable resident's phone (as `phone_number` stores it), or None.
    Empty is allowed (not everyone has one)."""
    if phone and not (_PHONE_SHAPE.match(phone) or landline_form(phone) == phone):
        return PHONE
    return None


def mobile_error(phone: str) -> str | None:
    """The problem code for what must be a mobile number (a volunteer's, their login), or None."""
    if phone and not _PHONE_SHAPE.match(phone):
        return MOBILE
    return None


def make_id_number(area6: str, born: dt.date, sequence: int, male: bool) -> str:
    """A valid ID number: area, birth date, a 3-digit sequence whose last digit carries the gender."""
    seq = sequence % 500 * 2 + (1 if male else 0)
    first17 = f"{area6}{born:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)
