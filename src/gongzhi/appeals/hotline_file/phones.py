"""A caller's phone as far as it can be used: digits cleaned, masked numbers dropped, the first of
several kept, an extension split off; each a warning, never an error. A warning shows the numbers
masked: an import's report is read by colleagues who may not see callers' phones in full."""

import re
from dataclasses import dataclass

from gongzhi.appeals.hotline_file.columns import PHONE_BAD, PHONE_EXTENSION, PHONE_MASKED, PHONE_SEVERAL
from gongzhi.core.cleaning import clean_code, clean_text, to_half_width
from gongzhi.core.errors import Problem
from gongzhi.core.masking import mask_phone

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
        shown = _masked(clean_code(value))
        return Phone(number) if number is not None else Phone("", warning=Problem(PHONE_BAD, {"value": shown}))
    text = clean_text(value)
    if not text or text in NO_PHONE:
        return Phone("")
    shown = _masked(text[:40])
    parts = [part for part in _SEVERAL.split(text) if part.strip() and part.strip() not in NO_PHONE]
    for part in parts:
        number, extension = _one_phone(part)
        if number:
            break
    else:
        return Phone("", warning=Problem(PHONE_MASKED if _MASKED.search(text) else PHONE_BAD, {"value": shown}))
    if len(parts) > 1:
        warning = Problem(PHONE_SEVERAL, {"value": shown, "kept": mask_phone(number)})
    elif extension:
        warning = Problem(PHONE_EXTENSION, {"value": shown, "phone": mask_phone(number), "extension": extension})
    else:
        warning = None
    return Phone(number, extension, warning)


def _masked(text: str) -> str:
    """The cell as a warning shows it: every run of 7 or more digits (a phone's least) masked as a phone is."""
    return re.sub(r"[0-9]{7,}", lambda found: mask_phone(found[0]), to_half_width(text))


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
