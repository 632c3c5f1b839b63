"""Barcodes a spreadsheet damaged (testing.services.results): leading zeros Excel dropped, in a CSV as
text too, named in the row's error when exactly one tube of the round has them; an 18-digit barcode
in scientific notation explained; the lab systems' names of the barcode column; their short result
words recorded."""

import io

import openpyxl
import pytest

from gongzhi.testing import services
from gongzhi.testing.collection import CLOSE, OPEN, SCAN, Event
from gongzhi.testing.models import Tube
from tests.factories import ResidentFactory, make_user_with_role

pytestmark = pytest.mark.django_db

TUBES = ["0001234567", "0012345678", "0000000078", "0000000780", "1234567890"]


@pytest.fixture
def lab(areas):
    return make_user_with_role("lab1", "lab", "5101")


def _round(community, worker, pattern, barcodes):
    collector = make_user_with_role(f"c{len(pattern)}", "collector", community.code)
    round_ = services.round_create(
        actor=worker, name="第2轮", area_code=community.code, pool_size=10, barcode_pattern=pattern
    )
    events = []
    for barcode in barcodes:
        events += [Event(f"o{barcode}", OPEN, barcode), Event(f"c{barcode}", CLOSE, barcode)]
        events.insert(-1, Event(f"s{barcode}", SCAN, barcode, "R:" + ResidentFactory().public_id))
    assert {o.status for o in services.scan_batch_ingest(round_=round_, collector=collector, events=events)} == {"ok"}
    return round_


@pytest.fixture
def fixed(community_a, worker_a):
    """A round whose barcodes are 10 digits."""
    return _round(community_a, worker_a, "[0-9]{10}", TUBES)


@pytest.fixture
def loose(community_a, worker_a):
    """A round of the default format (6 to 32 letters or digits)."""
    return _round(community_a, worker_a, "", [*TUBES, "00001234567"])


def run(lab, round_, name, content):
    return services.tube_results_import(actor=lab, round_=round_, file_name=name, content=content)


def test_a_csv_barcode_without_its_leading_zeros_names_the_tube_it_was(fixed, lab):
    content = "条码,检测结果\n1234567,阴性\n12345678,阴性\n78,阴性\n9999999,阴性\n1234567890,阴性\n".encode()
    outcome = run(lab, fixed, "结果.csv", content)
    errors = {e["row"]: e for e in outcome["errors"]}
    assert {row: e["code"] for row, e in errors.items()} == {
        2: "barcode_lost_zeros",
        3: "barcode_lost_zeros",
        4: "barcode_lost_zeros",  # 0000000078: 780 would be 0000000780, another tube
        5: "barcode_format",  # no tube with zeros in front either
    }
    assert errors[2]["message"] == (
        "本轮没有这个管号。可能是Excel去掉了开头的0：是否为管号0001234567？请把管号列设为“文本”，改正后再上传"
    )
    assert "0000000078" in errors[4]["message"]
    # named, never recorded on the tube the lab did not write
    assert outcome["recorded"] == 1 and Tube.objects.get(barcode="0001234567").status == "closed"


def test_in_a_round_of_any_length_two_tubes_with_zeros_are_not_guessed_between(loose, lab):
    content = "管号,结果\n1234567,阴性\n12345678,阴性\n".encode()
    errors = run(lab, loose, "结果.csv", content)["errors"]
    # 0001234567 and 00001234567 are both tubes: which one is not for us to say
    assert [(e["row"], e["code"]) for e in errors] == [(2, "no_such_tube"), (3, "barcode_lost_zeros")]


def test_an_xlsx_number_without_its_zeros_is_named_too(fixed, lab):
    book = openpyxl.Workbook()
    book.active.append(["样本编号", "检测项目", "N基因Ct值", "检测结果"])
    book.active.append([1234567, "新型冠状病毒核酸", "无", "阴"])
    book.active.append(["1234567890", "新型冠状病毒核酸", "无", "未检出"])
    buffer = io.BytesIO()
    book.save(buffer)
    outcome = run(lab, fixed, "lis.xlsx", buffer.getvalue())
    assert [(e["row"], e["code"]) for e in outcome["errors"]] == [(2, "barcode_lost_zeros")]
    assert outcome["recorded"] == 1 and Tube.objects.get(barcode="1234567890").status == "negative"


def test_a_long_barcode_in_scientific_notation_is_explained(community_a, worker_a, lab):
    round_ = _round(community_a, worker_a, "[0-9]{18}", ["220905123456789012"])
    book = openpyxl.Workbook()
    book.active.append(["条码号", "结果"])
    for barcode in [2.20905123456789e17, "2.20905E+17"]:  # a number cell (15 digits kept), a CSV's text
        book.active.append([barcode, "阴性"])
    buffer = io.BytesIO()
    book.save(buffer)
    outcome = run(lab, round_, "sci.xlsx", buffer.getvalue())
    errors = outcome["errors"]
    assert [(e["row"], e["code"]) for e in errors] == [(2, "barcode_scientific"), (3, "barcode_scientific")]
    assert "Excel转成了科学计数法（2.20905E+17）" in errors[1]["message"]
    assert "2.20905123456789E+17" in errors[0]["message"]


@pytest.mark.parametrize("header", ["样本编号", "样本号", "条码", "条码号", "管号"])
def test_the_lab_systems_names_of_the_barcode_column(fixed, lab, header):
    outcome = run(lab, fixed, "r.csv", f"{header},结果\n0001234567,阳\n".encode())
    assert outcome["recorded"] == 1 and outcome["errors"] == []


@pytest.mark.parametrize(
    ("value", "result"),
    [("阴", "negative"), ("N", "negative"), ("未检出", "negative"), ("阴性(-)", "negative"), ("－", "negative"),
     ("阳", "positive"), ("P", "positive"), ("检出", "positive"), ("阳性(+)", "positive"), ("＋", "positive")],
)  # fmt: skip
def test_short_result_words_are_recorded(fixed, lab, value, result):
    outcome = run(lab, fixed, "r.csv", f"管号,结果\n1234567890,{value}\n".encode())
    assert outcome["recorded"] == 1 and Tube.objects.get(barcode="1234567890").status == result
