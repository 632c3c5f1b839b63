"""Reading a 12345 hotline work-order export (appeals.hotline_file): real .xlsx files (a merged
title row, header variants, date-time cells, a column we do not read, formulas), CSVs in GBK and
UTF-8 with a BOM; every row error; the category from the hotline's words or the text."""

import datetime as dt
import io
import re
import zipfile

import openpyxl
import pytest

from gongzhi.appeals import hotline_file
from gongzhi.appeals.hotline_file import (
    ADDRESS_EMPTY,
    ADDRESS_LONG,
    CALLER_LONG,
    FORMULA,
    PHONE_BAD,
    PHONE_EXTENSION,
    PHONE_MASKED,
    PHONE_SEVERAL,
    REF_DAMAGED,
    REF_DUPLICATE,
    REF_EMPTY,
    REF_LONG,
    TEXT_CUT,
    TEXT_EMPTY,
    TIME_EARLY,
    TIME_EMPTY,
    TIME_FUTURE,
    TIME_UNREADABLE,
    HotlineRow,
    category_for,
    clean_phone,
    parse_time,
    read_hotline_file,
)
from gongzhi.appeals.messages import APPEALS, problem_text
from gongzhi.core import tabular
from gongzhi.core.errors import Problem

NOW = dt.datetime(2022, 9, 6, 12, 0)
HEADER = ["序号", "工单号", "受理时间", "来电人姓名", "来电号码", "事发地址", "问题描述", "问题分类", "承办单位"]


def xlsx(rows, header=HEADER, title="成都市12345热线工单导出（2022年9月5日）") -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "工单"
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read(content, filename="工单.xlsx", **kwargs):
    return read_hotline_file(content, filename, now=NOW, **kwargs)


def codes(result):
    return [(number, problem.code) for number, problem in result.errors]


def test_an_xlsx_export_below_a_merged_title_with_the_hotlines_header_names():
    content = xlsx(
        [
            [1, "GD20220905001", dt.datetime(2022, 9, 5, 10, 32), "张三", "138-0000-0001", "锦江区春熙路1号3栋2单元501",
             "母亲需要透析，小区封控出不去", "疫情防控-就医需求", "锦江区卫健局"],
            [2, "GD20220905002", "2022/9/5 11:05:00", "李四", "028 8765 4321", "锦江区春熙路1号5栋101",
             "家里没菜了，想买点蔬菜", "", "春熙路街道"],
            [3, "GD20220905003", 44809.5, "", "", "锦江区春熙路1号6栋", "心情很差，想不开", "其他", ""],
        ]
    )  # fmt: skip
    result = read(content)
    assert result.errors == []
    assert result.columns == {
        "ref": "工单号", "received": "受理时间", "caller": "来电人姓名", "phone": "来电号码", "address": "事发地址",
        "text": "问题描述", "category": "问题分类",
    }  # fmt: skip
    assert result.ignored == ["序号", "承办单位"]  # read for no field: the page names them
    assert result.rows[0] == HotlineRow(
        row=3,  # the title row, the header, then the first work order
        ref="GD20220905001",
        received_at=dt.datetime(2022, 9, 5, 10, 32),
        caller="张三",
        phone="13800000001",
        address="锦江区春熙路1号3栋2单元501",
        text="母亲需要透析,小区封控出不去",  # clean_text: full-width punctuation made half-width
        category="medical_emergency",  # the hotline's own category says 就医
        category_text="疫情防控-就医需求",
    )
    assert [(r.row, r.received_at, r.phone, r.category) for r in result.rows[1:]] == [
        (4, dt.datetime(2022, 9, 5, 11, 5), "02887654321", "food"),  # from the text
        (5, dt.datetime(2022, 9, 5, 12, 0), "", "psychological"),  # an Excel serial number; 其他 says nothing
    ]


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_a_csv_in_gbk_or_utf8_with_a_bom(encoding):
    text = (
        "工单编号,来电时间,来电人,联系电话,诉求地址,诉求内容,诉求类别,备注\n"
        "12345001,2022-09-05 08:00,王五,13900000002,武侯区某街道某小区2栋,胰岛素快用完了，需要购药,购药,无\n"
        "12345002,2022年9月5日 9:15,,,武侯区某小区3栋,孕妇38周，见红了,,\n"
    )
    result = read(text.encode(encoding), "export.csv")
    assert result.errors == [] and result.ignored == ["备注"]
    assert [(r.row, r.ref, r.received_at, r.category, r.caller) for r in result.rows] == [
        (2, "12345001", dt.datetime(2022, 9, 5, 8, 0), "medicine", "王五"),
        (3, "12345002", dt.datetime(2022, 9, 5, 9, 15), "pregnancy", ""),
    ]


