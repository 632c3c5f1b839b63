"""The pure roster rules: one raw row -> a clean record or row-level errors."""

import datetime as dt

import pytest

from gongzhi.people import id_rules, register_plan, register_rules
from gongzhi.people.id_rules import make_id_number
from gongzhi.people.messages import PEOPLE
from gongzhi.people.register_rules import RegisterRecord, RowError, clean_row

ID = make_id_number("510104", dt.date(1980, 5, 17), 1, True)
TAGS = {
    "独居老人": "elderly_alone",
    "慢性病": "chronic",
    "透析": "dialysis",
    "elderly_alone": "elderly_alone",
    "chronic": "chronic",
    "dialysis": "dialysis",
}
HEADERS = {name: names[0] for name, names in register_rules.COLUMNS.items()}


def said(errors):
    """The errors as a worker reads them: (row, column, words)."""
    return [(e.row, e.column, PEOPLE.text(e.code, **e.params)) for e in errors]


TODAY = dt.date(2024, 1, 1)


def raw(**values):
    row = {
        "name": "张三",
        "id_number": ID,
        "phone": "13800138000",
        "grid": "1",
        "building": "3",
        "unit": "2",
        "room": "501",
        "relation": "户主",
        "tags": "",
        "birth_date": None,
        "notes": "",
    }
    row.update(values)
    return row


def clean(values, headers=HEADERS):
    return clean_row(7, values, headers, tag_by_label=TAGS, today=TODAY)


@pytest.mark.parametrize(
    "value", [1, 1.0, "1", "１", "第1网格", "1网格", "网格1", " 第 1 网格 ", "第一网格", "1号网格"]
)
def test_parse_grid(value):
    assert register_rules.parse_grid(value) == 1


@pytest.mark.parametrize("value", [3, 3.0, "3", "3栋", "3号楼", "３栋", "第3栋", "3幢", "三栋", "3号"])
def test_parse_building(value):
    assert register_rules.parse_building(value) == 3


@pytest.mark.parametrize("value", ["A栋", "3-1栋", "0", 0, "-3", 3.5, "第栋"])
def test_parse_building_rejects(value):
    assert register_rules.parse_building(value) is None


@pytest.mark.parametrize(
    ("value", "unit"),
    [
        (2, 2),
        ("2", 2),
        ("2单元", 2),
        ("二单元", 2),
        (None, 1),
        ("", 1),
        ("  ", 1),
        ("十二单元", 12),
    ],
)
def test_parse_unit(value, unit):
    assert register_rules.parse_unit(value) == unit


@pytest.mark.parametrize(
    ("value", "room"),
    [
        ("501", "501"),
        (501, "501"),
        (501.0, "501"),
        ("501室", "501"),
        (" ５０1 ", "501"),
        ("0501", "0501"),
        ("室", "室"),
        (None, ""),
    ],
)
def test_parse_room(value, room):
    assert register_rules.parse_room(value) == room


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("九十九", 99),
        ("两", 2),
        ("十十", None),
        ("一二", None),
        ("百", None),
    ],
)
def test_chinese_number(text, number):
    assert register_rules.chinese_number(text) == number


def test_a_messy_row_is_cleaned():
    record, errors = clean(
        raw(
            name=" 张　三 ",
            id_number="５１０１０４" + ID[6:17].lower() + ID[17].lower(),
            phone="138 0013 8000",
            grid="第１网格",
            building="３号楼",
            unit="2单元",
            room="501室",
            tags="独居老人，慢性病",
            birth_date=29358,
        )
    )

    assert errors == []
    assert record == RegisterRecord(
        row=7,
        name="张 三",
        id_number=ID,
        grid=1,
        building=3,
        unit=2,
        room="501",
        phone="13800138000",
        relation="户主",
        tags=frozenset({"elderly_alone", "chronic"}),
        notes="",
    )


@pytest.mark.parametrize(
    "birth",
    [
        "1980-05-17",
        "1980/5/17",
        "1980年5月17日",
        "19800517",
        19800517,
        29358,
        dt.datetime(1980, 5, 17),
    ],
)
def test_birth_date_in_many_shapes_matching_the_id(birth):
    assert clean(raw(birth_date=birth))[1] == []


