"""Roster import of the files communities really send: buildings named alike in several compounds,
cells merged over a family's rows, two phone columns, footer rows, placeholders, birth dates
written some other way, hidden rows."""

import datetime as dt

import pytest

from gongzhi.people.messages import row_error_text
from gongzhi.people.models import Resident
from gongzhi.people.register_import import register_import_preview
from gongzhi.places.models import Building
from tests.factories import BuildingFactory, GridFactory, HouseholdFactory, ResidentFactory, valid_id_number
from tests.people.test_register_import import HEADER, person, run, said, xlsx_bytes

AMBIGUOUS_1 = "本社区有3个“1栋”（明珠华庭 1栋、锦绣名城 1栋、明珠新村 1栋），请在“小区”列填写楼栋所在的小区"


@pytest.fixture
def ids():
    return [valid_id_number(born=dt.date(1950 + i, 3, 4), male=i % 2 == 0) for i in range(8)]


@pytest.fixture
def compounds(community_a):
    """Three compounds of one community, each with its own 1栋 (numbers 1, 7 and 11)."""
    one, two = GridFactory(number=1), GridFactory(number=2)
    return {
        "明珠华庭": BuildingFactory(grid=one, number=1, name="1栋", address="书院横街39号明珠华庭"),
        "锦绣名城": BuildingFactory(grid=one, number=7, name="1栋", address="三圣东路180号锦绣名城"),
        "明珠新村": BuildingFactory(grid=two, number=11, name="1栋", address="猛追湾巷46号明珠新村"),
    }


def with_compound(compound, *args, **kwargs):
    """A template row with a 小区 cell in front of its 楼栋."""
    row = person(*args, **kwargs)
    return row[:4] + [compound] + row[4:]


COMPOUND_HEADER = HEADER[:4] + ["小区"] + HEADER[4:]


def building_of(id_number) -> Building:
    return Resident.objects.select_related("household__building").get(id_number=id_number).household.building


def test_the_compound_column_finds_the_building_of_that_name_in_that_compound(compounds, community_a, ids):
    rows = [
        with_compound("锦绣名城", "锦绣甲", ids[0], grid=1, building="1栋", unit=1, room="1001"),
        with_compound("明珠新村小区", "明珠乙", ids[1], grid=2, building="1", unit=1, room="101"),
        with_compound("明珠华庭", "明珠丙", ids[2], grid=1, building="1号楼", unit=1, room="101"),
    ]

    report = run(community_a, xlsx_bytes(rows, header=COMPOUND_HEADER))

    assert report.errors == [] and report.imported and report.buildings_to_create == 0
    assert [building_of(i).number for i in ids[:3]] == [7, 11, 1]
    assert Resident.objects.get(id_number=ids[0]).household.address == "三圣东路180号锦绣名城1栋1单元1001"


def test_a_building_name_several_compounds_use_is_the_rows_error_without_a_compound(compounds, community_a, ids):
    rows = [person(id_number=ids[0], grid=1, building="1栋", unit=1), person(id_number=ids[1], grid=1, building=1)]

    report = run(community_a, xlsx_bytes(rows))

    assert said(report.errors) == [(3, "楼栋", AMBIGUOUS_1), (4, "楼栋", AMBIGUOUS_1)]
    assert not report.imported and not Resident.objects.exists()


def test_a_compound_that_names_two_compounds_is_an_error(compounds, community_a, ids):
    report = run(
        community_a, xlsx_bytes([with_compound("明珠", id_number=ids[0], building="1栋")], header=COMPOUND_HEADER)
    )

    assert said(report.errors) == [
        (3, "楼栋", "本社区有2个“1栋”（明珠华庭 1栋、明珠新村 1栋），请在“小区”列填写楼栋所在的小区")
    ]


def test_a_number_that_is_one_building_s_number_and_another_s_name_is_ambiguous(compounds, community_a, ids):
    BuildingFactory(grid=compounds["明珠华庭"].grid, number=8, name="7栋", address="书院横街39号明珠华庭")

    report = run(community_a, xlsx_bytes([person(id_number=ids[0], grid=1, building=7, unit=1)]), dry_run=True)

    assert said(report.errors) == [
        (3, "楼栋", "本社区有2个“7栋”（锦绣名城 1栋（编号7）、明珠华庭 7栋），请在“小区”列填写楼栋所在的小区")
    ]


def test_a_building_number_the_community_uses_once_is_found_as_before(compounds, community_a, ids):
    """Number 7 is 锦绣名城's 1栋, and no building is named 7栋: the plain case."""
    report = run(community_a, xlsx_bytes([person(id_number=ids[0], grid=1, building=7, unit=1)]))

    assert report.errors == [] and building_of(ids[0]).number == 7


