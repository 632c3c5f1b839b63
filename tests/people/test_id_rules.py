import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.people import id_rules

# A published example of GB 11643: 11010519491231002X (check character X).
KNOWN_VALID = "11010519491231002X"


def test_check_digit_of_the_published_example():
    assert id_rules.check_digit(KNOWN_VALID[:17]) == "X"
    assert id_rules.id_number_error(KNOWN_VALID) is None


def test_wrong_check_digit_is_named():
    assert id_rules.id_number_error("110105194912310021") == id_rules.ID_CHECK


def test_scientific_notation_says_digits_were_lost():
    assert id_rules.id_number_error("5.10104E+17") == id_rules.ID_SCIENTIFIC
    assert id_rules.id_number_error("5.10104199001011E+17") == id_rules.ID_SCIENTIFIC


def test_shape_and_birth_date_errors():
    assert id_rules.id_number_error("") == id_rules.ID_EMPTY
    assert id_rules.id_number_error("51010419900101123") == id_rules.ID_LENGTH
    assert id_rules.id_number_error("5101041990010112x") == id_rules.ID_LENGTH  # not upper-cased yet
    first17 = "51010419900231123"  # 31 February
    assert id_rules.id_number_error(first17 + id_rules.check_digit(first17)) == id_rules.ID_BIRTH
    future = "51010420990101123"
    assert (
        id_rules.id_number_error(future + id_rules.check_digit(future), today=dt.date(2026, 1, 1)) == id_rules.ID_BIRTH
    )


@given(
    born=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31)),
    sequence=st.integers(min_value=0, max_value=10_000),
    male=st.booleans(),
)
def test_made_numbers_are_valid_and_carry_birth_date_and_gender(born, sequence, male):
    number = id_rules.make_id_number("510104", born, sequence, male)
    assert id_rules.id_number_error(number, today=dt.date(2026, 1, 1)) is None
    assert id_rules.birth_date_of(number) == born
    assert id_rules.gender_of(number) == ("M" if male else "F")
    assert number.startswith("510104")


def test_phone_rules():
    assert id_rules.phone_error("") is None
    assert id_rules.phone_error("13812345678") is None
    assert id_rules.phone_error("12812345678") == id_rules.PHONE
    assert id_rules.phone_error("1381234567") == id_rules.PHONE


@pytest.mark.parametrize(
    "written",
    [
        "13800138000",
        "（+86）13800138000",
        "(+86) 138 0013 8000",
        "86-13800138000",
        "0086 13800138000",
        "+86 13800138000",
    ],
)
def test_a_mobile_number_written_with_its_country_code(written):
    from gongzhi.core.cleaning import clean_code

    assert id_rules.mobile_number(clean_code(written)) == "13800138000"
    assert id_rules.phone_error(id_rules.mobile_number(clean_code(written))) is None


def test_a_number_that_is_no_phone_is_left_as_written_for_its_error():
    from gongzhi.core.cleaning import clean_code

    for written in ("8613800138", "86 1380013800012", "028-85551234-801", "12345", "028-0551234", "+86 28 8555 1234"):
        phone = id_rules.phone_number(clean_code(written))
        assert id_rules.phone_error(phone) == id_rules.PHONE, written


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("028-85551234", "028-85551234"),
        ("(028)85551234", "028-85551234"),
        ("（028）8555 1234", "028-85551234"),
        ("02885551234", "028-85551234"),
        ("010-6512 3456", "010-65123456"),
        ("0571-88881234", "0571-88881234"),
        ("0571-8888123", "0571-8888123"),
        ("85551234", "85551234"),
        ("8555123", "8555123"),
        ("013800138000", "13800138000"),  # a mobile dialled from a landline
    ],
)
def test_a_landline_is_stored_with_its_area_code_apart(written, stored):
    from gongzhi.core.cleaning import clean_code

    assert id_rules.phone_number(clean_code(written)) == stored
    assert id_rules.phone_error(stored) is None
    assert len(stored) <= 13  # Resident.phone
    assert id_rules.mobile_error(stored) == (None if stored.startswith("1") else id_rules.MOBILE)


def test_a_volunteer_phone_must_be_a_mobile():
    assert id_rules.mobile_error("13812345678") is None
    assert id_rules.mobile_error("028-85551234") == id_rules.MOBILE
