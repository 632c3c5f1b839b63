"""Result values as lab systems write them (gongzhi.testing.result_values, pure)."""

import pytest

from gongzhi.core.errors import Problem
from gongzhi.testing import result_file, result_values
from gongzhi.testing.messages import TESTING

NEGATIVE_FORMS = [
    "阴性",
    "阴性 ",
    " 阴 性 ",
    "阴性(-)",
    "阴性（-）",
    "阴性（－）",
    "阴性 ( - )",
    "阴性[-]",
    "阴性【-】",
    "阴性—",
    "阴性\u3000",
    "\u00a0阴性",
    "阴性\u200b",
    "-",
    "－",
    "−",
    "(-)",
    "（-）",
    "neg",
    "NEG",
    "Negative",
    "NEGATIVE",
    "ＮＥＧＡＴＩＶＥ",
    "negative (-)",
    "阴",
    "阴(-)",
    "N",
    "n",
    "未检出",
    "未检出(-)",
    "阴性(-)",
]
POSITIVE_FORMS = [
    "阳性",
    " 阳性 ",
    "阳性(+)",
    "阳性（+）",
    "阳性（＋）",
    "阳性+",
    "+阳性",
    "+",
    "＋",
    "(+)",
    "pos",
    "POS",
    "Positive",
    "POSITIVE",
    "positive(+)",
    "阳",
    "阳（+）",
    "P",
    "检出",
    "检出(+)",
]


@pytest.mark.parametrize("value", NEGATIVE_FORMS)
def test_negative_as_lab_systems_write_it(value):
    assert result_values.result_of(value) == "negative"


@pytest.mark.parametrize("value", POSITIVE_FORMS)
def test_positive_as_lab_systems_write_it(value):
    assert result_values.result_of(value) == "positive"


@pytest.mark.parametrize("value", [None, "", "   ", "\u3000", "()", "（）"])
def test_no_value_is_a_problem_of_its_own(value):
    assert result_values.result_of(value) == Problem(result_values.RESULT_EMPTY)


@pytest.mark.parametrize(
    "value",
    [
        "maybe",
        "阴阳",
        "invalid",
        "弱阳性",
        "可疑阳性",
        "待复检",
        "未",
        "Y",
        "NP",
        "可疑",
        "0",
        1,
        0.0,
        "++",
        "+-",
        "阴阳性",
        "阳性?",
        "#N/A",
        "neg pos",
    ],
)
def test_a_value_not_understood_is_a_problem_naming_it(value):
    problem = result_values.result_of(value)
    assert problem == Problem(result_values.RESULT_UNKNOWN, {"value": str(value).strip()})


@pytest.mark.parametrize("value", ["阴性(+)", "阳性（-）", "neg+", "+阴性", "positive (-)", "未检出(+)", "阳(-)", "N+"])
def test_a_word_and_a_sign_that_disagree_are_a_problem(value):
    assert result_values.result_of(value) == Problem(result_values.RESULT_CONTRADICTORY, {"value": value.strip()})


def test_a_long_value_is_cut_in_the_problem():
    problem = result_values.result_of("x" * 500)
    assert isinstance(problem, Problem) and len(problem.params["value"]) <= 40


def test_every_code_has_words():
    assert set(result_values.CODES) | set(result_file.CODES) <= set(TESTING.texts)
    assert TESTING.text("result_unknown", value="maybe")  # the placeholders are the problem's
