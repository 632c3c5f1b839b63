from gongzhi.core.masking import mask_id_number, mask_name, mask_phone


def test_id_number_keeps_area_and_tail_only():
    assert mask_id_number("51010419900101123X") == "510104********123X"
    assert mask_id_number("") == ""
    assert mask_id_number("12345") == "*****"


def test_phone_keeps_prefix_and_tail():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("") == ""


def test_name_keeps_surname():
    assert mask_name("张三丰") == "张**"
    assert mask_name("李") == "李*"
