"""Our category of a request: from the hotline's category words (CATEGORY_WORDS), else from the
words of its text (TEXT_WORDS), else other."""

import functools
import re

from gongzhi.appeals import triage

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
