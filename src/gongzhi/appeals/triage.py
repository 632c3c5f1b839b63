"""How urgent a resident's request is. No Django here.

Chengdu, September 2022: dialysis patients missed their treatment because their requests sat in a
queue among requests for vegetables, and nobody owned them. Every request is therefore given an
urgency the moment it comes in (critical, urgent or normal), with the reasons, and the lists put the
most urgent first. The urgency is the highest that any of these rules gives:

1. The category (CATEGORY_URGENCY): an emergency (急症就医) is critical; chronic care (透析、化疗、
   胰岛素), pregnancy, medicine and psychological help are urgent; food, elderly care and other
   requests are normal.
2. Words in the text (KEYWORDS), read after normalising it (full-width to half-width, no spaces,
   lower case): words of an emergency (胸痛, 呼吸困难, 昏迷, 破水, 不想活, 透析, 120...) make it
   critical; words of a need that cannot wait long (发烧, 断药, 胰岛素, 孕, 婴儿, 痛, 焦虑...) make it at
   least urgent. A number word (120) counts only when no other digit touches it, so 1200元 or a phone
   number holding 120 does not. Negations are not understood ("没有胸痛" is still critical): a person
   reads every request, and a call too many costs less than a patient missed.
3. The household's vulnerability tags (TAG_RULES): a dialysis patient's request is never normal, and
   is critical when it is about chronic care, medicine or an emergency; insulin: at least urgent;
   pregnant: at least urgent, critical for pregnancy or an emergency; bedridden, elderly living
   alone, disabled: at least urgent for medicine, food, elderly care or an emergency (they cannot go
   and get it themselves); chronic: at least urgent for medicine or chronic care.
4. `raise_by` (a request from inside a lockdown zone): the result raised that many levels, capped at
   critical.

The reasons list every rule that fired, as Problem codes with their parameters, in a stable order:
the category, the words found (in KEYWORDS' order; a word seen only inside a longer word of at least
its urgency is not listed again: 痛 inside 胸痛), each tag that mattered (once, at its highest), the
raise. An unknown category is a programming error (the service checks the category first):
`triage` raises ValueError for it. Tags it does not know (party_member...) are ignored.
"""

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from gongzhi.core.cleaning import to_half_width
from gongzhi.core.errors import Problem

CRITICAL, URGENT, NORMAL = "critical", "urgent", "normal"
URGENCIES = (CRITICAL, URGENT, NORMAL)
RANK = {CRITICAL: 0, URGENT: 1, NORMAL: 2}  # the lists' order: most urgent first

MEDICAL_EMERGENCY = "medical_emergency"
MEDICINE = "medicine"
CHRONIC_CARE = "chronic_care"
PREGNANCY = "pregnancy"
FOOD = "food"
PSYCHOLOGICAL = "psychological"
ELDERLY_CARE = "elderly_care"
OTHER = "other"
CATEGORIES = (MEDICAL_EMERGENCY, MEDICINE, CHRONIC_CARE, PREGNANCY, FOOD, PSYCHOLOGICAL, ELDERLY_CARE, OTHER)

# Reason codes (words in appeals.messages).
BY_CATEGORY = "triage_category"  # {"category", "urgency"}
BY_KEYWORD = "triage_keyword"  # {"word", "urgency"}
BY_TAG = "triage_tag"  # {"tag", "urgency"}
RAISED = "triage_raised"  # {"by"}
CODES = (BY_CATEGORY, BY_KEYWORD, BY_TAG, RAISED)

CATEGORY_URGENCY: dict[str, str] = {
    MEDICAL_EMERGENCY: CRITICAL,
    CHRONIC_CARE: URGENT,
    PREGNANCY: URGENT,
    MEDICINE: URGENT,
    PSYCHOLOGICAL: URGENT,
    FOOD: NORMAL,
    ELDERLY_CARE: NORMAL,
    OTHER: NORMAL,
}

_CRITICAL_WORDS = (
    "胸痛", "胸口痛", "呼吸困难", "喘不上气", "昏迷", "晕倒", "意识不清", "大出血", "抽搐", "休克",
    "破水", "临产", "见红", "宫缩",
    "自杀", "轻生", "不想活",
    "透析", "化疗", "心梗", "中风", "脑梗", "120",
)  # fmt: skip
_URGENT_WORDS = (
    "发烧", "发热", "高烧", "断药", "没药", "胰岛素", "孕", "婴儿", "奶粉", "哮喘", "血压", "血糖",
    "疼", "痛", "焦虑", "抑郁", "失眠", "独居", "瘫痪", "卧床",
)  # fmt: skip
# Word (normalised) -> the urgency it gives at least; this order is the reasons' order.
KEYWORDS: dict[str, str] = {**dict.fromkeys(_CRITICAL_WORDS, CRITICAL), **dict.fromkeys(_URGENT_WORDS, URGENT)}

