"""The untested list as a door-knocking workbook: an export of people's names, audited."""

from gongzhi.core.models import AuditEvent
from gongzhi.core.replica import reading_from_replica
from gongzhi.core.services import audit_record
from gongzhi.testing import exports
from gongzhi.testing.models import Round


def untested_export(*, actor, round_: Round, residents, area_code: str = "", narrowed_to: dict | None = None) -> bytes:
    """The untested list as a door-knocking workbook; the export is audited with its rows and the grid
    or building it was narrowed to (`narrowed_to`: {"grid": public id} or {"building": …}). The list
    is read from the replica when there is one (a moment behind the primary); the audit goes to the
    primary, outside that read."""
    with reading_from_replica():
        content, row_ids, codes = exports.untested_workbook(residents, viewer=actor)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        entity="untested",
        row_ids=row_ids,
        area_codes=codes or [area_code or round_.area_code],
        detail={"round": round_.public_id, **(narrowed_to or {})},
    )
    return content
