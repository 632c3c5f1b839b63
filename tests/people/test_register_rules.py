"""The pure roster rules: one raw row -> a clean record or row-level errors."""

import datetime as dt

import pytest

from gongzhi.people import id_rules, register_plan, register_rules, register_tags
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
# The template's columns (the file of most tests).
HEADERS = {name: register_rules.LABELS[name] for name in register_rules.TEMPLATE_FIELDS}


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


@pytest.mark.parametrize("value", ["A栋", "3-1栋", "0", 0, "-3", 3.5, "第栋", "²", "²栋", "³号楼"])
def test_parse_building_rejects(value):
    assert register_rules.parse_building(value) is None  # "²" passes str.isdigit but not int(): no 500


@pytest.mark.parametrize("value", ["²", "第²网格", "¹"])
def test_parse_grid_rejects_digits_int_cannot_read(value):
    assert register_rules.parse_grid(value) is None


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
        notes=None,
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


@pytest.mark.parametrize("written", ["五月", "50-3-4", "1950年3月", "一九五〇年", "03/04/1950"])
def test_a_birth_date_written_some_other_way_is_a_warning_when_the_id_number_is_valid(written):
    warnings: list[RowError] = []

    record, errors = clean_row(7, raw(birth_date=written), HEADERS, tag_by_label=TAGS, today=TODAY, warnings=warnings)

    assert record is not None and errors == []
    assert said(warnings) == [(7, "出生日期", "出生日期无法识别，已按身份证号中的出生日期登记")]


def test_an_unreadable_birth_date_beside_a_bad_id_number_is_an_error():
    assert said(clean(raw(id_number="123", birth_date="五月"))[1])[1:] == [
        (7, "出生日期", PEOPLE.text(register_rules.BIRTH_UNREADABLE))
    ]


def test_a_readable_birth_date_that_contradicts_the_id_number_is_still_an_error():
    assert said(clean(raw(birth_date="1981-05-17"))[1]) == [
        (7, "出生日期", "出生日期与身份证号中的出生日期（1980-05-17）不一致")
    ]


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


def test_absent_optional_columns_and_blank_cells_are_none():
    """None is "not given": the stored value stays, whether the column is missing or its cell blank."""
    headers = {k: v for k, v in HEADERS.items() if k not in ("phone", "relation", "tags", "notes")}

    absent, _ = clean(raw(), headers)
    blank, _ = clean(raw(phone="", relation="", tags="", notes=""))

    assert (absent.phone, absent.relation, absent.tags, absent.notes) == (None, None, None, None)
    assert (blank.phone, blank.relation, blank.tags, blank.notes) == (None, None, None, None)


def test_tags_separated_in_every_way_people_type_them():
    tags, unknown = register_tags.parse_tags("独居老人、慢性病，透析;elderly_alone / 透析", TAGS)

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


def test_one_new_building_in_two_grids_inside_the_file():
    first, _ = clean_row(3, raw(grid="1", building="5"), HEADERS, tag_by_label=TAGS, today=TODAY)
    second, _ = clean_row(4, raw(grid="2", building="5"), HEADERS, tag_by_label=TAGS, today=TODAY)
    nothing = register_plan.Stored(grids=set(), buildings={}, households={}, residents={}, tags={})

    _plan, errors = register_plan.plan_import(
        [first, second], nothing, community_code="A", headers={**HEADERS, "grid": "所属网格"}
    )

    assert said(errors) == [(4, "所属网格", "第3行把楼栋“5栋”填在第1网格，这里填的是第2网格")]


def test_template_headers_are_recognised():
    from gongzhi.core.tabular import match_header

    columns = match_header(register_rules.TEMPLATE_HEADERS, register_rules.COLUMNS)

    assert list(columns) == list(register_rules.TEMPLATE_FIELDS)


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
        buildings={3: register_rules.StoredBuilding(3, "3栋", "", 1)},
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
        (5, "网格", "楼栋“3栋”已属于第1网格，与填写的第2网格不一致"),
    ]
    assert plan.unchanged == 1
    assert [(s.pk, r.row) for s, r in plan.update] == [(2, 3)]
    assert [r.row for r in plan.create] == [6]
    new = register_plan.NewBuilding(grid=2, name="8栋", address="")
    assert (plan.grids, plan.buildings, plan.doors) == ({2}, {8: new}, {(3, 2, "502"), (8, 2, "501")})


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