def test_the_export_s_home_address_tells_buildings_of_one_name_apart(compounds, community_a, ids):
    header = [*HEADER, "住址"]
    rows = [
        person(id_number=ids[0], grid=1, building=1, unit=1, room="101") + ["三圣东路180号锦绣名城1栋1单元101"],
        person(id_number=ids[1], grid=2, building="1栋", unit=1, room="102") + ["猛追湾巷46号明珠新村1栋1单元102"],
    ]

    report = run(community_a, xlsx_bytes(rows, header=header))

    assert report.errors == [] and report.ignored_columns == []
    assert [building_of(i).number for i in ids[:2]] == [7, 11]


def test_a_new_compound_adds_its_building_with_a_free_number_and_says_so(compounds, community_a, ids):
    rows = [
        with_compound("丽景苑", "丁一", ids[0], grid=2, building="1栋", unit=1, room="101"),
        with_compound("丽景苑", "丁二", ids[1], grid=2, building="1栋", unit=1, room="101"),
        with_compound("丽景苑", "丁三", ids[2], grid=2, building="2栋", unit=1, room="101"),
    ]

    report = run(community_a, xlsx_bytes(rows, header=COMPOUND_HEADER))

    assert report.errors == [] and (report.buildings_to_create, report.households_to_create) == (2, 2)
    assert said(report.warnings) == [
        (
            3,
            "小区",
            "将新建楼栋“丽景苑 1栋”：本社区已有同名楼栋（如明珠华庭 1栋），但不在这个小区。"
            "如果小区名称写错了，请改正后重新上传",
        )
    ]
    first, second = building_of(ids[0]), building_of(ids[2])
    assert (first.number, first.name, first.address, first.grid.number) == (12, "1栋", "丽景苑", 2)
    assert (second.number, second.name, second.address) == (2, "2栋", "丽景苑")
    assert building_of(ids[1]) == first


def test_a_community_without_buildings_imports_a_roster_of_several_compounds(community_a, ids):
    rows = [
        with_compound("明珠华庭", "甲", ids[0], grid=1, building="1栋", unit=1, room="101"),
        with_compound("锦绣名城", "乙", ids[1], grid=1, building="1栋", unit=1, room="101"),
        with_compound("锦绣名城", "丙", ids[2], grid=1, building="1栋", unit=1, room="101"),
    ]

    report = run(community_a, xlsx_bytes(rows, header=COMPOUND_HEADER))

    assert report.errors == [] and report.warnings == [] and report.buildings_to_create == 2
    places = {b.number: (b.name, b.address) for b in Building.objects.filter(community_code=community_a.code)}
    assert places == {1: ("1栋", "明珠华庭"), 2: ("1栋", "锦绣名城")}
    assert building_of(ids[1]) == building_of(ids[2]) != building_of(ids[0])


def test_a_plain_roster_into_an_empty_community_is_unchanged(community_a, ids):
    report = run(
        community_a, xlsx_bytes([person(id_number=ids[0], building="3栋"), person(id_number=ids[1], building=5)])
    )

    assert report.errors == [] and report.warnings == []
    assert sorted(Building.objects.values_list("number", "name", "address")) == [(3, "3栋", ""), (5, "5栋", "")]


def merged_roster(rows, merges) -> bytes:
    return xlsx_bytes(rows, title=False, merges=merges)


def test_address_cells_merged_down_over_a_family_count_on_every_row(community_a, ids):
    blank = [None, None, None, None]
    rows = [
        person("户主", ids[0], grid=1, building=3, unit=2, room="501"),
        person("配偶", ids[1])[:3] + blank + ["配偶", "", "", ""],
        person("子女", ids[2])[:3] + blank + ["子女", "", "", ""],
        person("邻居", ids[3], grid=1, building=3, unit=2, room="502"),
    ]

    report = run(community_a, merged_roster(rows, ["D2:D4", "E2:E4", "F2:F4", "G2:G4"]))

    assert report.errors == [] and report.households_to_create == 2
    family = Resident.objects.filter(id_number__in=ids[:3])
    assert {r.household.address for r in family} == {"3栋2单元501"}


def two_phones(rows) -> bytes:
    header = ["姓名", "身份证号", "联系电话", "手机号码", "网格", "楼栋", "单元", "房号"]
    return xlsx_bytes(rows, header=header)


