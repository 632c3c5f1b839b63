import datetime as dt
import io
import zipfile

import openpyxl
import pytest

from gongzhi.core import tabular
from gongzhi.core.messages import CORE
from gongzhi.core.tabular import TabularError, normalise_header, read_table
from gongzhi.core.tabular import xlsx as tabular_xlsx

ALIASES = {
    "name": ("姓名", "名字"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码"),
    "phone": ("手机号", "联系电话"),
    "birth_date": ("出生日期",),
}
LABELS = {"name": "姓名", "id_number": "身份证号", "phone": "手机号"}
LIMITS = {"max_rows": 100, "max_bytes": 1024 * 1024}


def read(content, file_name, **kwargs):
    options = {"aliases": ALIASES, "required": ("name", "id_number"), "labels": LABELS, **LIMITS}
    options.update(kwargs)
    return read_table(content, file_name, **options)


def xlsx(rows, *, merge_title=None, sheets=None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if merge_title:
        sheet.merge_cells(merge_title)
    for title, extra_rows in (sheets or {}).items():
        extra = workbook.create_sheet(title, 0)
        for row in extra_rows:
            extra.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("身份证号", "身份证号"),
        (" 身份证 号码 ", "身份证号码"),
        ("*姓名", "姓名"),
        ("出生日期(选填)", "出生日期"),
        ("出生日期（选填）", "出生日期"),
        ("ＩＤ", "id"),
    ],
)
def test_normalise_header(raw, normal):
    assert normalise_header(raw) == normal


def test_xlsx_header_below_merged_title_rows_with_aliases_and_excel_row_numbers():
    content = xlsx(
        [
            ["水井坊社区居民花名册"],
            ["填表日期：2022年9月1日"],
            [None, "名字", "公民身份号码 ", "联系电话", "不认识的列"],
            [None, "张三", "510104198005170011", "13800138000", "x"],
            [None, None, None, None],
            [None, "  ", None, ""],
            [5, None, None, None, "只有序号和不认识的列"],
            [None, "李四", "510104198005170038", None, None],
        ],
        merge_title="A1:E1",
    )

    table = read(content, "花名册.xlsx")

    assert table.header_row == 3
    assert table.headers == {"name": "名字", "id_number": "公民身份号码", "phone": "联系电话"}
    assert table.rows == [
        (4, {"name": "张三", "id_number": "510104198005170011", "phone": "13800138000"}),
        (8, {"name": "李四", "id_number": "510104198005170038", "phone": None}),
    ]


def test_xlsx_keeps_cell_types_for_the_caller_to_clean():
    content = xlsx([["姓名", "身份证号", "出生日期"], ["张三", 5.10104e17, dt.date(1980, 5, 17)]])

    ((number, row),) = read(content, "a.xlsx").rows

    assert number == 2
    assert row["id_number"] == 5.10104e17
    assert row["birth_date"] == dt.datetime(1980, 5, 17)


def test_xlsx_header_found_on_a_later_sheet():
    content = xlsx([["姓名", "身份证号"], ["张三", "1"]], sheets={"说明": [["请按模板填写"]]})

    table = read(content, "a.xlsx")

    assert table.sheet_name == "Sheet"
    assert table.rows == [(2, {"name": "张三", "id_number": "1"})]


def test_header_missing_a_required_column_names_it():
    content = xlsx([["姓名", "手机号"], ["张三", "13800138000"]])

    with pytest.raises(TabularError) as info:
        read(content, "a.xlsx")

    assert CORE.of(info.value.problem) == "缺少必填列：身份证号（第1行的表头中找到的列是：姓名、手机号）"


def test_the_sheet_with_part_of_the_header_names_what_is_missing():
    content = xlsx([["姓名", "手机号"]], sheets={"说明": [["请按模板填写"]]})

    with pytest.raises(TabularError) as info:
        read(content, "a.xlsx")

    assert CORE.of(info.value.problem) == "缺少必填列：身份证号（第1行的表头中找到的列是：姓名、手机号）"


def test_no_header_in_the_first_ten_rows():
    content = xlsx([["标题"]] * 10 + [["姓名", "身份证号"]])

    with pytest.raises(TabularError) as info:
        read(content, "a.xlsx")

    assert CORE.of(info.value.problem) == "前10行中没有找到表头（应包含“姓名”“身份证号”等列名）"


def test_row_limit_counts_data_rows_only():
    rows = [["姓名", "身份证号"]] + [["张三", str(i)] if i % 2 else [None, None] for i in range(6)]
    content = xlsx(rows)

    assert len(read(content, "a.xlsx", max_rows=3).rows) == 3
    with pytest.raises(TabularError) as info:
        read(content, "a.xlsx", max_rows=2)
    assert CORE.of(info.value.problem) == "文件超过2行的上限，请拆分成几个文件分别导入"