# Point 8: the vulnerable-group column of street offices' files (人员类别, 人员类型, 特殊人群).

VOCABULARY = {
    "独居老人": "elderly_alone",
    "慢性病": "chronic",
    "透析": "dialysis",
    "胰岛素依赖": "insulin",
    "卧床": "bedridden",
    "孕产妇": "pregnant",
    "残疾": "disabled",
    "外来务工": "migrant_worker",
    "党员": "party_member",
}
VOCABULARY.update({value: value for value in list(VOCABULARY.values())})


@pytest.mark.parametrize(
    ("written", "tag"),
    [
        ("独居老人", "elderly_alone"),
        ("独居", "elderly_alone"),
        ("孤寡老人", "elderly_alone"),
        ("残疾人", "disabled"),
        ("残疾", "disabled"),
        ("肢体残疾（二级）", "disabled"),
        ("二级残疾", "disabled"),
        ("持证残疾人", "disabled"),
        ("视力残疾人", "disabled"),
        ("残障人士", "disabled"),
        ("孕妇", "pregnant"),
        ("孕产妇", "pregnant"),
        ("产妇", "pregnant"),
        ("怀孕", "pregnant"),
        ("透析", "dialysis"),
        ("血透", "dialysis"),
        ("透析患者", "dialysis"),
        ("血液透析病人", "dialysis"),
        ("腹膜透析", "dialysis"),
        ("胰岛素", "insulin"),
        ("胰岛素依赖", "insulin"),
        ("长期卧床", "bedridden"),
        ("瘫痪", "bedridden"),
        ("失能老人", "bedridden"),
        ("慢性病", "chronic"),
        ("慢性病患者", "chronic"),
        ("慢病", "chronic"),
        ("高血压", "chronic"),
        ("糖尿病", "chronic"),
        ("中共党员", "party_member"),
        ("共产党员", "party_member"),
        ("预备党员", "party_member"),
        ("外来务工人员", "migrant_worker"),
        ("农民工", "migrant_worker"),
        ("dialysis", "dialysis"),
    ],
)
def test_the_words_people_write_map_to_the_tag_vocabulary(written, tag):
    assert register_tags.tag_of(written, VOCABULARY) == tag


@pytest.mark.parametrize(
    "written", ["低保", "低保户", "空巢老人", "退役军人", "流动人口", "非残疾", "无残疾", "备孕", "户籍人口"]
)
def test_words_outside_the_vocabulary_do_not_map(written):
    assert register_tags.tag_of(written, VOCABULARY) is None


def test_the_words_of_the_template_column_map_too_and_none_means_empty():
    assert register_tags.parse_tags("残疾人、孕妇；无", VOCABULARY) == (frozenset({"disabled", "pregnant"}), [])
    assert register_tags.parse_tags(" / ", VOCABULARY) == (frozenset(), [])
    assert register_tags.parse_tags("—", VOCABULARY) == (frozenset(), [])


@pytest.mark.parametrize("header", ["人员类别", "人员类型", "特殊人群", "特殊人群类别"])
def test_the_vulnerable_group_column_is_recognised(header):
    from gongzhi.core.tabular import match_header

    assert match_header(["姓名", header], register_rules.COLUMNS) == {"name": 0, "groups": 1}


def _check(rows, headers=HEADERS):
    return register_rules.check_rows(list(enumerate(rows, start=3)), headers, tag_by_label=VOCABULARY, today=TODAY)


def _ids(count):
    return [make_id_number("510104", dt.date(1980, 5, 17), 100 + i, True) for i in range(count)]


def test_vulnerable_group_values_map_to_tags_and_the_rest_are_reported_not_errors():
    headers = dict(HEADERS, groups="人员类别")
    ids = _ids(4)
    rows = [
        raw(id_number=ids[0], tags="", groups="独居老人、低保"),
        raw(id_number=ids[1], tags="", groups="残疾人，孕妇"),
        raw(id_number=ids[2], tags="党员", groups="低保 退役军人"),
        raw(id_number=ids[3], tags="", groups="无"),
    ]

    checked = _check(rows, headers)

    assert checked.errors == []
    # a filled tags cell says all the row's tags; beside a blank one the groups add to what is stored
    assert [(r.tags, r.add_tags) for r in checked.records] == [
        (None, frozenset({"elderly_alone"})),
        (None, frozenset({"disabled", "pregnant"})),
        (frozenset({"party_member"}), None),
        (None, None),
    ]
    assert said(checked.warnings) == [
        (3, "人员类别", "“低保”没有对应的重点人群标签，未作为标签导入（共2行：第3、5行）"),
        (5, "人员类别", "“退役军人”没有对应的重点人群标签，未作为标签导入（共1行：第5行）"),
    ]


