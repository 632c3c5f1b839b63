"""`gongzhi import-residents FILE --community CODE [--dry-run] [--user NAME]`."""

import io

import pytest
from django.core.management import CommandError, call_command

from gongzhi.core.models import AuditEvent
from gongzhi.people import id_rules
from gongzhi.people.messages import PEOPLE
from gongzhi.people.models import Resident
from tests.factories import valid_id_number
from tests.people.test_register_import import person, xlsx_bytes


def command(*args):
    out = io.StringIO()
    call_command("import_residents", *args, stdout=out)
    return out.getvalue()


def failing(*args) -> tuple[int, str, str]:
    out = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import_residents", *args, stdout=out)
    return info.value.returncode, str(info.value), out.getvalue()


@pytest.fixture
def roster_file(tmp_path):
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(xlsx_bytes([person(id_number=valid_id_number()), person(id_number=valid_id_number())]))
    return path


def test_import_prints_the_counts_and_writes(roster_file, community_a, worker_a):
    output = command(str(roster_file), "--community", community_a.code, "--user", "worker_a")

    assert output.splitlines() == [
        "读取2行：新增2人，更新0人，无变化0人；新建网格1个、楼栋1栋、户1户；错误0条",
        "导入完成",
    ]
    assert Resident.objects.count() == 2
    assert AuditEvent.objects.get(action=AuditEvent.Action.IMPORT).actor == worker_a


def test_import_without_user_is_audited_as_system(roster_file, community_a):
    command(str(roster_file), "--community", community_a.code)

    assert AuditEvent.objects.get(action=AuditEvent.Action.IMPORT).actor_name == "system"


def test_dry_run_exits_0_and_writes_nothing(roster_file, community_a):
    output = command(str(roster_file), "--community", community_a.code, "--dry-run")

    assert output.splitlines()[-1] == "预览完成，未写入数据（--dry-run）"
    assert not Resident.objects.exists()


def test_row_errors_exit_1_one_line_each(tmp_path, community_a):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(
        xlsx_bytes(
            [
                person(id_number=valid_id_number()),
                person(id_number=5.1e17),
                person(id_number=valid_id_number(), phone="123"),
            ]
        )
    )

    code, message, output = failing(str(path), "--community", community_a.code)

    assert code == 1
    assert message == "有错误，未导入任何数据"
    assert output.splitlines() == [
        f"第4行 身份证号 {PEOPLE.text(id_rules.ID_SCIENTIFIC)}",
        f"第5行 手机号 {PEOPLE.text(id_rules.PHONE)}",
        "读取3行：新增1人，更新0人，无变化0人；新建网格1个、楼栋1栋、户1户；错误2条",
    ]
    assert not Resident.objects.exists()


def test_row_errors_in_a_dry_run_also_exit_1(tmp_path, community_a):
    path = tmp_path / "bad.csv"
    path.write_text("姓名,身份证号,网格,楼栋,房号\n张三,123,1,1,101\n", encoding="gbk")

    code, _, output = failing(str(path), "--community", community_a.code, "--dry-run")

    assert code == 1
    assert output.splitlines()[0] == f"第2行 身份证号 {PEOPLE.text(id_rules.ID_LENGTH)}"


@pytest.mark.parametrize(("content", "name"), [(b"not a workbook", "x.xlsx"), (b"", "x.csv")])
def test_unreadable_file_exits_2(tmp_path, community_a, content, name):
    path = tmp_path / name
    path.write_bytes(content)

    code, _, _ = failing(str(path), "--community", community_a.code)

    assert code == 2


def test_missing_file_unknown_community_or_user_exit_2(tmp_path, roster_file, community_a):
    assert failing(str(tmp_path / "nope.xlsx"), "--community", community_a.code)[0] == 2
    assert failing(str(roster_file), "--community", "510104017")[0] == 2
    assert failing(str(roster_file), "--community", community_a.code, "--user", "ghost")[0] == 2
    assert not Resident.objects.exists()


def test_ignored_columns_and_warnings_are_printed(tmp_path, community_a):
    path = tmp_path / "街道名单.csv"
    header = "序号,姓名,身份证号,网格,楼栋,房号,人员类别,,民族\n"
    path.write_text(header + f"1,张三,{valid_id_number()},1,3,101,残疾人、低保,x,汉\n", encoding="utf-8")

    output = command(str(path), "--community", community_a.code, "--dry-run")

    assert output.splitlines()[:2] == [
        "已忽略的列（内容不会导入）：A列“序号”、H列（无列名）、I列“民族”",
        "第2行 人员类别 提示：“低保”没有对应的重点人群标签，未作为标签导入（共1行：第2行）",
    ]


@pytest.fixture
def file_with_a_bad_row(tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(
        xlsx_bytes([person("张三", valid_id_number()), person("李四", valid_id_number(), phone="123"), ["合计", "2人"]])
    )
    return path


def test_keep_good_rows_imports_the_good_rows_and_exits_1(file_with_a_bad_row, community_a):
    code, message, output = failing(str(file_with_a_bad_row), "--community", community_a.code, "--keep-good-rows")

    assert (code, message) == (1, "有错误行，已导入正确的行")
    assert output.splitlines() == [
        "第5行 提示：“合计”是表尾的合计或签字行，已跳过，未导入",
        f"第4行 手机号 {PEOPLE.text(id_rules.PHONE)}",
        "读取2行：新增1人，更新0人，无变化0人；新建网格1个、楼栋1栋、户1户；错误1条",
        "导入完成",
    ]
    assert list(Resident.objects.values_list("name", flat=True)) == ["张三"]


def test_keep_good_rows_in_a_dry_run_writes_nothing(file_with_a_bad_row, community_a):
    code, message, _ = failing(
        str(file_with_a_bad_row), "--community", community_a.code, "--keep-good-rows", "--dry-run"
    )

    assert (code, message) == (1, "有错误，未导入任何数据")
    assert not Resident.objects.exists()


def test_keep_good_rows_with_a_clean_file_exits_0(roster_file, community_a):
    output = command(str(roster_file), "--community", community_a.code, "--keep-good-rows")

    assert output.splitlines()[-1] == "导入完成" and Resident.objects.count() == 2