def test_birth_date_differs_from_the_id():
    assert said(clean(raw(birth_date="1980-05-18"))[1]) == [
        (7, "出生日期", "出生日期与身份证号中的出生日期（1980-05-17）不一致")
    ]


def test_birth_date_unreadable():
    assert said(clean(raw(birth_date="五月"))[1]) == [(7, "出生日期", PEOPLE.text(register_rules.BIRTH_UNREADABLE))]


def test_id_number_as_a_float_lost_its_digits():
    assert said(clean(raw(id_number=5.10104e17))[1]) == [(7, "身份证号", PEOPLE.text(id_rules.ID_SCIENTIFIC))]


def test_id_number_as_scientific_text_from_csv():
    assert said(clean(raw(id_number="5.10104E+17"))[1]) == [(7, "身份证号", PEOPLE.text(id_rules.ID_SCIENTIFIC))]


def test_id_number_as_an_int_truncated_by_excel():
    truncated = int(ID[:15] + "000")

    assert said(clean(raw(id_number=truncated))[1]) == [(7, "身份证号", PEOPLE.text(id_rules.ID_SCIENTIFIC))]


def test_id_number_as_an_exact_int_is_accepted():
    number_id = make_id_number("510104", dt.date(1980, 5, 17), 3, True)
    assert number_id[-1] != "X"

    record, errors = clean(raw(id_number=int(number_id)))

    assert errors == []
    assert record.id_number == number_id


def test_every_error_of_a_row_with_the_header_as_written_in_the_file():
    headers = dict(HEADERS, id_number="公民身份号码", phone="联系电话")

    record, errors = clean(
        raw(
            name="",
            id_number=ID[:17] + "0" if ID[17] != "0" else ID[:17] + "1",
            phone="1380013800",
            grid="东区",
            building="",
            unit="A",
            room="",
            tags="独居老人、低保户、孤儿",
        ),
        headers,
    )

    assert record is None
    assert said(errors) == [
        (7, "姓名", "姓名不能为空"),
        (7, "公民身份号码", PEOPLE.text(id_rules.ID_CHECK)),
        (7, "联系电话", PEOPLE.text(id_rules.PHONE)),
        (7, "网格", "网格应为数字，如 1 或 第1网格"),
        (7, "楼栋", "楼栋不能为空"),
        (7, "单元", "单元应为数字，如 2 或 2单元"),
        (7, "房号", "房号不能为空"),
        (7, "重点人群", "未知的重点人群标签：低保户、孤儿（可填：独居老人、慢性病、透析）"),
    ]


def test_long_values():
    _, errors = clean(raw(name="张" * 51, room="1" * 21, relation="关" * 21, notes="注" * 501))

    assert [text for _row, _column, text in said(errors)] == [
        "姓名不能超过50个字",
        "房号不能超过20个字",
        "与户主关系不能超过20个字",
        "备注不能超过500个字",
    ]


def test_absent_optional_columns_are_none_and_present_empty_ones_clear():
    headers = {k: v for k, v in HEADERS.items() if k not in ("phone", "relation", "tags", "notes")}

    absent, _ = clean(raw(), headers)
    present, _ = clean(raw(phone="", relation="", tags="", notes=""))

    assert (absent.phone, absent.relation, absent.tags, absent.notes) == (None, None, None, None)
    assert (present.phone, present.relation, present.tags, present.notes) == (
        "",
        "",
        frozenset(),
        "",
    )


def test_tags_separated_in_every_way_people_type_them():
    tags, unknown = register_rules.parse_tags("独居老人、慢性病，透析;elderly_alone / 透析", TAGS)

    assert tags == frozenset({"elderly_alone", "chronic", "dialysis"})
    assert unknown == []


def test_example_row():
    assert register_rules.is_example_row({"name": "示例-张三"})
    assert not register_rules.is_example_row({"name": "张三"})
    assert not register_rules.is_example_row({})


