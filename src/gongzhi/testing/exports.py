"""The untested list as a door-knocking workbook."""

from gongzhi.core import access, roles
from gongzhi.core.masking import mask_id_number, mask_phone
from gongzhi.core.workbook import new_workbook, workbook_bytes

HEADER = ["网格", "楼栋", "单元", "房号", "姓名", "身份证号", "联系电话", "重点人群"]
MAX_ROWS = 200_000


def untested_workbook(residents, *, viewer) -> tuple[bytes, list[str], list[str]]:
    """Rows ordered by grid, building, unit and room; ID and phone masked (the door is what counts);
    the vulnerability tags (health status) only where the viewer holds residents.health over the row.
    Returns the file, the resident ids written and their community codes, for the audit log.
    Names, grids and buildings are text as typed (core.workbook: never a formula)."""
    wb = new_workbook(write_only=True)
    ws = wb.create_sheet("未检测")
    ws.append(HEADER)
    ids, codes = [], set()
    for r in residents.prefetch_related("tags")[:MAX_ROWS]:
        h = r.household
        ws.append(
            [
                h.building.grid.name,
                h.building.label,
                h.unit,
                h.room,
                r.name,
                mask_id_number(r.id_number),
                mask_phone(r.phone),
                "、".join(t.get_tag_display() for t in r.tags.all())
                if access.may(viewer, roles.VIEW_HEALTH, r)
                else "",
            ]
        )
        ids.append(r.public_id)
        codes.add(r.community_code)
    return workbook_bytes(wb), ids, sorted(codes)


RECALL_HEADER = ["管号", "网格", "住址", "姓名", "联系电话", "状态"]


def recall_workbook(rows) -> bytes:
    """The recall list as the callers' workbook: each member with the phone as the viewer sees it
    on the page (in full where they call the members, masked elsewhere)."""
    wb = new_workbook(write_only=True)
    ws = wb.create_sheet("阳性复核")
    ws.append(RECALL_HEADER)
    for recall, pii, _steps in rows:
        household = recall.resident.household
        ws.append(
            [
                recall.tube.barcode,
                household.building.grid.name if household.building.grid_id else "",
                household.address,
                recall.resident.name,
                pii.phone,
                recall.get_status_display(),
            ]
        )
    return workbook_bytes(wb)