def test_the_group_column_alone_adds_tags():
    headers = {k: v for k, v in HEADERS.items() if k != "tags"} | {"groups": "特殊人群"}
    rows = [raw(id_number=ID, groups="透析")]
    del rows[0]["tags"]

    checked = _check(rows, headers)

    # added to the stored tags, not replacing them: such a column lists a category, not every tag
    assert checked.errors == [] and checked.records[0].tags is None
    assert checked.records[0].add_tags == frozenset({"dialysis"})


def test_the_rows_of_a_reported_value_are_shortened():
    headers = dict(HEADERS, groups="人员类别")
    rows = [raw(id_number=i, groups="低保") for i in _ids(12)]

    (warning,) = _check(rows, headers).warnings

    assert warning.params == {"value": "低保", "count": 12, "rows": "3、4、5、6、7、8、9、10…"}


# Point 9: a 性别 column against the 17th digit of the ID number.

FEMALE_ID = make_id_number("510104", dt.date(1980, 5, 17), 2, False)


@pytest.mark.parametrize("written", ["男", " 男 ", "男性", "M", "m", "Ｍ", "male", "Male", "1", 1, 1.0])
def test_the_ways_of_writing_male_agree_with_a_male_id(written):
    # (the codes 1 and 2 of GB/T 2261.1, as government systems export them, too)
    assert clean(raw(gender=written), dict(HEADERS, gender="性别"))[1] == []


@pytest.mark.parametrize("written", ["女", "女性", "F", "f", " 女　", "2", 2, 2.0])
def test_the_ways_of_writing_female_agree_with_a_female_id(written):
    assert clean(raw(id_number=FEMALE_ID, gender=written), dict(HEADERS, gender="性别"))[1] == []


@pytest.mark.parametrize(
    ("id_number", "written"),
    [(ID, "女"), (ID, "F"), (ID, "2"), (FEMALE_ID, "男性"), (FEMALE_ID, "m"), (FEMALE_ID, "1")],
)
def test_a_sex_that_contradicts_the_id_number_is_a_row_error(id_number, written):
    record, errors = clean(raw(id_number=id_number, gender=written), dict(HEADERS, gender="性别"))

    assert record is None
    assert said(errors) == [
        (
            7,
            "身份证号",
            f"身份证号与性别列填写的“{written.strip()}”不符（身份证号第17位奇数为男、偶数为女），"
            "多半是身份证号填错了，请核对",
        )
    ]


def test_an_unreadable_sex_is_a_row_error_and_an_empty_one_is_not_checked():
    headers = dict(HEADERS, gender="性别")

    assert said(clean(raw(gender="3"), headers)[1]) == [(7, "性别", "性别应填写“男”或“女”")]
    assert said(clean(raw(gender="男女"), headers)[1]) == [(7, "性别", "性别应填写“男”或“女”")]
    assert clean(raw(gender=""), headers)[1] == []
    assert clean(raw(gender=None), headers)[1] == []


def test_the_sex_is_not_checked_against_a_wrong_id_number():
    _, errors = clean(raw(id_number="123", gender="女"), dict(HEADERS, gender="性别"))

    assert [e.code for e in errors] == [id_rules.ID_LENGTH]


# Point 10: ID numbers Excel turned into numbers (15 significant digits: the tail becomes 000).


def _valid_id_ending_000() -> str:
    """A real ID number may end in 000 (sequence x00, check digit 0): one exists for some birth dates."""
    born = dt.date(1980, 1, 1)
    while True:
        for first in "0123456789":
            first17 = f"510104{born:%Y%m%d}{first}00"
            if id_rules.check_digit(first17) == "0":
                return first17 + "0"
        born += dt.timedelta(days=1)


VALID_000 = _valid_id_ending_000()
TRUNCATED = [make_id_number("510104", dt.date(1980, 5, 17), n, True)[:15] + "000" for n in (7, 8, 9)]


def test_an_id_ending_000_that_fails_its_check_is_probably_truncated_by_excel():
    assert id_rules.id_number_error(TRUNCATED[0]) is not None

    checked = _check([raw(id_number=TRUNCATED[0])])

    assert said(checked.errors) == [(3, "身份证号", PEOPLE.text(register_rules.ID_TRUNCATED))]
    assert "文本" in PEOPLE.text(register_rules.ID_TRUNCATED)


