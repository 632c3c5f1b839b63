import pytest

from gongzhi.core.masking import FULL_PHONE, TAIL, TEXT, mask_id_number, mask_name, mask_phone, number_query


def test_id_number_keeps_area_and_tail_only():
    assert mask_id_number("51010419900101123X") == "510104********123X"
    assert mask_id_number("") == ""
    assert mask_id_number("12345") == "*****"


def test_phone_keeps_prefix_and_tail():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("") == ""


def test_a_landline_keeps_its_area_code_and_tail_only():
    assert mask_phone("028-85551234") == "028-****1234"
    assert mask_phone("0571-8888123") == "0571-***8123"
    assert mask_phone("85551234") == "****1234"  # a local number alone: only the last 4, like a mobile
    assert mask_phone("8555123") == "***5123"


@pytest.mark.parametrize(
    ("typed", "kind", "value"),
    [
        ("028-85551234", FULL_PHONE, "028-85551234"),
        ("02885551234", FULL_PHONE, "028-85551234"),
        ("(028) 8555 1234", FULL_PHONE, "028-85551234"),
        ("85551234", FULL_PHONE, "85551234"),
        ("13812345678", FULL_PHONE, "13812345678"),
        ("1234", TAIL, "1234"),
        ("12345678", TEXT, "12345678"),  # no landline starts with 1: text, names and addresses only
        ("028-8555", TEXT, "028-8555"),
    ],
)
def test_a_landline_typed_in_full_is_a_full_number_search(typed, kind, value):
    query = number_query(typed)
    assert (query.kind, query.value) == (kind, value)


def test_name_keeps_surname():
    assert mask_name("张三丰") == "张**"
    assert mask_name("李") == "李*"
