"""How personal information is drawn for a viewer who may not see it in full, and which number
searches such a viewer may make. No Django here; who may see what is core.pii.

The rule: a masked ID number (GB 11643: 6 region digits, 8 birth-date digits, 3 sequence digits, a
check character) keeps the region and the last 4 characters. The birth date is never shown beside
a masked number: an age group is (under 60, or 60 and over), which leaves about 1,990 (under 60)
or 1,860 (60 and over, born after 1910) ID numbers possible for what the viewer sees
(`possible_id_numbers` counts them; tests/core/test_pii_property.py checks every page). Age in
years would leave about 33: the check character rules out ten dates in eleven. A masked phone keeps
its first 3 and last 4 digits (10,000 possible). A search by number takes the same last 4 the masks
show; a full number is searched only by roles that may see it (core.pii).
"""

import datetime as dt
import re
from dataclasses import dataclass

AGE_UNDER_60 = "age_under_60"
AGE_60_PLUS = "age_60_plus"
OLD_AGE = 60


def mask_id_number(value: str) -> str:
    """Keep the 6-digit region and the last 4: 510104********1234."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """Keep the first 3 and last 4 digits of a mobile number (138****5678), the area code and last 4
    of a landline (028-****1234), the last 4 of a local number alone (****1234): 10,000 numbers
    possible for each."""
    if not value:
        return ""
    if "-" in value:
        area, local = value.split("-", 1)
        return f"{area}-{mask_phone(local)}"
    if len(value) <= 8:
        return "*" * max(0, len(value) - 4) + value[-4:] if len(value) > 4 else "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """Keep the surname (first character): 张**. Used where even the name is sensitive."""
    if not value:
        return ""
    return value[0] + "*" * max(1, len(value) - 1)


def mask_name_ends(value: str) -> str:
    """The first and last characters, the middle hidden: 王*明, 欧**华, 李*. What a collector sees to
    tell that the right person was scanned, without reading a register."""
    if len(value) <= 2:
        return mask_name(value)
    return value[0] + "*" * (len(value) - 2) + value[-1]


def years_between(born: dt.date, today: dt.date) -> int:
    """Whole years of age on `today`."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def age_group(born: dt.date | None, today: dt.date) -> str:
    """The age group shown beside a masked ID number: under 60, or 60 and over."""
    if born is None:
        return ""
    return AGE_60_PLUS if years_between(born, today) >= OLD_AGE else AGE_UNDER_60


def age_group_window(group: str, today: dt.date, oldest: dt.date = dt.date(1910, 1, 1)) -> tuple[dt.date, dt.date]:
    """The birth dates a viewer who sees only the age group can infer: (first, last), inclusive."""
    sixty_years_ago = _years_before(today, OLD_AGE)
    if group == AGE_60_PLUS:
        return oldest, sixty_years_ago
    return sixty_years_ago + dt.timedelta(days=1), today


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def possible_id_numbers(masked: str, first_birth: dt.date, last_birth: dt.date) -> int:
    """How many valid ID numbers agree with a masked one (`*` for each hidden character) whose
    holder was born between the two dates: what a masked viewer cannot tell apart."""
    if len(masked) != 18:
        return 0
    # The characters outside the birth date: known ones add to the weighted sum, hidden ones are
    # counted by the residue of theirs (modulo 11, which decides the check character).
    known, ways = 0, [1] + [0] * 10
    for position in (*range(6), 14, 15, 16):
        c, w = masked[position], _WEIGHTS[position]
        if c == "*":
            ways = [sum(ways[(r - d * w) % 11] for d in range(10)) for r in range(11)]
        else:
            known += int(c) * w
    count = 0
    day = first_birth
    while day <= last_birth:
        digits = day.strftime("%Y%m%d")
        if all(m in ("*", d) for m, d in zip(masked[6:14], digits, strict=True)):
            total = known + sum(int(d) * w for d, w in zip(digits, _WEIGHTS[6:14], strict=True))
            count += sum(ways) if masked[17] == "*" else ways[(_CHECK.index(masked[17]) - total) % 11]
        day += dt.timedelta(days=1)
    return count


# --- searching by number -------------------------------------------------------------------------

TAIL = "tail"  # the last 4 of an ID number or phone: what the masks show
FULL_ID = "full_id"
FULL_PHONE = "full_phone"
TEXT = "text"  # names and addresses
NONE = "none"

_TAIL = re.compile(r"^[0-9]{3}[0-9X]$")
_FULL_ID = re.compile(r"^[0-9]{17}[0-9X]$")
_FULL_PHONE = re.compile(r"^1[0-9]{10}$")
# A landline typed in full, with or without its area code, dashes, brackets and spaces: searched as
# a full number (as stored: 028-85551234), never as text, so its digits are not confirmed by name.
_LANDLINE = re.compile(r"^(0(?:10|2[0-9]|[3-9][0-9]{2}))?([2-9][0-9]{6,7})$")
_PHONE_MARKS = re.compile(r"[\s\-()（）]")


def landline_form(text: str) -> str | None:
    """A landline as residents' phones store it, or None: its area code (010 and 02x are 3 digits,
    the others 4), a dash, and a local number of 7 or 8 digits that does not start with 0 or 1
    (028-85551234); or the local number alone (85551234). Spaces, dashes and brackets are ignored."""
    found = _LANDLINE.match(_PHONE_MARKS.sub("", text))
    if not found:
        return None
    area, local = found.groups()
    return f"{area}-{local}" if area else local


@dataclass(frozen=True)
class NumberQuery:
    kind: str
    value: str
    # For text: False when it matched only the beginning of names (a list wider than a community).
    anywhere: bool = True

    @property
    def is_full(self) -> bool:
        return self.kind in (FULL_ID, FULL_PHONE)


def number_query(text: str) -> NumberQuery:
    """What a search box's text asks for. Exactly 4 characters of digits (or 3 and an X) are the
    tail of an ID number or phone; an 18-character ID number, an 11-digit mobile number or a landline
    (7 or 8 digits, with or without its area code) is a full number, in the form phones are stored;
    anything else, other digit strings included, searches names and addresses only, so no
    digit past the masks' last 4 can be confirmed one at a time."""
    value = text.strip().upper()
    if not value:
        return NumberQuery(NONE, "")
    if _TAIL.match(value):
        return NumberQuery(TAIL, value)
    if _FULL_ID.match(value):
        return NumberQuery(FULL_ID, value)
    if _FULL_PHONE.match(value):
        return NumberQuery(FULL_PHONE, value)
    if landline := landline_form(value):
        return NumberQuery(FULL_PHONE, landline)
    return NumberQuery(TEXT, text.strip())