def test_a_valid_id_ending_000_alone_is_accepted():
    checked = _check([raw(id_number=VALID_000), raw(id_number=_ids(1)[0])])

    assert checked.errors == [] and len(checked.records) == 2


@pytest.mark.parametrize("damaged", ["5.10104E+17", "5.10104e17", 5.10104e17, 5.10104198005171e17, TRUNCATED[0]])
def test_every_id_ending_000_is_flagged_where_the_column_shows_excel_damage(damaged):
    checked = _check([raw(id_number=damaged), raw(id_number=VALID_000), raw(id_number=_ids(1)[0])])

    assert [(e.row, e.code) for e in checked.errors][1:] == [(4, register_rules.ID_TRUNCATED)]
    assert [r.row for r in checked.records] == [5]


def test_truncated_ids_are_not_duplicates_of_each_other():
    rows = [
        raw(id_number="5.10104E+17"),
        raw(id_number="5.10104E+17"),
        raw(id_number=TRUNCATED[0]),
        raw(id_number=TRUNCATED[0]),
        raw(id_number=5.10104198005171e17),
        raw(id_number=5.10104198005171e17),
    ]

    codes = [(e.row, e.code) for e in _check(rows).errors]

    assert codes == [
        (3, id_rules.ID_SCIENTIFIC),
        (4, id_rules.ID_SCIENTIFIC),
        (5, register_rules.ID_TRUNCATED),
        (6, register_rules.ID_TRUNCATED),
        (7, id_rules.ID_SCIENTIFIC),
        (8, id_rules.ID_SCIENTIFIC),
    ]


def test_an_id_shown_with_thousands_separators_is_a_number_excel_made():
    checked = _check([raw(id_number=f"{int(TRUNCATED[1]):,}")])

    assert [(e.row, e.code) for e in checked.errors] == [(3, register_rules.ID_TRUNCATED)]


def test_real_duplicates_are_still_reported():
    rows = [raw(id_number=ID), raw(id_number=ID)]

    assert [(e.row, e.code) for e in _check(rows).errors] == [(4, register_rules.DUPLICATE)]


def test_a_group_column_where_no_word_names_a_tag_leaves_the_stored_tags_alone():
    # 人员类型 is 户籍/流动 in some offices' files: not about vulnerable groups at all.
    headers = {k: v for k, v in HEADERS.items() if k != "tags"} | {"groups": "人员类型"}
    ids = _ids(3)
    rows = [raw(id_number=ids[0], groups="户籍人口"), raw(id_number=ids[1], groups="流动人口"), raw(id_number=ids[2])]

    checked = _check(rows, headers)

    assert checked.errors == [] and [r.tags for r in checked.records] == [None, None, None]
    assert [w.params["value"] for w in checked.warnings] == ["户籍人口", "流动人口"]


@pytest.mark.parametrize("written", ["0", 9, "未知", "未说明"])
def test_an_unknown_sex_code_says_nothing_and_is_no_error(written):
    assert clean(raw(id_number=FEMALE_ID, gender=written), dict(HEADERS, gender="性别"))[1] == []


@pytest.mark.parametrize("parse", [register_rules.parse_grid, register_rules.parse_building, register_rules.parse_unit])
def test_a_place_number_past_any_community_is_a_rows_error_not_a_failed_write(parse):
    """A typo of twenty 9s passed the check and broke the confirm (no database column holds it)."""
    assert parse("9999") == 9999
    assert parse("10000") is None and parse("99999999999999999999") is None and parse(1e20) is None


@pytest.mark.parametrize("text", ["1980-05-17 00:00:00", "1980-5-17 0:00", "1980年05月17号", "1980/5/17 00:00"])
def test_a_birth_date_with_a_time_or_written_with_hao(text):
    from gongzhi.core.cleaning import parse_date

    assert parse_date(text) == dt.date(1980, 5, 17)


@pytest.mark.parametrize(
    ("field", "header"),
    [
        ("id_number", "身份证"),
        ("id_number", "居民身份证号"),
        ("phone", "联系方式"),
        ("building", "栋"),
        ("room", "房间"),
    ],
)
def test_more_header_names_seen_in_rosters(field, header):
    from gongzhi.core.tabular import match_header

    assert match_header([header], register_rules.COLUMNS) == {field: 0}