def test_too_many_bytes():
    with pytest.raises(TabularError) as info:
        read(b"x" * 2048, "a.csv", max_bytes=1024 * 1024 // 1024)
    assert CORE.of(info.value.problem).startswith("文件太大")


def test_zip_that_expands_far_beyond_its_size_is_refused(monkeypatch):
    monkeypatch.setattr(tabular_xlsx, "MAX_EXPANSION", 1)  # where _check_zip looks it up
    content = xlsx([["姓名", "身份证号"]] + [["张三", "1" * 18]] * 200)

    with pytest.raises(TabularError) as info:
        read(content, "a.xlsx", max_bytes=len(content))
    assert info.value.problem.code == tabular.TOO_BIG  # without the patch, the row limit refuses it (TOO_MANY)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_encodings(encoding):
    text = "居民花名册,,\r\n姓名,身份证号码,手机号\r\n张三,510104198005170011,13800138000\r\n,,\r\n"

    table = read(text.encode(encoding), "a.csv")

    assert table.header_row == 2
    assert table.headers["id_number"] == "身份证号码"
    assert table.rows == [(3, {"name": "张三", "id_number": "510104198005170011", "phone": "13800138000"})]


def test_csv_tab_separated_and_quoted_newlines():
    text = '姓名\t身份证号\n"张\n三"\t1\n李四\t2\n'

    table = read(text.encode(), "a.txt")

    assert [number for number, _ in table.rows] == [2, 3]
    assert table.rows[0][1]["name"] == "张\n三"


def test_csv_short_rows_fill_missing_cells_with_none():
    table = read("姓名,身份证号,手机号\n张三\n".encode(), "a.csv")

    assert table.rows == [(2, {"name": "张三", "id_number": None, "phone": None})]


@pytest.mark.parametrize(
    ("content", "file_name", "code"),
    [
        (b"", "a.xlsx", tabular.EMPTY_FILE),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "a.xls", tabular.XLS),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "a.xlsx", tabular.XLS),
        (b"name,id\n", "a.xls", tabular.XLS),
        (b"PK\x03\x04garbage", "a.xlsx", tabular.BROKEN_XLSX),
        (b"this is not a spreadsheet", "a.xlsx", tabular.BROKEN_XLSX),
        (b"%PDF-1.4\n", "a.pdf", tabular.WRONG_TYPE),
        (b"\x89PNG\r\n\x1a\n\0\0\0", "a.csv", tabular.BINARY_CSV),
        (b"\xff\xfe\x00\xd8", "a.csv", tabular.ENCODING),
    ],
)
def test_broken_or_foreign_files_get_a_chinese_message(content, file_name, code):
    with pytest.raises(TabularError) as info:
        read(content, file_name)
    assert info.value.problem.code == code
    assert CORE.of(info.value.problem) == CORE.text(code) and CORE.text(code)[0] > "\u2e80"  # Chinese words


def test_a_zip_that_is_no_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")

    with pytest.raises(TabularError) as info:
        read(buffer.getvalue(), "a.xlsx")
    assert CORE.of(info.value.problem) == CORE.text(tabular.BROKEN_XLSX)


def test_a_docx_renamed_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")

    with pytest.raises(TabularError) as info:
        read(buffer.getvalue(), "a.docx")
    assert CORE.of(info.value.problem) == CORE.text(tabular.WRONG_TYPE)


def test_columns_not_understood_are_listed_as_ignored_never_dropped_silently():
    content = xlsx(
        [
            ["花名册"],
            ["序号", "名字", "身份证号码", "民族", None, "联系电话", "手机号", None],
            [1, "张三", "510104198005170011", "汉", "未命名列的内容", "13800138000", "13900139000", None],
            [2, "李四", "510104198005170038", "回", None, None, None, None],
        ],
        merge_title="A1:H1",
    )

    table = read(content, "a.xlsx")

    assert table.headers == {"name": "名字", "id_number": "身份证号码", "phone": "联系电话"}
    # the second column of a field, a column without a name that holds data; H is empty throughout
    assert table.ignored == [("A", "序号"), ("D", "民族"), ("E", ""), ("G", "手机号")]


def test_csv_cells_beyond_the_header_are_an_ignored_column():
    content = "姓名,身份证号\n张三,1\n李四,2,,多出来的内容\n".encode()

    table = read(content, "a.csv")

    assert table.ignored == [("D", "")]
    assert [row for _, row in table.rows] == [{"name": "张三", "id_number": "1"}, {"name": "李四", "id_number": "2"}]