def test_a_second_phone_column_fills_in_where_the_first_is_blank(community_a, ids):
    rows = [
        ["甲", ids[0], "", "13912345678", 1, 3, 1, "101"],
        ["乙", ids[1], "028-85551234", "13912345679", 1, 3, 1, "102"],
        ["丙", ids[2], "13912345670", "139 1234 5670", 1, 3, 1, "103"],
        ["丁", ids[3], "无", "/", 1, 3, 1, "104"],
    ]

    report = run(community_a, two_phones(rows))

    assert report.errors == [] and report.ignored_columns == []
    assert said(report.warnings) == [
        (4, "手机号码", "本行两列电话的号码不同：只导入“联系电话”列的号码，这一列的号码未导入（每位居民登记一个电话）")
    ]
    phones = dict(Resident.objects.values_list("name", "phone"))
    assert phones == {"甲": "13912345678", "乙": "028-85551234", "丙": "13912345670", "丁": ""}


def test_a_bad_number_in_the_second_phone_column_is_said_on_that_column(community_a, ids):
    report = run(community_a, two_phones([["甲", ids[0], "", "12345", 1, 3, 1, "101"]]), dry_run=True)

    assert [(e.row, e.column, e.code) for e in report.errors] == [(3, "手机号码", "phone")]


def test_footer_rows_are_skipped_and_listed_and_placeholders_are_a_blank_phone(community_a, ids):
    stored = ResidentFactory(
        household=HouseholdFactory(building=BuildingFactory(grid=GridFactory(number=1), number=3), unit=2, room="501"),
        id_number=ids[0],
        phone="13700137000",
    )
    header = ["序号", *HEADER]
    rows = [
        [1, *person(stored.name, ids[0], phone="无", relation="")],
        [2, *person("李四", ids[1], phone="—", room="502")],
        [3, *person("王五", ids[2], phone="暂无", room="503")],
        ["合计", "3人"],
        [None, "填表人：张三", None, None, "审核人：李四", None, None, "日期：2022年9月1日"],
        [None, "制表：王五"],
        ["备注：本表由社区填写"],
    ]

    report = run(community_a, xlsx_bytes(rows, header=header))

    assert report.errors == [] and report.imported and report.rows_read == 3
    assert said(report.warnings) == [
        (6, "", "“合计”是表尾的合计或签字行，已跳过，未导入"),
        (7, "", "“填表人:张三”是表尾的合计或签字行，已跳过，未导入"),
        (8, "", "“制表:王五”是表尾的合计或签字行，已跳过，未导入"),
    ]
    assert dict(Resident.objects.values_list("name", "phone")) == {stored.name: "13700137000", "李四": "", "王五": ""}


def test_a_row_with_an_id_number_is_never_taken_for_a_footer(community_a, ids):
    report = run(community_a, xlsx_bytes([person("合计", ids[0])]), dry_run=True)

    assert report.errors == [] and report.to_create == 1


@pytest.mark.parametrize("written", ["50-3-4", "1950年3月", "一九五〇年", "03/04/1950"])
def test_an_unreadable_birth_date_is_a_warning_and_the_id_numbers_date_is_used(community_a, ids, written):
    report = run(community_a, xlsx_bytes([person(id_number=ids[0], birth=written)]))

    assert report.errors == [] and report.imported
    assert said(report.warnings) == [(3, "出生日期(选填)", "出生日期无法识别，已按身份证号中的出生日期登记")]
    assert Resident.objects.get().birth_date == dt.date(1950, 3, 4)


def test_a_readable_birth_date_that_contradicts_the_id_number_still_stops_the_row(community_a, ids):
    report = run(community_a, xlsx_bytes([person(id_number=ids[0], birth="1950-03-05")]))

    assert said(report.errors) == [(3, "出生日期(选填)", "出生日期与身份证号中的出生日期（1950-03-04）不一致")]


def test_hidden_rows_are_imported_and_said_in_the_preview(community_a, worker_a, ids):
    rows = [person(id_number=ids[i], room=str(501 + i)) for i in range(4)]
    content = xlsx_bytes(rows, title=False, hidden_rows=(3, 4))

    record = register_import_preview(actor=worker_a, community=community_a, file_name="a.xlsx", content=content)

    assert record.status == "previewed" and record.report["to_create"] == 4
    notice = "文件中有2行是隐藏的（第3、4行），这些行也会导入；如果不想导入，请删除这些行后重新上传"
    assert record.report["warnings"] == [[3, "", "hidden_rows", {"count": 2, "rows": "3、4"}]]
    assert [row_error_text(w) for w in record.report["warnings"]] == [notice]


def test_keep_good_rows_leaves_out_an_ambiguous_building(compounds, community_a, ids):
    rows = [person(id_number=ids[0], grid=1, building="1栋"), person(id_number=ids[1], grid=1, building=7, unit=1)]

    report = run(community_a, xlsx_bytes(rows), keep_good_rows=True)

    assert report.imported and [e.row for e in report.errors] == [3]
    assert list(Resident.objects.values_list("id_number", flat=True)) == [ids[1]]
