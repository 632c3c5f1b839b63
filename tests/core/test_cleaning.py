import datetime as dt

import pytest

from gongzhi.core.cleaning import clean_code, clean_text, parse_date, to_half_width


def test_full_width_digits_and_ideographic_space_become_half_width():
    assert to_half_width("１２３　ＡＢＣ") == "123 ABC"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (None, ""),
        ("  张  三 ", "张 三"),
        ("张\u3000三", "张 三"),
        ("\ufeff王五\u200b", "王五"),
        (12, "12"),
    ],
)
def test_clean_text(raw, clean):
    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("５１０１０４ １９８００５１７ ００１ｘ", "51010419800517001X"),
        ("138-0013-8000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("'13800138000", "13800138000"),
        ("13800138000.0", "13800138000"),
        (13800138000.0, "13800138000"),
        (13800138000, "13800138000"),
        (5.10104e17, "5.10104E+17"),
        (None, ""),
    ],
)
def test_clean_code(raw, clean):
    assert clean_code(raw) == clean


@pytest.mark.parametrize(
    "raw",
    [
        "1980-05-17",
        "1980/5/17",
        "1980.5.17",
        "1980年5月17日",
        "19800517",
        " １９８０-０５-１７ ",
        29358,
        29358.0,
        "29358",
        dt.date(1980, 5, 17),
        dt.datetime(1980, 5, 17, 0, 0),
    ],
)
def test_parse_date_accepts_the_shapes_found_in_rosters(raw):
    assert parse_date(raw) == dt.date(1980, 5, 17)


@pytest.mark.parametrize("raw", [None, "", "昨天", "1980-02-30", "17/05/1980", -3, True])
def test_parse_date_rejects_the_rest(raw):
    assert parse_date(raw) is None
