"""Residents to .xlsx: the roster template, and the export of any filtered resident list.

The export is written with openpyxl's write-only workbook into a temporary file while the
queryset is read in chunks, so 200,000 rows never sit in memory as cells. Its headers are the
importer's, so a full export can be edited and imported back.
"""

import datetime as dt
import tempfile

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from gongzhi.core import access, roles
from gongzhi.core import workbook as xlsx
from gongzhi.core.masking import mask_id_number, mask_phone
from gongzhi.core.models import AuditEvent
from gongzhi.core.pii import personal_data, pii_scope_q
from gongzhi.core.replica import reading_from_replica
from gongzhi.core.services import audit_record
from gongzhi.people import register_rules
from gongzhi.people.id_rules import make_id_number
from gongzhi.people.models import Gender, Resident, VulnerabilityTag
from gongzhi.people.selectors import resident_list

EXPORT_MAX_ROWS = 200_000
EXPORT_CHUNK = 2000
TEXT = "@"
EXPORT_HEADERS = (
    "姓名",
    "身份证号",
    "联系电话",
    "性别",
    "出生日期",
    "住址",
    "网格",
    "楼栋",
    "单元",
    "房号",
    "与户主关系",
    "重点人群",
)
MASKED_EXPORT_HEADERS = tuple("年龄段" if h == "出生日期" else h for h in EXPORT_HEADERS)
_WIDTHS = (10, 22, 15, 6, 12, 30, 8, 8, 6, 8, 12, 24)
_TEMPLATE_WIDTHS = (10, 22, 15, 8, 8, 6, 8, 12, 20, 14, 20)
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


class ExportTooLarge(Exception):
    pass


def _chinese_labels(choices) -> dict[str, str]:
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in choices}


