"""Reports that leave the platform: a work unit's volunteers and hours (.xlsx or PDF), audited."""

from gongzhi.core.models import AuditEvent
from gongzhi.core.services import audit_record
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
