"""The vulnerable-group words of a residents register (花名册): the tags its 重点人群 column names,
and the words other offices write in their 人员类别 / 特殊人群 columns. No Django here."""

import re

from gongzhi.core.cleaning import clean_text

TAG_SEPARATORS = re.compile(r"[、，,；;/|+\s]+")

# The words people write for the tags (values of people.models.VulnerabilityTag) beside the labels.
# Looked up as written, then without a trailing 患者/人员/老人/户/人..., then by a word that names the
# tag wherever it stands (残疾 in 肢体残疾人). Unsure words (空巢老人, 流动人口, 低保) map to nothing.
TAG_WORDS = {
    **dict.fromkeys(("独居", "独居老人", "独居长者", "孤寡", "孤寡老人", "孤老"), "elderly_alone"),
    **dict.fromkeys(("慢病", "慢性病", "高血压", "糖尿病", "冠心病", "心脏病", "慢阻肺"), "chronic"),
    **dict.fromkeys(("透析", "血透", "腹透", "血液透析", "腹膜透析"), "dialysis"),
    **dict.fromkeys(("胰岛素", "胰岛素依赖", "注射胰岛素"), "insulin"),
    **dict.fromkeys(("卧床", "长期卧床", "瘫痪", "瘫痪在床", "失能", "完全失能", "失能老人"), "bedridden"),
    **dict.fromkeys(("孕妇", "产妇", "孕产妇", "怀孕", "孕期", "待产", "孕产期"), "pregnant"),
    **dict.fromkeys(("残疾", "残疾人", "残障", "残障人士", "持证残疾人"), "disabled"),
    **dict.fromkeys(("外来务工", "农民工", "进城务工", "外来工", "务工人员"), "migrant_worker"),
    **dict.fromkeys(("党员", "中共党员", "共产党员", "预备党员", "中共预备党员", "中国共产党党员"), "party_member"),
}
TAG_KEYWORDS = (
    ("残疾", "disabled"), ("残障", "disabled"), ("透析", "dialysis"), ("胰岛素", "insulin"), ("卧床", "bedridden"),
    ("瘫痪", "bedridden"), ("独居", "elderly_alone"), ("孤寡", "elderly_alone"), ("孕产", "pregnant"),
    ("孕妇", "pregnant"), ("慢性", "chronic"), ("党员", "party_member"),
)  # fmt: skip
# A cell saying "none" is empty; a word saying "not ..." (非残疾, 无残疾) names no tag.
NONE_WORDS = frozenset(("无", "暂无", "没有", "否", "空", "-", "--", "—", "——", "n/a", "na", "none", "null"))
_NEGATIONS = ("非", "无", "不", "未", "没有", "否")
_TAG_SUFFIX = re.compile(r"(?:患者|病人|人员|人士|人群|老人|家庭|户|人|者)$")
_BRACKETS = re.compile(r"[(\[【][^)\]】]*[)\]】]")


def tag_of(word: str, tag_by_label: dict[str, str]) -> str | None:
    """The tag a word names, or None. `tag_by_label` maps labels and tag values to tag values;
    only its tags are returned."""
    word = _BRACKETS.sub("", word).strip().lower()
    for candidate in (word, _TAG_SUFFIX.sub("", word)):
        tag = tag_by_label.get(candidate) or TAG_WORDS.get(candidate)
        if tag is not None:
            return tag if tag in tag_by_label else None
    if word.startswith(_NEGATIONS):
        return None
    tag = next((tag for keyword, tag in TAG_KEYWORDS if keyword in word), None)
    return tag if tag in tag_by_label else None


def parse_tags(value: object, tag_by_label: dict[str, str]) -> tuple[frozenset[str], list[str]]:
    """Tag values for words separated by 、 or ， (or commas, semicolons, slashes, spaces), and the
    words that name no tag. Notes in brackets are left out; 无 or a dash is empty."""
    parts = TAG_SEPARATORS.split(_BRACKETS.sub("", clean_text(value)))
    tags, unknown = set(), []
    for part in parts:
        if not part or part.lower() in NONE_WORDS:
            continue
        tag = tag_of(part, tag_by_label)
        if tag is None:
            unknown.append(part)
        else:
            tags.add(tag)
    return frozenset(tags), unknown
