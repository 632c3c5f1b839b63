"""How urgent a request is (appeals.triage): the category, the words of the text, the household's
tags, the raise for a lockdown zone; the reasons; the properties that keep a dialysis patient's
request out of the normal queue."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongzhi.appeals import triage
from gongzhi.appeals.messages import APPEALS, problem_text
from gongzhi.appeals.triage import (
    BY_CATEGORY,
    BY_KEYWORD,
    BY_TAG,
    CATEGORIES,
    CRITICAL,
    NORMAL,
    RAISED,
    RANK,
    URGENCIES,
    URGENT,
    raise_urgency,
)
from gongzhi.core.errors import Problem

TAGS = (
    "elderly_alone", "chronic", "dialysis", "insulin", "bedridden", "pregnant", "disabled", "migrant_worker",
    "party_member",
)  # fmt: skip


def urgency(category, text="", tags=(), **kwargs):
    return triage.triage(category, text, tags, **kwargs).urgency


def words(result):
    return [p.params["word"] for p in result.reasons if p.code == BY_KEYWORD]


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("medical_emergency", CRITICAL),
        ("chronic_care", URGENT),
        ("pregnancy", URGENT),
        ("medicine", URGENT),
        ("psychological", URGENT),
        ("food", NORMAL),
        ("elderly_care", NORMAL),
        ("other", NORMAL),
    ],
)
def test_the_category_alone(category, expected):
    result = triage.triage(category, "", ())
    assert result.urgency == expected
    assert result.reasons == (Problem(BY_CATEGORY, {"category": category, "urgency": expected}),)


def test_every_category_has_a_rule():
    assert set(triage.CATEGORY_URGENCY) == set(CATEGORIES) and len(CATEGORIES) == 8


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("家里老人突然胸痛，出冷汗", CRITICAL),
        ("我爸呼吸困难", CRITICAL),
        ("孕妇破水了，要去医院", CRITICAL),
        ("我不想活了", CRITICAL),
        ("母亲需要每周三次透析，今天出不了小区", CRITICAL),
        ("打了120没人接", CRITICAL),
        ("孩子发烧39度", URGENT),
        ("降压药断药三天了", URGENT),
        ("家里有婴儿，奶粉快没了", URGENT),
        ("牙疼", URGENT),
        ("想买点蔬菜和大米", NORMAL),
        ("", NORMAL),
    ],
)
def test_words_of_the_text(text, expected):
    assert urgency("food", text) == expected


def test_the_text_is_normalised_full_width_spaces_and_case():
    assert urgency("other", "呼 吸　困 难") == CRITICAL  # spaces, an ideographic space
    assert urgency("other", "打１２０") == CRITICAL  # full-width digits
    assert triage.normalise("ＡＢ c\td") == "abcd"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("打120", CRITICAL),
        ("120急救", CRITICAL),
        ("120", CRITICAL),
        ("叫了120。", CRITICAL),
        ("交了1200元", NORMAL),
        ("买了120斤米" + "，共1120元", CRITICAL),  # the first 120 stands alone
        ("电话13812012345", NORMAL),
        ("房号2120", NORMAL),
        ("120.5元", CRITICAL),  # a decimal point is no digit: taken as 120, a call too many
    ],
)
def test_120_counts_only_when_no_digit_touches_it(text, expected):
    assert urgency("food", text) == expected


def test_a_word_seen_only_inside_a_longer_word_is_not_listed_again():
    assert words(triage.triage("other", "胸痛", ())) == ["胸痛"]
    assert words(triage.triage("other", "胸痛，腿也痛", ())) == ["胸痛", "痛"]
    assert words(triage.triage("other", "胸口痛", ())) == ["胸口痛"]  # not 痛 either


def test_keywords_are_listed_in_the_tables_order_whatever_the_text_order():
    result = triage.triage("other", "失眠，焦虑，不想活", ())
    assert words(result) == ["不想活", "焦虑", "失眠"]
    assert result.urgency == CRITICAL
    assert Problem(BY_KEYWORD, {"word": "焦虑", "urgency": URGENT}) in result.reasons


@pytest.mark.parametrize(
    ("category", "tags", "expected"),
    [
        # a dialysis patient's request is never normal, and critical for their care or medicine
        ("food", ["dialysis"], URGENT),
        ("other", ["dialysis"], URGENT),
        ("chronic_care", ["dialysis"], CRITICAL),
        ("medicine", ["dialysis"], CRITICAL),
        ("medical_emergency", ["dialysis"], CRITICAL),
        ("food", ["insulin"], URGENT),
        ("food", ["pregnant"], URGENT),
        ("pregnancy", ["pregnant"], CRITICAL),
        ("medicine", ["pregnant"], URGENT),
        # those who cannot fetch it themselves
        ("food", ["bedridden"], URGENT),
        ("elderly_care", ["elderly_alone"], URGENT),
        ("medicine", ["disabled"], URGENT),
        ("other", ["bedridden", "elderly_alone", "disabled"], NORMAL),
        ("psychological", ["elderly_alone"], URGENT),  # from the category
        ("medicine", ["chronic"], URGENT),
        ("food", ["chronic"], NORMAL),
        ("food", ["migrant_worker", "party_member", "unknown_tag"], NORMAL),
    ],
)
def test_tags_of_the_household(category, tags, expected):
    assert urgency(category, "", tags) == expected


def test_each_tag_that_mattered_is_a_reason_once_at_its_highest_in_the_rules_order():
    result = triage.triage("medicine", "", ["chronic", "party_member", "dialysis", "elderly_alone"])
    assert result.urgency == CRITICAL
    assert [p for p in result.reasons if p.code == BY_TAG] == [
        Problem(BY_TAG, {"tag": "dialysis", "urgency": CRITICAL}),
        Problem(BY_TAG, {"tag": "elderly_alone", "urgency": URGENT}),
        Problem(BY_TAG, {"tag": "chronic", "urgency": URGENT}),
    ]
    assert not [p for p in triage.triage("food", "", ["chronic"]).reasons if p.code == BY_TAG]


def test_reasons_in_order_category_words_tags_raise():
    result = triage.triage("food", "断药了", ["dialysis"], raise_by=1)
    assert [p.code for p in result.reasons] == [BY_CATEGORY, BY_KEYWORD, BY_TAG, RAISED]
    assert result.reasons[-1] == Problem(RAISED, {"by": 1})
    assert result.urgency == CRITICAL


def test_raise_by_raises_and_caps():
    assert urgency("food", raise_by=1) == URGENT
    assert urgency("food", raise_by=2) == CRITICAL
    assert urgency("food", raise_by=5) == CRITICAL
    assert urgency("medicine", raise_by=1) == CRITICAL
    assert [p.code for p in triage.triage("food", "", ()).reasons] == [BY_CATEGORY]  # no raise, no reason


def test_raise_urgency():
    assert raise_urgency(NORMAL, 0) == NORMAL
    assert raise_urgency(NORMAL, 1) == URGENT
    assert raise_urgency(URGENT, 1) == CRITICAL
    assert raise_urgency(CRITICAL, 3) == CRITICAL
    with pytest.raises(ValueError):
        raise_urgency("very", 1)
    with pytest.raises(ValueError):
        raise_urgency(NORMAL, -1)


def test_an_unknown_category_or_a_negative_raise_is_a_programming_error():
    with pytest.raises(ValueError):
        triage.triage("groceries", "", ())
    with pytest.raises(ValueError):
        triage.triage("food", "", (), raise_by=-1)


def test_reasons_hold_only_json_values():
    import json

    result = triage.triage("pregnancy", "见红，宫缩，打120", ["pregnant", "dialysis"], raise_by=1)
    json.dumps([{"code": p.code, "params": p.params} for p in result.reasons])


# Properties

texts = st.text(alphabet=st.sampled_from(list("透析胸痛孕药发烧疼120 ０1２ａB菜米不想活。")), max_size=30) | st.text(
    max_size=30
)
tag_sets = st.lists(st.sampled_from(TAGS), max_size=5)
categories = st.sampled_from(CATEGORIES)


@settings(max_examples=300, deadline=None)
@given(category=categories, text=texts, tags=tag_sets, raise_by=st.integers(0, 3))
def test_a_dialysis_patients_request_is_never_normal(category, text, tags, raise_by):
    assert urgency(category, text, [*tags, "dialysis"], raise_by=raise_by) != NORMAL


@settings(max_examples=300, deadline=None)
@given(category=categories, text=texts, tags=tag_sets, more_text=texts, more_tag=st.sampled_from(TAGS))
def test_more_words_or_another_tag_never_lower_the_urgency(category, text, tags, more_text, more_tag):
    before = RANK[urgency(category, text, tags)]
    # another sentence (a separator, so that no digit of one touches a digit of the other)
    assert RANK[urgency(category, text + "。" + more_text, tags)] <= before
    assert RANK[urgency(category, more_text + "。" + text, tags)] <= before
    assert RANK[urgency(category, text, [*tags, more_tag])] <= before


@settings(max_examples=300, deadline=None)
@given(category=categories, text=texts, tags=tag_sets, raise_by=st.integers(0, 5))
def test_raise_by_never_lowers_and_the_result_is_an_urgency(category, text, tags, raise_by):
    result = triage.triage(category, text, tags, raise_by=raise_by)
    assert result.urgency in URGENCIES
    base = triage.triage(category, text, tags)
    assert RANK[result.urgency] == max(RANK[base.urgency] - raise_by, 0)
    # the urgency is the highest any listed reason gives
    given_by = [p.params["urgency"] for p in base.reasons if "urgency" in p.params]
    assert base.urgency == min(given_by, key=RANK.__getitem__)


# Words


def test_every_code_has_words_and_a_reason_reads_in_chinese():
    assert set(triage.CODES) <= set(APPEALS.texts)
    assert problem_text(Problem(BY_KEYWORD, {"word": "透析", "urgency": CRITICAL})) == "诉求内容提到“透析”：紧急"
    assert problem_text(Problem(BY_TAG, {"tag": "dialysis", "urgency": URGENT})) == "该户有重点人群“透析”：加急"
    assert problem_text(Problem(BY_CATEGORY, {"category": "medicine", "urgency": URGENT})) == "诉求类别“购药”：加急"
    assert problem_text(Problem(RAISED, {"by": 1})) == "封控区内的诉求，紧急程度上调1级"