def register_template_workbook() -> bytes:
    """The blank roster to fill in: a title row, the header, one example row (not imported),
    ID and phone columns as text so Excel keeps every digit, and a sheet of instructions."""
    workbook = xlsx.new_workbook()
    sheet = workbook.active
    sheet.title = "花名册"
    width = len(register_rules.TEMPLATE_HEADERS)
    sheet.append(["居民花名册（社区：____________  填表人：________  日期：________）"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(list(register_rules.TEMPLATE_HEADERS))
    for cell in sheet[2]:
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
    example_id = make_id_number("510104", dt.date(1980, 5, 17), 1, male=True)
    sheet.append(
        [
            "示例-张三",
            example_id,
            "13800138000",
            "1",
            "3栋",
            "2单元",
            "501",
            "户主",
            "独居老人、慢性病",
            "1980-05-17",
            "示例行不会导入，可删除",
        ]
    )
    grey = Font(italic=True, color="808080")
    for cell in sheet[3]:
        cell.font = grey
    for position, column_width in enumerate(_TEMPLATE_WIDTHS, start=1):
        letter = get_column_letter(position)
        sheet.column_dimensions[letter].width = column_width
    for name in ("id_number", "phone", "birth_date", "room"):
        letter = get_column_letter(list(register_rules.COLUMNS).index(name) + 1)
        sheet.column_dimensions[letter].number_format = TEXT
        sheet[f"{letter}3"].number_format = TEXT
    sheet.freeze_panes = "A3"
    _instructions(workbook.create_sheet("填写说明"))
    return xlsx.workbook_bytes(workbook)


def _instructions(sheet) -> None:
    labels = "、".join(_chinese_labels(VulnerabilityTag.choices).values())
    lines = [
        ("列", "说明"),
        ("姓名", "必填，最多50个字"),
        (
            "身份证号",
            "必填，18位；请保持本列为“文本”格式，否则Excel会把号码变成5.10104E+17并丢失后几位",
        ),
        (
            "联系电话",
            "选填，11位手机号，或座机号如 028-85551234（没有区号时写 85551234）；不填写（或填“无”“/”）时，"
            "导入不会改动已登记的电话。有两列电话（如“联系电话”和“手机号码”）时，第一列空着的用第二列的号码；"
            "两列号码不同时只导入第一列的，并在预览中提示",
        ),
        ("网格", "必填，如 1 或 第1网格；社区里没有的网格会自动建立"),
        (
            "楼栋",
            "必填，如 3、3栋 或 3号楼，按楼栋名称（或社区内的楼栋编号）找到已有楼栋，须填写它所在的网格；"
            "社区里几个小区都有同名的楼栋（如都有“1栋”）时，须在本列前加一列“小区”，否则该行报错；"
            "社区里没有的楼栋会自动建立",
        ),
        (
            "小区",
            "模板中没有这一列，社区有几个小区时请自行加上（列名写“小区”或“院落”），如 明珠华庭："
            "按小区名称和楼栋名称找到楼栋；该小区还没有这栋楼时会新建，并在预览中提示",
        ),
        ("单元", "选填，如 2 或 2单元；不填为1单元"),
        ("房号", "必填，如 501"),
        ("与户主关系", "选填，如 户主、配偶、子女；不填写时不改动已登记的"),
        ("重点人群", f"选填，可填多个，用“、”或“，”分隔：{labels}；填写时以本格为准，不填写时不改动已登记的"),
        (
            "出生日期(选填)",
            "选填，如 1980-05-17；填写时须与身份证号中的出生日期一致；无法识别的写法只提示，按身份证号中的出生日期登记",
        ),
        ("备注", "选填，最多500个字；不填写时不改动已登记的"),
        ("", ""),
        (
            "导入规则",
            "表头可在前10行内，表头上方的标题行会被忽略；空行会被跳过；以“示例”开头的行不会导入",
        ),
        ("", "合并的单元格（如一户几口人合并的网格、楼栋、房号）按每一行都填了这个值导入"),
        ("", "表格末尾以“合计”“填表人”“制表”“审核”等开头的行会被跳过，并在预览中列出"),
        ("", "隐藏的行（如筛选后看不见的行）也会导入，预览中会提示有几行"),
        ("", "有错误的行会逐行列出：可以改正后重新上传，也可以确认只导入没有错误的行"),
        ("", "已在本社区登记的身份证号会按表格内容更新；已在其他社区登记的身份证号不能导入"),
        ("", "表格中没有的居民不会被删除"),
        ("", "单元格留空时，导入不会删除已登记的电话、关系、重点人群和备注；要删除请在居民页面修改"),
        ("", "也可上传CSV文件（UTF-8或GBK编码）；不支持旧版.xls，请另存为.xlsx"),
    ]
    for line in lines:
        sheet.append(list(line))
    sheet["A1"].font = sheet["B1"].font = _HEADER_FONT
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 100


def export_queryset(*, user, full: bool, filters: dict):
    """The residents of a list (same filters) that the user may export, in full (only those whose
    numbers the user may see in full) or masked, and what the search box asked for."""
    rows, query = resident_list(user=user, capability=roles.EXPORT_RESIDENTS, **filters)
    if full:
        rows = rows.filter(pii_scope_q(user, Resident))
    return rows.select_related("household__building__grid"), query


def _text(value: str, sheet):
    return xlsx.cell(sheet, value, number_format=TEXT)


def _date(value: dt.date, sheet):
    return xlsx.cell(sheet, value, number_format="yyyy-mm-dd")


def resident_export(*, actor, filters: dict, full: bool, ip_address: str | None = None):
    """Write the filtered residents to a temporary .xlsx file and audit the export.

    Returns (open file positioned at 0, row count). Raises ExportTooLarge past EXPORT_MAX_ROWS.
    """
    # The rows may come from the replica (an export may trail the primary by a moment); the audit
    # below is a write, on the primary.
    with reading_from_replica():
        qs, query = export_queryset(user=actor, full=full, filters=filters)
        if qs[: EXPORT_MAX_ROWS + 1].count() > EXPORT_MAX_ROWS:
            raise ExportTooLarge(
                _("导出结果超过{limit}行，请按街道、社区、网格或楼栋缩小范围后再导出").format(limit=EXPORT_MAX_ROWS)
            )
        genders = _chinese_labels(Gender.choices)
        tag_labels = _chinese_labels(VulnerabilityTag.choices)
        workbook = xlsx.new_workbook(write_only=True)
        sheet = workbook.create_sheet("居民")
        for position, column_width in enumerate(_WIDTHS, start=1):
            sheet.column_dimensions[get_column_letter(position)].width = column_width
        # Masked, the birth date would give the ID number away: the age group stands in for it.
        titles = EXPORT_HEADERS if full else MASKED_EXPORT_HEADERS
        sheet.append([xlsx.cell(sheet, title, font=_HEADER_FONT, fill=_HEADER_FILL) for title in titles])
        row_ids, codes = [], set()
        today = timezone.localdate()
        for resident in qs.iterator(chunk_size=EXPORT_CHUNK):
            household = resident.household
            building = household.building
            pii = personal_data(
                id_number=resident.id_number,
                phone=resident.phone,
                birth_date=resident.birth_date,
                full=full,
                today=today,
            )
            sheet.append(
                [
                    resident.name,
                    _text(pii.id_number, sheet),
                    _text(pii.phone, sheet),
                    genders.get(resident.gender, ""),
                    _date(pii.birth_date, sheet) if pii.birth_date else pii.age_group,
                    household.address,
                    building.grid.number,
                    building.number,
                    household.unit,
                    _text(household.room, sheet),
                    resident.relation,
                    # health status: only where the exporting user holds residents.health over the row
                    "、".join(tag_labels.get(t.tag, t.tag) for t in resident.tags.all())
                    if access.may(actor, roles.VIEW_HEALTH, resident)
                    else "",
                ]
            )
            row_ids.append(resident.public_id)
            codes.add(resident.community_code)
    output = tempfile.TemporaryFile()
    workbook.save(output)
    output.seek(0)
    # Audited before the file leaves: no audit, no data.
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT_FULL if full else AuditEvent.Action.EXPORT,
        entity="resident",
        row_ids=row_ids,
        area_codes=codes or {filters.get("area_code", "")},
        detail={"filters": _filters_for_log(filters, query), "full": full},
        ip_address=ip_address,
    )
    return output, len(row_ids)


def _filters_for_log(filters: dict, query) -> dict:
    """The export's filters as logged: a full number searched for is kept masked."""
    logged = {k: v for k, v in filters.items() if v}
    if query.is_full:
        logged["q"] = mask_id_number(query.value) if len(query.value) == 18 else mask_phone(query.value)
    return logged


def export_file_name(filters: dict, area_name: str = "") -> str:
    """水井坊社区居委会-居民名单-2022-09-05.xlsx: the area's name (all of the user's areas when none
    was chosen), what it holds, the day."""
    return xlsx.file_name(area_name or filters.get("area_code", ""), _("居民名单"))
