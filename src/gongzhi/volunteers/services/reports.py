"""Reports that leave the platform: a work unit's volunteers and hours (.xlsx or PDF), audited."""

from django.utils import timezone

from gongzhi.core.models import AuditEvent
from gongzhi.core.services import audit_record
from gongzhi.core.workbook import new_workbook, workbook_bytes
from gongzhi.volunteers import documents
from gongzhi.volunteers.models import Organisation


def unit_report_export(*, actor, unit: Organisation, report: dict, fmt: str, ip_address: str | None = None) -> bytes:
    """The unit report in `fmt` ("xlsx" or "pdf") from `selectors.unit_report`, audited with its rows
    before it leaves. Raises ApplicationError when the PDF cannot be made (no CJK font)."""
    volunteers = report["volunteers"]
    rows = documents.unit_report_rows(volunteers, report["community_names"], report["certificates"])
    if fmt == "xlsx":
        content = documents.unit_report_xlsx(unit.name, rows)
    else:
        content = documents.unit_report_pdf(unit.name, rows)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        entity="unit_report",
        row_ids=[v.public_id for v in volunteers],
        area_codes=[v.community_code for v in volunteers] or [unit.community_code],
        detail={"unit": unit.public_id, "format": fmt},
        ip_address=ip_address,
    )
    return content


def roster_export(*, actor, community_code: str, day, rows) -> bytes:
    """A day's roster as .xlsx: time, post, volunteer, how they were put there. Names only (no
    numbers); the export is audited with the volunteers it lists."""
    book = new_workbook()
    sheet = book.active
    sheet.title = "排班表"
    sheet.append(["日期", "开始", "结束", "岗位", "志愿者", "安排方式"])
    for a in rows:
        starts, ends = timezone.localtime(a.shift.starts_at), timezone.localtime(a.shift.ends_at)
        sheet.append(
            [day.isoformat(), starts.strftime("%H:%M"), ends.strftime("%H:%M"), a.shift.post.name, a.volunteer.name,
             a.get_source_display()]
        )  # fmt: skip
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        entity="roster",
        row_ids=[a.volunteer.public_id for a in rows],
        area_codes=[community_code],
        detail={"day": day.isoformat()},
    )
    return workbook_bytes(book)