_CANNOT_FETCH = frozenset({MEDICINE, FOOD, ELDERLY_CARE, MEDICAL_EMERGENCY})


@dataclass(frozen=True)
class TagRule:
    """A household tag gives at least `urgency`, for the categories given (None: any category)."""

    tag: str
    urgency: str
    categories: frozenset[str] | None = None


TAG_RULES = (
    TagRule("dialysis", URGENT),
    TagRule("dialysis", CRITICAL, frozenset({CHRONIC_CARE, MEDICINE, MEDICAL_EMERGENCY})),
    TagRule("insulin", URGENT),
    TagRule("pregnant", URGENT),
    TagRule("pregnant", CRITICAL, frozenset({PREGNANCY, MEDICAL_EMERGENCY})),
    TagRule("bedridden", URGENT, _CANNOT_FETCH),
    TagRule("elderly_alone", URGENT, _CANNOT_FETCH),
    TagRule("disabled", URGENT, _CANNOT_FETCH),
    TagRule("chronic", URGENT, frozenset({MEDICINE, CHRONIC_CARE})),
)


@dataclass(frozen=True)
class Triage:
    urgency: str
    reasons: tuple[Problem, ...]


_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """The text as the keywords are looked for in it: half-width, no spaces, lower case."""
    return _SPACES.sub("", to_half_width(text)).lower()


@functools.lru_cache(maxsize=512)
def word_pattern(word: str) -> re.Pattern[str]:
    """How a word is looked for in a normalised text. A number word must not touch another digit:
    120 is the ambulance, 1200元 or 13812012345 is not."""
    if word.isdecimal():
        return re.compile(rf"(?<![0-9]){re.escape(word)}(?![0-9])")
    return re.compile(re.escape(word))


_PATTERNS = {word: word_pattern(word) for word in KEYWORDS}


def keywords_in(text: str) -> list[str]:
    """The words of KEYWORDS found in an already normalised text, in KEYWORDS' order, without a word
    seen only inside a longer word found that gives at least its urgency (痛 inside 胸痛)."""
    found = [word for word, pattern in _PATTERNS.items() if pattern.search(text)]
    listed = []
    for word in found:
        longer = [o for o in found if o != word and word in o and RANK[KEYWORDS[o]] <= RANK[KEYWORDS[word]]]
        rest = text
        for other in longer:
            rest = rest.replace(other, "|")
        if not longer or _PATTERNS[word].search(rest):
            listed.append(word)
    return listed


def raise_urgency(urgency: str, steps: int) -> str:
    """`steps` levels up (normal -> urgent -> critical), capped at critical."""
    if urgency not in RANK:
        raise ValueError(f"unknown urgency {urgency!r}")
    if steps < 0:
        raise ValueError(f"steps must not be negative, not {steps}")
    return URGENCIES[max(RANK[urgency] - steps, 0)]


def _higher(a: str, b: str) -> str:
    return a if RANK[a] <= RANK[b] else b


def triage(category: str, text: str, tags: Iterable[str], *, raise_by: int = 0) -> Triage:
    """The urgency of a request and every rule that gave it (see the module's docstring). Raises
    ValueError for an unknown category or a negative raise_by."""
    if category not in CATEGORY_URGENCY:
        raise ValueError(f"unknown category {category!r}")
    if raise_by < 0:
        raise ValueError(f"raise_by must not be negative, not {raise_by}")
    urgency = CATEGORY_URGENCY[category]
    reasons = [Problem(BY_CATEGORY, {"category": category, "urgency": urgency})]

    for word in keywords_in(normalise(text)):
        urgency = _higher(urgency, KEYWORDS[word])
        reasons.append(Problem(BY_KEYWORD, {"word": word, "urgency": KEYWORDS[word]}))

    held = set(tags)
    by_tag: dict[str, str] = {}  # tag -> the highest urgency its rules give, in TAG_RULES' order
    for rule in TAG_RULES:
        if rule.tag in held and (rule.categories is None or category in rule.categories):
            by_tag[rule.tag] = _higher(by_tag.get(rule.tag, NORMAL), rule.urgency)
    for tag, level in by_tag.items():
        urgency = _higher(urgency, level)
        reasons.append(Problem(BY_TAG, {"tag": tag, "urgency": level}))

    if raise_by:
        urgency = raise_urgency(urgency, raise_by)
        reasons.append(Problem(RAISED, {"by": raise_by}))
    return Triage(urgency, tuple(reasons))
