"""Results files as labs send them (issue 9, point 7): values written many ways, formula cells
without a stored value, a missing column, every row accounted for, the template, the way on to
the recalls."""

import io
import re
import zipfile

import openpyxl
import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile

from gongzhi.core import events
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEvent
from gongzhi.testing import services
from gongzhi.testing.collection import CLOSE, OPEN, SCAN, Event
from gongzhi.testing.models import ResultConflict, Tube
from tests.factories import ResidentFactory, make_user_with_role

pytestmark = pytest.mark.django_db

TUBES = [f"TUBE000{i}" for i in range(1, 8)]
T1, T2, T3, T4, T5, T6, T7 = TUBES


@pytest.fixture
def collector(community_a):
    return make_user_with_role("c1", "collector", community_a.code)


@pytest.fixture
def round_a(community_a, worker_a, collector):
    round_ = services.round_create(actor=worker_a, name="第1轮全员核酸", area_code=community_a.code, pool_size=10)
    scans = []
    for barcode in TUBES:
        scans += [Event(f"o{barcode}", OPEN, barcode), Event(f"s{barcode}", SCAN, barcode, "R:" + _person())]
        scans.append(Event(f"c{barcode}", CLOSE, barcode))
    assert {o.status for o in services.scan_batch_ingest(round_=round_, collector=collector, events=scans)} == {"ok"}
    return round_


def _person():
    return ResidentFactory().public_id


@pytest.fixture
def lab(areas):
    return make_user_with_role("lab1", "lab", "5101")


def status():
    return dict(Tube.objects.values_list("barcode", "status"))


def csv(rows, header="管号,结果"):
    return ("\n".join([header, *(",".join(r) for r in rows)]) + "\n").encode()


