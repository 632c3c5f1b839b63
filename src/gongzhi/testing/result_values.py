"""Lab results as lab systems write them, and the codes of a result row's outcome. No Django here.

Lab information systems and the people who copy from them write a result many ways: 阴性, 阴性(-),
阳性（+）with full-width brackets, ＋/－, neg/pos, NEGATIVE, 阴/阳, N/P, 未检出/检出, with stray spaces
(阴性␣, an ideographic or no-break space). `result_of` reads a word, a sign, or a word with its sign; anything else,
including a word and a sign that disagree (阴性(+)), is a problem for that row, never a guess.
"""

import re
import unicodedata

from gongzhi.core.errors import Problem
from gongzhi.testing import flows

# Problems of a value (words in testing.messages.TESTING).
RESULT_EMPTY = "result_empty"
RESULT_UNKNOWN = "result_unknown"
RESULT_CONTRADICTORY = "result_contradictory"
# The outcome of one result row (a file's row or an API item).
RECORDED = "recorded"  # the tube got this result now
UNCHANGED = "unchanged"  # the tube already had it
REPEATED = "repeated"  # the same tube again in this file or call, with the same result
CONFLICT_HELD = "conflict_held"  # the rows of this file or call for the tube disagree: none applied, held
RESULT_DIFFERS = "result_differs"  # the tube has another result: a correction, with the reason, changes it
NO_SUCH_TUBE = "no_such_tube"
NO_SUCH_TUBE_NUMBER = "no_such_tube_number"  # the same, for a barcode the file holds as a number
BARCODE_EMPTY = "barcode_empty"
BARCODE_FORMAT = "barcode_format"
BARCODE_SCIENTIFIC = "barcode_scientific"  # {"value"}: Excel made a long barcode a number, digits lost
BARCODE_LOST_ZEROS = "barcode_lost_zeros"  # {"tube"}: not found, but with leading zeros it is one tube
TUBE_NOT_RESULTABLE = "tube_not_resultable"
FORMULA_NO_VALUE = "formula_no_value"  # an .xlsx formula whose value the file does not hold
CODES = (
    RESULT_EMPTY, RESULT_UNKNOWN, RESULT_CONTRADICTORY, RECORDED, UNCHANGED, REPEATED, CONFLICT_HELD,
    RESULT_DIFFERS, NO_SUCH_TUBE, NO_SUCH_TUBE_NUMBER, BARCODE_EMPTY, BARCODE_FORMAT, BARCODE_SCIENTIFIC,
    BARCODE_LOST_ZEROS, TUBE_NOT_RESULTABLE, FORMULA_NO_VALUE,
)  # fmt: skip

# Lab systems' short forms too: 阴/阳, N/P (a result column holds nothing else they could mean), and
# 未检出/检出 (no nucleic acid detected / detected). What is neither (弱阳性, 可疑, 阴阳性) stays a problem.
_WORDS = {
    "阴性": flows.NEGATIVE,
    "阴": flows.NEGATIVE,
    "未检出": flows.NEGATIVE,
    "negative": flows.NEGATIVE,
    "neg": flows.NEGATIVE,
    "n": flows.NEGATIVE,
    "阳性": flows.POSITIVE,
    "阳": flows.POSITIVE,
    "检出": flows.POSITIVE,
    "positive": flows.POSITIVE,
    "pos": flows.POSITIVE,
    "p": flows.POSITIVE,
}
_SIGNS = {"-": flows.NEGATIVE, "+": flows.POSITIVE}
_PLAIN = {**_WORDS, **_SIGNS}
# NFKC already turns full-width brackets, ＋ and － into their ASCII forms; these dashes it leaves.
_DASHES = str.maketrans({c: "-" for c in "−–—―‐‑﹣"} | {"﹢": "+"})
_IGNORED = re.compile(r"[\s\u200b\ufeff()\[\]【】〔〕]+")
_SHAPE = re.compile(r"([+-]?)([^+-]*)([+-]?)")
MAX_SHOWN = 40


def result_of(value: object) -> str | Problem:
    """flows.NEGATIVE or flows.POSITIVE for a value as a lab wrote it, or the Problem with it
    (RESULT_EMPTY; RESULT_UNKNOWN or RESULT_CONTRADICTORY naming the value as written)."""
    if isinstance(value, str) and value in _PLAIN:  # as most calls write it: no reading needed
        return _PLAIN[value]
    written = "" if value is None else str(value)
    text = _IGNORED.sub("", unicodedata.normalize("NFKC", written).translate(_DASHES)).lower()
    if not text:
        return Problem(RESULT_EMPTY)
    shown = {"value": written.strip()[:MAX_SHOWN]}
    shape = _SHAPE.fullmatch(text)
    if shape is None:
        return Problem(RESULT_UNKNOWN, shown)
    before, word, after = shape.groups()
    if before and after:
        return Problem(RESULT_UNKNOWN, shown)
    by_word = _WORDS.get(word) if word else None
    by_sign = _SIGNS.get(before or after)
    if word and by_word is None:
        return Problem(RESULT_UNKNOWN, shown)
    if by_word and by_sign and by_word != by_sign:
        return Problem(RESULT_CONTRADICTORY, shown)
    result = by_word or by_sign
    return result if result is not None else Problem(RESULT_UNKNOWN, shown)