def test_a_file_without_a_required_column_raises():
    content = xlsx(
        [["GD1", "2022-09-05 10:00", "某小区", "内容"]], header=["工单编号", "来电时间", "诉求地址", "诉求人"]
    )
    with pytest.raises(tabular.TabularError) as raised:
        read(content)
    assert raised.value.problem == Problem(
        tabular.MISSING_COLUMNS, {"columns": "诉求内容", "row": 2, "found": "工单编号、来电时间、诉求地址、诉求人"}
    )
    with pytest.raises(tabular.TabularError) as raised:
        read("姓名,年龄\n张三,30\n".encode(), "x.csv")
    assert raised.value.problem.code == tabular.NO_HEADER
    with pytest.raises(tabular.TabularError) as raised:
        read(b"", "x.csv")
    assert raised.value.problem.code == tabular.EMPTY_FILE


def test_too_many_rows_raise():
    rows = [[i, f"GD{i}", "2022-09-05 10:00", "", "", "某小区", "买菜", "", ""] for i in range(5)]
    with pytest.raises(tabular.TooManyRows):
        read(xlsx(rows), max_rows=4)


def test_every_row_error_is_that_rows_own():
    good = ["2022-09-05 10:00", "张三", "13800000000", "某小区1栋", "需要买药"]
    rows = [
        ["", *good],  # 3: no ref
        ["X" * 41, *good],  # 4
        [2.0220905123456788e16, *good],  # 5: Excel made the long ref a number
        ["2.02209E+16", *good],  # 6: and a CSV saved by Excel, text in scientific form
        ["A1", "", *good[1:]],  # 7
        ["A2", "昨天上午", *good[1:]],  # 8
        ["A3", "2022-09-08 10:00", *good[1:]],  # 9: two days after now
        ["A4", "1999-12-31 23:59", *good[1:]],  # 10
        ["A5", *good[:3], "", good[4]],  # 11
        ["A6", *good[:3], "地" * 201, good[4]],  # 12
        ["A7", *good[:4], ""],  # 13
        ["A8", *good[:4], "字" * 1001],  # 14
        ["A9", good[0], "名" * 41, *good[2:]],  # 15
        ["A10", good[0], good[1], "12345", *good[3:]],  # 16
        ["A11", good[0], good[1], "138000000001380000000", *good[3:]],  # 17: two phones run together
        ["A11", *good],  # 18: the ref of row 17 again
        ["A12", "2022-02-30", good[1], "电话：138", "", ""],  # 19: several at once
        ["A13", *good],  # 20: a good row among them
    ]
    header = ["工单编号", "来电时间", "来电人", "联系电话", "诉求地址", "诉求内容"]
    result = read(xlsx(rows, header=header))
    assert codes(result) == [
        (3, REF_EMPTY),
        (4, REF_LONG),
        (5, REF_DAMAGED),
        (6, REF_DAMAGED),
        (7, TIME_EMPTY),
        (8, TIME_UNREADABLE),
        (9, TIME_FUTURE),
        (10, TIME_EARLY),
        (11, ADDRESS_EMPTY),
        (12, ADDRESS_LONG),
        (13, TEXT_EMPTY),
        (15, CALLER_LONG),
        (18, REF_DUPLICATE),
        (19, TIME_UNREADABLE),
        (19, ADDRESS_EMPTY),
        (19, TEXT_EMPTY),
    ]
    # a text too long, a phone that is none: the request is kept all the same, with a warning
    assert [r.row for r in result.rows] == [14, 16, 17, 20]
    assert [(number, problem.code) for number, problem in result.warnings] == [
        (14, TEXT_CUT),
        (16, PHONE_BAD),
        (17, PHONE_BAD),
    ]
    errors, warnings = dict(result.errors), dict(result.warnings)
    assert errors[18] == Problem(REF_DUPLICATE, {"ref": "A11", "first_row": 17})
    assert errors[9] == Problem(TIME_FUTURE, {"value": "2022-09-08 10:00"})
    assert warnings[14] == Problem(TEXT_CUT, {"limit": 1000, "length": 1001})
    assert errors[5] == Problem(REF_DAMAGED, {"value": "2.022090512345679E+16"})  # as Excel shows it, nearly
    assert warnings[16] == Problem(PHONE_BAD, {"value": "12345"})
    assert result.rows[1].phone == result.rows[2].phone == ""