def test_duplicates_name_the_first_row():
    ids = [(3, ID), (4, ""), (5, "X"), (9, ID), (12, ID), (13, "")]

    assert said(register_rules.duplicate_errors(ids, "身份证号码")) == [
        (9, "身份证号码", "与第3行身份证号重复"),
        (12, "身份证号码", "与第3行身份证号重复"),
    ]


def test_one_building_in_two_grids_inside_the_file():
    first, _ = clean_row(3, raw(grid="1", building="5"), HEADERS, tag_by_label=TAGS, today=TODAY)
    second, _ = clean_row(4, raw(grid="2", building="5"), HEADERS, tag_by_label=TAGS, today=TODAY)

    assert said(register_rules.building_grid_errors([first, second], "所属网格")) == [
        (4, "所属网格", "第3行把5号楼栋填在第1网格，这里填的是第2网格")
    ]


def test_template_headers_are_recognised():
    from gongzhi.core.tabular import match_header

    columns = match_header(register_rules.TEMPLATE_HEADERS, register_rules.COLUMNS)

    assert list(columns) == list(register_rules.COLUMNS)


class _StoredResident:
    def __init__(self, **values):
        self.__dict__.update(values)


def test_plan_sorts_records_into_create_update_unchanged_and_errors():
    same = make_id_number("510104", dt.date(1980, 5, 17), 11, True)
    moved = make_id_number("510104", dt.date(1980, 5, 17), 12, True)
    elsewhere = make_id_number("510104", dt.date(1980, 5, 17), 13, True)
    new = make_id_number("510104", dt.date(1980, 5, 17), 14, True)
    stored = register_plan.Stored(
        grids={1},
        building_grid={3: 1},
        households={(3, 2, "501"): 40},
        residents={
            same: _StoredResident(
                pk=1,
                community_code="A",
                name="张三",
                phone="13800138000",
                relation="户主",
                notes="",
                household_id=40,
            ),
            moved: _StoredResident(
                pk=2,
                community_code="A",
                name="李四",
                phone="",
                relation="",
                notes="",
                household_id=40,
            ),
            elsewhere: _StoredResident(
                pk=3,
                community_code="B",
                name="王五",
                phone="",
                relation="",
                notes="",
                household_id=99,
            ),
        },
        tags={1: frozenset(), 2: frozenset()},
    )
    no_optional = {k: v for k, v in HEADERS.items() if k in register_rules.REQUIRED or k == "unit"}

    def record(row, id_number, **values):
        rec, errors = clean_row(row, raw(id_number=id_number, **values), no_optional, tag_by_label=TAGS, today=TODAY)
        assert errors == []
        return rec

    records = [
        record(2, same),
        record(3, moved, room="502"),
        record(4, elsewhere),
        record(5, new, grid="2", building="3"),
        record(6, new, grid="2", building="8"),
    ]

    plan, errors = register_plan.plan_import(records, stored, community_code="A", headers=HEADERS)

    assert said(errors) == [
        (4, "身份证号", PEOPLE.text(register_rules.OTHER_COMMUNITY)),
        (5, "网格", "3号楼栋已属于第1网格，与填写的第2网格不一致"),
    ]
    assert plan.unchanged == 1
    assert [(s.pk, r.row) for s, r in plan.update] == [(2, 3)]
    assert [r.row for r in plan.create] == [6]
    assert (plan.grids, plan.buildings, plan.doors) == ({2}, {8: 2}, {(3, 2, "502"), (8, 2, "501")})


def test_report_as_dict_keeps_the_first_errors_and_their_count():
    report = register_plan.RegisterReport(
        file_name="a.xlsx",
        community_code="A",
        dry_run=True,
        errors=[RowError(i, "姓名", register_rules.NAME_EMPTY) for i in range(3)],
    )

    data = report.as_dict(max_errors=2)

    assert data["errors"] == [[0, "姓名", "name_empty", {}], [1, "姓名", "name_empty", {}]]
    assert data["error_count"] == 3 and data["dry_run"] is True
