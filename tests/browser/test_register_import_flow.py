"""A community worker imports a roster with bad rows, fixes it, imports it, and finds a resident."""

import datetime as dt

import openpyxl
import pytest

from gongzhi.people import id_rules
from gongzhi.people.models import Resident
from tests.browser.conftest import login
from tests.factories import make_user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = ["姓名", "身份证号", "手机号", "网格", "楼栋", "单元", "房号", "与户主关系", "重点人群"]


def _roster(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["水井坊社区居民花名册（2022年9月）"])  # a title row above the header, as real rosters have
    ws.merge_cells("A1:I1")
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_import_with_errors_then_fixed_then_search(page, live_server, community_a, community_b, tmp_path):
    make_user_with_role("worker_a", "community_worker", community_a.code)
    make_user_with_role("worker_b", "community_worker", community_b.code)
    good = id_rules.make_id_number("510104", dt.date(1948, 6, 1), 11, False)
    second = id_rules.make_id_number("510104", dt.date(1985, 1, 20), 12, True)
    bad_rows = [
        ["陈淑珍", good, "13812345678", "1", "3栋", "2", "501", "户主", "独居老人、胰岛素依赖"],
        ["刘强", 5.10104198501201e17, "1390000", "1", "3", "2", "502", "户主", ""],  # digits lost, bad phone
    ]
    login(page, live_server, "worker_a")
    page.goto(f"{live_server.url}/register/import/?community={community_a.code}")
    page.set_input_files("input[name=file]", str(_roster(tmp_path / "roster_bad.xlsx", bad_rows)))
    page.click("button.primary")
    report = page.locator("table.report")
    report.wait_for()
    text = report.inner_text()
    assert "科学计数法" in text and "电话应为11位手机号" in text
    rows = [r.inner_text() for r in report.locator("tbody tr").all()]
    assert any(r.startswith("4") for r in rows)  # the row as Excel numbers it (title, header, two rows)
    assert Resident.objects.count() == 0

    fixed_rows = [bad_rows[0], ["刘强", second, "13900000000", "1", "3", "2", "502", "户主", ""]]
    page.click("a.button:has-text('重新上传')")
    page.set_input_files("input[name=file]", str(_roster(tmp_path / "roster_fixed.xlsx", fixed_rows)))
    page.click("button.primary")
    page.click("button:has-text('确认导入')")
    page.locator(".messages li", has_text="导入完成").wait_for()
    assert Resident.objects.count() == 2

    page.goto(f"{live_server.url}/residents/?q=陈淑珍")
    row = page.locator("table.residents tbody tr", has_text="陈淑珍")
    assert row.locator("td.mono").first.inner_text() == good[:6] + "********" + good[-4:]
    assert "独居老人" in row.inner_text()
    resident_url = row.locator("a").get_attribute("href")

    other = page.context.browser.new_context()
    other_page = other.new_page()
    login(other_page, live_server, "worker_b")
    assert other_page.goto(f"{live_server.url}{resident_url}").status == 404
    other.close()
