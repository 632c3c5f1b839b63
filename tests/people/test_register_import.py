"""Roster import against the database: messy files, all-or-nothing, dry run, upsert.

The file builders here are imported by the other roster test modules.
"""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.http import Http404

from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEvent
from gongzhi.people import id_rules, selectors
from gongzhi.people.messages import PEOPLE
from gongzhi.people.models import RegisterImport, Resident, ResidentTag
from gongzhi.people.register_import import (
    register_file_import,
    register_import_confirm,
    register_import_preview,
)
from gongzhi.places.models import Building, Grid, Household
from tests.factories import (
    BuildingFactory,
    GridFactory,
    HouseholdFactory,
    ResidentFactory,
    make_user_with_role,
    valid_id_number,
)

HEADER = [
    "姓名",
    "身份证号",
    "手机号",
    "网格",
    "楼栋",
    "单元",
    "房号",
    "与户主关系",
    "重点人群",
    "出生日期(选填)",
    "备注",
]


def said(errors):
    """The errors as a worker reads them: (row, column, words)."""
    return [(e.row, e.column, PEOPLE.text(e.code, **e.params)) for e in errors]


def person(
    name="张三",
    id_number=None,
    phone="13800138000",
    grid="1",
    building="3",
    unit="2",
    room="501",
    relation="户主",
    tags="",
    birth="",
    notes="",
):
    return [
        name,
        id_number or valid_id_number(),
        phone,
        grid,
        building,
        unit,
        room,
        relation,
        tags,
        birth,
        notes,
    ]