def test_a_file_of_known_columns_ignores_none():
    assert read("姓名,身份证号\n张三,1\n".encode(), "a.csv").ignored == []


@pytest.mark.parametrize(("position", "letter"), [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"), (702, "AAA")])
def test_column_letter(position, letter):
    assert tabular.column_letter(position) == letter


def test_a_field_named_twice_in_the_header_is_read_from_its_first_column_and_said_repeated():
    table = read(xlsx([["姓名", "身份证号", "备注", "身份证号码"], ["张三", "1", "", "2"]]), "a.xlsx")

    assert table.rows == [(2, {"name": "张三", "id_number": "1"})]
    assert table.repeated == {"id_number": ["B", "D"]} and table.ignored == [("C", "备注"), ("D", "身份证号码")]


def workbook_bytes(rows, *, merges=(), hidden=()) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    for number in hidden:
        sheet.row_dimensions[number].hidden = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_every_cell_of_a_merged_range_reads_as_its_top_left_value():
    content = workbook_bytes(
        [
            ["花名册"],
            ["姓名", "身份证号", "手机号", "出生日期"],
            ["户主", "1", "13800138000", "1950-01-01"],
            ["配偶", "2", None, None],
            ["子女", "3", None, None],
            ["邻居", "4", "13900139000", "1960-01-01"],
        ],
        merges=["A1:D1", "C3:D5"],
    )

    table = read(content, "a.xlsx")

    assert table.header_row == 2
    assert [(n, v["phone"], v["birth_date"]) for n, v in table.rows] == [
        (3, "13800138000", "13800138000"),
        (4, "13800138000", "13800138000"),
        (5, "13800138000", "13800138000"),
        (6, "13900139000", "1960-01-01"),
    ]


def test_a_header_of_two_merged_rows_is_read_from_its_second_row():
    content = workbook_bytes(
        [["姓名", "身份证", None], [None, "身份证号", "手机号"], ["张三", "1", "138"]],
        merges=["A1:A2", "B1:C1"],
    )

    table = read(content, "a.xlsx")

    assert (table.header_row, table.rows) == (2, [(3, {"name": "张三", "id_number": "1", "phone": "138"})])


def test_hidden_rows_read_are_listed():
    content = workbook_bytes(
        [["姓名", "身份证号"], ["甲", "1"], ["乙", "2"], ["丙", "3"], [None, None]], hidden=[3, 4, 5]
    )

    table = read(content, "a.xlsx")

    assert (len(table.rows), table.hidden_rows) == (3, [3, 4])


def test_merges_and_hidden_rows_are_found_in_the_sheet_xml():
    content = workbook_bytes([["姓名", "身份证号"], ["甲", "1"]], merges=["B2:C3", "AA10:AB12"], hidden=[2])
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)

    merges, hidden = tabular_xlsx._sheet_marks(workbook.worksheets[0])

    assert (sorted(merges), hidden) == ([(2, 3, 1, 3), (10, 12, 26, 28)], {2})


def test_footer_rows_are_skipped_and_listed_only_with_a_footer_key():
    rows = [
        ["序号", "姓名", "身份证号"],
        [1, "张三", "510104195001021234"],
        ["合计", "1人"],
        [None, "填表人：张三", None, "审核人：李四"],
        [None, "联系人：王五", "13800138000"],
        [None, "合计", "510104195001021234"],  # an ID number: a row, whatever its name
    ]

    plain = read(xlsx(rows), "a.xlsx")
    table = read(xlsx(rows), "a.xlsx", footer_key="id_number")

    assert [n for n, _ in plain.rows] == [2, 3, 4, 5, 6]
    assert [n for n, _ in table.rows] == [2, 6]
    assert table.footers == [(3, "合计"), (4, "填表人:张三"), (5, "联系人:王五")]


def test_a_second_column_of_a_field_is_read_when_asked():
    content = "姓名,身份证号,联系电话,手机号,备注\n张三,1,,138,x\n".encode()

    plain = read(content, "a.csv")
    table = read(content, "a.csv", second_columns=("phone",))

    assert plain.ignored == [("D", "手机号"), ("E", "备注")]
    assert table.ignored == [("E", "备注")] and table.repeated == {"phone": ["C", "D"]}
    assert table.headers[tabular.second("phone")] == "手机号"
    assert table.rows == [(2, {"name": "张三", "id_number": "1", "phone": "", "phone_2": "138"})]