def workbook(rows, header=("管号", "结果")) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_stored_values(content: bytes, values: dict[str, str]) -> bytes:
    """The workbook as Excel saves it: formula cells carry their last value (`<v>`; t="str" for text)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for ref, value in values.items():
                    text, n = re.subn(
                        rf'<c r="{ref}"><f>(.*?)</f><v\s*/>',
                        lambda m, v=value, r=ref: f'<c r="{r}" t="str"><f>{m.group(1)}</f><v>{v}</v>',
                        text,
                    )
                    assert n == 1, ref
                data = text.encode()
            target.writestr(item, data)
    return out.getvalue()


def run(lab, round_, name, content):
    outcome = services.tube_results_import(actor=lab, round_=round_, file_name=name, content=content)
    events.deliver_pending()
    return outcome


def accounted(outcome):
    return outcome["recorded"] + outcome["unchanged"] + len(outcome["held"]) + len(outcome["errors"])


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_values_as_lab_systems_write_them_are_recorded(round_a, lab, kind):
    rows = [(T1, "阴性(-)"), (T2, "阳性（+）"), (T3, " NEGATIVE "), (T4, "pos"), (T5, "阴性 "), (T6, "+"), (T7, "－")]
    content = csv(rows) if kind == "csv" else workbook(rows)
    outcome = run(lab, round_a, f"结果.{kind}", content)
    assert (outcome["rows"], outcome["recorded"], outcome["errors"], outcome["held"]) == (7, 7, [], [])
    assert status() == {
        T1: "negative",
        T2: "positive",
        T3: "negative",
        T4: "positive",
        T5: "negative",
        T6: "positive",
        T7: "negative",
    }
    assert outcome["positive"] == 3


def test_every_row_is_accounted_for(round_a, lab):
    services.tube_results_record(actor=lab, round_=round_a, results=[(T1, "阴性")])
    rows = [
        (T1, "阴性"),  # 2: already so
        (T2, "阳性"),  # 3: recorded
        (T2, "+"),  # 4: the same again
        (T3, "阴性"),  # 5: held with row 6
        (T3, "阳性"),  # 6
        ("NOSUCH01", "阴性"),  # 7
        (T4, "maybe"),  # 8
        (T5, ""),  # 9
        ("", "阴性"),  # 10
        (T6, "阴性(+)"),  # 11
        ("T@1", "阴性"),  # 12
    ]
    outcome = run(lab, round_a, "结果.csv", csv(rows))
    assert outcome["rows"] == 11 == accounted(outcome)
    assert (outcome["recorded"], outcome["unchanged"]) == (1, 2)
    assert [(h["row"], h["barcode"], h["values"]) for h in outcome["held"]] == [
        (5, T3, ["阴性", "阳性"]),
        (6, T3, ["阴性", "阳性"]),
    ]
    assert [(e["row"], e["code"]) for e in outcome["errors"]] == [
        (7, "no_such_tube"),
        (8, "result_unknown"),
        (9, "result_empty"),
        (10, "barcode_empty"),
        (11, "result_contradictory"),
        (12, "barcode_format"),
    ]
    assert "maybe" in outcome["errors"][1]["message"]
    assert status()[T3] == "closed" and status()[T2] == "positive"
    audit = AuditEvent.objects.get(entity="tube_results")
    assert {k: audit.detail[k] for k in ("rows", "recorded", "unchanged", "held", "errors")} == {
        "rows": 11,
        "recorded": 1,
        "unchanged": 2,
        "held": 2,
        "errors": 6,
    }


def test_rows_of_one_tube_far_apart_in_a_big_file_are_still_held(round_a, lab, monkeypatch):
    from gongzhi.testing.services.results import record  # where tube_results_import reads MAX_RESULTS

    monkeypatch.setattr(record, "MAX_RESULTS", 3)  # calls of 3 tubes: T1's two rows land in different calls
    rows = [(T1, "阴性"), (T2, "阴性"), (T3, "阴性"), (T4, "阴性"), (T5, "阴性"), (T1, "阳性")]
    outcome = run(lab, round_a, "结果.csv", csv(rows))
    assert [h["row"] for h in outcome["held"]] == [2, 7]
    assert outcome["recorded"] == 4 and accounted(outcome) == 6
    assert status()[T1] == "closed"


def test_formula_cells_without_a_stored_value_are_row_errors(round_a, lab):
    content = workbook(
        [
            (T1, "阴性"),
            (T2, '=IF(1,"阳性")'),  # 3: the result is a formula nobody calculated
            ('="TUBE0003"', '="阴性"'),  # 4: both: the row would look empty
            (None, None),
            ('="TUBE0004"', "阴性"),  # 6
        ]
    )
    outcome = run(lab, round_a, "结果.xlsx", content)
    assert outcome["rows"] == 4 == accounted(outcome)
    assert [(e["row"], e["code"], e["barcode"]) for e in outcome["errors"]] == [
        (3, "formula_no_value", T2),
        (4, "formula_no_value", ""),
        (6, "formula_no_value", ""),
    ]
    assert "结果" in outcome["errors"][0]["message"] and "管号、结果" in outcome["errors"][1]["message"]
    assert status()[T1] == "negative" and status()[T2] == "closed"


def test_formula_cells_with_a_stored_value_are_read_as_that_value(round_a, lab):
    content = workbook(
        [
            (T1, '=IF(1,"阳性")'),
            ('=""', '=""'),  # a formula filled down past the data, saved by Excel: empty, not an error
        ]
    )
    content = with_stored_values(content, {"B2": "阳性", "A3": "", "B3": ""})
    outcome = run(lab, round_a, "结果.xlsx", content)
    assert (outcome["rows"], outcome["recorded"], outcome["errors"]) == (1, 1, [])
    assert status()[T1] == "positive"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_file_without_the_result_column_says_which_is_missing_and_what_was_found(round_a, lab, kind):
    header = ("管号", "采样时间", "备注")
    content = (
        csv([(T1, "2022-09-01", "")], header=",".join(header))
        if kind == "csv"
        else workbook([(T1, "2022-09-01", "")], header=header)
    )
    with pytest.raises(ApplicationError) as info:
        services.tube_results_import(actor=lab, round_=round_a, file_name=f"r.{kind}", content=content)
    assert info.value.status == 422
    message = info.value.message
    assert "缺少“结果”列" in message and "管号、采样时间、备注" in message
    with pytest.raises(ApplicationError) as info:
        services.tube_results_import(
            actor=lab, round_=round_a, file_name="r.csv", content=csv([("阴性", "x")], header="检测结果,姓名")
        )
    assert "缺少“管号”列" in info.value.message and "检测结果、姓名" in info.value.message


def test_the_api_says_which_column_is_missing(client, round_a, lab):
    client.force_login(lab)
    response = client.post(
        f"/api/rounds/{round_a.public_id}/results/file",
        {"file": SimpleUploadedFile("r.csv", csv([(T1, "x")], header="管号,采样时间"))},
    )
    assert response.status_code == 422
    assert "缺少“结果”列" in response.json()["message"] and "管号、采样时间" in response.json()["message"]


def test_the_results_template_has_the_columns_and_an_example_row(client, round_a, lab):
    client.force_login(lab)
    page = client.get(f"/rounds/{round_a.public_id}/results/").content.decode()
    assert 'href="/static/testing/results-template.xlsx"' in page
    path = finders.find("testing/results-template.xlsx")
    assert path
    with open(path, "rb") as handle:
        content = handle.read()
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("管号", "结果") and len(rows) == 2
    assert sheet["A2"].number_format == "@"  # barcodes stay text: Excel keeps long numbers whole
    outcome = run(lab, round_a, "results-template.xlsx", content)
    # the example row, left in, can name no real tube
    assert outcome["rows"] == 1 and [e["code"] for e in outcome["errors"]] == ["barcode_format"]


def test_the_page_accounts_for_every_row_and_leads_on_to_the_recalls(client, round_a, lab, community_a):
    url = f"/rounds/{round_a.public_id}/results/"
    recalls = f"/rounds/{round_a.public_id}/recalls/"
    client.force_login(lab)
    content = csv([(T1, "阳性（+）"), (T2, "阴性"), (T3, "maybe"), (T4, "阴性"), (T4, "阳性")])
    page = client.post(url, {"file": SimpleUploadedFile("r.csv", content)}).content.decode()
    for name, count in (("rows", 5), ("recorded", 2), ("unchanged", 0), ("held", 2), ("error", 1)):
        assert f'id="{name}-count">{count}<' in page, name
    assert 'id="positive-count">1<' in page
    assert recalls not in page  # a lab does not see the recall list: told the community works it
    both = make_user_with_role("lab-and-worker", "lab", "5101")
    from gongzhi.places.services import role_assignment_create

    role_assignment_create(user=both, role="community_worker", area_code=community_a.code)
    client.force_login(both)
    go_on = f'<a class="button" href="{recalls}">'  # the button after a positive (the round's links aside)
    page = client.post(url, {"file": SimpleUploadedFile("r.csv", csv([(T5, "阳性")]))}).content.decode()
    assert go_on in page
    page = client.post(url, {"file": SimpleUploadedFile("r.csv", csv([(T6, "阴性")]))}).content.decode()
    assert go_on not in page  # no positive in this file: nothing to go on to
    assert f'href="{recalls}"' in page  # the round's own links still lead there


def test_a_row_that_cannot_be_read_holds_its_tubes_other_rows(round_a, lab):
    # 弱阳性 (not a result this platform records) beside 阴性 for T1; an uncalculated formula beside
    # 阳性 for T2: neither tube is recorded from the readable row alone, both are held with every row
    content = workbook(
        [
            (T1, "阴性"),  # 2
            (T1, "弱阳性"),  # 3
            (T2, '=IF(1,"阴性")'),  # 4: a formula nobody calculated
            (T2, "阳性"),  # 5
            (T3, "阴性"),  # 6
        ]
    )
    outcome = run(lab, round_a, "结果.xlsx", content)
    assert outcome["rows"] == 5 == accounted(outcome)
    assert [(a["row"], a["barcode"]) for a in outcome["held"]] == [(2, T1), (5, T2)]
    assert [(e["row"], e["code"]) for e in outcome["errors"]] == [(3, "result_unknown"), (4, "formula_no_value")]
    assert status()[T1] == "closed" and status()[T2] == "closed" and status()[T3] == "negative"
    held = {c.barcode: [r["row"] for r in c.rows] for c in ResultConflict.objects.filter(resolved_at=None)}
    assert held == {T1: [2, 3], T2: [4, 5]}


def test_columns_read_for_nothing_are_reported_and_a_second_result_column_refuses_the_file(round_a, lab):
    ignored = run(lab, round_a, "结果.csv", csv([("2", "李四", T1, "阴性")], header="序号,姓名,管号,结果"))

    assert ignored["recorded"] == 1 and ignored["ignored"] == ["序号", "姓名"]
    with pytest.raises(ApplicationError, match="文件中有不止一列“结果”（B、C列）"):
        run(lab, round_a, "结果.csv", csv([(T2, "阴性", "阳性")], header="管号,结果,结果"))
    assert status()[T2] == "closed"  # nothing recorded from a file whose lab result is ambiguous


def test_a_barcode_excel_held_as_a_number_is_told_its_leading_zero_may_be_gone(round_a, lab):
    book = openpyxl.Workbook()
    book.active.append(["管号", "结果"])
    book.active.append([1700100004, "阴性"])  # was 01700100004 before Excel made it a number
    book.active.append(["1700100005", "阴性"])  # typed as text: no such tube, nothing to add
    buffer = io.BytesIO()
    book.save(buffer)

    errors = run(lab, round_a, "结果.xlsx", buffer.getvalue())["errors"]

    assert [(e["row"], e["code"]) for e in errors] == [(2, "no_such_tube_number"), (3, "no_such_tube")]
    assert "开头的0可能被Excel去掉了" in errors[0]["message"]