def test_the_same_ref_three_times_names_the_first_row_each_time():
    row = ["2022-09-05 10:00", "", "", "某小区1栋", "买菜"]
    result = read(xlsx([["A1", *row], ["A1", *row], ["A1", *row]], header=HEADER[1:7]))
    assert result.errors == [(k, Problem(REF_DUPLICATE, {"ref": "A1", "first_row": 3})) for k in (4, 5)]
    assert [r.row for r in result.rows] == [3]


def test_a_time_within_a_day_of_now_is_believed_and_now_may_be_aware():
    header = ["工单编号", "来电时间", "诉求地址", "诉求内容"]
    content = xlsx([["A1", "2022-09-07 11:59", "某小区", "买菜"], ["A2", "2022-09-07 12:01", "某小区", "买菜"]], header)
    assert codes(read(content)) == [(4, TIME_FUTURE)]
    # 04:00 UTC is noon in China
    aware = read_hotline_file(content, "x.xlsx", now=dt.datetime(2022, 9, 6, 4, 0, tzinfo=dt.UTC))
    assert codes(aware) == [(4, TIME_FUTURE)]
    assert codes(read_hotline_file(content, "x.xlsx")) == []  # now: the present


def _with_stored_value(content: bytes, cell: str, value: str) -> bytes:
    """The workbook as Excel saves it: the formula of `cell` carries its last value."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                text = re.sub(
                    rf'<c r="{cell}"([^>]*)><f>(.*?)</f><v\s*/?>(</v>)?',
                    rf'<c r="{cell}" t="str"\1><f>\2</f><v>{value}</v>',
                    text,
                )
                data = text.encode()
            target.writestr(item, data)
    return out.getvalue()


def test_a_formula_without_a_stored_value_is_its_rows_error():
    header = ["工单编号", "来电时间", "诉求地址", "诉求内容", "承办单位"]
    rows = [
        ["A1", "2022-09-05 10:00", "某小区1栋", '=CONCATENATE("需要","透析")', "x"],  # 3
        ['="A"&"2"', "2022-09-05 10:00", "某小区2栋", "=D3", ""],  # 4: two of them
        ['="A"&"3"', "=B3", "=C3", "=D3", ""],  # 5: every known cell: no longer a blank row
        ["A4", "2022-09-05 10:00", "某小区4栋", "买菜", "=1+1"],  # 6: in a column we do not read
    ]
    result = read(xlsx(rows, header=header, title=None), "f.xlsx")
    assert result.errors == [
        (2, Problem(FORMULA, {"columns": "诉求内容"})),
        (3, Problem(FORMULA, {"columns": "工单编号、诉求内容"})),
        (4, Problem(FORMULA, {"columns": "工单编号、来电时间、诉求地址、诉求内容"})),
    ]
    assert [r.row for r in result.rows] == [5]
    # Excel stores the value it calculated: then the row reads as any other
    stored = _with_stored_value(xlsx(rows[:1], header=header, title=None), "D2", "需要透析")
    result = read(stored, "f.xlsx")
    assert result.errors == [] and result.rows[0].text == "需要透析"


def test_a_formula_filled_down_past_the_data_as_excel_stores_it_is_a_blank_row():
    header = ["工单编号", "来电时间", "诉求地址", "诉求内容"]
    rows = [["A1", "2022-09-05 10:00", "某小区1栋", "买菜"], ['=IF(1,"","")', "", "", ""]]
    stored = _with_stored_value(xlsx(rows, header=header, title=None), "A3", "")
    result = read(stored)
    assert result.errors == [] and [r.ref for r in result.rows] == ["A1"]


def test_a_column_without_a_header_that_holds_data_is_named_by_its_letter():
    header = ["工单编号", "来电时间", "诉求地址", "诉求内容"]
    content = xlsx([["A1", "2022-09-05 10:00", "某小区", "买菜", "", "备用电话139"]], header=header, title=None)
    assert read(content).ignored == ["F"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.datetime(2022, 9, 5, 10, 32), dt.datetime(2022, 9, 5, 10, 32)),
        (dt.datetime(2022, 9, 5, 10, 31, 59, 999_500), dt.datetime(2022, 9, 5, 10, 32)),
        (dt.date(2022, 9, 5), dt.datetime(2022, 9, 5)),
        (44809.4375, dt.datetime(2022, 9, 5, 10, 30)),
        (44809, dt.datetime(2022, 9, 5)),
        ("44809.4375", dt.datetime(2022, 9, 5, 10, 30)),
        ("2022-09-05 10:32", dt.datetime(2022, 9, 5, 10, 32)),
        ("2022/9/5 10:32:00", dt.datetime(2022, 9, 5, 10, 32)),
        ("2022-09-05T10:32", dt.datetime(2022, 9, 5, 10, 32)),
        ("2022-09-05 10:32:15.000", dt.datetime(2022, 9, 5, 10, 32, 15)),
        ("2022年9月5日 10:32", dt.datetime(2022, 9, 5, 10, 32)),
        ("2022年9月5日10时32分", dt.datetime(2022, 9, 5, 10, 32)),
        ("2022年9月5日 10时32分15秒", dt.datetime(2022, 9, 5, 10, 32, 15)),
        ("2022.09.05 10:32", dt.datetime(2022, 9, 5, 10, 32)),
        ("２０２２－０９－０５　１０：３２", dt.datetime(2022, 9, 5, 10, 32)),
        ("2022-09-05", dt.datetime(2022, 9, 5)),
        ("2022年9月5日", dt.datetime(2022, 9, 5)),
        (dt.datetime(2022, 9, 5, 2, 32, tzinfo=dt.UTC), dt.datetime(2022, 9, 5, 10, 32)),
        ("2022-02-30 10:00", None),
        ("2022-09-05 25:00", None),
        ("昨天", None),
        ("10:32", None),
        (dt.time(10, 32), None),
        (True, None),
        (None, None),
        (0, None),
        (2958465.999999999, None),  # past the last second Excel knows
        (13800000000, None),  # a phone in the time column
    ],
)
def test_parse_time(value, expected):
    assert parse_time(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("138-0000-0000", "13800000000"),
        ("138 0000 0000", "13800000000"),
        ("+86 138 0000 0000", "13800000000"),
        ("(028)87654321", "02887654321"),
        ("１３８００００００００", "13800000000"),
        (13800000000.0, "13800000000"),
        (13800000000, "13800000000"),
        ("+852 2345 6789", "+85223456789"),
        ("1234567", "1234567"),
        ("", ""),
        (None, ""),
        ("123456", None),
        ("1" * 21, None),
        ("+" + "1" * 20, None),
        ("138abc", None),
        ("13800000000转123", None),
    ],
)
def test_clean_phone(value, expected):
    assert clean_phone(value) == expected


@pytest.mark.parametrize(
    ("category_text", "text", "expected"),
    [
        ("疫情防控-就医需求", "买菜", "medical_emergency"),
        ("卫生健康/购药", "", "medicine"),
        ("慢病治疗（透析、化疗、胰岛素）", "", "chronic_care"),  # our own label
        ("medicine", "", "medicine"),  # our own value
        ("民政/养老服务", "", "elderly_care"),
        ("生活物资", "", "food"),
        ("心理咨询", "", "psychological"),
        ("孕产妇服务", "", "pregnancy"),
        ("其他", "每周三次透析，今天去不了医院", "chronic_care"),  # the category says nothing: the text
        ("", "需要化疗", "chronic_care"),
        ("", "孕妇要产检", "pregnancy"),
        ("", "降压药吃完了", "medicine"),
        ("", "胰岛素和药都没了", "chronic_care"),  # the most specific first
        ("", "老人摔倒了要叫救护车", "medical_emergency"),
        ("", "打了120", "medical_emergency"),
        ("", "交了1200元", "other"),
        ("", "情绪崩溃，需要心理疏导", "psychological"),
        ("", "独居老人无人照看", "elderly_care"),
        ("", "家里没有大米和食用油了", "food"),
        ("", "大家加油", "other"),
        ("", "楼道灯坏了", "other"),
    ],
)
def test_category_for(category_text, text, expected):
    assert category_for(category_text, text) == expected


def test_every_code_has_words():
    assert set(hotline_file.CODES) <= set(APPEALS.texts)
    assert problem_text(Problem(REF_DUPLICATE, {"ref": "A1", "first_row": 3})) == "工单编号A1与第3行重复"
    for code in hotline_file.CODES:  # every placeholder of every text is given by the rule
        params = {"limit": 1, "length": 2, "value": "v", "ref": "r", "first_row": 3, "columns": "c", "kept": "k"}
        params |= {"phone": "p", "extension": "e"}
        assert problem_text(Problem(code, params))


# What a row keeps instead of refusing it: the phone, the text


@pytest.mark.parametrize(
    ("value", "number", "extension", "warning"),
    [
        ("13812345678", "13812345678", "", None),
        ("无", "", "", None),  # the caller gave none: nothing to warn about
        ("暂无", "", "", None),
        ("138****5678", "", "", PHONE_MASKED),  # never stored as if it were the number
        ("138xxxx5678", "", "", PHONE_MASKED),
        ("13812345678/028-85551234", "13812345678", "", PHONE_SEVERAL),
        ("138****5678、028-85551234", "02885551234", "", PHONE_SEVERAL),  # the first usable
        ("13812345678，13912345678", "13812345678", "", PHONE_SEVERAL),
        ("(028)85551234-801", "02885551234", "801", PHONE_EXTENSION),
        ("85551234转801", "85551234", "801", PHONE_EXTENSION),
        ("028-85551234分机12", "02885551234", "12", PHONE_EXTENSION),
        ("028-8555-1234", "02885551234", "", None),  # dashes inside one number
        ("138-0000-0001", "13800000001", "", None),
        ("028-85551234", "02885551234", "", None),
        (13800000000, "13800000000", "", None),
        ("12345", "", "", PHONE_BAD),
        ("电话：138", "", "", PHONE_BAD),
    ],
)
def test_read_phone(value, number, extension, warning):
    phone = hotline_file.read_phone(value)
    assert (phone.number, phone.extension) == (number, extension)
    assert (phone.warning.code if phone.warning else None) == warning


def test_a_bad_or_masked_phone_is_a_warning_and_the_request_is_kept():
    header = ["工单编号", "来电时间", "来电人", "联系电话", "诉求地址", "诉求内容"]
    rows = [
        ["A1", "2022-09-05 10:00", "市民", "138****5678", "某小区1栋", "要买药"],
        ["A2", "2022-09-05 10:00", "市民", "13812345678/028-85551234", "某小区1栋", "要买药"],
        ["A3", "2022-09-05 10:00", "市民", "(028)85551234-801", "某小区1栋", "要买药"],
        ["A4", "2022-09-05 10:00", "", "85551234转801", "某小区1栋", "要买药"],
        ["A5", "2022-09-05 10:00", "市民", "无", "某小区1栋", "要买药"],
        ["A6", "2022-09-05 10:00", "市民", "无", "", "要买药"],  # an error: no warning beside it
    ]
    result = read(xlsx(rows, header=header, title=None))
    assert [(r.ref, r.phone, r.caller) for r in result.rows] == [
        ("A1", "", "市民"),
        ("A2", "13812345678", "市民"),
        ("A3", "02885551234", "市民(分机801)"),
        ("A4", "85551234", "(分机801)"),
        ("A5", "", "市民"),
    ]
    assert [(n, p.code) for n, p in result.warnings] == [
        (2, PHONE_MASKED), (3, PHONE_SEVERAL), (4, PHONE_EXTENSION), (5, PHONE_EXTENSION),
    ]  # fmt: skip
    assert codes(result) == [(7, ADDRESS_EMPTY)]
    words = problem_text(dict(result.warnings)[4])
    assert words == "联系电话“(028)****1234-801”带分机号：号码记为028****1234，分机801写在来电人后面"
    # A report is read by colleagues who may not see callers' phones: its words show them masked.
    shown = " ".join(problem_text(p) for _n, p in result.warnings)
    assert "138****5678" in shown and "****1234" in shown
    for digits in ("12345678", "85551234", "2885551234"):
        assert digits not in shown


def test_a_text_over_the_limit_is_cut_with_a_mark_and_a_warning():
    long = "市民来电反映：" + "家中老人需要长期服用降压药，" * 80
    header = ["工单编号", "来电时间", "诉求地址", "诉求内容"]
    result = read(xlsx([["L1", "2022-09-05 10:00", "某小区", long]], header=header, title=None))
    (row,) = result.rows
    assert len(row.text) == hotline_file.MAX_TEXT and row.text.endswith(hotline_file.TEXT_CUT_MARK)
    assert row.text.startswith("市民来电反映:家中老人")
    assert row.category == "medicine"
    assert result.warnings == [(2, Problem(TEXT_CUT, {"limit": 1000, "length": len(long)}))]
    exact = "药" * 1000
    result = read(xlsx([["L2", "2022-09-05 10:00", "某小区", exact]], header=header, title=None))
    assert result.rows[0].text == exact and result.warnings == []


# The time: a date column and a time column, more forms


@pytest.mark.parametrize(
    "header",
    [
        ["工单编号", "来电日期", "来电时间", "诉求地址", "诉求内容"],
        ["工单编号", "来电时间", "来电日期", "诉求地址", "诉求内容"],
    ],
)
def test_a_date_column_and_a_time_column_are_combined_in_either_order(header):
    cells = [
        (dt.date(2022, 9, 5), dt.time(10, 32)),
        ("2022-09-05", "10:33"),
        (dt.datetime(2022, 9, 5), "下午3:05"),
        (44809, 0.5),  # Excel's serial day and a fraction of a day
        ("2022/9/5", "2022-09-05 10:34"),  # the whole time repeated beside its date
        ("2022-09-05", ""),  # no time: the day's midnight
        ("", "2022-09-05 10:35"),
        ("2022-09-05", "上午"),  # 8
        ("2022-09-05", "2022-09-06 10:00"),  # 9: two days
    ]
    rows = []
    for n, (day, clock) in enumerate(cells):
        by_name = {"来电日期": day, "来电时间": clock}
        rows.append([f"T{n}", by_name[header[1]], by_name[header[2]], "某地", "买药"])
    result = read(xlsx(rows, header=header, title=None))
    assert [r.received_at for r in result.rows] == [
        dt.datetime(2022, 9, 5, 10, 32),
        dt.datetime(2022, 9, 5, 10, 33),
        dt.datetime(2022, 9, 5, 15, 5),
        dt.datetime(2022, 9, 5, 12, 0),
        dt.datetime(2022, 9, 5, 10, 34),
        dt.datetime(2022, 9, 5),
        dt.datetime(2022, 9, 5, 10, 35),
    ]
    assert codes(result) == [(9, TIME_UNREADABLE), (10, TIME_UNREADABLE)]
    assert dict(result.errors)[9].params == {"value": "2022-09-05 上午"}
    assert result.ignored == []


def test_a_date_column_alone_is_the_time_and_a_file_without_either_raises():
    header = ["工单编号", "来电日期", "诉求地址", "诉求内容"]
    result = read(xlsx([["A1", "2022-09-05 10:32", "某地", "买药"]], header=header, title=None))
    assert result.rows[0].received_at == dt.datetime(2022, 9, 5, 10, 32)
    content = xlsx([["A1", "某地", "买药"]], header=["工单编号", "诉求地址", "诉求内容"], title=None)
    with pytest.raises(tabular.MissingColumns) as raised:
        read(content)
    assert raised.value.problem.params["columns"] == "来电时间"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022/09/05 上午10:32", dt.datetime(2022, 9, 5, 10, 32)),
        ("2022/9/5 下午3:05", dt.datetime(2022, 9, 5, 15, 5)),
        ("2022/9/5 下午12:05", dt.datetime(2022, 9, 5, 12, 5)),
        ("2022/9/5 上午12:05", dt.datetime(2022, 9, 5, 0, 5)),
        ("2022/9/5 晚上9:05", dt.datetime(2022, 9, 5, 21, 5)),
        ("2022/9/5 下午15:05", dt.datetime(2022, 9, 5, 15, 5)),
        ("2022/9/5 上午15:05", None),
        ("20220905103200", dt.datetime(2022, 9, 5, 10, 32)),
        ("202209051032", dt.datetime(2022, 9, 5, 10, 32)),
        ("20220905", dt.datetime(2022, 9, 5)),
        (20220905103200, dt.datetime(2022, 9, 5, 10, 32)),
        (20220905103200.0, dt.datetime(2022, 9, 5, 10, 32)),
        ("2022-09-05T10:32:00+08:00", dt.datetime(2022, 9, 5, 10, 32)),
        ("2022-09-05T02:32:00Z", dt.datetime(2022, 9, 5, 10, 32)),
        ("2022-09-05T03:32:00+0100", dt.datetime(2022, 9, 5, 10, 32)),
        ("2022/9/5 星期一 10:32", dt.datetime(2022, 9, 5, 10, 32)),
        ("2022/9/5 周一 10:32", dt.datetime(2022, 9, 5, 10, 32)),
        ("44809.4388888889", dt.datetime(2022, 9, 5, 10, 32)),
        ("9/5/2022 10:32", None),  # month or day first: not guessed
        ("20221305103200", None),
    ],
)
def test_parse_time_more_forms(value, expected):
    assert parse_time(value) == expected