def xlsx_bytes(rows, *, header=HEADER, title=True, merges=(), hidden_rows=()) -> bytes:
    """A workbook like the ones people send: a merged title row, then the header, then rows; cells
    merged (ranges such as "D2:D4") and rows hidden (sheet row numbers) as asked."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append(["水井坊社区居民花名册（2022年9月）"])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    for number in hidden_rows:
        sheet.row_dimensions[number].hidden = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, *, header=HEADER, encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def run(community, content, *, actor=None, dry_run=False, file_name="花名册.xlsx", keep_good_rows=False):
    return register_file_import(
        actor=actor,
        community=community,
        file_name=file_name,
        content=content,
        dry_run=dry_run,
        keep_good_rows=keep_good_rows,
    )


@pytest.fixture
def ids():
    return [valid_id_number(born=dt.date(1950 + i, 1, 2 + i), male=i % 2 == 0) for i in range(6)]


def test_a_messy_roster_imports_cleanly(community_a, worker_a, ids):
    rows = [
        person(
            "  王　芳 ",
            "５１０１０４" + ids[0][6:],
            "138 0013 8000",
            "第１网格",
            "３栋",
            "2单元",
            "501室",
            "户主",
            "独居老人，慢性病",
            "1950/1/2",
        ),
        [None] * 11,
        person("李四", ids[1].lower(), "13900139000", 1, 3, 2, 501, "配偶", "", 18631.0),
        person("赵五", ids[2], "", "2网格", "7号楼", "", "102", "", "透析", dt.datetime(1952, 1, 4)),
        ["  ", None, "", None, None, None, None, None, None, None, None],
    ]

    report = run(community_a, xlsx_bytes(rows), actor=worker_a)

    assert report.errors == []
    assert (report.rows_read, report.to_create, report.imported) == (3, 3, True)
    assert (report.grids_to_create, report.buildings_to_create, report.households_to_create) == (
        2,
        2,
        2,
    )
    wang = Resident.objects.get(id_number=ids[0])
    assert (wang.name, wang.phone, wang.gender, wang.birth_date) == (
        "王 芳",
        "13800138000",
        "M",
        dt.date(1950, 1, 2),
    )
    assert wang.household.address == "3栋2单元501"
    assert wang.household.building.grid.number == 1
    assert set(wang.tags.values_list("tag", flat=True)) == {"elderly_alone", "chronic"}
    assert Resident.objects.get(id_number=ids[1]).household_id == wang.household_id
    zhao = Resident.objects.get(id_number=ids[2])
    assert (zhao.household.unit, zhao.household.room, zhao.phone) == (1, "102", "")
    assert Building.objects.get(community_code=community_a.code, number=7).grid.number == 2
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT)
    assert (event.actor, event.area_code, event.row_count) == (worker_a, community_a.code, 3)
    assert set(event.row_ids) == set(Resident.objects.values_list("public_id", flat=True))


def test_every_bad_row_reported_with_row_column_message_and_nothing_written(community_a, ids):
    rows = [
        person("好人", ids[0]),
        person("科学计数", 5.10104e17),
        [None] * 11,
        person("错手机", ids[1], phone="1380013800"),
        person("错标签", ids[2], tags="独居老人、低保户"),
        person("重复", ids[0]),
        person("生日不符", ids[3], birth="1999-01-01"),
    ]

    report = run(community_a, xlsx_bytes(rows))

    assert said(report.errors) == [
        (4, "身份证号", PEOPLE.text(id_rules.ID_SCIENTIFIC)),
        (6, "手机号", PEOPLE.text(id_rules.PHONE)),
        (
            7,
            "重点人群",
            "未知的重点人群标签：低保户（可填：独居老人、慢性病、透析、胰岛素依赖、卧床、"
            "孕产妇、残疾、外来务工、党员）",
        ),
        (8, "身份证号", "与第3行身份证号重复"),
        (9, "出生日期(选填)", "出生日期与身份证号中的出生日期（1953-01-05）不一致"),
    ]
    assert report.imported is False
    assert report.to_create == 1  # the repeated row is counted once
    assert Resident.objects.count() == Household.objects.count() == Grid.objects.count() == 0
    assert not AuditEvent.objects.exists()


def test_gbk_csv_with_aliased_headers(community_a, ids):
    header = [
        "名字",
        "身份证号码",
        "联系电话",
        "所属网格",
        "楼号",
        "单元号",
        "门牌号",
        "关系",
        "人群标签",
        "生日",
        "备注",
    ]
    content = csv_bytes(
        [person("张三", ids[0], birth="1950年1月2日"), person("李四", "5.10104E+17")],
        header=header,
        encoding="gbk",
    )

    report = run(community_a, content, dry_run=True, file_name="名单.csv")

    assert said(report.errors) == [(3, "身份证号码", PEOPLE.text(id_rules.ID_SCIENTIFIC))]


def test_dry_run_counts_and_writes_nothing(community_a, ids):
    report = run(community_a, xlsx_bytes([person(id_number=i) for i in ids[:3]]), dry_run=True)

    assert (report.to_create, report.households_to_create, report.imported) == (3, 1, False)
    assert Resident.objects.count() == Household.objects.count() == Building.objects.count() == 0


def test_reimport_is_idempotent(community_a, ids):
    content = xlsx_bytes([person(id_number=i, tags="党员") for i in ids])
    run(community_a, content)
    before = list(Resident.objects.order_by("id").values())

    report = run(community_a, content)

    assert (report.to_create, report.to_update, report.unchanged) == (0, 0, 6)
    assert (report.grids_to_create, report.households_to_create) == (0, 0)
    assert list(Resident.objects.order_by("id").values()) == before
    assert ResidentTag.objects.count() == 6


def test_upsert_updates_residents_of_the_same_community(community_a, ids):
    grid = GridFactory(community=community_a, number=1)
    building = BuildingFactory(grid=grid, number=3)
    old = ResidentFactory(
        household=HouseholdFactory(building=building, unit=1, room="101"),
        id_number=ids[0],
        name="旧名",
        phone="13700137000",
        relation="",
    )
    ResidentTag.objects.create(resident=old, community_code=community_a.code, tag="chronic")
    rows = [
        person("新名", ids[0], phone="13900139000", unit="2", room="202", relation="户主", tags="党员"),
        person("新人", ids[1]),
    ]

    report = run(community_a, xlsx_bytes(rows))

    assert (report.to_create, report.to_update, report.unchanged) == (1, 1, 0)
    old.refresh_from_db()
    assert (old.name, old.phone, old.relation, old.household.unit, old.household.room) == (
        "新名",
        "13900139000",
        "户主",
        2,
        "202",
    )
    assert list(old.tags.values_list("tag", flat=True)) == ["party_member"]
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT)
    assert old.public_id in event.row_ids and event.row_count == 2


def test_absent_optional_columns_keep_stored_values(community_a, ids):
    household = HouseholdFactory(building=BuildingFactory(grid=GridFactory(number=1), number=3), unit=2, room="501")
    resident = ResidentFactory(
        household=household,
        id_number=ids[0],
        name="张三",
        phone="13700137000",
        relation="户主",
        notes="行动不便",
    )
    ResidentTag.objects.create(resident=resident, community_code=community_a.code, tag="chronic")
    header = ["姓名", "身份证号", "网格", "楼栋", "单元", "房号"]

    report = run(community_a, xlsx_bytes([["张三", ids[0], 1, 3, 2, 501]], header=header))

    assert (report.unchanged, report.to_update) == (1, 0)
    resident.refresh_from_db()
    assert (resident.phone, resident.relation, resident.notes) == (
        "13700137000",
        "户主",
        "行动不便",
    )
    assert list(resident.tags.values_list("tag", flat=True)) == ["chronic"]


def test_blank_optional_cells_keep_stored_values(community_a, ids):
    """The template with only the required cells filled in (a worker checking doors): the stored
    phone, relation, tags and notes stay; a phone given in another row is written."""
    household = HouseholdFactory(building=BuildingFactory(grid=GridFactory(number=1), number=3), unit=2, room="501")
    kept = ResidentFactory(
        household=household, id_number=ids[0], name="张三", phone="13700137000", relation="母亲", notes="行动不便"
    )
    ResidentTag.objects.create(resident=kept, community_code=community_a.code, tag="dialysis")
    moved = ResidentFactory(household=household, id_number=ids[1], name="李四", phone="", relation="")

    rows = [
        person("张三", ids[0], phone="", relation="", tags="", notes=""),
        person("李四", ids[1], phone="13900139000", relation="", tags="", notes=""),
    ]
    report = run(community_a, xlsx_bytes(rows))

    assert report.imported and (report.unchanged, report.to_update) == (1, 1)
    kept.refresh_from_db()
    moved.refresh_from_db()
    assert (kept.phone, kept.relation, kept.notes) == ("13700137000", "母亲", "行动不便")
    assert list(kept.tags.values_list("tag", flat=True)) == ["dialysis"]
    assert moved.phone == "13900139000"


def test_id_registered_in_another_community_is_an_error(community_a, community_b, ids):
    grid_b = GridFactory(community=community_b, community_code=community_b.code, number=1)
    ResidentFactory(household=HouseholdFactory(building=BuildingFactory(grid=grid_b)), id_number=ids[0])

    report = run(community_a, xlsx_bytes([person(id_number=ids[1]), person(id_number=ids[0])]))

    assert said(report.errors) == [(4, "身份证号", "该身份证号已在其他社区登记，请先由该社区办理迁出")]
    assert Resident.objects.filter(community_code=community_a.code).count() == 0


def test_existing_building_in_another_grid_is_an_error(community_a, ids):
    BuildingFactory(grid=GridFactory(number=1), number=3)
    GridFactory(number=2)

    report = run(community_a, xlsx_bytes([person(id_number=ids[0], grid="第2网格", building="3栋")]))

    assert said(report.errors) == [(3, "网格", "楼栋“水井街1号 3栋”已属于第1网格，与填写的第2网格不一致")]


def test_one_building_in_two_grids_in_the_file(community_a, ids):
    rows = [
        person(id_number=ids[0], grid=1, building=5),
        person(id_number=ids[1], grid=2, building=5),
    ]

    report = run(community_a, xlsx_bytes(rows))

    assert said(report.errors) == [(4, "网格", "第3行把楼栋“5栋”填在第1网格，这里填的是第2网格")]


def test_the_template_example_row_is_not_imported(community_a, ids):
    rows = [person("示例-张三", ids[0]), person("李四", ids[1])]

    report = run(community_a, xlsx_bytes(rows))

    assert (report.rows_read, report.to_create) == (1, 1)
    assert not Resident.objects.filter(id_number=ids[0]).exists()


@pytest.mark.parametrize(
    ("content", "file_name"),
    [
        (b"", "a.xlsx"),
        (b"%PDF-1.4", "a.pdf"),
        (b"PK\x03\x04broken", "a.xlsx"),
    ],
)
def test_unreadable_file_raises_422(community_a, content, file_name):
    with pytest.raises(ApplicationError) as info:
        run(community_a, content, file_name=file_name)
    assert info.value.status == 422


def test_row_and_byte_limits_come_from_settings(community_a, ids, settings):
    settings.REGISTER_MAX_ROWS = 2
    with pytest.raises(ApplicationError) as info:
        run(community_a, xlsx_bytes([person(id_number=i) for i in ids[:3]]))
    assert info.value.message == "文件超过2行的上限，请拆分成几个文件分别导入"

    settings.REGISTER_MAX_BYTES = 100
    with pytest.raises(ApplicationError) as info:
        run(community_a, xlsx_bytes([person(id_number=ids[0])]))
    assert info.value.message.startswith("文件太大")


def test_queries_do_not_grow_with_rows(community_a, ids, django_assert_max_num_queries):
    many = [
        person(
            id_number=valid_id_number(born=dt.date(1960, 1, 1) + dt.timedelta(days=i)),
            room=str(100 + i % 40),
            tags="党员",
        )
        for i in range(1000)
    ]
    content = xlsx_bytes(many)

    # Lookups are set-based; inserts go in batches (SQLite: 999 parameters a statement).
    with django_assert_max_num_queries(60):
        report = run(community_a, content)

    assert report.to_create == 1000 and report.errors == []
    assert Resident.objects.count() == 1000 and ResidentTag.objects.count() == 1000
    changed = xlsx_bytes([row[:2] + ["13900139000"] + row[3:] for row in many])
    with django_assert_max_num_queries(20):
        report = run(community_a, changed)
    assert report.to_update == 1000
    assert set(Resident.objects.values_list("phone", flat=True)) == {"13900139000"}


def test_preview_keeps_a_clean_file_and_confirm_imports_it(community_a, worker_a, ids):
    content = xlsx_bytes([person(id_number=ids[0])])

    record = register_import_preview(actor=worker_a, community=community_a, file_name="a.xlsx", content=content)

    assert record.status == RegisterImport.Status.PREVIEWED
    assert bytes(record.content) == content
    assert record.report["to_create"] == 1 and not Resident.objects.exists()
    record = register_import_confirm(actor=worker_a, register_import_id=record.pk)
    assert record.status == RegisterImport.Status.IMPORTED
    assert record.report["imported"] is True and bytes(record.content) == b""
    assert Resident.objects.count() == 1
    with pytest.raises(ApplicationError) as info:
        register_import_confirm(actor=worker_a, register_import_id=record.pk)
    assert info.value.status == 409


def test_preview_with_errors_only_is_rejected_and_drops_the_file(community_a, worker_a):
    record = register_import_preview(
        actor=worker_a,
        community=community_a,
        file_name="a.xlsx",
        content=xlsx_bytes([person(id_number="123")]),
    )

    assert record.status == RegisterImport.Status.REJECTED
    assert bytes(record.content) == b""
    assert record.report["errors"] == [[3, "身份证号", id_rules.ID_LENGTH, {}]]


def test_confirm_checks_again_against_todays_data(community_a, community_b, worker_a, ids):
    record = register_import_preview(
        actor=worker_a,
        community=community_a,
        file_name="a.xlsx",
        content=xlsx_bytes([person(id_number=ids[0])]),
    )
    grid_b = GridFactory(community=community_b, community_code=community_b.code)
    ResidentFactory(household=HouseholdFactory(building=BuildingFactory(grid=grid_b)), id_number=ids[0])

    record = register_import_confirm(actor=worker_a, register_import_id=record.pk)

    assert record.status == RegisterImport.Status.REJECTED
    assert record.report["error_count"] == 1
    assert Resident.objects.filter(community_code=community_a.code).count() == 0


def test_get_for_user_is_the_same_404_for_missing_other_user_or_lost_role(community_a, worker_a, worker_b, ids):
    record = register_import_preview(
        actor=worker_a,
        community=community_a,
        file_name="a.xlsx",
        content=xlsx_bytes([person(id_number=ids[0])]),
    )
    colleague = make_user_with_role("colleague", "community_worker", community_a.code)
    viewer = make_user_with_role("viewer", "building_leader", community_a.code)

    assert (
        selectors.register_import_get_for_user(user=worker_a, public_id=record.public_id, capability="residents.import")
        == record
    )
    for user, public_id in [
        (worker_a, "0" * 26),
        (worker_b, record.public_id),
        (colleague, record.public_id),
        (viewer, record.public_id),
    ]:
        with pytest.raises(Http404):
            selectors.register_import_get_for_user(user=user, public_id=public_id, capability="residents.import")
    worker_a.role_assignments.all().delete()
    del worker_a._gongzhi_scope
    with pytest.raises(Http404):
        selectors.register_import_get_for_user(user=worker_a, public_id=record.public_id, capability="residents.import")


# Issue 9, points 8-10: other offices' files.

STREET_HEADER = "序号 姓名 性别 民族 身份证号 联系电话 网格 楼栋 单元 房号 人员类别 政治面貌".split()


def street_row(number, name, id_number, *, sex="", groups="", room="501"):
    return [number, name, sex, "汉", id_number, "13800138000", "1", "3", "2", room, groups, "群众"]


def test_every_word_for_a_tag_maps_to_a_stored_tag():
    from gongzhi.people import register_tags
    from gongzhi.people.models import VulnerabilityTag

    targets = set(register_tags.TAG_WORDS.values()) | {tag for _, tag in register_tags.TAG_KEYWORDS}
    assert targets <= set(VulnerabilityTag.values)


def test_columns_the_importer_does_not_understand_are_reported_and_groups_become_tags(community_a, ids):
    rows = [
        street_row(1, "张三", ids[0], sex="男", groups="独居老人、低保"),
        street_row(2, "李四", ids[1], sex="女", groups="残疾人，孕妇"),
        street_row(3, "王五", ids[2], groups="低保户"),
        street_row(4, "赵六", ids[3], groups="透析"),
    ]

    report = run(community_a, csv_bytes(rows, header=STREET_HEADER), file_name="街道名单.csv")

    assert report.errors == [] and report.imported is True
    assert report.ignored_columns == [("A", "序号"), ("D", "民族"), ("L", "政治面貌")]
    assert said(report.warnings) == [
        (2, "人员类别", "“低保”没有对应的重点人群标签，未作为标签导入（共1行：第2行）"),
        (4, "人员类别", "“低保户”没有对应的重点人群标签，未作为标签导入（共1行：第4行）"),
    ]
    tags = {r.name: set(r.tags.values_list("tag", flat=True)) for r in Resident.objects.all()}
    assert tags == {"张三": {"elderly_alone"}, "李四": {"disabled", "pregnant"}, "王五": set(), "赵六": {"dialysis"}}
    data = report.as_dict()
    assert data["ignored_columns"] == [["A", "序号"], ["D", "民族"], ["L", "政治面貌"]]
    assert data["warnings"][0] == [2, "人员类别", "tag_unmapped", {"value": "低保", "count": 1, "rows": "2"}]
    assert data["warning_count"] == 2


def test_an_offices_category_column_adds_tags_and_never_removes_those_a_worker_recorded(community_a, ids):
    # given residents whose tags a worker recorded (dialysis, pregnant)
    first = [street_row(1, "张三", ids[0], groups="透析"), street_row(2, "李四", ids[1], groups="孕妇")]
    assert run(community_a, csv_bytes(first, header=STREET_HEADER), file_name="a.csv").imported is True
    # when the street office's file lists one category each, or nothing that is a tag
    again = [
        street_row(1, "张三", ids[0], groups="残疾人"),
        street_row(2, "李四", ids[1], groups="户籍"),
        street_row(3, "王五", ids[2], groups=""),
    ]
    report = run(community_a, csv_bytes(again, header=STREET_HEADER), file_name="b.csv")
    # then the named categories are added and nothing is taken away
    assert report.errors == [] and report.imported is True
    tags = {r.name: set(r.tags.values_list("tag", flat=True)) for r in Resident.objects.all()}
    assert tags == {"张三": {"dialysis", "disabled"}, "李四": {"pregnant"}, "王五": set()}


def test_the_ignored_columns_are_kept_with_a_rejected_preview(community_a, worker_a, ids):
    rows = [street_row(1, "张三", ids[0], sex="女")]

    record = register_import_preview(
        actor=worker_a, community=community_a, file_name="a.csv", content=csv_bytes(rows, header=STREET_HEADER)
    )

    assert record.status == RegisterImport.Status.REJECTED
    assert record.report["ignored_columns"] == [["A", "序号"], ["D", "民族"], ["L", "政治面貌"]]


def test_a_sex_that_contradicts_the_id_number_stops_the_import(community_a, ids):
    # ids[0] is a man's (digit 17 odd), ids[1] a woman's
    rows = [
        street_row(1, "张三", ids[0], sex=" 男性 "),
        street_row(2, "李四", ids[1], sex="F"),
        street_row(3, "王五", ids[2], sex="女"),
        street_row(4, "赵六", ids[3], sex="不明"),
    ]

    report = run(community_a, xlsx_bytes(rows, header=STREET_HEADER))

    assert said(report.errors) == [
        (
            5,
            "身份证号",
            "身份证号与性别列填写的“女”不符（身份证号第17位奇数为男、偶数为女），多半是身份证号填错了，请核对",
        ),
        (6, "性别", "性别应填写“男”或“女”"),
    ]
    assert report.imported is False and not Resident.objects.exists()


def _valid_id_ending_000():
    born = dt.date(1980, 1, 1)
    while True:
        for first in "0123456789":
            first17 = f"510104{born:%Y%m%d}{first}00"
            if id_rules.check_digit(first17) == "0":
                return first17 + "0"
        born += dt.timedelta(days=1)


def test_ids_excel_truncated_in_a_csv_are_flagged_and_not_duplicates_of_each_other(community_a, ids):
    from gongzhi.people.register_rules import ID_TRUNCATED

    truncated = [ids[0][:15] + "000", ids[1][:15] + "000"]
    rows = [
        person("甲", "5.10104E+17"),
        person("乙", "5.10104E+17"),
        person("丙", truncated[0]),
        person("丁", truncated[1]),
        person("戊", truncated[1]),
        person("己", _valid_id_ending_000()),
        person("庚", ids[2]),
    ]

    report = run(community_a, csv_bytes(rows), file_name="名单.csv")

    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (2, "身份证号", id_rules.ID_SCIENTIFIC),
        (3, "身份证号", id_rules.ID_SCIENTIFIC),
        (4, "身份证号", ID_TRUNCATED),
        (5, "身份证号", ID_TRUNCATED),
        (6, "身份证号", ID_TRUNCATED),
        (7, "身份证号", ID_TRUNCATED),
    ]
    assert "文本" in said(report.errors)[2][2]
    assert not Resident.objects.exists()


def test_ids_from_numeric_xlsx_cells_are_flagged_and_not_duplicates(community_a, ids):
    from gongzhi.people.register_rules import ID_TRUNCATED

    # what Excel keeps of it: 15 significant digits (of a number without the check digit X: the ids
    # come from a sequence shared by the session, so which one ends in X depends on the tests before)
    number = float(next(i for i in ids if i.isdigit()))
    rows = [
        person("甲", number),
        person("乙", number),
        person("丙", _valid_id_ending_000()),  # text, but in a column Excel made numbers of
        person("丁", ids[1]),
    ]

    report = run(community_a, xlsx_bytes(rows))

    assert [(e.row, e.code) for e in report.errors] == [
        (3, id_rules.ID_SCIENTIFIC),
        (4, id_rules.ID_SCIENTIFIC),
        (5, ID_TRUNCATED),
    ]
    assert report.to_create == 1


def test_a_valid_id_ending_000_imports_where_nothing_shows_excel_damage(community_a, ids):
    report = run(
        community_a, csv_bytes([person("甲", _valid_id_ending_000()), person("乙", ids[0])]), file_name="a.csv"
    )

    assert report.errors == [] and Resident.objects.count() == 2


def test_formulas_without_a_stored_value_are_row_errors_not_empty_cells(community_a, ids):
    """A roster written by a program (openpyxl, pandas) keeps formulas without their values: each such
    cell is said to be a formula, never read as an empty name, a phone not given, or a skipped row."""
    household = HouseholdFactory(building=BuildingFactory(grid=GridFactory(number=1), number=3), unit=2, room="501")
    ResidentFactory(household=household, id_number=ids[0], name="张三", phone="13700137000")
    rows = [
        person("张三", ids[0], phone='="138"&"00138000"'),
        person('="赵"&"六"', ids[1]),
        ["=A5", "=B5", "=C5", "=D5", "=E5", "=F5", "=G5", "=H5", "=I5", "=J5", "=K5"],
    ]

    report = run(community_a, xlsx_bytes(rows, title=False))

    formula = PEOPLE.text("register_formula")
    assert said(report.errors) == [(2, "手机号", formula), (3, "姓名", formula)] + [
        (4, column, formula) for column in HEADER
    ]
    assert not report.imported
    assert Resident.objects.get(id_number=ids[0]).phone == "13700137000"


def test_keep_good_rows_writes_the_rows_without_errors_and_lists_the_others(community_a, ids):
    rows = [
        person("张三", ids[0]),
        person("李四", ids[1], phone="12345"),  # bad
        person("王五", ids[2]),
        person("赵六", ids[2]),  # the same ID number again: this row is the bad one
    ]

    plain = run(community_a, xlsx_bytes(rows))
    assert not plain.imported and not Resident.objects.exists()

    kept = run(community_a, xlsx_bytes(rows), keep_good_rows=True)

    assert kept.imported and (kept.good_rows, kept.to_create) == (2, 2)
    assert [(e.row, e.column) for e in kept.errors] == [(4, "手机号"), (6, "身份证号")]
    assert set(Resident.objects.values_list("name", flat=True)) == {"张三", "王五"}


def test_landlines_import_in_one_form_and_are_found_by_their_tail_and_in_full(community_a, worker_a, ids):
    """Many elderly residents have only a landline: written as registers write them, each is kept
    as 028-85551234 (or the local number alone), masked to its area code and tail, found by its last
    4 digits, and in full by a viewer who may see numbers."""
    rows = [
        person("陈淑珍", ids[0], phone="028-85551234"),
        person("刘强", ids[1], phone="(028)8555 4321", room="502"),
        person("王芳", ids[2], phone="85556789", room="503"),
        person("赵六", ids[3], phone="028-85551234-801", room="504"),  # an extension: the notes
    ]
    report = run(community_a, xlsx_bytes(rows), dry_run=True)
    assert said(report.errors) == [(6, "手机号", PEOPLE.text(id_rules.PHONE))]

    report = run(community_a, xlsx_bytes(rows[:3]))

    assert report.imported
    phones = dict(Resident.objects.values_list("name", "phone"))
    assert phones == {"陈淑珍": "028-85551234", "刘强": "028-85554321", "王芳": "85556789"}
    shown = {r.name: selectors.resident_personal_data(r, full=False).phone for r in Resident.objects.all()}
    assert shown == {"陈淑珍": "028-****1234", "刘强": "028-****4321", "王芳": "****6789"}
    found, _ = selectors.resident_list(user=worker_a, q="4321")
    assert [r.name for r in found] == ["刘强"]
    for typed in ("02885551234", "028-8555 1234", "（028）85551234"):
        found, query = selectors.resident_list(user=worker_a, q=typed)
        assert query.is_full and [r.name for r in found] == ["陈淑珍"], typed
